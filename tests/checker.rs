#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The policy checker on broken policies: every file of `tests/data/policies/`
//! must give exactly one error or warning, with the expected code, severity,
//! subject, line and (where stable) column; the bundled policies must check
//! clean. A file without an entry in the table fails the test.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use accountable::model::Corpus;
use accountable::policy::checker::{Report, Severity, check, check_regulation, check_text};
use accountable::policy::{BUNDLED_2023, BUNDLED_2025_OVERLAY, Policy};

const DIR: &str = "tests/data/policies";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR)
}

/// How a file is checked.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// A policy on its own.
    Policy,
    /// An overlay on the bundled 2023 policy.
    Overlay,
    /// A working regulation checked against the bundled 2023 policy.
    Regulation,
}

/// What checking a file must give: its one error or warning.
struct Case {
    file: &'static str,
    kind: Kind,
    code: &'static str,
    severity: Severity,
    /// The rule, parameter or step named; `None` when the diagnostic names none.
    subject: Option<&'static str>,
    /// 1-based line.
    line: Option<usize>,
    /// 1-based column, where it is stable.
    column: Option<usize>,
    /// A fragment the message must hold.
    fragment: &'static str,
}

#[allow(clippy::too_many_arguments)]
const fn case(
    file: &'static str,
    kind: Kind,
    code: &'static str,
    severity: Severity,
    subject: Option<&'static str>,
    line: Option<usize>,
    column: Option<usize>,
    fragment: &'static str,
) -> Case {
    Case {
        file,
        kind,
        code,
        severity,
        subject,
        line,
        column,
        fragment,
    }
}

use Kind::{Overlay, Policy as Pol, Regulation};
use Severity::{Error, Warning};

