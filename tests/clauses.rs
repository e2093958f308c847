//! Runs the bundled clause tests and the scenario corpus through the public
//! runner: every test must pass, and every rule of the bundled policy must be
//! exercised both firing and not firing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use accountable::clausetest::{load_dir, render_report, run};
use accountable::policy::Policy;

fn all_tests() -> Vec<accountable::clausetest::ClauseTest> {
    let mut tests = load_dir(Path::new("policies/tests/vn-2023")).unwrap();
    tests.extend(load_dir(Path::new("tests/scenarios")).unwrap());
    tests
}

#[test]
fn bundled_clause_tests_and_scenarios_pass_with_full_coverage() {
    let policy = Policy::bundled().unwrap();
    let report = run(&policy, &all_tests());
    let text = render_report(&report);
    assert_eq!(report.failed(), 0, "{text}");
    assert!(
        report.coverage.uncovered.is_empty(),
        "rules never exercised both ways: {:?}",
        report.coverage.uncovered
    );
    assert!((report.coverage.percent - 100.0).abs() < f64::EPSILON);
}

#[test]
fn every_bundled_rule_is_exercised_by_some_scenario() {
    let policy = Policy::bundled().unwrap();
    let tests = load_dir(Path::new("tests/scenarios")).unwrap();
    let report = run(&policy, &tests);
    let never: Vec<String> = policy
        .rules()
        .iter()
        .map(|r| r.id.to_string())
        .filter(|id| !report.coverage.fired.contains(id))
        .collect();
    assert!(never.is_empty(), "rules no scenario exercises: {never:?}");
}

#[test]
fn scenario_corpus_is_large_enough_and_exact() {
    let tests = load_dir(Path::new("tests/scenarios")).unwrap();
    let files: std::collections::BTreeSet<_> = tests.iter().map(|t| t.file.clone()).collect();
    assert!(files.len() >= 60, "only {} scenario files", files.len());
    for t in &tests {
        assert!(
            t.expect.findings.is_some() && t.expect.mode.as_deref() != Some("contains"),
            "scenario `{}` in {} must list its exact findings",
            t.name,
            t.file
        );
    }
}

/// A finding's `step` and `evidence`, when a test gives them, must be the
/// finding's own: a wrong step or wrong evidence fails the test, and in
/// exact mode the finding that came instead is named with both.
#[test]
fn a_finding_s_step_and_evidence_are_pinned_when_given() {
    let policy = Policy::bundled().unwrap();
    let base = Path::new("policies/tests/vn-2023");
    let case = |expect: &str| {
        format!(
            r#"
[[test]]
name = "pinned"
clause = "avoid.upward_push"
fixture = "dept"
as_of = "2025-06-30"
add_events = [
  {{ id = "u1", at = "2025-03-05T09:00:00+07:00", actor = "cv", step = "s1", kind = "transferred_up", to_unit = "ubnd" }},
]
[test.expect]
findings = [{expect}]
"#
        )
    };
    let diffs = |expect: &str| {
        let tests = accountable::clausetest::load_str(
            &case(expect),
            "pinned.toml",
            base,
            &mut vec![base.join("fixtures")],
        )
        .unwrap();
        run(&policy, &tests).results[0].diff.clone()
    };
    let right =
        r#"{ rule = "avoid.upward_push", official = "cv", step = "s1", evidence = ["u1"] }"#;
    assert_eq!(diffs(right), Vec::<String>::new());
    // Either pin alone, and neither, also pass.
    for ok in [
        r#"{ rule = "avoid.upward_push", official = "cv", step = "s1" }"#,
        r#"{ rule = "avoid.upward_push", official = "cv", evidence = ["u1"] }"#,
        r#"{ rule = "avoid.upward_push", official = "cv" }"#,
    ] {
        assert_eq!(diffs(ok), Vec::<String>::new(), "{ok}");
    }
    assert_eq!(
        diffs(r#"{ rule = "avoid.upward_push", official = "cv", step = "s2", evidence = ["u1"] }"#),
        vec![
            "- expected finding avoid.upward_push for cv at s2 on evidence [u1]",
            "+ unexpected finding avoid.upward_push for cv at s1 on evidence [u1]",
        ]
    );
    assert_eq!(
        diffs(r#"{ rule = "avoid.upward_push", official = "cv", evidence = [] }"#),
        vec![
            "- expected finding avoid.upward_push for cv on evidence []",
            "+ unexpected finding avoid.upward_push for cv on evidence [u1]",
        ]
    );
    assert_eq!(
        diffs(r#"{ rule = "avoid.upward_push", official = "cv", evidence = ["u1", "u1"] }"#),
        vec![
            "- expected finding avoid.upward_push for cv on evidence [u1, u1]",
            "+ unexpected finding avoid.upward_push for cv on evidence [u1]",
        ]
    );
}
