//! Two policies over the same corpus: every changed determination, with the
//! rule(s) or parameter(s) responsible, and totals by behaviour, field,
//! unit, clause and kind of change. Output as JSON, CSV or Markdown.
//!
//! ```
//! use accountable::{compare::compare, policy::Policy, sample};
//! let (a, b) = (Policy::bundled()?, Policy::bundled_2025()?);
//! let cases = sample::corpus()?;
//! let c = compare(&a, &b, &cases, sample::as_of(), Default::default())?;
//! assert_eq!(c.tasks, cases.len());
//! assert!(c.to_markdown().contains("changed"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;

use crate::engine::{Determination, EvalError, Evaluator, JudgeBy};
use crate::id::RuleId;
use crate::model::ValidCase;
use crate::policy::{Body, Policy};

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A standing finding appears under B.
    FindingAdded,
    /// A standing finding of A is gone under B.
    FindingRemoved,
    /// The same finding stands under both, on another clause (a new version of its rule).
    FindingRecited,
    /// An accountability entry appears under B.
    AccountabilityAdded,
    /// An accountability entry of A is gone under B.
    AccountabilityRemoved,
    /// A step's status (ok, gap, overlap) differs.
    StepStatusChanged,
    /// A consequence appears under B.
    ConsequenceAdded,
    /// A consequence of A is gone under B.
    ConsequenceRemoved,
    /// The evaluation failed under one policy only.
    EvaluationChanged,
}

impl ChangeKind {
    fn name(self) -> &'static str {
        match self {
            ChangeKind::FindingAdded => "finding_added",
            ChangeKind::FindingRemoved => "finding_removed",
            ChangeKind::FindingRecited => "finding_recited",
            ChangeKind::AccountabilityAdded => "accountability_added",
            ChangeKind::AccountabilityRemoved => "accountability_removed",
            ChangeKind::StepStatusChanged => "step_status_changed",
            ChangeKind::ConsequenceAdded => "consequence_added",
            ChangeKind::ConsequenceRemoved => "consequence_removed",
            ChangeKind::EvaluationChanged => "evaluation_changed",
        }
    }
}

/// One changed item of one task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The task.
    pub task: String,
    /// The task's unit.
    pub unit: String,
    /// The task's field.
    pub field: String,
    /// What changed.
    pub kind: ChangeKind,
    /// The step, if any.
    pub step: Option<String>,
    /// The official, if any.
    pub official: Option<String>,
    /// The rule whose output changed.
    pub rule: String,
    /// The behaviour, for findings.
    pub behaviour: Option<String>,
    /// The clause cited by the output (the document), for totals.
    pub clause: String,
    /// Why: the rule(s) or parameter(s) responsible, each explained.
    pub responsible: Vec<String>,
}

/// The comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Policy A (id and version).
    pub a: String,
    /// Policy B.
    pub b: String,
    /// The review date.
    pub as_of: NaiveDate,
    /// Tasks compared.
    pub tasks: usize,
    /// Tasks with at least one change.
    pub tasks_changed: usize,
    /// Every change.
    pub changes: Vec<Change>,
    /// Counts by kind of change.
    pub by_kind: BTreeMap<String, usize>,
    /// Finding changes by behaviour.
    pub by_behaviour: BTreeMap<String, usize>,
    /// Changes by field.
    pub by_field: BTreeMap<String, usize>,
    /// Changes by unit.
    pub by_unit: BTreeMap<String, usize>,
    /// Changes by clause (cited document).
    pub by_clause: BTreeMap<String, usize>,
    /// Changes by responsible rule or parameter.
    pub by_cause: BTreeMap<String, usize>,
}

