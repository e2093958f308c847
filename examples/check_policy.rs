//! Checks a policy before it is enacted: load errors (type errors, unknown
//! names), rules that can never fire, exceptions that can never defeat their
//! target, unused parameters, unconfirmed citations, and — given a unit's
//! working regulation — steps with no or several primary accountable
//! individuals. Exit status 0 when there is no error and no warning.
//!
//! ```text
//! cargo run --release --example check_policy -- policies/vn-2023.toml
//! cargo run --release --example check_policy -- FILE [--overlay FILE]... [--regulation REG.json --as-of YYYY-MM-DD] [--json] [--quiet-info]
//! ```
//! A regulation file is a JSON corpus: `{"organisation": …, "tasks": [{"task": …}]}`
//! with the steps and their assignments; events are not needed.

use std::process::ExitCode;

use accountable::model::Corpus;
use accountable::policy::Policy;
use accountable::policy::checker::{Report, Severity, check, check_regulation};

fn main() -> ExitCode {
    let mut file = None;
    let mut overlays = Vec::new();
    let mut regulation = None;
    let mut as_of = accountable::sample::as_of();
    let mut json = false;
    let mut quiet = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--overlay" => overlays.extend(it.next()),
            "--regulation" => regulation = it.next(),
            "--as-of" => match it.next().and_then(|v| v.parse().ok()) {
                Some(d) => as_of = d,
                None => {
                    eprintln!("error: --as-of needs a date YYYY-MM-DD");
                    return ExitCode::from(2);
                }
            },
            "--json" => json = true,
            "--quiet-info" => quiet = true,
            other => file = Some(other.to_string()),
        }
    }
    let Some(file) = file else {
        eprintln!(
            "usage: check_policy FILE [--overlay FILE]... [--regulation REG.json] [--as-of DATE] [--json]"
        );
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read `{file}`: {e}");
            return ExitCode::from(2);
        }
    };
    let mut policy = Policy::from_toml_str(&text, &file);
    for o in &overlays {
        policy = policy.and_then(|p| p.with_overlay_file(std::path::Path::new(o)));
    }
    let mut report = match &policy {
        Ok(p) => check(p),
        Err(e) => Report::from(e.clone()),
    };
    if let (Ok(p), Some(reg)) = (&policy, &regulation) {
        match std::fs::read_to_string(reg) {
            Ok(t) => match serde_json::from_str::<Corpus>(&t) {
                Ok(c) => report
                    .items
                    .extend(check_regulation(p, &c, reg, &t, as_of).items),
                Err(e) => {
                    eprintln!("error: {reg}:{}:{}: {e}", e.line(), e.column());
                    return ExitCode::from(2);
                }
            },
            Err(e) => {
                eprintln!("error: cannot read `{reg}`: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        for i in report
            .items
            .iter()
            .filter(|i| !quiet || i.severity != Severity::Info)
        {
            println!("{i}");
        }
        let count = |s: Severity| report.items.iter().filter(|i| i.severity == s).count();
        println!(
            "{} error(s), {} warning(s), {} note(s)",
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info)
        );
    }
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
