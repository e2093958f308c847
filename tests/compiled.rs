//! Compiled conditions against the interpreter: an answer without an
//! explanation runs the rules' conditions compiled to closures at load; an
//! explained one runs the interpreter. Over generated conditions that use
//! every form of the condition language (each quantifier, maps and
//! filters, lists and `+`, `in`, `if`, dates and numbers with `+` and `-`,
//! every kind of function, fields of every kind of value, shared
//! sub-expressions, and run-time errors), in each scope of a rule, the two
//! must give the same answer, errors and their messages included.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::OnceLock;

use common::World;

use accountable::engine::{Determination, Evaluator};
use accountable::generate::GenConfig;
use accountable::id::RuleId;
use accountable::model::ValidCase;
use accountable::policy::{BUNDLED_2023, Policy};
use chrono::NaiveDate;
use proptest::prelude::*;

/// Boolean parts; `S` stands for a step (or `none`) in the rule's scope.
const ATOMS: &[&str] = &[
    "S.assignee != none",
    "S.kind == \"advise\"",
    "S.due != none and S.date > S.due",
    "exists(x in S.events where x.kind == \"proposal_submitted\")",
    "all(x in events where x.date <= as_of)",
    "count(x in events where x.actor == S.assignee) >= 2",
    "len([x.actor for x in events where x.kind == \"transferred_up\"]) > 0",
    "S.assignee in [x.actor for x in events]",
    "first(x in S.events where x.kind == \"proposal_submitted\") != none",
    "last(x in events where x.index > 1) != none",
    "last(x in events where x.index > 1).index == len(events) - 1",
    "len([x.to for x in events]) < len(events)",
    "working_days(task.received, task.end) > param.idle_days",
    "(if S.deputy != none then S.deputy else S.assignee) != none",
    "S.date + 3 > as_of",
    "S.date - 3 < as_of",
    // A variable on the left of an order: read in place, not swapped.
    "as_of > add_working_days(S.date, 5)",
    "task.late_days - 1 > 0",
    // An integer overflow once the task is late: a run-time error.
    "task.late_days + 9223372036854775807 > 0",
    "add_working_days(S.date, 2) > as_of",
    // A negative number of working days: a run-time error.
    "add_working_days(S.date, task.late_days - 2) > as_of",
    "head_of(task.unit, S.date) == S.assignee",
    "acting_head_of(task.unit, S.date) != none",
    "managing_unit(S.assignee, S.date) != none",
    "led_unit(S.assignee, S.date) == task.unit",
    "len([x.index for x in S.events] + [x.index for x in events where x.kind == \"transferred_sideways\"]) > 1",
    "task.origin == \"citizen_dossier\" or task.novel",
    "not exists(x in events where x.kind == \"decision_issued\")",
    "max(task.late_days, 0) > min(task.extensions, 3)",
    "is_working_day(as_of)",
    "stopped_days(task.received, task.end) > 0",
    "[x.index for x in S.events where x.index < 3] == [0, 1, 2]",
    "count(y in [x.actor for x in events]) > 3",
    "deputy_for(task.unit, task.field, S.date) != none",
    "deputy_over(S.assignee, task.field, S.date) != none",
    "competent(task.unit, task.field)",
    "within(task.competent_unit, task.unit)",
    "superior_of(task.unit, task.competent_unit)",
    "is_leader(S.assignee, S.date)",
    "is_head(S.assignee, S.date)",
    "head_of_official(S.assignee, S.date) != none",
    "holds(S.assignee, \"staff\", task.unit, S.date)",
    "serves_in(S.assignee, task.unit, S.date)",
    "delegated(S.assignee, task.field, S.date)",
    "head_over(S.assignee, S.date) in [x.actor for x in events]",
    "S.assignee.party_member",
    "S.assignee.category == \"cong_chuc\"",
    "task.unit.parent != none",
    // Ids as texts (the generated ones are `o…` and `so…`).
    "task.unit.id == \"so1\" or task.competent_unit.id != \"so2\" or S.assignee.id == \"o1\"",
    "task.unit.kind != \"division\"",
    "exists(x in events where x.kind == \"meeting_held\" and exists(i in x.items where len(i.spoke) > 0))",
    "exists(x in events where x.delegation != none and x.delegation.redelegable)",
    "date(\"2025-01-01\") < as_of",
    "len(task.stakeholders + task.mandatory_consultees) > 0",
    "task.unit in task.stakeholders",
    "exists(x in events where x.kind == \"consultation_replied\" and x.position == \"vague\")",
    "first(x in events where x.actor != none).actor == S.assignee",
    "S.index == 0 or S.completed == none",
    "exists(x in S.events where x.kind == \"assigned\" and x.to != none)",
    "all(x in task.steps where x.started == none or x.started <= as_of)",
    "count(x in events where x.reply_by != none and x.reply_by < as_of) > 0",
    // A count of one step's events of a kind (walked in the kind's group).
    "count(x in S.events where x.kind == \"reminder\") > 0",
    // A step found by its index: only that step is tested; past the last
    // step, before the first, and for an index that is not a number
    // (`none`), none is; an index that overflows is an error.
    "exists(q in task.steps where q.index == S.index - 1 and q.done != none and q.done <= as_of)",
    "exists(q in task.steps where S.index + 1 == q.index)",
    "exists(q in task.steps where q.index == len(events) - 8 and q.kind == \"advise\")",
    "exists(q in task.steps where q.index == first(x in S.events where x.kind == \"reminder\").index)",
    "exists(q in task.steps where q.index == task.late_days + 9223372036854775807)",
    "first(q in task.steps where q.index == S.index + 1 and q.assignee != none).assignee == S.assignee",
    "first(q in task.steps where q.index == S.index + 1 and q.kind == \"advise\") != none",
    "first(q in task.steps where q.index == len(task.steps) - 1) == last(q in task.steps)",
    "all(q in task.steps where q.index == 0 or q.started != none)",
    // An index that reads the step itself: every step is walked.
    "exists(q in task.steps where q.index == q.index and q.kind == \"advise\")",
    // Over one kind's events, the kind's test is left out; the rest is not.
    "count(x in events where x.kind == \"reminder\" and x.actor == S.assignee) > 0",
    "first(x in events where x.kind == \"assigned\" and x.to != none) != none",
];