/// Why rule `id` may decide differently under A and B for an act on `date`.
fn rule_diff(a: &Policy, b: &Policy, id: &RuleId, date: NaiveDate) -> Vec<String> {
    let (ra, rb) = (a.rule(id), b.rule(id));
    let mut out = Vec::new();
    match (ra, rb) {
        (None, None) => {}
        (None, Some(_)) => out.push(format!("rule {id}: added by B")),
        (Some(_), None) => out.push(format!("rule {id}: not in B (disabled or removed)")),
        (Some(ra), Some(rb)) => {
            let (va, vb) = (ra.version_at(date), rb.version_at(date));
            match (va, vb) {
                (None, Some((_, v))) => out.push(format!(
                    "rule {id}: in force on {date} only in B (version from {}, {})",
                    v.valid_from, v.citation.document
                )),
                (Some((_, v)), None) => out.push(format!(
                    "rule {id}: in force on {date} only in A (version from {}, {})",
                    v.valid_from, v.citation.document
                )),
                (Some((_, x)), Some((_, y))) => {
                    if x.citation != y.citation {
                        out.push(format!(
                            "rule {id}: B judges by {} instead of {}",
                            y.citation.document, x.citation.document
                        ));
                    }
                    let text = |v: &crate::policy::RuleVersion| -> Vec<String> {
                        let mut t: Vec<String> =
                            v.when.iter().map(|c| c.text().to_string()).collect();
                        match &v.body {
                            Body::Accountability {
                                who,
                                capacity,
                                primary,
                            } => t.push(format!("{} {capacity} {primary}", who.text())),
                            Body::Avoidance {
                                who,
                                severity,
                                behaviour,
                                ..
                            } => t.push(format!("{} {severity} {behaviour}", who.text())),
                            Body::Exception {
                                defeats,
                                when_by_scope,
                                ..
                            } => {
                                t.push(
                                    defeats
                                        .iter()
                                        .map(ToString::to_string)
                                        .collect::<Vec<_>>()
                                        .join(","),
                                );
                                t.extend(when_by_scope.values().map(|c| c.text().to_string()));
                            }
                            Body::Consequence {
                                measure,
                                on_rules,
                                on_behaviours,
                                min_severity,
                                ..
                            } => t.push(format!(
                                "{measure} {on_rules:?} {on_behaviours:?} {min_severity:?}"
                            )),
                        }
                        t
                    };
                    if text(x) != text(y) {
                        out.push(format!("rule {id}: condition or conclusion changed"));
                    }
                    for p in crate::clausetest::rule_params(a, ra)
                        .union(&crate::clausetest::rule_params(b, rb))
                    {
                        let (pa, pb) = (
                            a.param(p).and_then(|q| q.value_at(date)),
                            b.param(p).and_then(|q| q.value_at(date)),
                        );
                        if pa != pb {
                            out.push(format!(
                                "param {p}: {} → {}",
                                pa.map_or("-".into(), |v| v.to_string()),
                                pb.map_or("-".into(), |v| v.to_string())
                            ));
                        }
                    }
                }
                (None, None) => {}
            }
        }
    }
    out
}

/// Compares the determinations of two policies over the same cases.
///
/// # Errors
/// Never for a case that only one policy cannot judge (that is a change);
/// [`EvalError`] only if neither can.
pub fn compare(
    a: &Policy,
    b: &Policy,
    cases: &[ValidCase],
    as_of: NaiveDate,
    judge_by: JudgeBy,
) -> Result<Comparison, EvalError> {
    let ea = Evaluator::new(a).judge_by(judge_by).explain(false);
    let eb = Evaluator::new(b).judge_by(judge_by).explain(false);
    let mut changes = Vec::new();
    let mut tasks_changed = 0;
    for case in cases {
        let before = changes.len();
        match (ea.evaluate(case, as_of), eb.evaluate(case, as_of)) {
            (Ok(da), Ok(db)) => diff_task(a, b, case, &da, &db, &mut changes),
            (Err(e), Err(_)) => return Err(e),
            (ra, rb) => {
                let task = case.task();
                changes.push(Change {
                    task: task.id.to_string(),
                    unit: task.unit.to_string(),
                    field: task.field.to_string(),
                    kind: ChangeKind::EvaluationChanged,
                    step: None,
                    official: None,
                    rule: String::new(),
                    behaviour: None,
                    clause: String::new(),
                    responsible: vec![format!(
                        "A: {}; B: {}",
                        ra.err().map_or("ok".into(), |e| e.to_string()),
                        rb.err().map_or("ok".into(), |e| e.to_string())
                    )],
                });
            }
        }
        if changes.len() > before {
            tasks_changed += 1;
        }
    }
    let mut c = Comparison {
        a: format!("{} ({})", a.meta().id, a.meta().version),
        b: format!("{} ({})", b.meta().id, b.meta().version),
        as_of,
        tasks: cases.len(),
        tasks_changed,
        changes,
        by_kind: BTreeMap::new(),
        by_behaviour: BTreeMap::new(),
        by_field: BTreeMap::new(),
        by_unit: BTreeMap::new(),
        by_clause: BTreeMap::new(),
        by_cause: BTreeMap::new(),
    };
    for ch in &c.changes {
        *c.by_kind.entry(ch.kind.name().to_string()).or_default() += 1;
        if let Some(b) = &ch.behaviour {
            *c.by_behaviour.entry(b.clone()).or_default() += 1;
        }
        *c.by_field.entry(ch.field.clone()).or_default() += 1;
        *c.by_unit.entry(ch.unit.clone()).or_default() += 1;
        if !ch.clause.is_empty() {
            *c.by_clause.entry(ch.clause.clone()).or_default() += 1;
        }
        for r in &ch.responsible {
            let key = r.split(':').next().unwrap_or(r).to_string();
            *c.by_cause.entry(key).or_default() += 1;
        }
    }
    Ok(c)
}

