#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The yearly cycle pinned against the rules: each threshold of each grading framework (`data/grading.toml`, `shared/domain/sources.md` §6) on both sides of its boundary, heads' responsibility, personnel candidates, Decree 73/2023 outcomes, and the HTML report.
//!
//! Expected values come from the rules, not from the code.

use std::sync::OnceLock;

use accountable::explain::Lang;
use accountable::io::case_from_str;
use accountable::model::ValidCase;
use accountable::policy::{Grade, Policy};
use accountable::sample;
use accountable::yearly::{Grading, YearInput, YearReport, render_html, run_year};
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

const DEPT: &str = include_str!("fixtures/dept.json");
const SAMPLE_2025: &str = include_str!("../data/sample/year-2025.json");

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| Policy::bundled_2025().unwrap())
}

// ---------------------------------------------------------------- builders

/// The fixture's organisation with `cv` a party member and `extra` more
/// party-member civil servants `x1…` on the staff of the Land Division
/// (`so-pdd`, managed by the department `so`, whose head is `gd`).
fn org(extra: usize) -> Value {
    let mut o = serde_json::from_str::<Value>(DEPT).unwrap()["organisation"].clone();
    for off in o["officials"].as_array_mut().unwrap() {
        if off["id"] == "cv" {
            off["party_member"] = json!(true);
        }
    }
    for i in 1..=extra {
        let id = format!("x{i}");
        o["officials"].as_array_mut().unwrap().push(json!({
            "id": id, "name": format!("Chuyên viên {i}"), "category": "cong_chuc", "party_member": true
        }));
        o["positions"].as_array_mut().unwrap().push(json!({
            "official": id, "unit": "so-pdd", "role": "staff", "from": "2022-01-01"
        }));
    }
    o
}

/// Moves the start of `official`'s position in `unit`.
fn set_from(org: &mut Value, official: &str, unit: &str, from: &str) {
    for p in org["positions"].as_array_mut().unwrap() {
        if p["official"] == official && p["unit"] == unit {
            p["from"] = json!(from);
        }
    }
}

/// `2025-…` shifted to the same weekday in `year` (52 weeks per year).
fn shift(s: &str, year: i32) -> String {
    let (date, rest) = s.split_at(10);
    let d: NaiveDate = date.parse().unwrap();
    let d = d + Duration::days(364 * i64::from(year - 2025));
    format!("{d}{rest}")
}

/// One task of the fixture's shape in `year` (received the first Monday of
/// March, 10 working days): `who` advises (step s1, due a week later) and
/// implements (s3); the director `gd` decides (s2). With `late`, the proposal
/// comes two days after the advisory due date — a standing lateness finding
/// against `who` (`avoid.no_proposal`) — while the task itself ends on time.
fn task_value(id: &str, year: i32, who: &str, late: bool) -> Value {
    let proposal = if late {
        "2025-03-12T09:00:00+07:00"
    } else {
        "2025-03-07T15:00:00+07:00"
    };
    let at = |s: &str| shift(s, year);
    json!({
        "task": {
            "id": id,
            "title": format!("Nhiệm vụ {id}"),
            "unit": "so", "field": "land", "competent_unit": "so",
            "origin": "inter_agency_request",
            "received": at("2025-03-03T08:30:00+07:00"),
            "deadline": {"working_days": 10},
            "assigned_by": "pgd",
            "steps": [
                {"id": "s1", "kind": "advise", "assignee": who, "deputy": "pgd", "due": at("2025-03-10")},
                {"id": "s2", "kind": "decide", "assignee": "gd"},
                {"id": "s3", "kind": "implement", "assignee": who}
            ]
        },
        "events": [
            {"id": "e1", "at": at("2025-03-03T09:00:00+07:00"), "actor": "pgd", "step": "s1", "kind": "assigned", "to": who},
            {"id": "e2", "at": at("2025-03-03T10:00:00+07:00"), "actor": who, "step": "s1", "kind": "accepted"},
            {"id": "e3", "at": at(proposal), "actor": who, "step": "s1", "kind": "proposal_submitted", "document": "TTr-12/PĐĐ"},
            {"id": "e4", "at": at("2025-03-13T10:00:00+07:00"), "actor": "gd", "step": "s2", "kind": "decision_issued", "document": "301/QĐ-STNMT"},
            {"id": "e5", "at": at("2025-03-14T16:00:00+07:00"), "actor": who, "step": "s3", "kind": "completed"},
            {"id": "e6", "at": at("2025-03-14T16:30:00+07:00"), "actor": "gd", "kind": "completed"}
        ]
    })
}

fn case(org: &Value, mut t: Value) -> ValidCase {
    t["organisation"] = org.clone();
    case_from_str(&t.to_string(), "built.json").unwrap_or_else(|e| panic!("{e}"))
}

/// `n` tasks of `who` in `year`, the first `late` of them late.
fn tasks(org: &Value, year: i32, who: &str, n: usize, late: usize) -> Vec<ValidCase> {
    (0..n)
        .map(|i| {
            case(
                org,
                task_value(&format!("{who}-{year}-{i}"), year, who, i < late),
            )
        })
        .collect()
}

