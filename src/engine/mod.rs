//! The rule engine: for a validated task and a validated policy, as of a
//! date, who is accountable at each step, which behaviours count as
//! avoidance, which exceptions defeat them, and what follows.
//!
//! The engine never reads the clock: every query carries its review date.
//!
//! # Example
//! ```
//! use accountable::{engine::evaluate, policy::Policy, sample};
//! let policy = Policy::bundled()?;
//! for case in sample::corpus()? {
//!     let d = evaluate(&policy, &case, sample::as_of())?;
//!     assert_eq!(d.steps.len(), case.task().steps.len());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod eval;
mod facts;
mod plan;

use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

pub use facts::TaskFacts;
pub(crate) use plan::Plan;

use crate::calendar::{Calendar, CalendarError};
use crate::id::{EventId, OfficialId, RuleId, StepId, TaskId};
use crate::model::ValidCase;
use crate::policy::{
    Behaviour, Body, Capacity, Citation, Cond, Grade, Measure, Policy, Rule, RuleKind, RuleVersion,
    Scope, Severity, TargetScope, Transition,
};
use eval::{Env, FindingView, V};

/// Why an evaluation could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// The review date lies outside every date the policy can judge.
    #[error(
        "review date {as_of} is outside policy `{policy}` (in force from {from}{until}); help: choose a policy that covers it"
    )]
    OutsidePolicy {
        /// The review date.
        as_of: NaiveDate,
        /// The policy's id.
        policy: String,
        /// First date covered.
        from: NaiveDate,
        /// Rendered end, if any.
        until: String,
    },
    /// A date fell outside the working-day calendar.
    #[error("task `{task}`: {what}: {source}")]
    Calendar {
        /// The task.
        task: String,
        /// What was being computed.
        what: String,
        /// The calendar's error.
        source: CalendarError,
    },
}

/// Which version of a rule judges an act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JudgeBy {
    /// Each act by the version in force when it happened, unless the rule's
    /// transitional clause says otherwise (the default).
    #[default]
    ActDate,
    /// Every act by the version in force on the review date.
    ReviewDate,
}

/// Options of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Options {
    /// Record why each rule fired or not (the trace).
    pub explain: bool,
    /// Which version of a rule judges an act.
    pub judge_by: JudgeBy,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            explain: true,
            judge_by: JudgeBy::ActDate,
        }
    }
}

/// Whether a step has exactly one primary accountable individual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Exactly one.
    Ok,
    /// None: a responsibility gap.
    Gap,
    /// Several: an overlap.
    Overlap,
}

/// One accountable official at a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accountable {
    /// Who.
    pub official: OfficialId,
    /// In what capacity.
    pub capacity: Capacity,
    /// Whether primary.
    pub primary: bool,
    /// The rule behind it.
    pub rule: RuleId,
    /// The clause.
    pub citation: Arc<Citation>,
    /// When an exception moved responsibility here: the exception's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_exception: Option<RuleId>,
    /// When an exception removed this entry: the exception's id. Defeated entries are kept for the record and do not count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defeated_by: Option<RuleId>,
}

/// Accountability at one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepAccountability {
    /// The step.
    pub step: StepId,
    /// Its kind's stable name.
    pub kind: std::borrow::Cow<'static, str>,
    /// Who is accountable, in what capacity.
    pub accountable: Vec<Accountable>,
    /// Gap, overlap or fine.
    pub status: StepStatus,
}

impl StepAccountability {
    /// The primary accountable officials still standing (not defeated), deduplicated.
    pub fn primaries(&self) -> Vec<&OfficialId> {
        let mut v: Vec<&OfficialId> = Vec::new();
        for a in &self.accountable {
            if a.primary && a.defeated_by.is_none() && !v.contains(&&a.official) {
                v.push(&a.official);
            }
        }
        v
    }
}

/// An exception considered for a finding or accountability entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExceptionCheck {
    /// The exception rule.
    pub rule: RuleId,
    /// Its clause.
    pub citation: Arc<Citation>,
    /// Whether it applied.
    pub applied: bool,
    /// When it did not apply: the first part of its condition that was false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_false: Option<Arc<str>>,
}