/// Official-valued `who` expressions.
const WHO: &[&str] = &[
    "S.assignee",
    "[x.actor for x in S.events]",
    "if S.deputy != none then S.deputy else head_of(task.unit, S.date)",
    "[x.actor for x in events where x.kind == \"transferred_up\"] + [S.assignee]",
    "first(x in events where x.actor != none).actor",
    "head_over(S.assignee, S.date)",
    "[x.actor for x in events where x.index >= len(events) - 2]",
];

/// Evidence expressions.
const EVIDENCE: &[&str] = &[
    "[x in S.events where x.index >= 0]",
    "first(x in events where x.kind == \"reminder\")",
    "[x in events where x.index < 2] + [x in S.events where x.kind != \"reminder\"]",
];

/// A rule's scope and what `S` stands for in it.
const SCOPES: &[(&str, &str)] = &[
    ("step", "step"),
    ("event", "e.step"),
    ("task", "first(p in task.steps)"),
];

/// A condition as a tree of parts.
#[derive(Debug, Clone)]
enum Cond {
    Atom(usize),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    If(Box<Cond>, Box<Cond>, Box<Cond>),
}

impl Cond {
    fn text(&self, s: &str) -> String {
        match self {
            Cond::Atom(i) => format!("({})", ATOMS[*i].replace('S', s)),
            Cond::Not(a) => format!("not {}", a.text(s)),
            Cond::And(a, b) => format!("({} and {})", a.text(s), b.text(s)),
            Cond::Or(a, b) => format!("({} or {})", a.text(s), b.text(s)),
            Cond::If(c, a, b) => {
                format!("(if {} then {} else {})", c.text(s), a.text(s), b.text(s))
            }
        }
    }
}

fn cond_strategy() -> impl Strategy<Value = Cond> {
    let leaf = (0..ATOMS.len()).prop_map(Cond::Atom);
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| Cond::Not(Box::new(a))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone(), inner).prop_map(|(c, a, b)| Cond::If(
                Box::new(c),
                Box::new(a),
                Box::new(b)
            )),
        ]
    })
}

/// One generated rule: its condition, scope, `who` and evidence.
#[derive(Debug, Clone)]
struct GenRule {
    when: Cond,
    scope: usize,
    who: usize,
    evidence: Option<usize>,
}

fn rule_strategy() -> impl Strategy<Value = GenRule> {
    (
        cond_strategy(),
        0..SCOPES.len(),
        0..WHO.len(),
        proptest::option::of(0..EVIDENCE.len()),
    )
        .prop_map(|(when, scope, who, evidence)| GenRule {
            when,
            scope,
            who,
            evidence,
        })
}

fn rule_text(id: &str, scope: usize, when: &str, who: usize, evidence: Option<usize>) -> String {
    let (scope, s) = SCOPES[scope];
    let evidence = evidence
        .map(|i| format!("evidence = '''{}'''\n", EVIDENCE[i].replace('S', s)))
        .unwrap_or_default();
    let fields = format!(
        "for = \"{scope}\"\nwhen = '''{when}'''\nwho = '''{}'''\n{evidence}\
         behaviour = \"upward_push\"\nseverity = \"minor\"\n",
        WHO[who].replace('S', s)
    );
    extra_rule(id, "avoidance", &fields)
}

/// An added rule of `kind` with id `id`, labelled and cited alike, with
/// the rest of its fields (`fields`, TOML lines).
fn extra_rule(id: &str, kind: &str, fields: &str) -> String {
    format!(
        "\n[[rule]]\nid = \"{id}\"\nkind = \"{kind}\"\nlabel_vi = \"x\"\nlabel_en = \"x\"\n\
         cite = {{ source = \"cd280\" }}\n{fields}"
    )
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        World::new(GenConfig {
            seed: 11,
            departments: 6,
            staff_per_unit: 3,
            events_per_task: 14,
            avoidance_percent: 60,
        })
    })
}

fn case(n: usize, seed: u64) -> ValidCase {
    world().case(n, seed)
}

fn day(d: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 10).unwrap() + chrono::Duration::days(d)
}

/// The explained answer (the interpreter's) with what only an explanation
/// holds removed: the trace, and each exception's first false part.
fn unexplained(mut d: Determination) -> Determination {
    d.trace.clear();
    for x in d.findings.iter_mut().flat_map(|f| f.exceptions.iter_mut()) {
        x.first_false = None;
    }
    d
}

/// The two answers for `policy` on `c` as of `as_of`, interpreter first.
fn both(
    policy: &Policy,
    c: &ValidCase,
    as_of: NaiveDate,
) -> Option<(Determination, Determination)> {
    let on = Evaluator::new(policy)
        .explain(true)
        .evaluate(c, as_of)
        .ok()?;
    let off = Evaluator::new(policy)
        .explain(false)
        .evaluate(c, as_of)
        .unwrap();
    Some((unexplained(on), off))
}