fn input(v: Value) -> YearInput {
    serde_json::from_value(v).unwrap()
}

fn run(cases: &[ValidCase], input: &YearInput) -> YearReport {
    run_year(policy(), cases, input).unwrap()
}

fn state<'a>(r: &'a YearReport, id: &str) -> &'a Grading {
    r.gradings
        .iter()
        .find(|g| g.official.as_ref() == id)
        .unwrap_or_else(|| panic!("no state grade for {id}"))
}

fn party<'a>(r: &'a YearReport, id: &str) -> &'a Grading {
    r.party_gradings
        .iter()
        .find(|g| g.official.as_ref() == id)
        .unwrap_or_else(|| panic!("no party grade for {id}"))
}

fn has(g: &Grading, code: &str) -> bool {
    g.reasons.iter().any(|r| r.code == code)
}

/// The 2025 report for official `cv` (its input `cv`) with `n` tasks, `late` late, in a four-unit organisation.
fn run_cv_2025(n: usize, late: usize, cv: Value) -> YearReport {
    let o = org(4);
    let mut cv = cv;
    cv["official"] = json!("cv");
    run(
        &tasks(&o, 2025, "cv", n, late),
        &input(json!({"year": 2025, "officials": [cv]})),
    )
}

/// Grade of `cv` in 2025 (Decree 90/2020 as amended by 48/2023) with `n`
/// tasks, `late` late, and `cv`'s input; eight peers in `so` grade good, so
/// the cap on excellent grades leaves room for one.
fn nd90(n: usize, late: usize, cv: Value) -> Grading {
    let r = run_cv_2025(n, late, cv);
    let g = state(&r, "cv").clone();
    assert_eq!(g.framework, "nd90-2020");
    assert_eq!((g.tasks, g.late), (n, late), "{g:#?}");
    g
}

/// Peers of `cv` in `so` with a general score of 10: 80 points under Decree
/// 335/2025 and Regulation 366 when on time (good).
fn peers_good(extra: usize) -> Vec<Value> {
    let mut v: Vec<Value> = ["gd", "pgd", "tp", "cv2"]
        .iter()
        .map(|id| json!({"official": id, "general_score": 10}))
        .collect();
    for i in 1..=extra {
        v.push(json!({"official": format!("x{i}"), "general_score": 10}));
    }
    v
}

/// Grade of `cv` in 2026 (Decree 335/2025) with `n` tasks, `late` late.
fn nd335(n: usize, late: usize, cv: Value) -> Grading {
    let o = org(4);
    let mut officials = peers_good(4);
    let mut cv = cv;
    cv["official"] = json!("cv");
    officials.push(cv);
    let r = run(
        &tasks(&o, 2026, "cv", n, late),
        &input(json!({"year": 2026, "officials": officials})),
    );
    let g = state(&r, "cv").clone();
    assert_eq!(g.framework, "nd335-2025");
    assert_eq!((g.tasks, g.late), (n, late), "{g:#?}");
    g
}

// ------------------------------------------------- Decree 90/2020 + 48/2023

#[test]
fn nd90_every_task_on_time_is_good_one_late_task_is_not() {
    // HTTNV: 100% of tasks on time and to quality.
    let g = nd90(5, 0, json!({}));
    assert_eq!(g.grade, Grade::Good, "{g:#?}");
    let g = nd90(5, 1, json!({}));
    assert_eq!(g.grade, Grade::Completed, "{g:#?}");
}

#[test]
fn nd90_at_most_20_percent_late_is_completed_above_is_outside_that_band() {
    // HTNV: at most 20% of result criteria late [unverified for công chức].
    let g = nd90(5, 1, json!({})); // 20%
    assert_eq!(g.grade, Grade::Completed);
    assert!(!has(&g, "nd90.between_bands"), "{g:#?}");
    // 25%: above the HTNV ceiling, not above the KHTNV floor (50%): the rules
    // seen place it in no band, so it must not read as a plain HTNV or better.
    let g = nd90(4, 1, json!({}));
    assert!(has(&g, "nd90.between_bands"), "{g:#?}");
    assert!(!matches!(g.grade, Grade::Good | Grade::Excellent));
    let flag = g
        .reasons
        .iter()
        .find(|r| r.code == "nd90.between_bands")
        .unwrap();
    assert!(!flag.citation.verified);
}

#[test]

fn nd90_just_over_20_percent_late_is_not_plain_completed() {
    let g = nd90(24, 5, json!({}));
    assert!(has(&g, "nd90.between_bands"), "{g:#?}");
}

#[test]
fn nd90_more_than_half_late_fails() {
    // KHTNV: more than 50% of result criteria fail [unverified].
    let g = nd90(4, 2, json!({})); // exactly 50%
    assert_ne!(g.grade, Grade::NotCompleted, "{g:#?}");
    let g = nd90(5, 3, json!({})); // 60%
    assert_eq!(g.grade, Grade::NotCompleted, "{g:#?}");
    let g = nd90(1, 1, json!({})); // 100%
    assert_eq!(g.grade, Grade::NotCompleted, "{g:#?}");
}

