//! Mutation tests of the bundled policy's clause tests: a policy with one clause changed (a threshold raised, a rule taken out of force) makes exactly the clause tests that encode it fail, each with a diff naming the rule.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use accountable::clausetest::{ClauseTest, RunReport, load_file, run};
use accountable::policy::{BUNDLED_2023, Policy};

fn tests_of(files: &[&str]) -> Vec<ClauseTest> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/tests/vn-2023");
    let mut out = Vec::new();
    for f in files {
        out.extend(load_file(&dir.join(f), &[] as &[PathBuf]).unwrap());
    }
    out
}

/// The bundled text with `from` replaced by `to` exactly once.
fn mutate(from: &str, to: &str) -> Policy {
    assert_eq!(
        BUNDLED_2023.matches(from).count(),
        1,
        "the mutation anchor `{from}` must occur exactly once in the bundled policy"
    );
    let text = BUNDLED_2023.replacen(from, to, 1);
    assert_ne!(text, BUNDLED_2023);
    Policy::from_toml_str(&text, "mutated vn-2023.toml").unwrap()
}

fn failed(report: &RunReport) -> BTreeSet<String> {
    report
        .results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| r.name.clone())
        .collect()
}

fn names(xs: &[&str]) -> BTreeSet<String> {
    xs.iter().map(|s| (*s).to_string()).collect()
}

/// Every failing test's diff is non-empty and every line names `rule`.
fn assert_diffs_name(report: &RunReport, rule: &str) {
    for r in report.results.iter().filter(|r| !r.passed) {
        assert!(!r.diff.is_empty(), "`{}` failed with no diff", r.name);
        for line in &r.diff {
            assert!(
                line.contains(rule),
                "`{}`: diff line `{line}` does not name {rule}",
                r.name
            );
        }
    }
}

const BARE_FILES: &[&str] = &["deadlines.toml", "exceptions.toml"];
const BARE_TWO: &str =
    "avoid.bare_extensions: số lần gia hạn không có tiến triển / bare extensions / 2 lần / two";
const BARE_THREE: &str =
    "avoid.bare_extensions: số lần gia hạn không có tiến triển / bare extensions / 3 lần / three";
const BARE_UNDER_OBSTACLE: &str = "exc.obstacle_certified: gia hạn vì trở ngại đã xác nhận / extensions under a certified obstacle";

#[test]
fn bundled_policy_passes_the_files_the_mutations_use() {
    let policy = Policy::bundled().unwrap();
    for files in [BARE_FILES, &["upward-sideways.toml"][..]] {
        let report = run(&policy, &tests_of(files));
        assert!(report.results.len() > 10);
        assert_eq!(failed(&report), BTreeSet::new(), "{files:?}");
    }
}

#[test]
fn raising_bare_extensions_to_three_fails_exactly_the_two_extension_tests() {
    let policy = mutate(
        "name = \"bare_extensions\"\nvalue = 2",
        "name = \"bare_extensions\"\nvalue = 3",
    );
    assert_eq!(
        policy.param("bare_extensions").unwrap().name,
        "bare_extensions"
    );
    let tests = tests_of(BARE_FILES);
    let report = run(&policy, &tests);
    // Two bare extensions no longer reach the threshold: the row expecting the
    // finding fails, and so does the exception test that needs a finding to
    // defeat. Three still fire; the rows below the threshold still hold.
    assert_eq!(
        failed(&report),
        names(&[BARE_TWO, BARE_UNDER_OBSTACLE]),
        "{}",
        accountable::clausetest::render_report(&report)
    );
    assert_diffs_name(&report, "avoid.bare_extensions");
    let two = report.results.iter().find(|r| r.name == BARE_TWO).unwrap();
    assert_eq!(
        two.diff,
        vec!["- expected finding avoid.bare_extensions for cv on evidence [x1, x2]".to_string()]
    );
    assert!(
        report
            .results
            .iter()
            .any(|r| r.name == BARE_THREE && r.passed)
    );
    assert!(report.failed() == 2 && report.results.len() > 20);
}

