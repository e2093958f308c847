//! Integration tests of the bundled sample corpus (`data/sample/province.jsonl`):
//! it loads and validates, it is large enough, and it covers what the
//! article names (fields, a deadline across Tết 2025, the rule signals).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeSet, HashSet};

use accountable::calendar::{Calendar, local_date};
use accountable::model::{Deadline, EventKind, Role, SigningMode, ValidCase};
use accountable::sample;
use chrono::{NaiveDate, Timelike};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn corpus() -> Vec<ValidCase> {
    sample::corpus().unwrap_or_else(|e| panic!("the bundled sample does not validate:\n{e}"))
}

/// The original deadline of a case, as a date.
fn due(case: &ValidCase) -> Option<NaiveDate> {
    let received = local_date(&case.task().received);
    match case.task().deadline? {
        Deadline::Date(date) => Some(date),
        Deadline::WorkingDays(n) => {
            Some(Calendar::vietnam().add_working_days(received, n).unwrap())
        }
    }
}

fn kinds(case: &ValidCase) -> Vec<&'static str> {
    case.events().iter().map(|e| e.kind.name()).collect()
}

#[test]
fn corpus_loads_and_validates() {
    let cases = corpus();
    assert!(!cases.is_empty());
}

#[test]
fn corpus_is_large_enough() {
    let cases = corpus();
    assert!(cases.len() >= 40, "{} tasks", cases.len());
    let org = cases[0].org().organisation();
    assert!(
        org.officials.len() >= 18,
        "{} officials",
        org.officials.len()
    );
    assert!(org.units.len() >= 10, "{} units", org.units.len());
    assert!(org.delegations.len() >= 3);
}

#[test]
fn task_ids_are_unique() {
    let cases = corpus();
    let mut seen = HashSet::new();
    for c in &cases {
        assert!(
            seen.insert(c.task().id.to_string()),
            "duplicate task id {}",
            c.task().id
        );
    }
}

#[test]
fn every_field_named_by_the_article_appears() {
    let cases = corpus();
    let fields: BTreeSet<&str> = cases.iter().map(|c| c.task().field.as_str()).collect();
    for f in [
        "natural_resources_environment",
        "land",
        "construction",
        "transport",
        "bidding",
        "equipment_procurement",
        "finance",
    ] {
        assert!(
            fields.contains(f),
            "no task in field {f}; fields: {fields:?}"
        );
    }
}

#[test]
fn a_deadline_crosses_tet_2025() {
    let cal = Calendar::vietnam();
    // Offices were closed Sat 25 Jan – Sun 2 Feb 2025.
    assert!(!cal.is_working_day(d(2025, 1, 27)).unwrap());
    assert!(cal.is_working_day(d(2025, 2, 3)).unwrap());
    let cases = corpus();
    let crossing: Vec<&ValidCase> = cases
        .iter()
        .filter(|c| {
            local_date(&c.task().received) < d(2025, 1, 25)
                && due(c).is_some_and(|x| x > d(2025, 2, 2))
        })
        .collect();
    assert!(!crossing.is_empty(), "no deadline crosses Tết 2025");
    // Received Mon 20 Jan 2025 with 10 working days: due Mon 10 Feb 2025.
    assert!(crossing.iter().any(|c| {
        c.task().deadline == Some(Deadline::WorkingDays(10))
            && local_date(&c.task().received) == d(2025, 1, 20)
            && due(c) == Some(d(2025, 2, 10))
    }));
}

