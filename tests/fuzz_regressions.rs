#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Inputs the fuzz targets (`fuzz/`) crashed on, kept in `tests/data/fuzz/`:
//! every file goes through the entry points of the target its name starts
//! with (`policy_loader-`, `expression-`, `case_loader-`, `corpus_loader-`)
//! and must give a typed error or a result, without a panic or a stack
//! overflow. Each file runs in a child process, on a thread with the 2 MiB
//! stack test threads get, so one crash names its file and spares the rest.
//!
//! Files of bugs still open would be listed in [`OPEN`] (none are): move a file out of the list when its
//! bug is fixed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use accountable::engine::Evaluator;
use accountable::explain::{Lang, render};
use accountable::io::{CorpusReader, case_from_str, corpus_from_str};
use accountable::policy::expr::syntax::{MAX_LEN, parse};
use accountable::policy::{Policy, checker};
use chrono::NaiveDate;

/// Inputs of bugs not fixed yet, with the bug.
const OPEN: &[(&str, &str)] = &[];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz")
}

fn files() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

fn bundled() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| Policy::bundled().unwrap())
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
}

/// As `fuzz/fuzz_targets/policy_loader.rs`.
fn policy_loader(text: &str) {
    match Policy::from_toml_str(text, "fuzz.toml") {
        Ok(p) => {
            let _ = checker::check(&p).is_clean();
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    let _ = checker::check_text(text, "fuzz.toml");
    if text.contains("[overlay]") {
        match bundled().with_overlay(text, "fuzz.overlay.toml") {
            Ok(p) => {
                let _ = checker::check(&p);
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

/// The policy head of `fuzz/fuzz_targets/expression.rs`.
const HEAD: &str = r#"[policy]
id = "fuzz"
version = "1"
title_vi = "fuzz"
title_en = "fuzz"
valid_from = 2018-06-21

[[source]]
key = "nd157"
document = "Nghị định 157/2007/NĐ-CP"
issuer = "Chính phủ"
verified = true

[[param]]
name = "days"
value = 5
unit = "working_days"
label_vi = "fuzz"
label_en = "fuzz"
default = true

[[rule]]
id = "avoid.fuzz"
kind = "avoidance"
label_vi = "fuzz"
label_en = "fuzz"
cite = { source = "nd157", article = "10" }
behaviour = "no_follow_up"
severity = "moderate"
"#;

/// The condition in the one rule of the policy [`HEAD`] starts, in scope
/// 0 (task), 1 (step) or 2 (event).
fn wrap(cond: &str, scope: usize) -> String {
    let (scope_line, who) = match scope {
        0 => ("for = \"task\"", "head_of(task.unit, task.end)"),
        1 => ("for = \"step\"", "step.assignee"),
        _ => ("for = \"event\"", "e.actor"),
    };
    format!("{HEAD}{scope_line}\nwho = \"{who}\"\nwhen = '''{cond}'''\n")
}

/// As `fuzz/fuzz_targets/expression.rs`, for every scope rather than the one the length picks.
fn expression(text: &str) {
    if let Err(e) = parse(text) {
        assert!(e.span.start <= e.span.end && e.span.end <= text.len().max(1));
    }
    if text.len() > MAX_LEN || text.contains("'''") || text.ends_with('\'') {
        return;
    }
    let case = case_from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dept.json"),
        )
        .unwrap(),
        "dept.json",
    )
    .unwrap();
    for scope in 0..3 {
        let Ok(policy) = Policy::from_toml_str(&wrap(text, scope), "fuzz.toml") else {
            continue;
        };
        let _ = checker::check(&policy);
        let _ =
            Evaluator::new(&policy).evaluate(&case, NaiveDate::from_ymd_opt(2025, 6, 30).unwrap());
    }
}

/// As `fuzz/fuzz_targets/case_loader.rs`.
fn case_loader(text: &str) {
    match case_from_str(text, "fuzz.json") {
        Ok(case) => {
            if let Ok(d) = Evaluator::new(bundled()).evaluate(&case, as_of()) {
                let _ = render(&d, bundled(), &case, Lang::En, true);
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// As `fuzz/fuzz_targets/corpus_loader.rs`.
fn corpus_loader(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Err(e) = corpus_from_str(text, "fuzz.jsonl")
    {
        assert!(!e.to_string().is_empty());
    }
    if let Ok(reader) = CorpusReader::new(bytes, "fuzz.jsonl") {
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        let items = reader.count();
        assert!(items <= lines, "{items} items from {lines} lines");
    }
}

/// Feeds one file to the entry points its name selects.
fn run_file(name: &str) {
    let bytes = std::fs::read(dir().join(name)).unwrap();
    let text = std::str::from_utf8(&bytes);
    let target = name.split('-').next().unwrap_or("");
    match (target, text) {
        ("policy_loader", Ok(t)) => policy_loader(t),
        ("expression", Ok(t)) => expression(t),
        ("case_loader", Ok(t)) => case_loader(t),
        ("corpus_loader", _) => corpus_loader(&bytes),
        // The targets drop input that is not UTF-8.
        (_, Err(_)) => {}
        _ => panic!("`{name}`: the name must start with a target and `-`"),
    }
}

const CHILD_ENV: &str = "FUZZ_REGRESSION_FILE";

/// The child's side: runs the file named in the environment, if any.
#[test]
fn child() {
    let Some(name) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let name = name.into_string().unwrap();
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || run_file(&name))
        .unwrap()
        .join()
        .unwrap();
}

/// Runs each file in a child process; returns the failures.
fn run_in_children(names: &[&str]) -> Vec<String> {
    let mut failed = Vec::new();
    for name in names {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, name)
            .output()
            .unwrap();
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let why: Vec<&str> = stderr
                .lines()
                .filter(|l| l.contains("panicked") || l.contains("overflow") || l.contains("fatal"))
                .take(3)
                .collect();
            failed.push(format!("{name}: {} {}", out.status, why.join(" | ")));
        }
    }
    failed
}

#[test]
fn the_expression_wrapper_loads_in_every_scope() {
    // Else the expression target would stop at the loader and never check or evaluate.
    for scope in 0..3 {
        let p = Policy::from_toml_str(&wrap("true", scope), "fuzz.toml");
        assert!(p.is_ok(), "scope {scope}: {}", p.err().unwrap());
    }
}

#[test]
fn every_file_is_named_for_a_target() {
    let names = files();
    assert!(!names.is_empty());
    for n in &names {
        assert!(n.contains("bad"), "`{n}` should say `bad`");
        let target = n.split('-').next().unwrap();
        assert!(
            [
                "policy_loader",
                "expression",
                "case_loader",
                "corpus_loader"
            ]
            .contains(&target),
            "`{n}`: unknown target `{target}`"
        );
    }
    for (open, _) in OPEN {
        assert!(
            names.iter().any(|n| n == open),
            "OPEN lists `{open}`, not in the folder"
        );
    }
}

#[test]
fn fixed_inputs_give_a_result_or_a_typed_error() {
    let names = files();
    let fixed: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !OPEN.iter().any(|(o, _)| o == n))
        .collect();
    let failed = run_in_children(&fixed);
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
