//! Policy files: bytes → UTF-8 → `Policy::from_toml_str`; a policy that
//! loads is run through the checker. Text that looks like an overlay is
//! also stacked on the bundled policy.
#![no_main]

use std::sync::LazyLock;

use accountable::policy::{Policy, checker};
use libfuzzer_sys::fuzz_target;

static BUNDLED: LazyLock<Option<Policy>> = LazyLock::new(|| Policy::bundled().ok());

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Policy::from_toml_str(text, "fuzz.toml") {
        Ok(policy) => {
            let report = checker::check(&policy);
            let _ = report.is_clean();
        }
        Err(e) => {
            // Rendering the error must not panic either.
            let _ = e.to_string();
        }
    }
    let _ = checker::check_text(text, "fuzz.toml");
    if text.contains("[overlay]")
        && let Some(base) = BUNDLED.as_ref()
    {
        match base.with_overlay(text, "fuzz.overlay.toml") {
            Ok(p) => {
                let _ = checker::check(&p);
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