#[test]
fn events_fall_on_working_days_in_office_hours_before_the_review_date() {
    let cal = Calendar::vietnam();
    let as_of = sample::as_of();
    for c in corpus() {
        let received = local_date(&c.task().received);
        assert!(
            cal.is_working_day(received).unwrap(),
            "task {} received on a day off",
            c.task().id
        );
        for e in c.events() {
            let date = local_date(&e.at);
            let where_ = format!("task {} event {}", c.task().id, e.id);
            assert!(date <= as_of, "{where_} is after the review date");
            assert!(date >= d(2024, 3, 1), "{where_} is before March 2024");
            assert!(
                cal.is_working_day(date).unwrap(),
                "{where_} is on a day off ({date})"
            );
            assert!(
                (7..=17).contains(&e.at.hour()),
                "{where_} is outside office hours"
            );
            assert_eq!(
                e.at.offset().local_minus_utc(),
                7 * 3600,
                "{where_} is not at +07:00"
            );
        }
    }
}

#[test]
fn organisation_has_the_expected_shape() {
    let cases = corpus();
    let org = cases[0].org();
    let o = org.organisation();
    // One acting head, a head whose post ended, a collective provincial committee.
    assert!(o.positions.iter().any(|p| p.role == Role::ActingHead));
    assert!(
        o.positions
            .iter()
            .any(|p| p.role == Role::Head && p.until.is_some())
    );
    assert!(o.units.iter().any(|u| u.collective));
    // Somebody holds two positions at once.
    let on = d(2025, 6, 30);
    assert!(
        o.officials
            .iter()
            .any(|off| org.positions_of(&off.id, on).count() >= 2)
    );
    // A re-delegation of a TUQ delegation, which is not redelegable.
    let re = o.delegations.iter().find(|x| x.parent.is_some()).unwrap();
    let parent = org.delegation(re.parent.as_ref().unwrap()).unwrap();
    assert_eq!(parent.mode, SigningMode::Tuq);
    assert!(!parent.redelegable);
}

#[test]
fn the_behaviours_have_their_signals() {
    let cases = corpus();
    let has = |kind: &str| cases.iter().filter(|c| kinds(c).contains(&kind)).count();
    for (kind, at_least) in [
        ("transferred_up", 4),
        ("transferred_sideways", 3),
        ("returned", 4),
        ("consultation_requested", 8),
        ("declined", 3),
        ("meeting_held", 3),
        ("vote", 2),
        ("deadline_extended", 1),
        ("apology_issued", 2),
        ("supplement_requested", 2),
        ("instruction_requested", 1),
        ("obstacle_certified", 1),
        ("innovation_approved", 1),
        ("written_objection", 1),
        ("signed", 5),
    ] {
        assert!(
            has(kind) >= at_least,
            "fewer than {at_least} tasks with `{kind}`"
        );
    }
    // A sideways ping-pong: one task sent sideways at least three times.
    assert!(cases.iter().any(|c| {
        kinds(c)
            .iter()
            .filter(|k| **k == "transferred_sideways")
            .count()
            >= 3
    }));
    // A signature under the re-delegated delegation, and an in-principle-only decision.
    assert!(cases.iter().flat_map(|c| c.events()).any(|e| matches!(
        &e.kind,
        EventKind::Signed { mode: SigningMode::Tuq, delegation: Some(x) }
            if x.as_str() == "dl-tuq-pdd-re"
    )));
    assert!(cases.iter().flat_map(|c| c.events()).any(|e| matches!(
        &e.kind,
        EventKind::DecisionIssued {
            in_principle_only: true
        }
    )));
    // At least twelve clean tasks: completed before their deadline, never moved or declined.
    let clean = cases
        .iter()
        .filter(|c| {
            let k = kinds(c);
            let done = c
                .events()
                .iter()
                .rev()
                .find(|e| e.step.is_none() && e.kind.name() == "completed")
                .map(|e| local_date(&e.at));
            done.zip(due(c)).is_some_and(|(a, b)| a <= b)
                && k.contains(&"decision_issued")
                && !k.iter().any(|x| {
                    matches!(
                        *x,
                        "transferred_up"
                            | "transferred_sideways"
                            | "returned"
                            | "declined"
                            | "deadline_extended"
                            | "apology_issued"
                            | "supplement_requested"
                            | "order_given"
                    )
                })
        })
        .count();
    assert!(clean >= 12, "only {clean} clean tasks");
}