#[test]
fn nd90_excellent_needs_half_exceeded_and_nothing_late() {
    // HTXSNV (non-leader): 100% on time and >= 50% exceeding requirements.
    let g = nd90(5, 0, json!({"exceeded_percent": 50}));
    assert_eq!(g.grade, Grade::Excellent, "{g:#?}");
    let g = nd90(5, 0, json!({"exceeded_percent": 49}));
    assert_eq!(g.grade, Grade::Good, "{g:#?}");
    let g = nd90(5, 1, json!({"exceeded_percent": 80}));
    assert_eq!(g.grade, Grade::Completed, "{g:#?}");
}

#[test]
fn nd90_discipline_in_the_year_fails_discipline_the_year_before_does_not() {
    let g = nd90(
        5,
        0,
        json!({"discipline": [{"date": "2025-06-10", "form": "reprimand"}]}),
    );
    assert_eq!(g.grade, Grade::NotCompleted, "{g:#?}");
    assert!(has(&g, "nd90-2020.discipline"));
    // ND 48/2023 counts a party or an administrative discipline alike.
    let g = nd90(
        5,
        0,
        json!({"discipline": [{"date": "2025-02-03", "form": "warning", "party": true}]}),
    );
    assert_eq!(g.grade, Grade::NotCompleted, "{g:#?}");
    let g = nd90(
        5,
        0,
        json!({"discipline": [{"date": "2024-11-20", "form": "reprimand"}]}),
    );
    assert_eq!(g.grade, Grade::Good, "{g:#?}");
}

#[test]
fn nd90_absence_of_3_to_under_6_months_caps_at_completed() {
    let g = nd90(5, 0, json!({"absence_months": 3}));
    assert_eq!(g.grade, Grade::Completed, "{g:#?}");
    assert!(has(&g, "absence.cap"));
    let g = nd90(5, 0, json!({"absence_months": 5}));
    assert_eq!(g.grade, Grade::Completed, "{g:#?}");
    let g = nd90(5, 0, json!({"absence_months": 2}));
    assert_eq!(g.grade, Grade::Good, "{g:#?}");
    let g = nd90(5, 0, json!({"absence_months": 6}));
    assert_eq!(g.grade, Grade::Good, "{g:#?}");
    assert!(!has(&g, "absence.cap"));
    // A cap, not a floor: a failed grade stays failed.
    let g = nd90(5, 3, json!({"absence_months": 4}));
    assert_eq!(g.grade, Grade::NotCompleted, "{g:#?}");
}

// ------------------------------------------------------- Decree 335/2025

#[test]
fn nd335_bands_at_90_70_50() {
    // Score = general (0–30) + results (70); 8 products, none late. Each
    // failed quality check takes 25% of that product's quality points — a
    // third of its 70/8 results share (the model's stated assumption) —
    // which makes the fractional scores: 7 checks = 5.104, 48 = 35, 55 = 40.104.
    let cases = [
        (20, 0, 90.0, Grade::Excellent),
        (25, 7, 89.9, Grade::Good),
        (0, 0, 70.0, Grade::Good),
        (5, 7, 69.9, Grade::Completed),
        (15, 48, 50.0, Grade::Completed),
        (20, 55, 49.9, Grade::NotCompleted),
    ];
    for (general, checks, score, grade) in cases {
        let g = nd335(
            8,
            0,
            json!({"general_score": general, "quality_failures": checks}),
        );
        assert_eq!(
            g.score,
            Some(score),
            "general {general}, {checks} checks: {g:#?}"
        );
        assert_eq!(g.grade, grade, "score {score}: {g:#?}");
    }
}

#[test]
fn nd335_a_late_product_loses_25_percent_of_its_progress_points() {
    // 4 products of 70/4 = 17.5 points; progress is a third (5.833); a delay
    // takes 25% of it: 1.458 per late product.
    let g = nd335(4, 0, json!({"general_score": 30}));
    assert_eq!(g.score, Some(100.0));
    let g = nd335(4, 1, json!({"general_score": 30}));
    assert_eq!(g.score, Some(98.5), "{g:#?}");
    let g = nd335(4, 2, json!({"general_score": 30}));
    assert_eq!(g.score, Some(97.1), "{g:#?}");
    // The deduction alone never pushes an on-score official below excellent here.
    assert_eq!(g.grade, Grade::Excellent);
}