/// Every broken file. Policies share a 15-line head (a comment, `[policy]`,
/// one `[[source]]`); their first rule starts on line 16.
#[rustfmt::skip]
fn table() -> Vec<Case> {
    vec![
        // TOML itself: the string on line 19 runs to the end of the line.
        case("broken-syntax-unclosed-string.toml", Pol, "syntax", Error, None, Some(19), Some(62), "string"),
        // TOML rejects 30 February before the loader sees it.
        case("broken-syntax-impossible-date.toml", Pol, "syntax", Error, None, Some(22), Some(14), "invalid date"),
        // Unknown keys are refused by the file's shape, at the key.
        case("broken-syntax-misspelled-key.toml", Pol, "syntax", Error, None, Some(25), Some(1), "behavour"),
        // At `task.feild` inside the condition (`when = "` is 8 characters, the access starts 26 later).
        case("broken-unknown-field-name.toml", Pol, "unknown_name", Error, Some("avoid.non_decision"), Some(23), Some(35), "feild"),
        case("broken-unknown-event-kind.toml", Pol, "unknown_name", Error, Some("avoid.decline_in_competence"), Some(23), Some(10), "declinde"),
        case("broken-type-error.toml", Pol, "type_error", Error, Some("avoid.no_follow_up"), Some(23), Some(9), "found int"),
        // At `param.follow_up_dayz`.
        case("broken-unknown-param.toml", Pol, "unknown_name", Error, Some("avoid.no_follow_up"), Some(31), Some(26), "follow_up_dayz"),
        // At the second target, `"acc.asignee"`.
        case("broken-exception-unknown-target.toml", Pol, "unknown_rule", Error, Some("exc.obstacle_certified"), Some(33), Some(29), "acc.asignee"),
        case("broken-exception-defeats-consequence.toml", Pol, "bad_target", Error, Some("exc.obstacle_certified"), Some(31), Some(13), "csq.reminder"),
        case("broken-unknown-source.toml", Pol, "unknown_source", Error, Some("acc.assignee"), Some(21), Some(20), "nd175"),
        // At the rule's id (the opening quote), the rule lacking the field.
        case("broken-missing-who.toml", Pol, "missing_field", Error, Some("acc.assignee"), Some(17), Some(6), "needs `who`"),
        // At the value of `severity` (its opening quote).
        case("broken-field-not-allowed.toml", Pol, "field_not_allowed", Error, Some("acc.assignee"), Some(26), Some(12), "takes no `severity`"),
        case("broken-bad-date.toml", Pol, "bad_date", Error, Some("acc.assignee"), Some(22), Some(14), "not a plain date"),
        case("broken-window-reversed.toml", Pol, "window_reversed", Error, Some("acc.assignee"), Some(23), Some(15), "ends (2023-01-01)"),
        // At the id of the second version.
        case("broken-overlapping-versions.toml", Pol, "overlapping_versions", Error, Some("acc.assignee"), Some(29), Some(6), "in force at once"),
        // At the `kind` of the second version.
        case("broken-kind-mismatch.toml", Pol, "kind_mismatch", Error, Some("acc.assignee"), Some(30), Some(8), "share one kind"),
        case("broken-unknown-behaviour.toml", Pol, "unknown_name", Error, Some("avoid.non_decision"), Some(25), Some(14), "non_decisoin"),
        case("broken-bad-id.toml", Pol, "bad_id", Error, None, Some(17), Some(6), "white space"),
        // 10,000 parentheses deep: the length limit (16 KiB) answers before the depth limit.
        case("broken-nesting-too-deep.toml", Pol, "syntax", Error, Some("avoid.no_follow_up"), Some(23), Some(9), "at most 16384 bytes"),
        // Analysis diagnostics point at the rule's `[[rule]]` header, column 1.
        // At the `when` condition, inside its quotes.
        case("broken-dead-rule-false.toml", Pol, "dead_rule", Warning, Some("avoid.no_follow_up"), Some(23), Some(9), "can never hold"),
        case("broken-dead-rule-contradiction.toml", Pol, "dead_rule", Warning, Some("avoid.no_follow_up"), Some(23), Some(9), "can never hold"),
        case("broken-dead-rule-literal-left.toml", Pol, "dead_rule", Warning, Some("avoid.no_follow_up"), Some(23), Some(9), "can never hold"),
        case("broken-dead-rule-or-false.toml", Pol, "dead_rule", Warning, Some("avoid.no_follow_up"), Some(23), Some(9), "can never hold"),
        case("broken-dead-rule-event-kind.toml", Pol, "dead_rule", Warning, Some("avoid.decline_in_competence"), Some(24), Some(9), "e.kind == \"accepted\""),
        case("broken-dead-rule-window.toml", Pol, "dead_rule", Warning, Some("avoid.no_follow_up"), Some(16), Some(1), "outside the policy's window"),
        case("broken-dead-exception-window.toml", Pol, "dead_exception", Warning, Some("exc.obstacle_certified"), Some(29), Some(1), "never in force while `avoid.non_decision` is"),
        // WRONG LOCATION: reported at 1:1; the parameter is defined at line 16
        // At the parameter's `name`.
        case("broken-unused-param.toml", Pol, "unused_param", Warning, Some("idle_days"), Some(17), Some(1), "idle_days"),
        // At the `[[source]]` header of the second definition.
        case("broken-duplicate-source.toml", Pol, "duplicate_source", Error, None, Some(16), Some(1), "defined twice"),
        case("broken-consequence-on-exception.toml", Pol, "bad_target", Error, Some("csq.reminder"), Some(42), Some(14), "not an avoidance rule"),
        // At the second name of `disable`.
        case("broken-overlay-disables-missing-rule.overlay.toml", Overlay, "unknown_rule", Error, None, Some(2), Some(27), "avoid.non_decison"),
        // At the id of the second `[[replace]]`.
        case("broken-overlay-replaces-missing-rule.overlay.toml", Overlay, "unknown_rule", Error, Some("avoid.pingpong"), Some(10), Some(7), "avoid.pingpong"),
        // At step `s2`, which has neither an assignee nor a collective.
        case("broken-regulation-gap.json", Regulation, "responsibility_gap", Error, Some("T1/s2"), Some(28), Some(11), "no primary accountable individual"),
    ]
}

/// The file's path as given to the loader (and so as reported).
fn shown(file: &str) -> String {
    format!("{DIR}/{file}")
}