#[test]
fn lowering_bare_extensions_to_one_fails_the_single_extension_row() {
    let policy = mutate(
        "name = \"bare_extensions\"\nvalue = 2",
        "name = \"bare_extensions\"\nvalue = 1",
    );
    let report = run(&policy, &tests_of(&["deadlines.toml"]));
    // One bare extension now fires; so does the second of "two, progress
    // between" and "two, progress only before the first" (one bare each).
    let prefix = "avoid.bare_extensions: số lần gia hạn không có tiến triển / bare extensions / ";
    assert_eq!(
        failed(&report),
        [
            "1 lần / one",
            "2 lần, có tiến triển ở giữa / two, progress between",
            "2 lần, tiến triển chỉ trước lần đầu / two, progress only before the first",
        ]
        .iter()
        .map(|r| format!("{prefix}{r}"))
        .collect::<BTreeSet<_>>()
    );
    assert_diffs_name(&report, "avoid.bare_extensions");
    for r in report.results.iter().filter(|r| !r.passed) {
        assert_eq!(
            r.diff,
            vec!["+ rule avoid.bare_extensions fired but must not".to_string()]
        );
    }
}

#[test]
fn upward_push_out_of_force_fails_the_tests_expecting_it_and_only_them() {
    let policy = mutate(
        "id = \"avoid.upward_push\"\n",
        "id = \"avoid.upward_push\"\nvalid_until = 2018-07-01\n",
    );
    let report = run(&policy, &tests_of(&["upward-sideways.toml"]));
    assert_eq!(
        failed(&report),
        names(&[
            "avoid.upward_push: chuyển việc thuộc thẩm quyền lên UBND tỉnh / own-competence work sent up",
            "exc.superior_approval_required: luật quy định phải trình UBND tỉnh phê duyệt / the law requires approval above",
            "exc.superior_approval_required: không có quy định phải trình / no approval required",
        ]),
        "{}",
        accountable::clausetest::render_report(&report)
    );
    assert_diffs_name(&report, "avoid.upward_push");
    // The near misses (must_not_fire) and the sideways clauses still pass.
    for r in &report.results {
        if r.name.starts_with("avoid.upward_push: near miss")
            || r.name.starts_with("avoid.sideways_push")
            || r.name.starts_with("avoid.ping_pong")
            || r.name.starts_with("exc.returned_outside_competence")
        {
            assert!(r.passed, "`{}` should still pass: {:?}", r.name, r.diff);
        }
    }
    // Coverage notices: the rule is now only ever shown not firing.
    assert!(
        report
            .coverage
            .uncovered
            .iter()
            .any(|r| r == "avoid.upward_push")
    );
}

#[test]
fn upward_push_removed_with_its_exception_fails_with_a_diff_naming_it() {
    // Remove the rule and the exception that names it (the loader rejects an
    // exception defeating an unknown rule).
    let start = BUNDLED_2023
        .find("[[rule]]\nid = \"avoid.upward_push\"")
        .unwrap();
    let end = start + BUNDLED_2023[start + 1..].find("[[rule]]").unwrap() + 1;
    let xs = BUNDLED_2023
        .find("[[rule]]\nid = \"exc.superior_approval_required\"")
        .unwrap();
    let xe = xs + BUNDLED_2023[xs + 1..].find("[[rule]]").unwrap() + 1;
    assert!(end < xs);
    let text = format!(
        "{}{}{}",
        &BUNDLED_2023[..start],
        &BUNDLED_2023[end..xs],
        &BUNDLED_2023[xe..]
    );
    let policy = Policy::from_toml_str(&text, "vn-2023 without upward_push").unwrap();
    assert_eq!(policy.rules().len(), 53);
    let report = run(&policy, &tests_of(&["upward-sideways.toml"]));
    let failing = failed(&report);
    assert!(failing.contains(
        "avoid.upward_push: chuyển việc thuộc thẩm quyền lên UBND tỉnh / own-competence work sent up"
    ));
    for r in report.results.iter().filter(|r| !r.passed) {
        assert!(
            r.diff
                .iter()
                .any(|l| l.contains("avoid.upward_push")
                    || l.contains("exc.superior_approval_required")),
            "`{}`: {:?}",
            r.name,
            r.diff
        );
    }
    // Tests about other clauses are untouched.
    assert!(
        report
            .results
            .iter()
            .filter(|r| r.clause.as_deref() == Some("avoid.sideways_push")
                || r.clause.as_deref() == Some("avoid.ping_pong"))
            .all(|r| r.passed)
    );
}