#[test]
fn nd335_discipline_related_to_duty_fails_unrelated_does_not() {
    let g = nd335(
        4,
        0,
        json!({"general_score": 30, "discipline": [{"date": "2026-05-04", "form": "reprimand", "related_to_duty": true}]}),
    );
    assert_eq!(g.grade, Grade::NotCompleted, "{g:#?}");
    assert!(has(&g, "nd335-2025.discipline"));
    let g = nd335(
        4,
        0,
        json!({"general_score": 30, "discipline": [{"date": "2026-05-04", "form": "reprimand", "related_to_duty": false}]}),
    );
    assert_eq!(g.grade, Grade::Excellent, "{g:#?}");
    let g = nd335(
        4,
        0,
        json!({"general_score": 30, "discipline": [{"date": "2025-12-01", "form": "reprimand"}]}),
    );
    assert_eq!(g.grade, Grade::Excellent, "{g:#?}");
}

/// The director `gd` in 2026 with `gd`'s input, `cv` failing or not.
fn leader_2026(gd: Value, cv_fails: bool) -> Grading {
    let o = org(4);
    let mut officials: Vec<Value> = peers_good(4)
        .into_iter()
        .filter(|v| v["official"] != "gd")
        .collect();
    let mut gd = gd;
    gd["official"] = json!("gd");
    officials.push(gd);
    officials.push(
        json!({"official": "cv", "general_score": 25, "discipline": [
            {"date": "2026-04-06", "form": "reprimand", "related_to_duty": cv_fails}
        ]}),
    );
    let r = run(
        &tasks(&o, 2026, "cv", 4, 0),
        &input(json!({"year": 2026, "officials": officials})),
    );
    assert_eq!(
        state(&r, "cv").grade == Grade::NotCompleted,
        cv_fails,
        "{:#?}",
        state(&r, "cv")
    );
    state(&r, "gd").clone()
}

#[test]
fn nd335_a_leaders_results_count_at_half_when_a_managed_civil_servant_fails() {
    // 30 general + 70 × 50% = 65: HTNV band.
    let g = leader_2026(json!({"general_score": 30}), true);
    assert!(has(&g, "nd335.unit_factor"), "{g:#?}");
    assert_eq!(g.score, Some(65.0));
    assert_eq!(g.grade, Grade::Completed);
    // Nobody failed: 100% factor, 100 points.
    let g = leader_2026(json!({"general_score": 30}), false);
    assert!(!has(&g, "nd335.unit_factor"), "{g:#?}");
    assert_eq!(g.score, Some(100.0));
}

#[test]

fn nd335_the_unit_factor_keeps_the_leaders_own_general_score() {
    let g = leader_2026(json!({"general_score": 5}), true);
    assert_eq!(g.score, Some(40.0), "{g:#?}");
    assert_eq!(g.grade, Grade::NotCompleted);
}

// ------------------------------------------------ the cap on excellent grades

#[test]
fn excellent_grades_are_capped_at_20_percent_of_good_grades_in_the_unit() {
    // `so` under Decree 90 in 2025: gd, pgd, tp, cv2, x2 good (5); cv and x1
    // excellent (2). 20% of 5 = 1: one stays excellent.
    let o = org(2);
    let r = run(
        &tasks(&o, 2025, "cv", 3, 0),
        &input(json!({"year": 2025, "officials": [
            {"official": "cv", "exceeded_percent": 60},
            {"official": "x1", "exceeded_percent": 60}
        ]})),
    );
    let ids = ["gd", "pgd", "tp", "cv2", "x2"];
    for id in ids {
        assert_eq!(state(&r, id).grade, Grade::Good, "{id}");
    }
    let pair = [state(&r, "cv"), state(&r, "x1")];
    let excellent = pair.iter().filter(|g| g.grade == Grade::Excellent).count();
    assert_eq!(excellent, 1, "{pair:#?}");
    let lowered: Vec<_> = pair.iter().filter(|g| g.grade == Grade::Good).collect();
    assert_eq!(lowered.len(), 1);
    assert!(has(lowered[0], "cap.excellent"));

    // 4 good (gd, pgd, tp, cv2): 20% of 4 < 1, none stays.
    let o = org(0);
    let r = run(
        &tasks(&o, 2025, "cv", 3, 0),
        &input(json!({"year": 2025, "officials": [{"official": "cv", "exceeded_percent": 60}]})),
    );
    assert_eq!(state(&r, "cv").grade, Grade::Good, "{:#?}", state(&r, "cv"));
    assert!(has(state(&r, "cv"), "cap.excellent"));
    // 5 good (with x1) and 1 excellent: within the cap.
    let o = org(1);
    let r = run(
        &tasks(&o, 2025, "cv", 3, 0),
        &input(json!({"year": 2025, "officials": [{"official": "cv", "exceeded_percent": 60}]})),
    );
    assert_eq!(state(&r, "cv").grade, Grade::Excellent);
}

// --------------------------------------------- Regulations 124 and 366 (party)

fn party_2025(n: usize, late: usize, cv: Value) -> Grading {
    let r = run_cv_2025(n, late, cv);
    let g = party(&r, "cv").clone();
    assert_eq!(g.framework, "qd366-2025");
    g
}

