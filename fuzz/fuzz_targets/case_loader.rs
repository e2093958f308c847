//! Case files: bytes → UTF-8 → `case_from_str`; a valid case is evaluated
//! with the bundled policy as of 2026-03-31 and its determination rendered.
#![no_main]

use std::sync::LazyLock;

use accountable::engine::Evaluator;
use accountable::explain::{Lang, render};
use accountable::io::case_from_str;
use accountable::policy::Policy;
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

static BUNDLED: LazyLock<Option<Policy>> = LazyLock::new(|| Policy::bundled().ok());

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let case = match case_from_str(text, "fuzz.json") {
        Ok(c) => c,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let (Some(policy), Some(as_of)) = (BUNDLED.as_ref(), NaiveDate::from_ymd_opt(2026, 3, 31))
    else {
        return;
    };
    if let Ok(d) = Evaluator::new(policy).evaluate(&case, as_of) {
        let _ = render(&d, policy, &case, Lang::En, true);
    }
});