/// Each answer of `policy` without an explanation on the first `tasks`
/// generated tasks (task `n` with seed `n % seeds`), as of each of `days`,
/// once it is checked to be the explained answer: `f` is given each, and
/// the number compared is returned. An as-of date outside the policy's
/// dates is passed over.
fn each_answer(
    policy: &Policy,
    tasks: usize,
    seeds: u64,
    days: &[i64],
    mut f: impl FnMut(&Determination),
) -> usize {
    let mut compared = 0;
    for n in 0..tasks {
        let c = case(n, n as u64 % seeds);
        for &d in days {
            let Some((on, off)) = both(policy, &c, day(d)) else {
                continue;
            };
            assert_eq!(on, off, "task {} as of {}", c.task().id, day(d));
            compared += 1;
            f(&off);
        }
    }
    compared
}

/// Every part alone, in every scope, with the `who` and evidence
/// expressions in turn: each must load, the answers must be the same both
/// ways, run-time errors and their messages included, and most of the
/// rules must fire on some task (so that the parts are found true as well
/// as false). Each part is also tested under `not`, which the compiler
/// folds into some parts (a field's test, a quantifier) rather than
/// wrapping them.
#[test]
fn every_part_gives_what_the_interpreter_gives() {
    let mut rules = String::new();
    for i in 0..ATOMS.len() {
        for (scope, (_, s)) in SCOPES.iter().enumerate() {
            let (who, evidence) = (i % WHO.len(), (i % 4 < 3).then_some(i % EVIDENCE.len()));
            let when = Cond::Atom(i).text(s);
            rules += &rule_text(&format!("zz.part_{i}_{scope}"), scope, &when, who, evidence);
            let not = Cond::Not(Box::new(Cond::Atom(i))).text(s);
            rules += &rule_text(
                &format!("zz.not_part_{i}_{scope}"),
                scope,
                &not,
                who,
                evidence,
            );
        }
    }
    let policy = Policy::from_toml_str(&format!("{BUNDLED_2023}{rules}"), "parts.toml").unwrap();
    let (mut fired, mut errors) = (std::collections::BTreeSet::new(), 0usize);
    let compared = each_answer(&policy, 60, 5, &[120, 400, 800], |off| {
        errors += off.errors.len();
        fired.extend(
            off.findings
                .iter()
                .filter_map(|f| f.rule.as_str().strip_prefix("zz."))
                .map(str::to_owned),
        );
    });
    assert!(compared > 150, "{compared} answers compared");
    // The errors are raised, and most parts fire somewhere (some, such as a
    // task's unit among its own stakeholders, hold on no generated task),
    // alone and under `not`.
    assert!(errors > 0, "no run-time error raised");
    for prefix in ["part_", "not_part_"] {
        let n = fired.iter().filter(|r| r.starts_with(prefix)).count();
        assert!(
            n * 10 >= ATOMS.len() * SCOPES.len() * 7,
            "only {n} of {} `{prefix}` rules fired",
            ATOMS.len() * SCOPES.len()
        );
    }
}

/// Parts that read neither the binding nor a parameter: an evaluation
/// without an explanation tests them once per rule when they begin a
/// chain of `and`s (`Code::test_prefix`). False and true ones, one that
/// depends on the task, and one that raises a run-time error once the task
/// is late.
const TASK_PARTS: &[&str] = &[
    "task.origin == \"citizen_dossier\"",
    "task.origin != \"citizen_dossier\"",
    "task.late_days > 0",
    "task.late_days + 9223372036854775807 > 0",
    "not exists(x in events where x.kind == \"decision_issued\")",
    "competent(task.unit, task.field) and task.closed == none",
    // A parameter whose value changes on 2025-01-01 (`ZZ_CUT`): each
    // binding reads the value on its own date, so this part is tested per
    // binding, never once per rule.
    "param.zz_cut == 1",
];

/// The parameter of the last of [`TASK_PARTS`]: 1 until 2025-01-01, then
/// 0; and one with no value in force from that day.
const ZZ_CUT: &str = "
[[param]]
name = \"zz_cut\"
value = 1
unit = \"count\"
label_vi = \"x\"
label_en = \"x\"
valid_until = 2025-01-01
default = true

[[param]]
name = \"zz_cut\"
value = 0
unit = \"count\"
valid_from = 2025-01-01
default = true

[[param]]
name = \"zz_gap\"
value = 1
unit = \"count\"
label_vi = \"x\"
label_en = \"x\"
valid_until = 2025-01-01
default = true
";