/// A behaviour found to be avoidance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// `F1`, `F2`, … in a stable order.
    pub id: String,
    /// The rule that found it.
    pub rule: RuleId,
    /// Which version of the rule (0-based) and from when it is in force.
    pub version: usize,
    /// The version's first day in force.
    pub version_from: NaiveDate,
    /// The behaviour.
    pub behaviour: Behaviour,
    /// How serious.
    pub severity: Severity,
    /// The official concerned.
    pub official: OfficialId,
    /// The step, if the finding is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<StepId>,
    /// The evidence events.
    pub evidence: Vec<EventId>,
    /// The date of the act judged.
    pub act_date: NaiveDate,
    /// The clause.
    pub citation: Arc<Citation>,
    /// The exceptions considered.
    pub exceptions: Vec<ExceptionCheck>,
    /// The exception that defeated it, if any; a defeated finding is kept and has no consequence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defeated_by: Option<RuleId>,
    /// When an exception moved this finding from another official: the exception and the original finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<(RuleId, String)>,
}

impl Finding {
    /// Whether the finding stands (no exception defeated it).
    pub fn stands(&self) -> bool {
        self.defeated_by.is_none()
    }
}

/// What follows from findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Consequence {
    /// The consequence rule.
    pub rule: RuleId,
    /// The measure.
    pub measure: Measure,
    /// The grade cap, for a grade-cap measure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade_cap: Option<Grade>,
    /// Who it applies to.
    pub official: OfficialId,
    /// The findings that lead to it.
    pub because: Vec<String>,
    /// The clause.
    pub citation: Arc<Citation>,
}

/// Why a rule fired or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// It fired this many times.
    Fired {
        /// How many entries or findings it produced.
        count: usize,
    },
    /// Its condition was false for every binding; the first false part of the first binding.
    NotFired {
        /// Bindings examined.
        bindings: usize,
        /// The first false part, as written.
        first_false: Option<Arc<str>>,
    },
    /// There was nothing to bind (no step, no event of its kind, no finding it follows).
    NothingToBind,
    /// No version is in force on the dates judged.
    NotInForce,
    /// It raised an error and was skipped.
    Error {
        /// What went wrong.
        message: String,
    },
}

/// The trace of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleTrace {
    /// The rule.
    pub rule: RuleId,
    /// Its kind.
    pub kind: RuleKind,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The answer for one task as of a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Determination {
    /// The task.
    pub task: TaskId,
    /// The review date.
    pub as_of: NaiveDate,
    /// The policy's id and content hash.
    pub policy: String,
    /// The policy's content hash.
    pub policy_hash: String,
    /// How versions were chosen.
    pub judge_by: JudgeBy,
    /// Derived dates and counts.
    pub facts: TaskFacts,
    /// Accountability per step, in step order.
    pub steps: Vec<StepAccountability>,
    /// Findings, defeated ones included (see [`Finding::stands`]).
    pub findings: Vec<Finding>,
    /// Consequences of standing findings.
    pub consequences: Vec<Consequence>,
    /// Why each rule fired or not (empty when explanation is off).
    pub trace: Vec<RuleTrace>,
    /// Rules that raised an error and were skipped.
    pub errors: Vec<RuleTrace>,
}

impl Determination {
    /// Findings that stand.
    pub fn standing(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.stands())
    }
    /// Steps with a gap or an overlap.
    pub fn problem_steps(&self) -> impl Iterator<Item = &StepAccountability> {
        self.steps.iter().filter(|s| s.status != StepStatus::Ok)
    }
}

/// Evaluates a case under a policy as of a date, with the bundled calendar and default options.
///
/// # Errors
/// [`EvalError`] when the date is outside the policy or a deadline falls outside the calendar.
pub fn evaluate(
    policy: &Policy,
    case: &ValidCase,
    as_of: NaiveDate,
) -> Result<Determination, EvalError> {
    Evaluator::new(policy).evaluate(case, as_of)
}

/// An evaluator: a policy, a calendar and options. Cheap to build and to share across threads.
#[derive(Debug, Clone)]
pub struct Evaluator<'p> {
    policy: &'p Policy,
    calendar: &'p Calendar,
    options: Options,
}

