//! Runs clause tests against a policy and reports pass/fail, diffs with
//! explanations, and rule coverage.
//!
//! ```text
//! cargo run --release --example clause_tests                       # bundled tests, bundled policy
//! cargo run --release --example clause_tests -- DIR [--policy FILE] [--min-coverage N]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use accountable::clausetest::{load_dir, render_report, run};
use accountable::policy::Policy;

fn main() -> ExitCode {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut policy_path: Option<String> = None;
    let mut min: Option<f64> = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--policy" => policy_path = it.next(),
            "--min-coverage" => {
                match it.next().and_then(|v| v.trim_end_matches('%').parse().ok()) {
                    Some(v) => min = Some(v),
                    None => {
                        eprintln!("error: --min-coverage needs a number");
                        return ExitCode::FAILURE;
                    }
                }
            }
            other if other.starts_with("--") => {
                eprintln!("error: unknown option `{other}`");
                return ExitCode::FAILURE;
            }
            other => dirs.push(PathBuf::from(other)),
        }
    }
    if dirs.is_empty() {
        dirs = vec![
            PathBuf::from("policies/tests/vn-2023"),
            PathBuf::from("tests/scenarios"),
        ];
    }
    let policy = match &policy_path {
        Some(p) => Policy::load(std::path::Path::new(p)),
        None => Policy::bundled(),
    };
    let policy = match policy {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut tests = Vec::new();
    for d in &dirs {
        match load_dir(d) {
            Ok(t) => tests.extend(t),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let report = run(&policy, &tests);
    print!("{}", render_report(&report));
    if report.failed() > 0 {
        return ExitCode::FAILURE;
    }
    if let Some(m) = min
        && report.coverage.percent < m
    {
        eprintln!(
            "error: rule coverage {:.1}% is below --min-coverage {m}%",
            report.coverage.percent
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