/// Rules whose `when` has one or two parts that read no binding, first or
/// after parts about the binding (one of which cannot fail, one of which
/// raises an error for some steps), and followed by parts that do (or by
/// nothing), in the step and event scopes: each gives the interpreter's
/// answer, the task-only parts found false on some tasks, true on others,
/// and raising their error on some.
#[test]
fn parts_tested_once_per_rule_give_what_the_interpreter_gives() {
    let mut rules = String::new();
    // Parts about the binding before the task-only ones: none, one that
    // cannot fail, one whose calendar function fails (a date past the
    // calendar), and one whose sum overflows for every step but the first.
    let befores = [
        "",
        "S.assignee != none and ",
        "is_working_day(S.date + 100000) and ",
        "S.index + 9223372036854775807 > 0 and ",
        // A parameter with no value in force after 2025-01-01.
        "param.zz_gap >= 0 and ",
    ];
    let rests = [
        "S.assignee != none",
        "S.kind == \"advise\" and S.due != none",
        "",
    ];
    for (i, p) in TASK_PARTS.iter().enumerate() {
        for (b, before) in befores.iter().enumerate() {
            for (j, rest) in rests.iter().enumerate() {
                // Alone, and followed by another part that reads no binding.
                for (k, p2) in ["", " and task.received <= as_of"].iter().enumerate() {
                    for scope in [0, 1] {
                        let s = SCOPES[scope].1;
                        let (before, rest) = (before.replace('S', s), rest.replace('S', s));
                        let when = if rest.is_empty() {
                            format!("{before}{p}{p2}")
                        } else {
                            format!("{before}{p}{p2} and {rest}")
                        };
                        rules += &rule_text(
                            &format!("zz.prefix_{i}_{b}_{j}_{k}_{scope}"),
                            scope,
                            &when,
                            0,
                            Some(0),
                        );
                    }
                }
            }
        }
    }
    let policy =
        Policy::from_toml_str(&format!("{BUNDLED_2023}{ZZ_CUT}{rules}"), "prefix.toml").unwrap();
    let mut fired = std::collections::BTreeSet::new();
    let (mut errors, mut calendar_errors, mut overflow_errors, mut parameter_errors) =
        (0usize, 0usize, 0usize, 0usize);
    each_answer(&policy, 40, 3, &[120, 800], |off| {
        for e in &off.errors {
            let parts: Vec<&str> = e.rule.as_str().split('_').skip(1).collect();
            match parts.as_slice() {
                ["3", ..] => errors += 1,
                [_, "2", ..] => calendar_errors += 1,
                [_, "3", ..] => overflow_errors += 1,
                [_, "4", ..] => parameter_errors += 1,
                _ => {}
            }
        }
        fired.extend(
            off.findings
                .iter()
                .filter_map(|f| f.rule.as_str().strip_prefix("zz.prefix_"))
                .filter_map(|r| r.split('_').next().map(str::to_owned)),
        );
    });
    assert!(errors > 0, "the task-only part's error was not raised");
    assert!(calendar_errors > 0, "the calendar's error was not raised");
    assert!(
        overflow_errors > 0,
        "the binding part's overflow was not raised"
    );
    assert!(parameter_errors > 0, "the parameter's error was not raised");
    // Every prefix is true for some task (the error's, before the task is
    // late); the first two are each other's negation, so each is also false
    // for some.
    assert_eq!(
        fired.len(),
        TASK_PARTS.len(),
        "prefixes that fired: {fired:?}"
    );
}

/// Parts that are false, with no error, on a task with no event of one
/// kind: an evaluation without an explanation skips a rule (of one version,
/// with no explanation) whose `when` needs such a part, before parts that
/// cannot fail (`plan::needs`). `K` stands for the kind: one no generated
/// task has (`signed`), one some have (`transferred_sideways`), one most
/// have (`proposal_submitted`).
const NEED_PARTS: &[&str] = &[
    "exists(x in events where x.kind == \"K\")",
    "exists(x in S.events where x.kind == \"K\" and x.actor != none)",
    "count(x in events where x.kind == \"K\") >= 1",
    "0 < count(x in events where x.kind == \"K\")",
    // A count against a parameter: 1 until 2025-01-01, then 0 (`ZZ_CUT`),
    // so that an absent kind decides it only until then;
    "count(x in events where x.kind == \"K\") >= param.zz_cut",
    // and against one with no value in force from that day, whose reading
    // raises an error even when the task has no event of the kind.
    "count(x in events where x.kind == \"K\") > param.zz_gap",
];

/// Rules whose `when` needs an event of a kind (`NEED_PARTS`) alone, after
/// a part that cannot fail, after one that raises an error, before another
/// part, and under `or` and `not`, in each scope: each gives the
/// interpreter's answer, errors included, on tasks with and without the
/// kind, before and after a parameter changes.
#[test]
fn rules_that_need_an_event_kind_give_what_the_interpreter_gives() {
    let forms = [
        "P",
        "S.assignee != none and P",
        // Fails for every step but the first: the error is kept.
        "S.index + 9223372036854775807 > 0 and P",
        "P and S.kind == \"advise\"",
        "P or S.kind == \"advise\"",
        "not P",
    ];
    let kinds = ["signed", "transferred_sideways", "proposal_submitted"];
    let mut rules = String::new();
    for (i, part) in NEED_PARTS.iter().enumerate() {
        for (f, form) in forms.iter().enumerate() {
            for (k, kind) in kinds.iter().enumerate() {
                for (scope, (_, s)) in SCOPES.iter().enumerate() {
                    let when = form.replace('P', &part.replace('K', kind)).replace('S', s);
                    rules += &rule_text(
                        &format!("zz.need_{i}_{f}_{k}_{scope}"),
                        scope,
                        &when,
                        0,
                        Some(0),
                    );
                }
            }
        }
    }
    let policy =
        Policy::from_toml_str(&format!("{BUNDLED_2023}{ZZ_CUT}{rules}"), "needs.toml").unwrap();
    let (mut fired, mut errors) = (
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    );
    let ids = |r: &RuleId| r.as_str().strip_prefix("zz.need_").map(str::to_owned);
    each_answer(&policy, 40, 3, &[120, 800], |off| {
        fired.extend(off.findings.iter().filter_map(|f| ids(&f.rule)));
        errors.extend(off.errors.iter().filter_map(|e| ids(&e.rule)));
    });
    // Parts on a kind that some tasks have fire in every form but `not`
    // (which fires for the kind no task has).
    for (i, _) in NEED_PARTS.iter().enumerate() {
        for f in 0..forms.len() {
            let k = if f == forms.len() - 1 { 0 } else { 2 };
            assert!(
                fired
                    .iter()
                    .any(|r| r.starts_with(&format!("{i}_{f}_{k}_"))),
                "zz.need_{i}_{f}_{k}_* never fired"
            );
        }
    }
    // The errors of the part before, and of the parameter with no value,
    // are raised on the kind no task has.
    assert!(errors.iter().any(|r| r.starts_with("0_2_0_")), "{errors:?}");
    assert!(errors.iter().any(|r| r.starts_with("5_0_0_")), "{errors:?}");
}