#[test]
fn qd366_excellent_needs_30_percent_exceeded() {
    let full = |exceeded: u32| json!({"general_score": 30, "exceeded_percent": exceeded, "shortcomings_remedied": true});
    let g = party_2025(5, 0, full(30));
    assert_eq!(g.grade, Grade::Excellent, "{g:#?}");
    let g = party_2025(5, 0, full(29));
    assert_eq!(g.grade, Grade::Good, "{g:#?}");
    assert!(has(&g, "qd366.excellent_conditions"));
    // And 100% of earlier shortcomings remedied.
    let g = party_2025(
        5,
        0,
        json!({"general_score": 30, "exceeded_percent": 40, "shortcomings_remedied": false}),
    );
    assert_eq!(g.grade, Grade::Good, "{g:#?}");
    // And a score of at least 90.
    let g = party_2025(
        5,
        0,
        json!({"general_score": 19, "exceeded_percent": 40, "shortcomings_remedied": true}),
    );
    assert_eq!(g.score, Some(89.0));
    assert_eq!(g.grade, Grade::Good, "{g:#?}");
}

#[test]
fn qd366_good_needs_all_on_time_completed_allows_20_percent_late() {
    let g = party_2025(5, 0, json!({"general_score": 20}));
    assert_eq!(g.grade, Grade::Good, "{g:#?}");
    let g = party_2025(5, 1, json!({"general_score": 20})); // 20%
    assert_eq!(g.grade, Grade::Completed, "{g:#?}");
    let g = party_2025(4, 1, json!({"general_score": 20})); // 25%
    assert_eq!(g.grade, Grade::NotCompleted, "{g:#?}");
    assert!(has(&g, "qd366.completed_late"));
}

#[test]
fn qd124_for_2024_qd366_from_2025() {
    let o = org(4);
    let cv = json!({"official": "cv", "general_score": 30, "exceeded_percent": 29, "shortcomings_remedied": true});
    let r24 = run(
        &tasks(&o, 2024, "cv", 5, 0),
        &input(json!({"year": 2024, "officials": [cv.clone()]})),
    );
    let r25 = run(
        &tasks(&o, 2025, "cv", 5, 0),
        &input(json!({"year": 2025, "officials": [cv]})),
    );
    let (g24, g25) = (party(&r24, "cv"), party(&r25, "cv"));
    assert_eq!(g24.framework, "qd124-2023");
    assert_eq!(g25.framework, "qd366-2025");
    // The 30%-exceeded condition is Regulation 366's; Regulation 124 has none.
    assert!(has(g25, "qd366.excellent_conditions"));
    assert!(!has(g24, "qd366.excellent_conditions"), "{g24:#?}");
    // Both: disciplined in the year => failed, unless self-detected and remedied (124).
    let disc = |self_detected: bool| json!({"official": "cv", "discipline": [{"date": "2024-09-16", "form": "reprimand", "party": true, "self_detected": self_detected}]});
    let r = run(
        &tasks(&o, 2024, "cv", 5, 0),
        &input(json!({"year": 2024, "officials": [disc(false)]})),
    );
    assert_eq!(party(&r, "cv").grade, Grade::NotCompleted);
    let r = run(
        &tasks(&o, 2024, "cv", 5, 0),
        &input(json!({"year": 2024, "officials": [disc(true)]})),
    );
    assert_ne!(party(&r, "cv").grade, Grade::NotCompleted);
}

#[test]

fn qd124_a_leader_whose_unit_completes_under_half_its_targets_fails() {
    let o = org(0);
    let r = run(
        &tasks(&o, 2024, "cv", 3, 0),
        &input(json!({"year": 2024, "units": [{"unit": "so", "targets_completed_percent": 45}]})),
    );
    assert_eq!(party(&r, "gd").grade, Grade::NotCompleted);
}

// ---------------------------------------------- one official, two rule sets

#[test]
fn the_same_record_grades_completed_under_nd90_and_excellent_under_nd335() {
    // cv: 5 tasks, 1 late, general score 30, in each year.
    // 2025, Decree 90/48: 20% late => HTNV (completed).
    let g = nd90(5, 1, json!({"general_score": 30}));
    assert_eq!(g.grade, Grade::Completed);
    assert_eq!(g.score, None);
    // 2026, Decree 335: 30 + 70 − 70/5/3 × 25% = 98.8 >= 90 => HTXSNV; the
    // unit has 8 good grades, so the 20% cap (1) keeps it.
    let g = nd335(5, 1, json!({"general_score": 30}));
    assert_eq!(g.score, Some(98.8));
    assert_eq!(g.grade, Grade::Excellent, "{g:#?}");
}

// ------------------------------------------------- heads' responsibility

fn heads_2025(org_v: &Value, unit: Value) -> Vec<String> {
    let r = run(
        &tasks(org_v, 2025, "cv", 3, 0),
        &input(json!({"year": 2025, "units": [unit]})),
    );
    r.heads
        .iter()
        .filter(|h| h.official.as_ref() == "gd" && h.unit.as_ref() == "so")
        .flat_map(|h| h.grounds.iter().map(|g| g.code.clone()))
        .collect()
}