#[derive(Clone, Copy)]
struct Binding {
    /// Slot 3 value.
    b1: Option<Bound>,
    act_date: NaiveDate,
    step: Option<u32>,
    default_evidence: Option<u32>,
}

#[derive(Clone, Copy)]
enum Bound {
    Step(u32),
    Event(u32),
}

struct RawFinding {
    rule_ix: usize,
    version: usize,
    official: OfficialId,
    binding: Binding,
    evidence: Vec<u32>,
    scope: TargetScope,
}

impl<'p> Evaluator<'p> {
    /// An evaluator with the bundled calendar and default options.
    pub fn new(policy: &'p Policy) -> Self {
        Evaluator {
            policy,
            calendar: Calendar::vietnam(),
            options: Options::default(),
        }
    }
    /// Uses another calendar (e.g. one extended with a new year).
    pub fn with_calendar(mut self, calendar: &'p Calendar) -> Self {
        self.calendar = calendar;
        self
    }
    /// Sets the options.
    pub fn with_options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }
    /// Chooses how rule versions are picked.
    pub fn judge_by(mut self, judge_by: JudgeBy) -> Self {
        self.options.judge_by = judge_by;
        self
    }
    /// Turns the trace on or off.
    pub fn explain(mut self, on: bool) -> Self {
        self.options.explain = on;
        self
    }

    fn version_for<'r>(
        &self,
        rule: &'r Rule,
        act: NaiveDate,
        as_of: NaiveDate,
    ) -> Option<(usize, &'r RuleVersion)> {
        let judge_by_review = self.options.judge_by == JudgeBy::ReviewDate;
        match rule.version_at(act) {
            Some((i, v)) if !judge_by_review && v.transition == Transition::ActDate => Some((i, v)),
            _ => {
                // Review-date judging, or a transitional clause choosing the review date.
                let at_review = rule.version_at(as_of);
                match at_review {
                    Some((i, v)) if judge_by_review || v.transition == Transition::ReviewDate => {
                        Some((i, v))
                    }
                    _ => rule
                        .version_at(act)
                        .filter(|(_, v)| !judge_by_review || v.in_force(as_of)),
                }
            }
        }
    }

    /// Evaluates one case as of `as_of`.
    ///
    /// # Errors
    /// [`EvalError`] when the date is outside the policy or a deadline falls outside the calendar.
    pub fn evaluate(&self, case: &ValidCase, as_of: NaiveDate) -> Result<Determination, EvalError> {
        let meta = &self.policy.meta;
        if as_of < meta.valid_from || meta.valid_until.is_some_and(|u| as_of >= u) {
            return Err(EvalError::OutsidePolicy {
                as_of,
                policy: meta.id.clone(),
                from: meta.valid_from,
                until: meta
                    .valid_until
                    .map(|u| format!(" until {u}"))
                    .unwrap_or_default(),
            });
        }
        let facts = facts::Facts::new(case, self.calendar, as_of)?;
        let task = case.task();
        let mut trace: Vec<RuleTrace> = if self.options.explain {
            Vec::with_capacity(self.policy.rules.len())
        } else {
            Vec::new()
        };
        let mut errors: Vec<RuleTrace> = Vec::new();
        let explain = self.options.explain;
        let end = facts.task.closed.unwrap_or(as_of);
        let step_date = |i: usize| {
            facts
                .step_completed
                .get(i)
                .copied()
                .flatten()
                .unwrap_or(end)
                .min(as_of)
        };

        let mut env = Env {
            facts: &facts,
            params: &[],
            vars: vec![
                V::Task,
                V::Lazy(eval::Lazy::AllEvents),
                V::Date(as_of),
                V::None,
                V::None,
            ],
            findings: &[],
            last_false: None,
            last_top: None,
        };
        let params_for = |d: NaiveDate| self.policy.plan.params_at(d);

        // Accountability and avoidance.
        let mut steps: Vec<StepAccountability> = task
            .steps
            .iter()
            .map(|s| StepAccountability {
                step: s.id.clone(),
                kind: match s.kind.builtin_name() {
                    Some(n) => n.into(),
                    None => s.kind.name().to_string().into(),
                },
                accountable: Vec::new(),
                status: StepStatus::Gap,
            })
            .collect();
        let mut acc_sources: Vec<Vec<(usize, usize)>> = vec![Vec::new(); steps.len()];
        let mut raw: Vec<RawFinding> = Vec::new();
        let mut bindings: Vec<Binding> = Vec::new();
        // Reused for each binding's officials.
        let mut officials: Vec<OfficialId> = Vec::new();
        for (ri, rule) in self.policy.rules.iter().enumerate() {
            bindings.clear();
            let step_binding = |i: usize| Binding {
                b1: Some(Bound::Step(i as u32)),
                act_date: step_date(i),
                step: Some(i as u32),
                default_evidence: None,
            };
            match rule.kind {
                RuleKind::Accountability => {
                    bindings.extend((0..task.steps.len()).map(step_binding));
                }
                RuleKind::Avoidance => {
                    let Some(Body::Avoidance {
                        scope, event_kind, ..
                    }) = rule.versions.first().map(|v| &v.body)
                    else {
                        continue;
                    };
                    match scope {
                        Scope::Task => bindings.push(Binding {
                            b1: None,
                            act_date: end.min(as_of),
                            step: None,
                            default_evidence: None,
                        }),
                        Scope::Step => bindings.extend((0..task.steps.len()).map(step_binding)),
                        Scope::Event => {
                            let event_binding = |i: u32| Binding {
                                b1: Some(Bound::Event(i)),
                                act_date: facts
                                    .event_dates
                                    .get(i as usize)
                                    .copied()
                                    .unwrap_or(as_of),
                                step: facts.event_step.get(i as usize).copied().flatten(),
                                default_evidence: Some(i),
                            };
                            match event_kind
                                .map(|_| self.policy.plan.event_kind.get(ri).copied().flatten())
                            {
                                Some(Some(k)) => {
                                    bindings
                                        .extend(facts.of_kind(k).iter().map(|&i| event_binding(i)));
                                }
                                Some(None) => {}
                                None => {
                                    bindings.extend((0..facts.n_events as u32).map(event_binding))
                                }
                            }
                        }
                    }
                }
                _ => continue,
            }
            if bindings.is_empty() {
                if explain {
                    trace.push(RuleTrace {
                        rule: rule.id.clone(),
                        kind: rule.kind,
                        outcome: Outcome::NothingToBind,
                    });
                }
                continue;
            }
            let mut fired = 0usize;
            let mut in_force = 0usize;
            let mut first_false: Option<Arc<str>> = None;
            let mut error: Option<String> = None;
            for b in &bindings {
                let Some((vi, version)) = self.version_for(rule, b.act_date, as_of) else {
                    continue;
                };
                in_force += 1;
                env.params = params_for(b.act_date);
                env.vars.truncate(5);
                if let Some(slot) = env.vars.get_mut(3) {
                    *slot = bound_value(b.b1);
                }
                let ok = match &version.when {
                    Some(c) => match env.test_top(&c.expr) {
                        Ok(v) => v,
                        Err(e) => {
                            error.get_or_insert(e.0.into());
                            false
                        }
                    },
                    None => true,
                };
                if !ok {
                    if explain
                        && first_false.is_none()
                        && let Some(c) = &version.when
                    {
                        first_false = Some(span_text(c, env.first_false(&c.expr)));
                    }
                    continue;
                }
                let (who, evidence, scope) = match &version.body {
                    Body::Accountability { who, .. } => (who, None, TargetScope::Step),
                    Body::Avoidance {
                        who,
                        evidence,
                        scope,
                        ..
                    } => (
                        who,
                        evidence.as_ref(),
                        match scope {
                            Scope::Task => TargetScope::Task,
                            Scope::Step => TargetScope::Step,
                            Scope::Event => TargetScope::Event,
                        },
                    ),
                    _ => continue,
                };
                officials.clear();
                match env.eval(&who.expr) {
                    Ok(v) => env.officials_into(&v, &mut officials),
                    Err(e) => {
                        error.get_or_insert(e.0.into());
                        continue;
                    }
                }
                let ev = match evidence {
                    Some(c) => match env.eval(&c.expr) {
                        Ok(v) => env.events_of(&v),
                        Err(e) => {
                            error.get_or_insert(e.0.into());
                            continue;
                        }
                    },
                    None => b.default_evidence.into_iter().collect(),
                };
                for o in officials.drain(..) {
                    fired += 1;
                    match &version.body {
                        Body::Accountability {
                            capacity, primary, ..
                        } => {
                            if let Some(si) = b.step
                                && let Some(st) = steps.get_mut(si as usize)
                            {
                                st.accountable.push(Accountable {
                                    official: o,
                                    capacity: *capacity,
                                    primary: *primary,
                                    rule: rule.id.clone(),
                                    citation: version.citation.clone(),
                                    via_exception: None,
                                    defeated_by: None,
                                });
                                if let Some(src) = acc_sources.get_mut(si as usize) {
                                    src.push((ri, vi));
                                }
                            }
                        }
                        _ => {
                            // The same rule finding the same official on the same evidence twice
                            // (e.g. through two steps they hold) is one finding.
                            let dup = raw.iter().any(|r| {
                                r.rule_ix == ri
                                    && r.official == o
                                    && r.evidence == ev
                                    && r.version == vi
                            });
                            if !dup {
                                raw.push(RawFinding {
                                    rule_ix: ri,
                                    version: vi,
                                    official: o,
                                    binding: *b,
                                    evidence: ev.clone(),
                                    scope,
                                });
                            }
                        }
                    }
                }
            }
            let outcome = if let Some(message) = error {
                let t = RuleTrace {
                    rule: rule.id.clone(),
                    kind: rule.kind,
                    outcome: Outcome::Error { message },
                };
                errors.push(t.clone());
                t.outcome
            } else if in_force == 0 {
                Outcome::NotInForce
            } else if fired > 0 {
                Outcome::Fired { count: fired }
            } else {
                Outcome::NotFired {
                    bindings: in_force,
                    first_false,
                }
            };
            if explain {
                trace.push(RuleTrace {
                    rule: rule.id.clone(),
                    kind: rule.kind,
                    outcome,
                });
            }
        }

        // Exceptions.
        let plan = &self.policy.plan;
        let exceptions: Vec<(usize, &Rule)> = plan
            .exceptions
            .iter()
            .filter_map(|&i| self.policy.rules.get(i).map(|r| (i, r)))
            .collect();
        let mut exc_fired = vec![0usize; exceptions.len()];
        let mut exc_errors: Vec<Option<String>> = vec![None; exceptions.len()];
        let mut exc_considered = vec![false; exceptions.len()];
        // ... on accountability entries
        for (si, st) in steps.iter_mut().enumerate() {
            let mut added: Vec<Accountable> = Vec::new();
            let sources = acc_sources.get(si).map_or(&[][..], Vec::as_slice);
            for (k, a) in st.accountable.iter_mut().enumerate() {
                // Only the exceptions that name this entry's rule, in policy order.
                let candidates = sources
                    .get(k)
                    .and_then(|(ri, _)| plan.defeaters.get(*ri))
                    .map_or(&[][..], Vec::as_slice);
                for &xi in candidates {
                    let Some((_, xr)) = exceptions.get(xi) else {
                        continue;
                    };
                    let Some((_, xv)) = self.version_for(xr, step_date(si), as_of) else {
                        continue;
                    };
                    let Body::Exception {
                        defeats,
                        when_by_scope,
                        transfers_to,
                        capacity,
                    } = &xv.body
                    else {
                        continue;
                    };
                    if !defeats.contains(&a.rule) || a.defeated_by.is_some() {
                        continue;
                    }
                    if let Some(x) = exc_considered.get_mut(xi) {
                        *x = true;
                    }
                    let Some(c) = when_by_scope.get(&TargetScope::Step) else {
                        continue;
                    };
                    env.params = params_for(step_date(si));
                    env.vars.truncate(5);
                    set_var(&mut env.vars, 3, V::Step(si as u32));
                    set_var(&mut env.vars, 4, V::OwnedOff(a.official.clone()));
                    match env.test_top(&c.expr) {
                        Ok(true) => {
                            if let Some(x) = exc_fired.get_mut(xi) {
                                *x += 1;
                            }
                            a.defeated_by = Some(xr.id.clone());
                            if let Some(t) = transfers_to.get(&TargetScope::Step)
                                && let Ok(v) = env.eval(&t.expr)
                            {
                                for o in env.officials_of(&v) {
                                    added.push(Accountable {
                                        official: o,
                                        capacity: *capacity,
                                        primary: a.primary,
                                        rule: xr.id.clone(),
                                        citation: xv.citation.clone(),
                                        via_exception: Some(xr.id.clone()),
                                        defeated_by: None,
                                    });
                                }
                            }
                        }
                        Ok(false) => {}
                        Err(e) => {
                            if let Some(x) = exc_errors.get_mut(xi) {
                                x.get_or_insert(e.0.into());
                            }
                        }
                    }
                }
            }
            st.accountable.extend(added);
            let n = count_primaries(&st.accountable);
            st.status = match n {
                1 => StepStatus::Ok,
                0 => StepStatus::Gap,
                _ => StepStatus::Overlap,
            };
        }
        // ... on findings
        let mut findings: Vec<Finding> = Vec::new();
        let mut views: Vec<FindingView<'_>> = Vec::new();
        let mut moved: Vec<(usize, RuleId, OfficialId, Arc<Citation>)> = Vec::new();
        for rf in &raw {
            let Some(rule) = self.policy.rules.get(rf.rule_ix) else {
                continue;
            };
            let Some(version) = rule.versions.get(rf.version) else {
                continue;
            };
            let Body::Avoidance {
                behaviour,
                severity,
                ..
            } = &version.body
            else {
                continue;
            };
            let mut checks = Vec::new();
            let mut defeated_by = None;
            let candidates = plan
                .defeaters
                .get(rf.rule_ix)
                .map_or(&[][..], Vec::as_slice);
            for &xi in candidates {
                let Some((_, xr)) = exceptions.get(xi) else {
                    continue;
                };
                let Some((_, xv)) = self.version_for(xr, rf.binding.act_date, as_of) else {
                    continue;
                };
                let Body::Exception {
                    defeats,
                    when_by_scope,
                    transfers_to,
                    ..
                } = &xv.body
                else {
                    continue;
                };
                if !defeats.contains(&rule.id) {
                    continue;
                }
                if let Some(x) = exc_considered.get_mut(xi) {
                    *x = true;
                }
                let Some(c) = when_by_scope.get(&rf.scope) else {
                    continue;
                };
                env.params = params_for(rf.binding.act_date);
                env.vars.truncate(5);
                set_var(&mut env.vars, 3, bound_value(rf.binding.b1));
                set_var(&mut env.vars, 4, V::OwnedOff(rf.official.clone()));
                let applied = match env.test_top(&c.expr) {
                    Ok(v) => v,
                    Err(e) => {
                        if let Some(x) = exc_errors.get_mut(xi) {
                            x.get_or_insert(e.0.into());
                        }
                        false
                    }
                };
                let ff = if !applied && explain {
                    Some(span_text(c, env.first_false(&c.expr)))
                } else {
                    None
                };
                if applied && defeated_by.is_none() {
                    if let Some(x) = exc_fired.get_mut(xi) {
                        *x += 1;
                    }
                    defeated_by = Some(xr.id.clone());
                    if let Some(t) = transfers_to.get(&rf.scope)
                        && let Ok(v) = env.eval(&t.expr)
                    {
                        for o in env.officials_of(&v) {
                            moved.push((findings.len(), xr.id.clone(), o, xv.citation.clone()));
                        }
                    }
                }
                checks.push(ExceptionCheck {
                    rule: xr.id.clone(),
                    citation: xv.citation.clone(),
                    applied,
                    first_false: ff,
                });
            }
            let step_id = rf
                .binding
                .step
                .and_then(|s| task.steps.get(s as usize))
                .map(|s| s.id.clone());
            findings.push(Finding {
                id: String::new(),
                rule: rule.id.clone(),
                version: rf.version,
                version_from: version.valid_from,
                behaviour: *behaviour,
                severity: *severity,
                official: rf.official.clone(),
                step: step_id,
                evidence: rf
                    .evidence
                    .iter()
                    .filter_map(|&i| case.events().get(i as usize).map(|e| e.id.clone()))
                    .collect(),
                act_date: rf.binding.act_date,
                citation: version.citation.clone(),
                exceptions: checks,
                defeated_by,
                moved_from: None,
            });
            views.push(FindingView {
                rule: rule.id.as_str(),
                behaviour: *behaviour,
                severity: *severity,
                official: rf.official.clone(),
                step: rf.binding.step,
                evidence: rf.evidence.clone(),
                date: rf.binding.act_date,
            });
        }
        for (orig, xid, o, _cit) in moved {
            let Some(f) = findings.get(orig).cloned() else {
                continue;
            };
            let Some(view) = views.get(orig).cloned() else {
                continue;
            };
            findings.push(Finding {
                official: o.clone(),
                exceptions: Vec::new(),
                defeated_by: None,
                moved_from: Some((xid, format!("#{orig}"))),
                ..f
            });
            views.push(FindingView {
                official: o,
                ..view
            });
        }
        // Stable order and ids.
        let mut order: Vec<usize> = (0..findings.len()).collect();
        order.sort_by(|&a, &b| {
            let k = |i: usize| {
                findings
                    .get(i)
                    .map(|f| (f.act_date, &f.rule, &f.official, &f.evidence))
            };
            k(a).cmp(&k(b)).then(a.cmp(&b))
        });
        let mut new_ids = vec![String::new(); findings.len()];
        for (n, &i) in order.iter().enumerate() {
            if let Some(slot) = new_ids.get_mut(i) {
                *slot = format!("F{}", n + 1);
            }
        }
        for (i, f) in findings.iter_mut().enumerate() {
            f.id = new_ids.get(i).cloned().unwrap_or_default();
            if let Some((_, orig)) = &mut f.moved_from
                && let Some(ix) = orig.strip_prefix('#').and_then(|s| s.parse::<usize>().ok())
            {
                *orig = new_ids.get(ix).cloned().unwrap_or_default();
            }
        }
        let findings: Vec<Finding> = permute(findings, &order);
        let views: Vec<FindingView<'_>> = permute(views, &order);
        for (xi, (_, xr)) in exceptions.iter().enumerate() {
            let error = exc_errors.get_mut(xi).and_then(Option::take);
            let fired = exc_fired.get(xi).copied().unwrap_or(0);
            let considered = exc_considered.get(xi).copied().unwrap_or(false);
            if !explain && error.is_none() {
                continue;
            }
            let outcome = if let Some(m) = error {
                let t = RuleTrace {
                    rule: xr.id.clone(),
                    kind: RuleKind::Exception,
                    outcome: Outcome::Error { message: m },
                };
                errors.push(t.clone());
                t.outcome
            } else if fired > 0 {
                Outcome::Fired { count: fired }
            } else if considered {
                Outcome::NotFired {
                    bindings: 1,
                    first_false: None,
                }
            } else if xr.versions.iter().any(|v| v.in_force(as_of)) {
                Outcome::NothingToBind
            } else {
                Outcome::NotInForce
            };
            if explain {
                trace.push(RuleTrace {
                    rule: xr.id.clone(),
                    kind: RuleKind::Exception,
                    outcome,
                });
            }
        }

        // Consequences of standing findings.
        let mut consequences: Vec<Consequence> = Vec::new();
        env.findings = &views;
        let standing: Vec<V<'_>> = findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.stands())
            .map(|(i, _)| V::Finding(i as u32))
            .collect();
        let standing_list = V::List(std::rc::Rc::new(standing));
        for rule in self
            .policy
            .rules
            .iter()
            .filter(|r| r.kind == RuleKind::Consequence)
        {
            let mut fired = 0;
            let mut matched = 0;
            let mut first_false = None;
            let mut error = None;
            let mut in_force = false;
            for (fi, f) in findings.iter().enumerate() {
                if !f.stands() {
                    continue;
                }
                let Some((_, v)) = self.version_for(rule, f.act_date, as_of) else {
                    continue;
                };
                in_force = true;
                let Body::Consequence {
                    on_rules,
                    on_behaviours,
                    min_severity,
                    measure,
                    to,
                    grade_cap,
                } = &v.body
                else {
                    continue;
                };
                if (!on_rules.is_empty() && !on_rules.contains(&f.rule))
                    || (!on_behaviours.is_empty() && !on_behaviours.contains(&f.behaviour))
                    || min_severity.is_some_and(|m| f.severity < m)
                {
                    continue;
                }
                matched += 1;
                env.params = params_for(f.act_date);
                env.vars.truncate(5);
                set_var(&mut env.vars, 3, V::Finding(fi as u32));
                set_var(&mut env.vars, 4, standing_list.clone());
                let ok = match &v.when {
                    Some(c) => match env.test_top(&c.expr) {
                        Ok(x) => x,
                        Err(e) => {
                            error.get_or_insert(e.0.into());
                            false
                        }
                    },
                    None => true,
                };
                if !ok {
                    if explain
                        && first_false.is_none()
                        && let Some(c) = &v.when
                    {
                        first_false = Some(span_text(c, env.first_false(&c.expr)));
                    }
                    continue;
                }
                officials.clear();
                match to {
                    Some(c) => match env.eval(&c.expr) {
                        Ok(x) => env.officials_into(&x, &mut officials),
                        Err(e) => {
                            error.get_or_insert(e.0.into());
                            continue;
                        }
                    },
                    None => officials.push(f.official.clone()),
                }
                for o in officials.drain(..) {
                    fired += 1;
                    match consequences
                        .iter_mut()
                        .find(|c| c.rule == rule.id && c.official == o)
                    {
                        Some(c) => {
                            if !c.because.contains(&f.id) {
                                c.because.push(f.id.clone());
                            }
                        }
                        None => consequences.push(Consequence {
                            rule: rule.id.clone(),
                            measure: *measure,
                            grade_cap: *grade_cap,
                            official: o,
                            because: vec![f.id.clone()],
                            citation: v.citation.clone(),
                        }),
                    }
                }
            }
            let outcome = if let Some(message) = error {
                let t = RuleTrace {
                    rule: rule.id.clone(),
                    kind: rule.kind,
                    outcome: Outcome::Error { message },
                };
                errors.push(t.clone());
                t.outcome
            } else if fired > 0 {
                Outcome::Fired { count: fired }
            } else if matched > 0 {
                Outcome::NotFired {
                    bindings: matched,
                    first_false,
                }
            } else if in_force || rule.versions.iter().any(|v| v.in_force(as_of)) {
                Outcome::NothingToBind
            } else {
                Outcome::NotInForce
            };
            if explain {
                trace.push(RuleTrace {
                    rule: rule.id.clone(),
                    kind: rule.kind,
                    outcome,
                });
            }
        }
        consequences.sort_by(|a, b| (&a.official, &a.rule).cmp(&(&b.official, &b.rule)));
        trace.sort_by(|a, b| a.rule.cmp(&b.rule));

        Ok(Determination {
            task: task.id.clone(),
            as_of,
            policy: self.policy.meta.id.clone(),
            policy_hash: self.policy.meta.content_hash.clone(),
            judge_by: self.options.judge_by,
            facts: facts.task.clone(),
            steps,
            findings,
            consequences,
            trace,
            errors,
        })
    }
}