/// The `when`s of the consequence rules of
/// [`consequences_of_every_filter_give_what_the_interpreter_gives`]: none;
/// decided by the finding's rule, behaviour or severity, alone, under
/// `not`, in `and` and `or`, with the literal on either side; decided only
/// after a part that cannot fail; not decided, after a part that raises an
/// error once the task is late (whose error must be kept), or by a part
/// that reads the rest of the finding.
const CSQ_WHENS: &[&str] = &[
    "",
    "finding.severity == \"minor\"",
    "finding.rule != \"avoid.no_proposal\" and finding.behaviour == \"no_proposal\"",
    "\"moderate\" == finding.severity or finding.severity == none",
    "not (finding.behaviour == \"non_decision\") and finding.date > task.received",
    "task.late_days + 9223372036854775807 > 0 and finding.severity != \"serious\"",
    "finding.official == finding.official or finding.rule == \"avoid.idle\"",
    "task.late_days + 9223372036854775807 > 0 or finding.severity != \"serious\"",
    "finding.rule == finding.rule and not (finding.severity == \"minor\")",
];

/// Consequence rules of every filter (`on_rules`, `on_behaviours`,
/// `min_severity`, each empty or not, and a `when` on the finding), more
/// than 64 of them, over the 2025-26 overlay, whose consequence rules have
/// several versions: an evaluation without an explanation tries a rule of
/// one version among the first 64 only on the findings its filter lets
/// through, decided at load (`Plan::may_follow`), and without testing a
/// `when` that the finding's rule, behaviour and severity decide
/// ([`CSQ_WHENS`]); the others as an explained one does. Each gives the
/// interpreter's answer, errors included, before and after the overlay's
/// dates.
#[test]
fn consequences_of_every_filter_give_what_the_interpreter_gives() {
    let on_rules = [
        "[]",
        "[\"avoid.no_proposal\"]",
        "[\"avoid.proposal_without_recommendation\", \"avoid.idle\"]",
    ];
    let on_behaviours = [
        "[]",
        "[\"no_proposal\"]",
        "[\"non_decision\", \"unresponsiveness\"]",
    ];
    let severities = [
        "",
        "min_severity = \"minor\"\n",
        "min_severity = \"moderate\"\n",
        "min_severity = \"serious\"\n",
    ];
    let mut rules = String::new();
    for i in 0..80 {
        // Each `when` with each filter of rules and of behaviours.
        let when = match CSQ_WHENS[(i + i / 9) % CSQ_WHENS.len()] {
            "" => String::new(),
            w => format!("when = {w:?}\n"),
        };
        rules += &extra_rule(
            &format!("zz.csq_{i:02}"),
            "consequence",
            &format!(
                "on_rules = {}\non_behaviours = {}\n{}{when}measure = \"reminder\"\n",
                on_rules[i % 3],
                on_behaviours[(i / 3) % 3],
                severities[(i / 9) % 4],
            ),
        );
    }
    let base = Policy::from_toml_str(&format!("{BUNDLED_2023}{rules}"), "csq.toml").unwrap();
    let policy = base
        .with_overlay(
            accountable::policy::BUNDLED_2025_OVERLAY,
            "vn-2025.overlay.toml",
        )
        .unwrap();
    let mut fired = std::collections::BTreeSet::new();
    let mut failed = 0;
    let compared = each_answer(&policy, 60, 5, &[120, 560, 800], |off| {
        fired.extend(
            off.consequences
                .iter()
                .filter_map(|x| x.rule.as_str().strip_prefix("zz.csq_"))
                .filter_map(|n| n.parse::<usize>().ok()),
        );
        failed += off
            .errors
            .iter()
            .filter(|e| e.rule.as_str().starts_with("zz.csq_"))
            .count();
    });
    assert!(compared > 150, "{compared} answers compared");
    // Rules past the 64th fire too; and some filters let nothing through.
    assert!(fired.iter().any(|&r| r >= 64), "{fired:?}");
    assert!(fired.len() >= 30, "{fired:?}");
    assert!(fired.len() < 80, "{fired:?}");
    // Each `when` holds for some finding, and the one that fails on a late
    // task fails.
    for (w, when) in CSQ_WHENS.iter().enumerate() {
        assert!(
            fired.iter().any(|&i| (i + i / 9) % CSQ_WHENS.len() == w),
            "no rule with `{when}` fired"
        );
    }
    assert!(failed > 0);
}

/// Parts of a chain of `and`s whose order decides the answer: one false
/// for some steps, one true for some, and two that raise a run-time error
/// (an overflow once the task is late, one for every step but the first).
const CHAIN_PARTS: &[&str] = &[
    "S.assignee == none",
    "S.kind == \"advise\"",
    "task.late_days + 9223372036854775807 > 0",
    "S.index + 9223372036854775807 > 0",
];

