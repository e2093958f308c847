//! What every form answers, the engine's answer, the organisation's static
//! indexes, and the Rust fold of derived facts (src/engine/facts.rs) that
//! Cedar needs in its contexts.

use std::collections::{BTreeSet, HashMap};

use accountable::calendar::Calendar;
use accountable::engine::Determination;
use accountable::model::{Deadline, EventKind, Organisation, StepKind, ValidCase};
use accountable::time::vn_date;
use chrono::NaiveDate;

/// The rules the peers express.
pub const ACC_RULES: &[&str] = &["acc.assignee", "acc.head", "acc.deputy"];
/// The avoidance rules the peers express.
pub const AVOID_RULES: &[&str] = &[
    "avoid.upward_push",
    "avoid.sideways_push",
    "avoid.non_decision",
    "avoid.bare_extensions",
    "avoid.unrelated_consultation",
    "avoid.no_follow_up",
];

/// The answer on those rules: accountability entries (rule, step, official)
/// and findings (rule, official, step, evidence event ids), exceptions aside
/// (a finding an exception defeats still counts: the peers express the rules,
/// not the exceptions).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub acc: BTreeSet<(String, String, String)>,
    pub findings: BTreeSet<(String, String, Option<String>, Vec<String>)>,
}

impl Outcome {
    pub fn diff(&self, other: &Outcome) -> String {
        let mut s = String::new();
        for a in self.acc.difference(&other.acc) {
            s.push_str(&format!("  - acc only in first:  {a:?}\n"));
        }
        for a in other.acc.difference(&self.acc) {
            s.push_str(&format!("  + acc only in second: {a:?}\n"));
        }
        for f in self.findings.difference(&other.findings) {
            s.push_str(&format!("  - finding only in first:  {f:?}\n"));
        }
        for f in other.findings.difference(&self.findings) {
            s.push_str(&format!("  + finding only in second: {f:?}\n"));
        }
        s
    }
}

/// The engine's determination restricted to the peers' rules.
pub fn engine_outcome(d: &Determination) -> Outcome {
    let mut o = Outcome::default();
    for s in &d.steps {
        for a in &s.accountable {
            if ACC_RULES.contains(&a.rule.as_str()) {
                o.acc.insert((
                    a.rule.to_string(),
                    s.step.to_string(),
                    a.official.to_string(),
                ));
            }
        }
    }
    for f in &d.findings {
        if AVOID_RULES.contains(&f.rule.as_str()) && f.moved_from.is_none() {
            o.findings.insert((
                f.rule.to_string(),
                f.official.to_string(),
                f.step.as_ref().map(|s| s.to_string()),
                f.evidence.iter().map(|e| e.to_string()).collect(),
            ));
        }
    }
    o
}

/// Static indexes of an organisation (what `ValidOrganisation` keeps too).
pub struct OrgIndex {
    /// Each unit's chain: itself, then its ancestors, nearest first.
    pub chain: HashMap<String, Vec<String>>,
    pub pos_by_unit: HashMap<String, Vec<usize>>,
    pub pos_by_official: HashMap<String, Vec<usize>>,
}

impl OrgIndex {
    pub fn new(org: &Organisation) -> OrgIndex {
        let parent: HashMap<&str, &str> = org
            .units
            .iter()
            .filter_map(|u| u.parent.as_ref().map(|p| (u.id.as_str(), p.as_str())))
            .collect();
        let mut chain = HashMap::new();
        for u in &org.units {
            let mut c = vec![u.id.to_string()];
            let mut cur = u.id.as_str();
            while let Some(p) = parent.get(cur) {
                if c.iter().any(|x| x == p) {
                    break;
                }
                c.push(p.to_string());
                cur = p;
            }
            chain.insert(u.id.to_string(), c);
        }
        let mut pos_by_unit: HashMap<String, Vec<usize>> = HashMap::new();
        let mut pos_by_official: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in org.positions.iter().enumerate() {
            pos_by_unit.entry(p.unit.to_string()).or_default().push(i);
            pos_by_official
                .entry(p.official.to_string())
                .or_default()
                .push(i);
        }
        OrgIndex {
            chain,
            pos_by_unit,
            pos_by_official,
        }
    }
}

