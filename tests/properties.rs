//! Properties of the engine and the types, over generated organisations and task histories.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::OnceLock;

use common::World;

use accountable::engine::{Determination, Evaluator, JudgeBy, StepStatus};
use accountable::generate::{GenConfig, task};
use accountable::model::{Case, EventKind, TaskRecord, ValidCase};
use accountable::policy::{BUNDLED_2023, Policy};
use chrono::NaiveDate;
use proptest::prelude::*;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| Policy::bundled().unwrap())
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        World::new(GenConfig {
            seed: 7,
            departments: 6,
            staff_per_unit: 3,
            events_per_task: 12,
            avoidance_percent: 60,
        })
    })
}

fn case(n: usize, seed: u64) -> ValidCase {
    world().case(n, seed)
}

fn as_of_strategy() -> impl Strategy<Value = NaiveDate> {
    (0i64..900)
        .prop_map(|d| NaiveDate::from_ymd_opt(2024, 1, 10).unwrap() + chrono::Duration::days(d))
}

fn without_hash(d: &Determination) -> serde_json::Value {
    let mut v = serde_json::to_value(d).unwrap();
    v.as_object_mut().unwrap().remove("policy_hash");
    v
}

/// The bundled policy with its `[[rule]]` blocks in another order.
fn shuffled_policy(seed: u64) -> String {
    let (head, rest) = BUNDLED_2023.split_once("\n[[rule]]").unwrap();
    let mut blocks: Vec<String> = format!("\n[[rule]]{rest}")
        .split("\n[[rule]]")
        .filter(|b| !b.trim().is_empty())
        .map(|b| format!("\n[[rule]]{b}"))
        .collect();
    let mut rng = accountable::generate::Rng::new(seed);
    for i in (1..blocks.len()).rev() {
        let j = rng.below(i + 1);
        blocks.swap(i, j);
    }
    format!("{head}{}", blocks.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn evaluation_is_deterministic(n in 0usize..10_000, seed in 0u64..50, as_of in as_of_strategy()) {
        let c = case(n, seed);
        let a = Evaluator::new(policy()).evaluate(&c, as_of);
        let b = Evaluator::new(policy()).evaluate(&c, as_of);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn invariants_hold(n in 0usize..10_000, seed in 0u64..50, as_of in as_of_strategy(), review in any::<bool>()) {
        let c = case(n, seed);
        let judge = if review { JudgeBy::ReviewDate } else { JudgeBy::ActDate };
        let Ok(d) = Evaluator::new(policy()).judge_by(judge).evaluate(&c, as_of) else { return Ok(()) };
        let ids: Vec<_> = c.events().iter().map(|e| e.id.clone()).collect();
        for s in &d.steps {
            // One primary accountable individual per step, or a reported gap or overlap.
            let expect = match s.primaries().len() { 0 => StepStatus::Gap, 1 => StepStatus::Ok, _ => StepStatus::Overlap };
            prop_assert_eq!(s.status, expect);
            for a in &s.accountable {
                prop_assert!(!a.citation.document.is_empty());
                prop_assert!(policy().rule(&a.rule).is_some());
            }
        }
        for f in &d.findings {
            prop_assert!(!f.citation.document.is_empty());
            for e in &f.evidence {
                prop_assert!(ids.contains(e), "evidence {} not in the case", e);
                let ev = c.events().iter().find(|x| &x.id == e).unwrap();
                prop_assert!(accountable::time::vn_date(&ev.at) <= as_of, "evidence after the review date");
            }
            // A rule outside its validity window never appears.
            let rule = policy().rule(&f.rule).unwrap();
            let v = &rule.versions[f.version];
            let judged_on = if review { as_of } else { f.act_date };
            prop_assert!(v.in_force(judged_on), "{} judged on {} outside its window", f.rule, judged_on);
        }
        for q in &d.consequences {
            prop_assert!(!q.citation.document.is_empty());
            for b in &q.because {
                let f = d.findings.iter().find(|f| &f.id == b).unwrap();
                prop_assert!(f.stands());
            }
        }
        prop_assert_eq!(d.facts.events_after_as_of, c.events().iter().filter(|e| accountable::time::vn_date(&e.at) > as_of).count());
    }

    #[test]
    fn each_events_validated_step_is_its_step_by_id(n in 0usize..10_000, seed in 0u64..50) {
        let c = case(n, seed);
        for (i, e) in c.events().iter().enumerate() {
            let by_id = e.step.as_ref().and_then(|s| c.step_index(s));
            prop_assert_eq!(c.event_step(i), by_id, "event {}", e.id);
            // An event that names a step names one of the task's (validated).
            prop_assert_eq!(e.step.is_some(), by_id.is_some());
        }
        prop_assert_eq!(c.event_step(c.events().len()), None);
    }

    /// An answer refilled by `evaluate_into` is the answer `evaluate`
    /// gives, whatever answer it refilled (of another task, another date,
    /// with or without the trace).
    #[test]
    fn a_refilled_answer_is_a_fresh_one(
        runs in proptest::collection::vec((0usize..10_000, 0u64..50, as_of_strategy(), any::<bool>()), 2..6),
    ) {
        let mut out: Option<Determination> = None;
        for (n, seed, as_of, explain) in runs {
            let c = case(n, seed);
            let ev = Evaluator::new(policy()).explain(explain);
            let fresh = ev.evaluate(&c, as_of).unwrap();
            match out.as_mut() {
                Some(o) => {
                    ev.evaluate_into(&c, as_of, o).unwrap();
                    prop_assert_eq!(&*o, &fresh);
                }
                None => out = Some(fresh),
            }
        }
    }

    #[test]
    fn case_serde_round_trips(n in 0usize..10_000, seed in 0u64..50) {
        let w = world();
        let cfg = GenConfig { seed, ..w.cfg };
        let rec = task(&cfg, &w.org, n);
        let case = Case { organisation: w.org.organisation.clone(), task: rec.task.clone(), events: rec.events.clone() };
        let json = serde_json::to_string(&case).unwrap();
        let back: Case = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &case);
        let line = serde_json::to_string(&rec).unwrap();
        let back: TaskRecord = serde_json::from_str(&line).unwrap();
        prop_assert_eq!(back, rec);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// An explained answer is the answer without explanation, with the
    /// trace and the first false part of each exception that did not apply.
    #[test]
    fn the_explanation_changes_nothing_else(n in 0usize..10_000, seed in 0u64..50, as_of in as_of_strategy(), review in any::<bool>()) {
        let c = case(n, seed);
        let judge = if review { JudgeBy::ReviewDate } else { JudgeBy::ActDate };
        let ev = |explain| Evaluator::new(policy()).explain(explain).judge_by(judge);
        let Ok(mut on) = ev(true).evaluate(&c, as_of) else { return Ok(()) };
        let off = ev(false).evaluate(&c, as_of).unwrap();
        prop_assert!(off.trace.is_empty());
        prop_assert!(!on.trace.is_empty());
        on.trace.clear();
        for x in on.findings.iter_mut().flat_map(|f| f.exceptions.iter_mut()) {
            prop_assert_eq!(x.first_false.is_some(), !x.applied);
            x.first_false = None;
        }
        prop_assert_eq!(on, off);
    }

    #[test]
    fn reordering_rules_changes_nothing(order in 0u64..1_000, n in 0usize..10_000, seed in 0u64..50, as_of in as_of_strategy()) {
        let shuffled = Policy::from_toml_str(&shuffled_policy(order), "shuffled.toml").unwrap();
        let c = case(n, seed);
        let a = Evaluator::new(policy()).evaluate(&c, as_of).map(|d| without_hash(&d)).ok();
        let b = Evaluator::new(&shuffled).evaluate(&c, as_of).map(|d| without_hash(&d)).ok();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn a_defeating_exception_only_removes_findings(which in 0usize..4, n in 0usize..10_000, seed in 0u64..50, as_of in as_of_strategy()) {
        let conditions = ["true", "task.novel", "official == task.assigned_by", "task.late_days > 2"];
        let targets: Vec<String> = policy().rules().iter().filter(|r| r.id.as_str().starts_with("avoid.")).map(|r| format!("\"{}\"", r.id)).collect();
        let extra = format!(
            "\n[[rule]]\nid = \"exc.test_extra\"\nkind = \"exception\"\nlabel_vi = \"x\"\nlabel_en = \"x\"\ncite = {{ source = \"cd280\" }}\ndefeats = [{}]\nwhen = \"{}\"\n",
            targets.join(", "),
            conditions[which]
        );
        let stronger = Policy::from_toml_str(&format!("{BUNDLED_2023}{extra}"), "extra.toml").unwrap();
        let c = case(n, seed);
        let Ok(a) = Evaluator::new(policy()).evaluate(&c, as_of) else { return Ok(()) };
        let b = Evaluator::new(&stronger).evaluate(&c, as_of).unwrap();
        let key = |f: &accountable::engine::Finding| (f.rule.clone(), f.official.clone(), f.evidence.clone(), f.step.clone());
        let before: Vec<_> = a.standing().map(key).collect();
        let after: Vec<_> = b.standing().map(key).collect();
        for f in &after {
            prop_assert!(before.contains(f), "a finding appeared: {:?}", f);
        }
        prop_assert!(b.consequences.len() <= a.consequences.len());
    }
}

#[test]
fn every_event_kind_round_trips() {
    use accountable::model::Event;
    let kinds = EventKind::NAMES;
    let samples = [
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"assigned","to":"b"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"accepted"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"declined","reason":"r","legal_basis":"Luật X"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"transferred_up","to_unit":"u"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"transferred_sideways","to_unit":"u"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"returned","reason":"r","legal_basis":"L","to_unit":"u"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"consultation_requested","addressees":["u"],"reply_by":"2025-03-10"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"consultation_replied","unit":"u","position":"vague","request":"e0"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"proposal_submitted","recommendation":false}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"decision_issued","in_principle_only":true}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"signed","mode":"tuq","delegation":"d"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"deadline_extended","new_deadline":"2025-04-01","reason":"r"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"apology_issued","new_return_date":"2025-04-01"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"progress_update","note":"n"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"reminder","to":"b"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"instruction_requested","to":"b","answer_by":"2025-03-05"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"meeting_held","items":[{"title":"t","field":"land","spoke":["a"],"silent":["b"]}],"absent_with_leave":["c"],"recused":["d"]}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"vote","collective":"u","in_favour":["a"],"dissent":["b"]}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"obstacle_certified","reason":"lũ","force_majeure":true}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"order_given","to":"b"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"written_objection","superior":"b","reason":"trái luật"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"innovation_approved","approved_by":"b"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"supplement_requested","documents":["x"]}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"supplement_received"}"#,
        r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","step":"s1","document":"1/QĐ","kind":"completed"}"#,
    ];
    assert_eq!(samples.len(), kinds.len());
    for (s, k) in samples.iter().zip(kinds) {
        let e: Event = serde_json::from_str(s).unwrap();
        assert_eq!(e.kind.name(), *k);
        let back: Event = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
    }
    // Unknown fields are refused, in the common part and in a kind.
    assert!(serde_json::from_str::<Event>(r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"accepted","extra":1}"#).is_err());
    assert!(serde_json::from_str::<Event>(r#"{"id":"e1","at":"2025-03-03T09:00:00+07:00","actor":"a","kind":"assigned","to":"b","too":"c"}"#).is_err());
}

#[test]
fn bundled_2025_overlay_loads_and_versions_do_not_overlap() {
    let p = Policy::bundled_2025().unwrap();
    assert_eq!(p.meta().id, "vn-2025");
    assert_eq!(p.meta().overlays, vec!["vn-2025".to_string()]);
    let r = p.rule(&"avoid.dossier_overdue".parse().unwrap()).unwrap();
    assert_eq!(r.versions.len(), 2);
    assert_eq!(
        r.versions[0].valid_until,
        NaiveDate::from_ymd_opt(2025, 7, 1)
    );
    assert_eq!(r.versions[1].citation.document, "Nghị định 118/2025/NĐ-CP");
    // The base is untouched.
    let base = Policy::bundled().unwrap();
    assert_eq!(
        base.rule(&"avoid.dossier_overdue".parse().unwrap())
            .unwrap()
            .versions
            .len(),
        1
    );
}

/// Rules that fire when a quantifier over a task's or a step's events gives
/// a different result with its source narrowed to one kind (a leading
/// `x.kind == "K"`, which the loader narrows) than without (the same test
/// placed second, which it does not), and rules that fire when a step has
/// more than one event of a kind (so that the order of those matters).
fn narrowing_rules() -> String {
    let mut out = String::new();
    for (i, k) in EventKind::NAMES.iter().enumerate() {
        let mut parts = Vec::new();
        for src in ["events", "e.step.events"] {
            let (a, b) = (
                format!("x in {src} where x.kind == \"{k}\""),
                format!("x in {src} where x.index >= 0 and x.kind == \"{k}\""),
            );
            for q in ["exists", "all", "count", "first", "last"] {
                parts.push(format!("{q}({a}) != {q}({b})"));
            }
            parts.push(format!("[{a}] != [{b}]"));
            parts.push(format!("[x.index for {a}] != [x.index for {b}]"));
        }
        let rule = |id: String, when: String| {
            format!(
                "\n[[rule]]\nid = \"{id}\"\nkind = \"avoidance\"\nlabel_vi = \"x\"\nlabel_en = \"x\"\n\
                 cite = {{ source = \"cd280\" }}\nfor = \"event\"\nwhen = '''{when}'''\nwho = \"e.actor\"\n\
                 behaviour = \"upward_push\"\nseverity = \"minor\"\n"
            )
        };
        out += &rule(format!("zz.narrowed_{i}"), parts.join(" or "));
        out += &rule(
            format!("zz.several_{i}"),
            format!("count(x in e.step.events where x.index >= 0 and x.kind == \"{k}\") > 1"),
        );
    }
    out
}

#[test]
fn narrowing_a_quantifier_to_one_kind_of_event_changes_no_result() {
    let extended = Policy::from_toml_str(
        &format!("{BUNDLED_2023}{}", narrowing_rules()),
        "narrowing.toml",
    )
    .unwrap();
    let ev = Evaluator::new(&extended);
    let (mut several, mut kinds) = (0, std::collections::BTreeSet::new());
    for n in 0..150 {
        let c = case(n, n as u64 % 7);
        for days in [200, 500, 800] {
            let as_of =
                NaiveDate::from_ymd_opt(2024, 1, 10).unwrap() + chrono::Duration::days(days);
            let Ok(d) = ev.evaluate(&c, as_of) else {
                continue;
            };
            assert!(d.errors.is_empty(), "{:?}", d.errors);
            for f in &d.findings {
                let id = f.rule.as_str();
                assert!(
                    !id.starts_with("zz.narrowed_"),
                    "{id} fired on task {} as of {as_of}",
                    c.task().id
                );
                if let Some(k) = id.strip_prefix("zz.several_") {
                    several += 1;
                    kinds.insert(k.to_string());
                }
            }
        }
    }
    // The tasks have steps with several events of one kind, of several kinds.
    assert!(
        several > 100 && kinds.len() >= 5,
        "{several} findings, kinds {kinds:?}"
    );
}

/// A rule whose lists are built while other lists are being built: a
/// filter in the condition of a map, maps in the condition of a filter, and
/// the two joined with `+` to a filter of their own.
const NESTED_LISTS: &str = r#"
[[rule]]
id = "zz.nested_lists"
kind = "avoidance"
label_vi = "x"
label_en = "x"
cite = { source = "cd280" }
for = "task"
when = "true"
who = "[x.actor for x in events where len([y in events where y.actor == x.actor]) > 1]"
evidence = "[x in events where len([y.index for y in events where y.actor == x.actor]) > 1 and len([y.actor for y in events where y.index < x.index]) >= 0] + [x in events where x.index == 0]"
behaviour = "upward_push"
severity = "minor"
"#;

#[test]
fn lists_built_inside_lists_keep_their_own_items() {
    let extended =
        Policy::from_toml_str(&format!("{BUNDLED_2023}{NESTED_LISTS}"), "nested.toml").unwrap();
    let ev = Evaluator::new(&extended).explain(false);
    let mut checked = 0;
    for n in 0..120 {
        let c = case(n, n as u64 % 5);
        for days in [150, 400, 900] {
            let as_of =
                NaiveDate::from_ymd_opt(2024, 1, 10).unwrap() + chrono::Duration::days(days);
            let Ok(d) = ev.evaluate(&c, as_of) else {
                continue;
            };
            assert!(d.errors.is_empty(), "{:?}", d.errors);
            // What the rule names, worked out here without the engine.
            let events = &c.events()[..c.events_until(as_of)];
            let repeated: Vec<_> = events
                .iter()
                .filter(|x| events.iter().filter(|y| y.actor == x.actor).count() > 1)
                .collect();
            let mut officials: Vec<String> = Vec::new();
            for x in &repeated {
                if !officials.contains(&x.actor.to_string()) {
                    officials.push(x.actor.to_string());
                }
            }
            let mut evidence: Vec<String> = repeated.iter().map(|x| x.id.to_string()).collect();
            if let Some(first) = events.first()
                && !evidence.contains(&first.id.to_string())
            {
                evidence.push(first.id.to_string());
            }
            let found: Vec<_> = d
                .findings
                .iter()
                .filter(|f| f.rule.as_str() == "zz.nested_lists")
                .collect();
            let named: Vec<String> = found.iter().map(|f| f.official.to_string()).collect();
            let (mut named_sorted, mut officials_sorted) = (named.clone(), officials.clone());
            named_sorted.sort();
            officials_sorted.sort();
            assert_eq!(
                named_sorted,
                officials_sorted,
                "task {} as of {as_of}",
                c.task().id
            );
            evidence.sort();
            for f in &found {
                let mut got: Vec<String> = f.evidence.iter().map(|e| e.to_string()).collect();
                got.sort();
                assert_eq!(got, evidence, "task {} as of {as_of}", c.task().id);
            }
            checked += found.len();
        }
    }
    assert!(checked > 100, "{checked} findings checked");
}

/// Rules that read lists of the case in place: a vote's dissenters and
/// supporters named directly as the officials who answer, and those lists
/// and the task's stakeholders compared as lists.
const IN_PLACE_LISTS: &str = r#"
[[rule]]
id = "zz.in_place_dissent"
kind = "avoidance"
label_vi = "x"
label_en = "x"
cite = { source = "cd280" }
for = "event"
event = "vote"
when = "e.dissent == e.dissent and e.in_favour != e.dissent and task.stakeholders == task.stakeholders"
who = "e.dissent"
behaviour = "upward_push"
severity = "minor"

[[rule]]
id = "zz.in_place_favour"
kind = "avoidance"
label_vi = "x"
label_en = "x"
cite = { source = "cd280" }
for = "event"
event = "vote"
who = "e.in_favour"
behaviour = "upward_push"
severity = "minor"
"#;

#[test]
fn lists_read_in_place_name_their_officials_and_compare_as_lists() {
    let extended =
        Policy::from_toml_str(&format!("{BUNDLED_2023}{IN_PLACE_LISTS}"), "in-place.toml").unwrap();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sc-collective.json");
    let case = accountable::io::read_case(&path).unwrap();
    let d = Evaluator::new(&extended)
        .evaluate(&case, NaiveDate::from_ymd_opt(2025, 6, 30).unwrap())
        .unwrap();
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let named = |rule: &str| {
        let mut v: Vec<String> = d
            .findings
            .iter()
            .filter(|f| f.rule.as_str() == rule)
            .map(|f| f.official.to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(named("zz.in_place_dissent"), ["uv"]);
    assert_eq!(named("zz.in_place_favour"), ["ct", "pct"]);
}