fn diff_task(
    a: &Policy,
    b: &Policy,
    case: &ValidCase,
    da: &Determination,
    db: &Determination,
    out: &mut Vec<Change>,
) {
    let task = case.task();
    let mk = |kind,
              step: Option<String>,
              official: Option<String>,
              rule: String,
              behaviour: Option<String>,
              clause: String,
              responsible: Vec<String>| Change {
        task: task.id.to_string(),
        unit: task.unit.to_string(),
        field: task.field.to_string(),
        kind,
        step,
        official,
        rule,
        behaviour,
        clause,
        responsible,
    };
    // Findings, matched on rule, official, step and evidence.
    let key = |f: &crate::engine::Finding| {
        (
            f.rule.clone(),
            f.official.clone(),
            f.step.clone(),
            f.evidence.clone(),
        )
    };
    for (x, y, kind, other) in [
        (da, db, ChangeKind::FindingRemoved, db),
        (db, da, ChangeKind::FindingAdded, da),
    ] {
        for f in x.standing() {
            if y.standing().any(|g| key(g) == key(f)) {
                continue;
            }
            let mut why = rule_diff(a, b, &f.rule, f.act_date);
            if let Some(g) = other.findings.iter().find(|g| key(g) == key(f))
                && let Some(by) = &g.defeated_by
            {
                why.push(format!(
                    "exception {by}: defeats it under {}",
                    if kind == ChangeKind::FindingRemoved {
                        "B"
                    } else {
                        "A"
                    }
                ));
                why.extend(rule_diff(a, b, by, f.act_date));
            }
            for c in &f.exceptions {
                if c.applied
                    != other
                        .findings
                        .iter()
                        .find(|g| key(g) == key(f))
                        .is_some_and(|g| g.defeated_by.as_ref() == Some(&c.rule))
                {
                    why.extend(rule_diff(a, b, &c.rule, f.act_date));
                }
            }
            why.dedup();
            out.push(mk(
                kind,
                f.step.as_ref().map(ToString::to_string),
                Some(f.official.to_string()),
                f.rule.to_string(),
                Some(f.behaviour.name().to_string()),
                f.citation.document.clone(),
                why,
            ));
        }
    }
    for f in da.standing() {
        if let Some(g) = db.standing().find(|g| key(g) == key(f))
            && g.citation != f.citation
        {
            let why = rule_diff(a, b, &f.rule, f.act_date);
            out.push(mk(
                ChangeKind::FindingRecited,
                f.step.as_ref().map(ToString::to_string),
                Some(f.official.to_string()),
                f.rule.to_string(),
                Some(f.behaviour.name().to_string()),
                g.citation.document.clone(),
                why,
            ));
        }
    }
    // Accountability per step.
    for (sa, sb) in da.steps.iter().zip(&db.steps) {
        let entries =
            |s: &crate::engine::StepAccountability| -> Vec<(String, String, RuleId, String)> {
                s.accountable
                    .iter()
                    .filter(|e| e.defeated_by.is_none())
                    .map(|e| {
                        (
                            e.official.to_string(),
                            e.capacity.name().to_string(),
                            e.rule.clone(),
                            e.citation.document.clone(),
                        )
                    })
                    .collect()
            };
        let (ea, eb) = (entries(sa), entries(sb));
        for (x, y, kind) in [
            (&ea, &eb, ChangeKind::AccountabilityRemoved),
            (&eb, &ea, ChangeKind::AccountabilityAdded),
        ] {
            for e in x {
                if y.iter().any(|z| z.0 == e.0 && z.1 == e.1) {
                    continue;
                }
                let why = rule_diff(a, b, &e.2, da.as_of);
                out.push(mk(
                    kind,
                    Some(sa.step.to_string()),
                    Some(format!("{} ({})", e.0, e.1)),
                    e.2.to_string(),
                    None,
                    e.3.clone(),
                    why,
                ));
            }
        }
        if sa.status != sb.status {
            out.push(mk(
                ChangeKind::StepStatusChanged,
                Some(sa.step.to_string()),
                None,
                String::new(),
                None,
                String::new(),
                vec![format!("status {:?} → {:?}", sa.status, sb.status)],
            ));
        }
    }
    // Consequences.
    for (x, y, kind) in [
        (da, db, ChangeKind::ConsequenceRemoved),
        (db, da, ChangeKind::ConsequenceAdded),
    ] {
        for c in &x.consequences {
            if y.consequences
                .iter()
                .any(|d| d.rule == c.rule && d.official == c.official)
            {
                continue;
            }
            let date = x
                .findings
                .iter()
                .filter(|f| c.because.contains(&f.id))
                .map(|f| f.act_date)
                .min()
                .unwrap_or(x.as_of);
            let mut why = rule_diff(a, b, &c.rule, date);
            if why.is_empty() {
                why.push(format!(
                    "follows findings {} (rules {})",
                    c.because.join(", "),
                    x.findings
                        .iter()
                        .filter(|f| c.because.contains(&f.id))
                        .map(|f| f.rule.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            out.push(mk(
                kind,
                None,
                Some(c.official.to_string()),
                c.rule.to_string(),
                None,
                c.citation.document.clone(),
                why,
            ));
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Comparison {
    /// The comparison as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// One CSV row per change.
    pub fn to_csv(&self) -> String {
        let mut s =
            String::from("task,unit,field,kind,step,official,rule,behaviour,clause,responsible\n");
        for c in &self.changes {
            let row = [
                c.task.as_str(),
                c.unit.as_str(),
                c.field.as_str(),
                c.kind.name(),
                c.step.as_deref().unwrap_or(""),
                c.official.as_deref().unwrap_or(""),
                c.rule.as_str(),
                c.behaviour.as_deref().unwrap_or(""),
                c.clause.as_str(),
                &c.responsible.join("; "),
            ];
            s.push_str(
                &row.iter()
                    .map(|x| csv_field(x))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            s.push('\n');
        }
        s
    }

    /// A Markdown summary: what changed, how much, and why.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# {} → {} as of {}\n", self.a, self.b, self.as_of);
        let _ = writeln!(
            s,
            "{} of {} tasks changed; {} changed items.\n",
            self.tasks_changed,
            self.tasks,
            self.changes.len()
        );
        let table = |s: &mut String, title: &str, m: &BTreeMap<String, usize>| {
            if m.is_empty() {
                return;
            }
            let _ = writeln!(
                s,
                "## Changed, by {title}\n\n| {title} | changed |\n|---|---:|"
            );
            for (k, v) in m {
                let _ = writeln!(s, "| {k} | {v} |");
            }
            s.push('\n');
        };
        table(&mut s, "kind", &self.by_kind);
        table(&mut s, "responsible rule or parameter", &self.by_cause);
        table(&mut s, "behaviour", &self.by_behaviour);
        table(&mut s, "clause", &self.by_clause);
        table(&mut s, "field", &self.by_field);
        table(&mut s, "unit", &self.by_unit);
        if !self.changes.is_empty() {
            let _ = writeln!(
                s,
                "## Every change\n\n| task | change | step | official | rule | why |\n|---|---|---|---|---|---|"
            );
            for c in &self.changes {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} |",
                    c.task,
                    c.kind.name(),
                    c.step.as_deref().unwrap_or(""),
                    c.official.as_deref().unwrap_or(""),
                    c.rule,
                    c.responsible.join("; ").replace('|', "\\|")
                );
            }
        }
        s
    }
}