/// Derived facts, as src/engine/facts.rs computes them.
pub struct Facts {
    pub n: usize,
    pub dates: Vec<NaiveDate>,
    pub estep: Vec<Option<usize>>,
    pub started: Vec<Option<NaiveDate>>,
    pub done: Vec<Option<NaiveDate>>,
    pub completed: Vec<Option<NaiveDate>>,
    pub end: NaiveDate,
    pub eff: Option<NaiveDate>,
    pub late_days: i64,
    pub first_decision: Option<NaiveDate>,
    /// Extensions with no progress update since the previous extension.
    pub bare: i64,
}

pub fn facts(case: &ValidCase, cal: &Calendar, as_of: NaiveDate) -> Facts {
    let task = case.task();
    // Each event's date in Vietnam, as the validated case keeps it.
    let n = case.events_until(as_of);
    let dates = case.event_dates().get(..n).unwrap_or(&[]);
    let ns = task.steps.len();
    let (mut started, mut done, mut completed) = (vec![None; ns], vec![None; ns], vec![None; ns]);
    let mut estep = Vec::with_capacity(n);
    let (mut closed, mut over, mut open, mut stopped) = (None, None, None, 0i64);
    let (mut first_decision, mut bare, mut progress) = (None, 0i64, false);
    for (e, &d) in case.events().iter().zip(dates) {
        let si = e.step.as_ref().and_then(|s| case.step_index(s));
        estep.push(si);
        if let Some(s) = si {
            started[s].get_or_insert(d);
            let kind = &task.steps[s].kind;
            if matches!(
                (kind, &e.kind),
                (_, EventKind::Completed)
                    | (
                        StepKind::Advise,
                        EventKind::ProposalSubmitted {
                            recommendation: true
                        }
                    )
                    | (
                        StepKind::Decide,
                        EventKind::DecisionIssued {
                            in_principle_only: false
                        }
                    )
            ) {
                done[s].get_or_insert(d);
            }
        }
        match &e.kind {
            EventKind::Completed => match si {
                Some(s) => completed[s] = Some(d),
                None => closed = Some(d),
            },
            EventKind::DeadlineExtended { new_deadline, .. } => {
                over = Some(*new_deadline);
                if !progress {
                    bare += 1;
                }
                progress = false;
            }
            EventKind::ProgressUpdate { .. } => progress = true,
            EventKind::ApologyIssued { new_return_date } => over = Some(*new_return_date),
            EventKind::SupplementRequested { .. } if open.is_none() => open = Some(d),
            EventKind::SupplementReceived => {
                if let Some(s) = open.take() {
                    stopped += cal.working_days_between(s, d).unwrap_or(0);
                }
            }
            EventKind::DecisionIssued {
                in_principle_only: false,
            } => {
                first_decision.get_or_insert(d);
            }
            _ => {}
        }
    }
    if closed.is_none() && ns > 0 && completed.iter().all(Option::is_some) {
        closed = completed.iter().flatten().max().copied();
    }
    let end = closed.unwrap_or(as_of);
    if let Some(s) = open {
        stopped += cal.working_days_between(s, end.max(s)).unwrap_or(0);
    }
    let received = vn_date(&task.received);
    let due = match task.deadline {
        None => None,
        Some(Deadline::Date(d)) => Some(d),
        Some(Deadline::WorkingDays(k)) => cal.add_working_days(received, k).ok(),
    };
    let eff = over
        .or(due)
        .and_then(|d| cal.add_working_days(d, stopped.max(0) as u32).ok());
    let late_days = match eff {
        Some(d) if end > d => cal.working_days_between(d, end).unwrap_or(0),
        _ => 0,
    };
    Facts {
        n,
        dates: dates.to_vec(),
        estep,
        started,
        done,
        completed,
        end,
        eff,
        late_days,
        first_decision,
        bare,
    }
}

/// A date as a day number (days from the common era), for Cedar's Longs.
pub fn day(d: NaiveDate) -> i64 {
    use chrono::Datelike;
    i64::from(d.num_days_from_ce())
}
