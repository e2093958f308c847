//! Comparisons of two policies over one corpus: the bundled 2023 → 2025–26
//! change on the sample, pinned; and a threshold overlay that changes exactly
//! what its threshold governs, on generated corpora.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use accountable::compare::{ChangeKind, compare};
use accountable::engine::{Evaluator, JudgeBy};
use accountable::generate::{GenConfig, organisation, task};
use accountable::model::{ValidCase, ValidOrganisation};
use accountable::policy::Policy;
use accountable::sample;
use proptest::prelude::*;

#[test]
fn bundled_2023_to_2025_on_the_sample_is_pinned() {
    let (a, b) = (Policy::bundled().unwrap(), Policy::bundled_2025().unwrap());
    let cases = sample::corpus().unwrap();
    let c = compare(&a, &b, &cases, sample::as_of(), JudgeBy::ActDate).unwrap();
    assert_eq!(c.tasks, 48);
    assert_eq!(c.tasks_changed, 8, "{}", c.to_markdown());
    assert_eq!(c.changes.len(), 17, "{}", c.to_markdown());
    let kinds: Vec<(String, usize)> = c.by_kind.clone().into_iter().collect();
    assert_eq!(
        kinds,
        vec![
            ("consequence_added".to_string(), 6),
            ("consequence_removed".to_string(), 5),
            ("finding_recited".to_string(), 6)
        ]
    );
    // Re-cited findings moved to Decree 118/2025; removed grade caps came from Decree 90/2020.
    for ch in &c.changes {
        match ch.kind {
            ChangeKind::FindingRecited => {
                assert_eq!(ch.clause, "Nghị định 118/2025/NĐ-CP", "{ch:?}")
            }
            ChangeKind::ConsequenceRemoved => assert_eq!(ch.rule, "csq.grade_cap", "{ch:?}"),
            _ => {}
        }
        assert!(!ch.responsible.is_empty(), "{ch:?}");
    }
    let md = c.to_markdown();
    assert!(md.contains("8 of 48 tasks changed"));
    assert_eq!(c.to_csv().lines().count(), 18);
    let _: serde_json::Value = serde_json::from_str(&c.to_json()).unwrap();
}

#[test]
fn the_same_policy_changes_nothing() {
    let a = Policy::bundled().unwrap();
    let cases = sample::corpus().unwrap();
    let c = compare(&a, &a, &cases, sample::as_of(), JudgeBy::ActDate).unwrap();
    assert_eq!(c.tasks_changed, 0);
    assert!(c.changes.is_empty());
}

const RAISE: &str = "[overlay]\nid = \"reform-three-bare-extensions\"\n[[param]]\nname = \"bare_extensions\"\nvalue = 3\ndefault = true\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// An overlay that raises only one threshold changes exactly the
    /// determinations that threshold governs: tasks with exactly two bare
    /// extensions lose the finding (and what follows from it); nothing else moves.
    #[test]
    fn raising_one_threshold_changes_only_what_it_governs(seed in 0u64..1_000) {
        let a = Policy::bundled().unwrap();
        let b = a.with_overlay(RAISE, "reform.toml").unwrap();
        let cfg = GenConfig { seed, departments: 4, staff_per_unit: 2, events_per_task: 8, avoidance_percent: 70 };
        let org = organisation(&cfg);
        let vorg = Arc::new(ValidOrganisation::new(org.organisation.clone()).unwrap());
        let cases: Vec<ValidCase> = (0..40).map(|n| ValidCase::new(vorg.clone(), task(&cfg, &org, n)).unwrap()).collect();
        let as_of = sample::as_of();
        let c = compare(&a, &b, &cases, as_of, JudgeBy::ActDate).unwrap();
        let ea = Evaluator::new(&a).explain(false);
        for case in &cases {
            let d = ea.evaluate(case, as_of).unwrap();
            let governed = d.standing().any(|f| f.rule.as_str() == "avoid.bare_extensions");
            let changed: Vec<_> = c.changes.iter().filter(|ch| ch.task == case.task().id.as_str()).collect();
            prop_assert_eq!(governed, !changed.is_empty(), "task {}", case.task().id);
            for ch in changed {
                match ch.kind {
                    ChangeKind::FindingRemoved => {
                        prop_assert_eq!(&ch.rule, "avoid.bare_extensions");
                        prop_assert!(ch.responsible.iter().any(|r| r == "param bare_extensions: 2 → 3"), "{:?}", ch);
                    }
                    ChangeKind::ConsequenceRemoved | ChangeKind::ConsequenceAdded => {
                        prop_assert!(ch.responsible.iter().any(|r| r.contains("avoid.bare_extensions")), "{:?}", ch);
                    }
                    other => prop_assert!(false, "unexpected change {:?}: {:?}", other, ch),
                }
            }
        }
    }
}

#[test]
fn overlays_stack_and_name_missing_rules_as_load_errors() {
    let a = Policy::bundled().unwrap();
    let b = a.with_overlay(RAISE, "reform.toml").unwrap();
    let c = b
        .with_overlay(
            "disable = [\"avoid.kt_outside_field\"]\n[overlay]\nid = \"no-kt\"\n",
            "no-kt.toml",
        )
        .unwrap();
    assert_eq!(
        c.meta().overlays,
        vec![
            "reform-three-bare-extensions".to_string(),
            "no-kt".to_string()
        ]
    );
    assert!(c.rule(&"avoid.kt_outside_field".parse().unwrap()).is_none());
    assert_eq!(
        c.param("bare_extensions")
            .unwrap()
            .value_at(sample::as_of()),
        Some(3)
    );
    assert_eq!(
        a.param("bare_extensions")
            .unwrap()
            .value_at(sample::as_of()),
        Some(2),
        "the base is untouched"
    );
    let err = a
        .with_overlay(
            "disable = [\"avoid.kt_outside_feild\"]\n[overlay]\nid = \"x\"\n",
            "typo.toml",
        )
        .unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(
        (d.code, d.file.as_str(), d.line, d.column),
        ("unknown_rule", "typo.toml", 1, 13)
    );
    assert_eq!(
        d.help.as_deref(),
        Some("did you mean `avoid.kt_outside_field`?")
    );
    let err = a
        .with_overlay(
            "[overlay]\nid = \"x\"\n[[replace]]\nid = \"avoid.nope\"\nwhen = \"true\"\n",
            "r.toml",
        )
        .unwrap_err();
    assert_eq!(err.diagnostics()[0].code, "unknown_rule");
    assert_eq!(err.diagnostics()[0].line, 4);
    // A replaced condition that does not type-check is located in the overlay.
    let err = a.with_overlay("[overlay]\nid = \"x\"\n[[replace]]\nid = \"avoid.upward_push\"\nwhen = \"e.actor and true\"\n", "bad.toml").unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!(
        (d.code, d.file.as_str(), d.line),
        ("type_error", "bad.toml", 5)
    );
}