/// Every ordering of two, three and four of [`CHAIN_PARTS`] (with the
/// third part kept for the task-only position too): the compiled chain
/// (`and`s of each length are compiled apart) must test the parts in their
/// order, stopping at the first false one, so that the error raised, or
/// not raised, is the interpreter's.
#[test]
fn chains_of_and_are_tested_in_their_order() {
    let n = CHAIN_PARTS.len();
    let mut orders: Vec<Vec<usize>> = Vec::new();
    for a in 0..n {
        for b in (0..n).filter(|&b| b != a) {
            orders.push(vec![a, b]);
            for c in (0..n).filter(|&c| c != a && c != b) {
                orders.push(vec![a, b, c]);
                for d in (0..n).filter(|&d| d != a && d != b && d != c) {
                    orders.push(vec![a, b, c, d]);
                }
            }
        }
    }
    let mut rules = String::new();
    for (i, order) in orders.iter().enumerate() {
        for scope in [0, 1] {
            let s = SCOPES[scope].1;
            let when: Vec<String> = order
                .iter()
                .map(|&k| format!("({})", CHAIN_PARTS[k].replace('S', s)))
                .collect();
            rules += &rule_text(
                &format!("zz.chain_{i}_{scope}"),
                scope,
                &when.join(" and "),
                0,
                None,
            );
        }
    }
    let policy = Policy::from_toml_str(&format!("{BUNDLED_2023}{rules}"), "chains.toml").unwrap();
    let (mut errors, mut fired) = (std::collections::BTreeSet::new(), 0usize);
    each_answer(&policy, 30, 3, &[120, 800], |off| {
        errors.extend(off.errors.iter().map(|e| e.rule.as_str().to_owned()));
        fired += off
            .findings
            .iter()
            .filter(|f| f.rule.as_str().starts_with("zz.chain_"))
            .count();
    });
    // Some chains raise an error and some do not, on the same tasks.
    assert!(fired > 0, "no chain fired");
    assert!(!errors.is_empty(), "no chain raised an error");
    assert!(
        errors.len() < orders.len() * 2,
        "every chain raised an error"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Conditions built of the parts with `and`, `or`, `not` and `if`, in
    /// rules added to the bundled policy: the compiled conditions give the
    /// interpreter's answer.
    #[test]
    fn compiled_conditions_give_what_the_interpreter_gives(
        rules in proptest::collection::vec(rule_strategy(), 1..4),
        seed in 0u64..20,
    ) {
        let mut text = BUNDLED_2023.to_owned();
        for (k, r) in rules.iter().enumerate() {
            let when = r.when.text(SCOPES[r.scope].1);
            text += &rule_text(&format!("zz.gen_{k}"), r.scope, &when, r.who, r.evidence);
        }
        let policy = Policy::from_toml_str(&text, "generated.toml").unwrap();
        for n in 0..6 {
            let c = case(n, seed);
            for d in [200, 700] {
                if let Some((on, off)) = both(&policy, &c, day(d)) {
                    prop_assert_eq!(on, off);
                }
            }
        }
    }
}

/// The bundled policy on tasks cut to their first few events, none
/// included: without an explanation, the rules of kinds a task has no
/// event of are skipped unseen, and the rules of its steps and of the task
/// itself never are, so both ways give the same answer, and every step of
/// a task without events still has its accountable officials.
#[test]
fn tasks_with_few_or_no_events_are_answered_alike_both_ways() {
    let policy = Policy::bundled().unwrap();
    let mut compared = 0;
    for n in 0..40 {
        let record = case(n, 5).into_record();
        for keep in [0, 1, 2, 5] {
            let mut cut = record.clone();
            cut.events.truncate(keep);
            let Ok(c) = ValidCase::new(world().vorg.clone(), cut) else {
                continue;
            };
            for as_of in [day(0), day(60), day(400)] {
                let Some((on, off)) = both(&policy, &c, as_of) else {
                    continue;
                };
                assert_eq!(on, off, "task {n} with {keep} events, as of {as_of}");
                if keep == 0 {
                    let assigned = c.task().steps.iter().filter(|s| s.assignee.is_some());
                    assert!(
                        off.steps.iter().map(|s| s.accountable.len()).sum::<usize>()
                            >= assigned.count(),
                        "task {n} without events, as of {as_of}: {:?}",
                        off.steps
                    );
                }
                compared += 1;
            }
        }
    }
    assert!(compared > 300, "{compared}");
}

/// An exception defeats a rule only under a version that names it: each
/// bundled exception that defeats a finding, or an official accountable at
/// a step, of the sample tasks is superseded, from the day after it starts,
/// by a version naming the same rules but that one's. Under the new
/// version the finding stands (its exception checks do not list the
/// exception) or the official is not defeated by it, and both ways agree.
#[test]
fn an_exception_defeats_only_the_rules_its_version_in_force_names() {
    let base = Policy::bundled().unwrap();
    // The rules the exception's one version defeats, and the day after it starts.
    let defeats_of = |id: &str| -> (Vec<String>, NaiveDate) {
        let r = base.rules().iter().find(|r| r.id.as_str() == id).unwrap();
        assert_eq!(r.versions.len(), 1, "{id}");
        let v = &r.versions[0];
        match &v.body {
            accountable::policy::Body::Exception { defeats, .. } => (
                defeats.iter().map(|d| d.as_str().to_string()).collect(),
                v.valid_from.succ_opt().unwrap(),
            ),
            _ => panic!("{id} is an exception"),
        }
    };
    // The policy with exception `x` superseded, from the day after it
    // starts, by a version that defeats the same rules but `rule` (or
    // another rule, when that leaves none), and that day.
    let narrowed = |x: &RuleId, rule: &RuleId| -> (Policy, NaiveDate) {
        let (all, from) = defeats_of(x.as_str());
        let mut rest: Vec<String> = all.into_iter().filter(|r| r != rule.as_str()).collect();
        if rest.is_empty() {
            let other = if rule.as_str() == "avoid.idle" {
                "avoid.non_decision"
            } else {
                "avoid.idle"
            };
            rest.push(other.into());
        }
        let overlay = format!(
            "[overlay]\nid = \"narrower\"\n\n[[supersede]]\nid = \"{x}\"\nfrom = {from}\ndefeats = {rest:?}\n"
        );
        (base.with_overlay(&overlay, "narrower.toml").unwrap(), from)
    };
    let (mut findings, mut officials) = (0, 0);
    let as_of = accountable::sample::as_of();
    for (n, c) in accountable::sample::corpus().unwrap().iter().enumerate() {
        let d = Evaluator::new(&base)
            .explain(false)
            .evaluate(c, as_of)
            .unwrap();
        for f in d.findings.iter().filter(|f| f.defeated_by.is_some()) {
            let x = f.defeated_by.clone().unwrap();
            let (p, from) = narrowed(&x, &f.rule);
            assert!(from < f.act_date, "{x} starts before {}", f.rule);
            let (on, off) = both(&p, c, as_of).unwrap();
            assert_eq!(on, off, "task {n}, {x} narrowed");
            let same = off
                .findings
                .iter()
                .find(|g| g.rule == f.rule && g.official == f.official && g.evidence == f.evidence)
                .unwrap_or_else(|| panic!("task {n}: {} is still found", f.rule));
            assert_ne!(same.defeated_by.as_ref(), Some(&x), "task {n}");
            assert!(
                same.exceptions.iter().all(|e| e.rule != x),
                "task {n}: {x} was checked: {:?}",
                same.exceptions
            );
            findings += 1;
        }
        for (s, a) in d
            .steps
            .iter()
            .flat_map(|s| s.accountable.iter().map(move |a| (s, a)))
            .filter(|(_, a)| a.defeated_by.is_some())
        {
            let x = a.defeated_by.clone().unwrap();
            let (p, _) = narrowed(&x, &a.rule);
            let (on, off) = both(&p, c, as_of).unwrap();
            assert_eq!(on, off, "task {n}, {x} narrowed");
            let step = off.steps.iter().find(|t| t.step == s.step).unwrap();
            assert!(
                step.accountable
                    .iter()
                    .filter(|b| b.official == a.official && b.rule == a.rule)
                    .all(|b| b.defeated_by.as_ref() != Some(&x)),
                "task {n}, step {}: {x} still defeats {}",
                s.step,
                a.rule
            );
            officials += 1;
        }
    }
    assert!(findings >= 5 && officials >= 1, "{findings} {officials}");
}

/// Conditions of consequence rules over the findings of the bound
/// finding's official, each in two forms with the same value: one that
/// reads the finding only through `finding.official`, whose value the
/// evaluation computes once per official and shares between that
/// official's findings, and one that also reads `finding.date`, computed
/// for each finding.
const BY_OFFICIAL: &[(&str, &str)] = &[
    (
        "count(f in findings where f.official == finding.official) >= 2",
        "count(f in findings where f.official == finding.official and finding.date == finding.date) >= 2",
    ),
    (
        "exists(f in findings where f.official == finding.official and f.severity == \"moderate\") and finding.severity == \"minor\"",
        "exists(f in findings where f.official == finding.official and f.severity == \"moderate\" and finding.date == finding.date) and finding.severity == \"minor\"",
    ),
    (
        "len([f in findings where finding.official == f.official and f.date > task.received]) >= 2",
        "len([f in findings where finding.official == f.official and f.date > task.received and finding.date == finding.date]) >= 2",
    ),
    (
        "count(f in findings where count(g in findings where g.official == f.official) >= 2 and f.official == finding.official) > 0",
        "count(f in findings where count(g in findings where g.official == f.official) >= 2 and f.official == finding.official and finding.date == finding.date) > 0",
    ),
    (
        "head_over(finding.official, task.received) != none",
        "head_over(finding.official, finding.date + 0 - 0) != none and head_over(finding.official, task.received) != none",
    ),
];

/// A value shared by an official's findings is the value each of them
/// would compute: the consequences of the two forms of each of
/// [`BY_OFFICIAL`] fall on the same officials for the same findings, with
/// the interpreter's answer on every task; and the shared forms fire
/// (several on officials with more than one finding).
#[test]
fn values_shared_by_an_officials_findings_are_each_findings_own() {
    let mut rules = String::new();
    for (i, (shared, own)) in BY_OFFICIAL.iter().enumerate() {
        for (form, when) in [("shared", shared), ("own", own)] {
            rules += &extra_rule(
                &format!("zz.{form}_{i}"),
                "consequence",
                &format!("when = {when:?}\nmeasure = \"reminder\"\n"),
            );
        }
    }
    let policy = Policy::from_toml_str(&format!("{BUNDLED_2023}{rules}"), "shared.toml").unwrap();
    let mut fired = vec![0; BY_OFFICIAL.len()];
    let mut shared_by_several = 0;
    let compared = each_answer(&policy, 60, 5, &[120, 560], |off| {
        let of = |form: &str, i: usize| -> Vec<(String, Vec<&str>)> {
            let id = format!("zz.{form}_{i}");
            off.consequences
                .iter()
                .filter(|c| c.rule.as_str() == id)
                .map(|c| (c.official.to_string(), c.because.clone()))
                .collect()
        };
        for (i, n) in fired.iter_mut().enumerate() {
            let shared = of("shared", i);
            assert_eq!(shared, of("own", i), "{} as of {}", off.task, off.as_of);
            *n += shared.len();
            shared_by_several += shared.iter().filter(|(_, b)| b.len() > 1).count();
        }
        let errors = |form: &str| {
            off.errors
                .iter()
                .filter(|e| e.rule.as_str().starts_with(form))
                .count()
        };
        assert_eq!(errors("zz.shared"), errors("zz.own"));
    });
    assert!(compared > 100, "{compared} answers compared");
    assert!(fired.iter().all(|&n| n > 0), "{fired:?}");
    assert!(shared_by_several > 0);
}

/// The `when`s, with no binding of their own, that need an event of a kind:
/// each of [`NEED_PARTS`] (of the task's first step for the step's events)
/// alone, after a part that cannot fail, after one that raises an error
/// once the task is late, before another part, and under `or` and `not`,
/// on each of three kinds (one no task has, one some have, one most
/// have). Each is `(part, form, kind, when)`.
fn unbound_need_whens() -> Vec<(usize, usize, usize, String)> {
    let forms = [
        "P",
        "task.id != none and P",
        "task.late_days + 9223372036854775807 > 0 and P",
        "P and task.origin != \"own_plan\"",
        "P or task.origin == \"own_plan\"",
        "not P",
    ];
    let kinds = ["signed", "transferred_sideways", "proposal_submitted"];
    let mut out = Vec::new();
    for (i, part) in NEED_PARTS.iter().enumerate() {
        for (f, form) in forms.iter().enumerate() {
            for (k, kind) in kinds.iter().enumerate() {
                let part = part
                    .replace('K', kind)
                    .replace('S', "first(p in task.steps)");
                out.push((i, f, k, form.replace('P', &part)));
            }
        }
    }
    out
}

/// Which of [`unbound_need_whens`] were found true, and which failed, as
/// `(part, form, kind)`, from the rule ids `{prefix}{part}_{form}_{kind}`.
type NeedSeen = std::collections::BTreeSet<(usize, usize, usize)>;

fn need_of(prefix: &str, rule: &RuleId) -> Option<(usize, usize, usize)> {
    let mut n = rule.as_str().strip_prefix(prefix)?.split('_');
    let mut next = || n.next().and_then(|x| x.parse().ok());
    Some((next()?, next()?, next()?))
}

/// What each part of [`unbound_need_whens`] must have done: true in every
/// form on the kind most tasks have (`not` on the kind none has), and
/// failed for the part after a failing one and for the parameter with no
/// value, on the kind no task has.
fn check_need_seen(what: &str, held: &NeedSeen, failed: &NeedSeen) {
    for i in 0..NEED_PARTS.len() {
        for f in 0..6 {
            let k = if f == 5 { 0 } else { 2 };
            assert!(held.contains(&(i, f, k)), "{what} {i}_{f}_{k} never held");
        }
    }
    assert!(failed.contains(&(0, 2, 0)), "{what}: {failed:?}");
    assert!(failed.contains(&(5, 0, 0)), "{what}: {failed:?}");
}

/// The bundled policy with a rule of `kind` for each of
/// [`unbound_need_whens`], named `zz.{tag}_{i}_{f}_{k}`, whose fields are
/// `fields(when)`.
fn with_need_rules(tag: &str, kind: &str, fields: impl Fn(&str) -> String) -> Policy {
    let mut rules = String::new();
    for (i, f, k, when) in unbound_need_whens() {
        rules += &extra_rule(&format!("zz.{tag}_{i}_{f}_{k}"), kind, &fields(&when));
    }
    Policy::from_toml_str(
        &format!("{BUNDLED_2023}{ZZ_CUT}{rules}"),
        &format!("{tag}.toml"),
    )
    .unwrap()
}

/// Exceptions whose `when` needs an event of a kind ([`unbound_need_whens`]),
/// on findings and on accountability entries: without an explanation, one
/// the task has no event of is not tested and does not apply. Every check
/// of every finding, every entry, and every error is the interpreter's,
/// before and after a parameter changes.
#[test]
fn exceptions_that_need_an_event_kind_give_what_the_interpreter_gives() {
    let defeats = "[\"acc.assignee\", \"avoid.no_proposal\", \"avoid.proposal_without_recommendation\", \"avoid.idle\", \"avoid.non_decision\", \"avoid.no_follow_up\"]";
    let policy = with_need_rules("exc", "exception", |when| {
        format!("defeats = {defeats}\nwhen = {when:?}\n")
    });
    let (mut held, mut failed) = (NeedSeen::new(), NeedSeen::new());
    let mut defeated_entries = NeedSeen::new();
    let compared = each_answer(&policy, 40, 3, &[120, 800], |off| {
        defeated_entries.extend(
            off.steps
                .iter()
                .flat_map(|s| s.accountable.iter())
                .filter_map(|a| a.defeated_by.as_ref())
                .filter_map(|x| need_of("zz.exc_", x)),
        );
        let checks = off.findings.iter().flat_map(|f| f.exceptions.iter());
        held.extend(
            checks
                .filter(|x| x.applied)
                .filter_map(|x| need_of("zz.exc_", &x.rule)),
        );
        failed.extend(
            off.errors
                .iter()
                .filter_map(|e| need_of("zz.exc_", &e.rule)),
        );
    });
    assert!(compared > 50, "{compared} answers compared");
    check_need_seen("exception", &held, &failed);
    // Accountability entries too are defeated (by the first that holds),
    // on the kind no task has by `not`.
    assert!(defeated_entries.iter().any(|&(_, f, k)| f == 5 && k == 0));
}

/// Consequence rules whose `when` needs an event of a kind
/// ([`unbound_need_whens`]), likewise.
#[test]
fn consequences_that_need_an_event_kind_give_what_the_interpreter_gives() {
    let policy = with_need_rules("csq", "consequence", |when| {
        format!("when = {when:?}\nmeasure = \"reminder\"\n")
    });
    let (mut held, mut failed) = (NeedSeen::new(), NeedSeen::new());
    let compared = each_answer(&policy, 40, 3, &[120, 800], |off| {
        held.extend(
            off.consequences
                .iter()
                .filter_map(|c| need_of("zz.csq_", &c.rule)),
        );
        failed.extend(
            off.errors
                .iter()
                .filter_map(|e| need_of("zz.csq_", &e.rule)),
        );
    });
    assert!(compared > 50, "{compared} answers compared");
    check_need_seen("consequence", &held, &failed);
}