#[test]
fn qd377_unit_under_70_percent_of_targets() {
    let o = org(0);
    let codes = heads_2025(&o, json!({"unit": "so", "targets_completed_percent": 69}));
    assert!(codes.contains(&"qd377.targets".to_string()), "{codes:?}");
    let codes = heads_2025(&o, json!({"unit": "so", "targets_completed_percent": 70}));
    assert!(!codes.contains(&"qd377.targets".to_string()), "{codes:?}");
}

#[test]
fn qd377_except_force_majeure() {
    let o = org(0);
    let codes = heads_2025(
        &o,
        json!({"unit": "so", "targets_completed_percent": 60, "force_majeure": true}),
    );
    assert!(!codes.contains(&"qd377.targets".to_string()), "{codes:?}");
    let codes = heads_2025(
        &o,
        json!({"unit": "so", "targets_completed_percent": 60, "force_majeure": false}),
    );
    assert!(codes.contains(&"qd377.targets".to_string()), "{codes:?}");
}

#[test]
fn qd377_except_under_one_year_in_post() {
    // Ten months in post at the review date: excepted.
    let mut o = org(0);
    set_from(&mut o, "gd", "so", "2025-03-01");
    let codes = heads_2025(&o, json!({"unit": "so", "targets_completed_percent": 60}));
    assert!(!codes.contains(&"qd377.targets".to_string()), "{codes:?}");
    // Fourteen months: not excepted.
    let mut o = org(0);
    set_from(&mut o, "gd", "so", "2024-11-01");
    let codes = heads_2025(&o, json!({"unit": "so", "targets_completed_percent": 60}));
    assert!(codes.contains(&"qd377.targets".to_string()), "{codes:?}");
}

#[test]
fn the_head_answers_for_a_subordinates_late_task_under_nd157() {
    let o = org(0);
    let r = run(&tasks(&o, 2025, "cv", 3, 1), &input(json!({"year": 2025})));
    let h = r
        .heads
        .iter()
        .find(|h| h.official.as_ref() == "gd")
        .expect("gd answers");
    assert_eq!(h.unit.as_ref(), "so");
    assert!(h.grounds.iter().any(|g| g.code == "nd157.late"));
    assert_eq!(h.tasks.len(), 1);
    let r = run(&tasks(&o, 2025, "cv", 3, 0), &input(json!({"year": 2025})));
    assert!(r.heads.iter().all(|h| h.official.as_ref() != "gd"));
}

#[test]

fn qd377_does_not_reach_back_before_it_was_issued() {
    let o = org(0);
    let r = run(
        &tasks(&o, 2024, "cv", 3, 0),
        &input(json!({"year": 2024, "units": [{"unit": "so", "targets_completed_percent": 60}]})),
    );
    assert!(
        r.heads
            .iter()
            .flat_map(|h| &h.grounds)
            .all(|g| g.code != "qd377.targets")
    );
}

// ------------------------------------------------- personnel candidates

fn removal_grounds(officials: Value) -> Vec<String> {
    let o = org(0);
    let r = run(
        &tasks(&o, 2025, "cv", 3, 0),
        &input(json!({"year": 2025, "officials": officials})),
    );
    r.personnel
        .iter()
        .filter(|p| p.official.as_ref() == "gd" && p.measure == "removal_from_post")
        .flat_map(|p| p.grounds.iter().map(|g| g.code.clone()))
        .collect()
}

#[test]
fn two_consecutive_failed_years_ground_removal_of_a_leader() {
    // gd fails 2025 (disciplined in the year).
    let failed_2025 = json!([{"date": "2025-05-05", "form": "warning"}]);
    let g = removal_grounds(json!([
        {"official": "gd", "discipline": failed_2025, "previous_grades": {"2024": "not_completed"}}
    ]));
    assert!(g.contains(&"qd41.two_years".to_string()), "{g:?}");
    let g = removal_grounds(json!([
        {"official": "gd", "discipline": failed_2025, "previous_grades": {"2024": "completed"}}
    ]));
    assert!(!g.contains(&"qd41.two_years".to_string()), "{g:?}");
    // Not consecutive.
    let g = removal_grounds(json!([
        {"official": "gd", "discipline": failed_2025, "previous_grades": {"2023": "not_completed", "2024": "good"}}
    ]));
    assert!(!g.contains(&"qd41.two_years".to_string()), "{g:?}");
    // Failed in 2024 but not in 2025.
    let g = removal_grounds(json!([
        {"official": "gd", "previous_grades": {"2024": "not_completed"}}
    ]));
    assert!(!g.contains(&"qd41.two_years".to_string()), "{g:?}");
}

#[test]
fn two_reprimands_in_the_term_ground_removal() {
    let g = removal_grounds(json!([{"official": "gd", "reprimands_in_term": 1}]));
    assert!(!g.contains(&"qd41.reprimands".to_string()), "{g:?}");
    let g = removal_grounds(json!([
        {"official": "gd", "reprimands_in_term": 1, "discipline": [{"date": "2025-07-07", "form": "reprimand"}]}
    ]));
    assert!(g.contains(&"qd41.reprimands".to_string()), "{g:?}");
    let g = removal_grounds(json!([{"official": "gd", "reprimands_in_term": 2}]));
    assert!(g.contains(&"qd41.reprimands".to_string()), "{g:?}");
}