/// The number of distinct primary officials still standing (as [`StepAccountability::primaries`], without allocating).
fn count_primaries(entries: &[Accountable]) -> usize {
    let standing = |a: &&Accountable| a.primary && a.defeated_by.is_none();
    entries
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            standing(a)
                && !entries
                    .get(..*i)
                    .unwrap_or(&[])
                    .iter()
                    .filter(standing)
                    .any(|b| b.official == a.official)
        })
        .count()
}

/// The items of `v` in the order of `order` (a permutation of its indexes), moved, not cloned.
fn permute<T>(v: Vec<T>, order: &[usize]) -> Vec<T> {
    let mut slots: Vec<Option<T>> = v.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

fn set_var<'a>(vars: &mut Vec<V<'a>>, slot: usize, v: V<'a>) {
    if vars.len() <= slot {
        vars.resize(slot + 1, V::None);
    }
    if let Some(x) = vars.get_mut(slot) {
        *x = v;
    }
}

fn bound_value<'a>(b: Option<Bound>) -> V<'a> {
    match b {
        Some(Bound::Step(i)) => V::Step(i),
        Some(Bound::Event(i)) => V::Event(i),
        None => V::None,
    }
}

fn span_text(c: &Cond, span: crate::policy::expr::Span) -> Arc<str> {
    c.part(span)
}