fn read(file: &str) -> String {
    std::fs::read_to_string(dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// What `examples/check_policy.rs` computes for the file, whose exit status
/// is `report.is_clean()`.
fn report(c: &Case) -> Report {
    let text = read(c.file);
    let name = shown(c.file);
    match c.kind {
        Kind::Policy => match Policy::from_toml_str(&text, &name) {
            Ok(p) => check(&p),
            Err(e) => Report::from(e),
        },
        Kind::Overlay => match Policy::bundled().unwrap().with_overlay(&text, &name) {
            Ok(p) => check(&p),
            Err(e) => Report::from(e),
        },
        Kind::Regulation => {
            let policy = Policy::bundled().unwrap();
            let corpus: Corpus =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut r = check(&policy);
            r.items.extend(
                check_regulation(&policy, &corpus, &name, &text, accountable::sample::as_of())
                    .items,
            );
            r
        }
    }
}

#[test]
fn each_broken_file_gives_its_diagnostic_at_its_place() {
    let mut failures = Vec::new();
    for c in table() {
        let r = report(&c);
        let serious: Vec<_> = r
            .items
            .iter()
            .filter(|i| i.severity != Severity::Info)
            .collect();
        let [item] = serious.as_slice() else {
            failures.push(format!(
                "{}: expected one error or warning, got {}:\n{}",
                c.file,
                serious.len(),
                serious
                    .iter()
                    .map(|i| format!("  {i}\n"))
                    .collect::<String>()
            ));
            continue;
        };
        let mut bad = Vec::new();
        if item.code != c.code {
            bad.push(format!("code `{}` (want `{}`)", item.code, c.code));
        }
        if item.severity != c.severity {
            bad.push(format!(
                "severity {:?} (want {:?})",
                item.severity, c.severity
            ));
        }
        if item.file != shown(c.file) {
            bad.push(format!("file `{}`", item.file));
        }
        if item.subject.as_deref() != c.subject {
            bad.push(format!("subject {:?} (want {:?})", item.subject, c.subject));
        }
        if c.line.is_some_and(|l| l != item.line) {
            bad.push(format!("line {} (want {:?})", item.line, c.line));
        }
        if c.column.is_some_and(|col| col != item.column) {
            bad.push(format!("column {} (want {:?})", item.column, c.column));
        }
        if !item.message.contains(c.fragment) {
            bad.push(format!("message without `{}`", c.fragment));
        }
        if !bad.is_empty() {
            failures.push(format!("{}: {}\n  {item}", c.file, bad.join(", ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_broken_file_fails_the_exit_criterion() {
    for c in table() {
        assert!(!report(&c).is_clean(), "{} checks clean", c.file);
    }
}

#[test]
fn the_table_and_the_directory_agree() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = table().iter().map(|c| c.file.to_string()).collect();
    assert_eq!(listed.len(), table().len(), "a file is listed twice");
    let missing: Vec<_> = on_disk.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "files without an expectation: {missing:?}"
    );
    let gone: Vec<_> = listed.difference(&on_disk).collect();
    assert!(gone.is_empty(), "expectations without a file: {gone:?}");
    assert!(on_disk.iter().all(|f| f.contains("broken")), "{on_disk:?}");
    let policies = table()
        .iter()
        .filter(|c| matches!(c.kind, Kind::Policy))
        .count();
    assert!(policies >= 22, "only {policies} broken policies");
}

#[test]
fn the_nesting_file_stays_small_and_deep() {
    let text = read("broken-nesting-too-deep.toml");
    assert!(text.len() < 100 * 1024);
    assert!(text.contains(&"(".repeat(10_000)));
}

#[test]
fn deep_nesting_within_the_length_limit_is_refused_by_depth() {
    // 8,000 levels fit in 16 KiB, so the depth limit must answer, without overflowing the stack.
    let when = format!(
        "{}task.late_days > 0{}",
        "(".repeat(8_000),
        ")".repeat(8_000)
    );
    let text = read("broken-dead-rule-false.toml")
        .replace("when = \"false\"", &format!("when = \"{when}\""));
    let r = check_text(&text, "deep.toml");
    assert_eq!(r.items.len(), 1, "{r:?}");
    let i = &r.items[0];
    assert_eq!((i.code.as_str(), i.severity, i.line), ("syntax", Error, 23));
    assert!(i.message.contains("nested deeper than"), "{}", i.message);
    // Inside the opening parentheses, not past the end of the condition.
    assert!(i.column > 9 && i.column < 9 + 8_000, "column {}", i.column);
}

#[test]
fn the_bundled_policy_checks_clean() {
    let r = check_text(BUNDLED_2023, "policies/vn-2023.toml");
    assert!(r.is_clean(), "{:#?}", r.items);
    let from_disk = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/vn-2023.toml"),
    )
    .unwrap();
    assert_eq!(from_disk, BUNDLED_2023);
}

#[test]
fn the_bundled_2025_overlay_checks_clean() {
    let p = Policy::bundled()
        .unwrap()
        .with_overlay(BUNDLED_2025_OVERLAY, "policies/vn-2025.overlay.toml")
        .map_err(Report::from);
    let r = match p {
        Ok(p) => check(&p),
        Err(r) => r,
    };
    assert!(r.is_clean(), "{:#?}", r.items);
}