#[test]
fn personnel_candidates_are_for_the_competent_body() {
    let o = org(0);
    let r = run(
        &tasks(&o, 2025, "cv", 3, 0),
        &input(json!({"year": 2025, "officials": [{"official": "gd", "reprimands_in_term": 2}]})),
    );
    let p = r
        .personnel
        .iter()
        .find(|p| p.official.as_ref() == "gd")
        .unwrap();
    assert!(!p.grounds.is_empty());
    // Judged after 8/10/2025: Regulation 41's grounds are to be weighed under 377.
    assert!(
        p.grounds[0]
            .citation
            .note
            .as_deref()
            .unwrap_or_default()
            .contains("377")
    );
}

// ------------------------------------------------- Decree 73/2023 outcomes

/// A 2025 task whose innovation proposal, recorded by its `proposer`, is
/// approved beforehand by the head above them (Decree 73/2023 Art. 7: a
/// head's own proposal goes to the superior head).
fn innovation_task(o: &Value, proposer: &str) -> ValidCase {
    let mut t = task_value("inno", 2025, "cv", false);
    let approver = if proposer == "gd" { "ct" } else { "gd" };
    let ev = json!({"id": "e3b", "at": "2025-03-11T10:00:00+07:00", "actor": proposer, "step": "s2",
        "kind": "innovation_approved", "approved_by": approver, "document": "215/QĐ-STNMT"});
    t["events"].as_array_mut().unwrap().insert(3, ev);
    case(o, t)
}

fn nd73(proposer: &str, assessment: Option<Value>) -> String {
    let o = org(0);
    let mut innovations = vec![];
    if let Some(mut a) = assessment {
        a["task"] = json!("inno");
        innovations.push(a);
    }
    let r = run(
        &[innovation_task(&o, proposer)],
        &input(json!({"year": 2025, "innovations": innovations})),
    );
    let p: Vec<_> = r.rewards.iter().filter(|x| x.task.is_some()).collect();
    assert_eq!(p.len(), 1, "{:#?}", r.rewards);
    assert_eq!(p[0].official.as_ref(), proposer);
    p[0].outcome.clone()
}

#[test]
fn nd73_completed_means_no_liability() {
    assert_eq!(nd73("gd", Some(json!({"completed": true}))), "no_liability");
}

#[test]
fn nd73_partial_with_a_clean_motive_excludes_liability() {
    assert_eq!(
        nd73(
            "gd",
            Some(json!({"completed": false, "clean_motive": true}))
        ),
        "liability_excluded"
    );
    // Without the positive assessment there is no protection.
    assert_eq!(
        nd73(
            "gd",
            Some(json!({"completed": false, "clean_motive": false}))
        ),
        "not_protected"
    );
}

#[test]
fn nd73_with_damage_is_considered_for_exclusion_exemption_or_mitigation() {
    assert_eq!(
        nd73(
            "gd",
            Some(json!({"completed": false, "clean_motive": true, "damage": true}))
        ),
        "consider_exclusion_exemption_mitigation"
    );
}

#[test]
fn nd73_staff_are_not_the_protected_subject() {
    assert_eq!(
        nd73("cv", Some(json!({"completed": true}))),
        "not_protected"
    );
}

#[test]
fn nd73_without_an_assessment_the_authorising_agency_must_assess() {
    // Done on time: no liability, pending the formal assessment (Art. 11(4)).
    assert_eq!(nd73("gd", None), "no_liability");
}

// ------------------------------------------------- the sample and its report

fn sample_report() -> (
    YearReport,
    std::sync::Arc<accountable::model::ValidOrganisation>,
) {
    let cases = sample::corpus().unwrap();
    let org = cases[0].org_arc().clone();
    let input: YearInput = serde_json::from_str(SAMPLE_2025).unwrap();
    (run(&cases, &input), org)
}

#[test]
fn the_bundled_2025_input_names_only_what_the_sample_has() {
    let cases = sample::corpus().unwrap();
    let org = cases[0].org();
    let input: YearInput = serde_json::from_str(SAMPLE_2025).unwrap();
    assert_eq!(input.year, 2025);
    for o in &input.officials {
        assert!(org.official(o.official.as_ref().unwrap()).is_some());
    }
    for u in &input.units {
        assert!(org.unit(u.unit.as_ref().unwrap()).is_some());
    }
    for i in &input.innovations {
        assert!(cases.iter().any(|c| c.task().id == i.task));
    }
    assert!(
        input
            .units
            .iter()
            .any(|u| u.targets_completed_percent.is_some_and(|p| p < 70))
    );
    assert!(input.officials.iter().any(|o| o.absence_months == 4));
    assert_eq!(
        input
            .officials
            .iter()
            .map(|o| o.discipline.len())
            .sum::<usize>(),
        1
    );
    let (r, _) = sample_report();
    // The absence caps lm-tri; the discipline fails dv-tai; so-tnmt's head answers under QĐ 377.
    assert!(has(state(&r, "lm-tri"), "absence.cap"));
    assert_eq!(state(&r, "dv-tai").grade, Grade::NotCompleted);
    assert!(r.heads.iter().any(
        |h| h.unit.as_ref() == "so-tnmt" && h.grounds.iter().any(|g| g.code == "qd377.targets")
    ));
}

fn check_no_network(doc: &roxmltree::Document<'_>, raw: &str) {
    for n in doc.descendants() {
        for a in n.attributes() {
            assert!(
                !a.value().contains("http://") && !a.value().contains("https://"),
                "attribute {}={:?}",
                a.name(),
                a.value()
            );
        }
        if let Some(t) = n.text()
            && n.is_text()
        {
            assert!(
                !t.contains("http://") && !t.contains("https://"),
                "text {t:?}"
            );
        }
    }
    // The raw text: the SVG namespace is the only URI.
    assert_eq!(raw.matches("http://").count(), 1, "one URI, the svg xmlns");
    assert_eq!(raw.matches("https://").count(), 0);
    assert!(raw.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    for bad in ["<script", "<link", "<img", "@import", "url(http", "src="] {
        assert!(!raw.contains(bad), "{bad}");
    }
}

#[test]
fn the_html_report_is_self_contained_well_formed_and_maps_every_cell() {
    let (r, org) = sample_report();
    assert!(!r.inspection.cells.is_empty());
    for (lang, code, marks) in [
        (
            Lang::Vi,
            "vi",
            [
                "để cấp có thẩm quyền xem xét",
                "[chưa xác minh]",
                "Bản đồ nhiệt",
            ],
        ),
        (
            Lang::En,
            "en",
            [
                "for the competent body to consider",
                "[not confirmed]",
                "Heat map",
            ],
        ),
    ] {
        let html = render_html(&r, &org, lang);
        assert!(html.starts_with("<!DOCTYPE html>"));
        let opt = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse_with_options(&html, opt)
            .unwrap_or_else(|e| panic!("{lang:?}: not well-formed: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "html");
        assert_eq!(root.attribute("lang"), Some(code));
        check_no_network(&doc, &html);
        for m in marks {
            assert!(html.contains(m), "{lang:?}: {m}");
        }
        // Sections.
        for id in [
            "summary",
            "grades",
            "party",
            "heads",
            "personnel",
            "rewards",
            "inspect",
            "heatmap",
        ] {
            assert!(
                doc.descendants()
                    .any(|n| n.tag_name().name() == "section" && n.attribute("id") == Some(id)),
                "section {id}"
            );
        }
        // One grades row per grading.
        let grades = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("grades"))
            .unwrap();
        let rows = grades
            .descendants()
            .filter(|n| n.tag_name().name() == "tr")
            .count();
        assert_eq!(rows, r.gradings.len() + 1);
        // The heat map: one svg, one rect per unit × field cell, each with a
        // tooltip and the cell's score printed.
        let svgs: Vec<_> = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "svg")
            .collect();
        assert_eq!(svgs.len(), 1);
        let svg = svgs[0];
        assert_eq!(
            svg.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        let rects: Vec<_> = svg
            .descendants()
            .filter(|n| n.tag_name().name() == "rect")
            .collect();
        assert_eq!(rects.len(), r.inspection.cells.len());
        for rect in &rects {
            let fill = rect.attribute("fill").unwrap();
            assert!(fill.starts_with('#') && fill.len() == 7, "{fill}");
            let title = rect
                .children()
                .find(|c| c.tag_name().name() == "title")
                .and_then(|t| t.text())
                .unwrap();
            assert!(title.contains('×'), "{title}");
        }
        // The worst cell is the reddest, a zero cell white.
        let worst = r
            .inspection
            .cells
            .iter()
            .map(|c| c.2.score)
            .fold(0.0_f64, f64::max);
        assert!(worst > 0.0);
        let texts: Vec<&str> = svg
            .descendants()
            .filter(|n| n.tag_name().name() == "text")
            .filter_map(|n| n.text())
            .collect();
        let printed = format!("{worst:.0}");
        assert!(texts.contains(&printed.as_str()), "{printed} in {texts:?}");
        if r.inspection.cells.iter().any(|c| c.2.score == 0.0) {
            assert!(rects.iter().any(|x| x.attribute("fill") == Some("#ffffff")));
        }
        // Unit and field labels.
        for (u, _, _) in &r.inspection.cells {
            let name = org.unit(&u.parse().unwrap()).unwrap().name.clone();
            assert!(
                svg.descendants()
                    .filter_map(|n| n.text())
                    .any(|t| t.contains(&name) || name.starts_with(t.trim_end_matches('…'))),
                "{name}"
            );
        }
    }
}
