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
mod local;
mod plan;

use chrono::NaiveDate;
use serde::Serialize;

pub(crate) use eval::Code;
pub use facts::TaskFacts;
pub(crate) use plan::{
    Binds, Plan, compile_conditions, fold_literal_tests, lean_right, memoise, memoise_by_official,
};

use crate::calendar::{Calendar, CalendarError};
use crate::id::{EventId, OfficialId, RuleId, StepId, TaskId};
use crate::model::ValidCase;
use crate::policy::{
    Behaviour, Body, Capacity, Citation, Grade, Measure, Policy, Rule, RuleKind, RuleVersion,
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
    /// The clause (the policy's, by reference).
    pub citation: &'static Citation,
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
    /// Its clause (the policy's, by reference).
    pub citation: &'static Citation,
    /// Whether it applied.
    pub applied: bool,
    /// When it did not apply: the first part of its condition that was false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_false: Option<&'static str>,
}

/// A behaviour found to be avoidance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// `F1`, `F2`, … in a stable order (the consequences name it by this id).
    pub id: &'static str,
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
    /// The clause (the policy's, by reference).
    pub citation: &'static Citation,
    /// The exceptions considered.
    pub exceptions: Vec<ExceptionCheck>,
    /// The exception that defeated it, if any; a defeated finding is kept and has no consequence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defeated_by: Option<RuleId>,
    /// When an exception moved this finding from another official: the exception and the original finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<(RuleId, &'static str)>,
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
    /// The ids of the findings that lead to it.
    pub because: Vec<&'static str>,
    /// The clause (the policy's, by reference).
    pub citation: &'static Citation,
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
        first_false: Option<&'static str>,
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
    /// The policy's id.
    pub policy: &'static str,
    /// The policy's content hash.
    pub policy_hash: &'static str,
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
    /// The bound step or event (slot 3), `none` for the task; made with
    /// the binding, not once per rule.
    value: V<'static>,
    /// Where the bound step's memo row starts, for a step.
    memo_row: Option<usize>,
    act_date: NaiveDate,
    step: Option<u32>,
    default_evidence: Option<u32>,
}

struct RawFinding {
    rule_ix: usize,
    version: usize,
    official: OfficialId,
    binding: Binding,
    /// The evidence: a range of [`Scratch::raw_evidence`].
    evidence: (u32, u32),
    scope: TargetScope,
}

/// Storage reused between evaluations on one thread, so that once its
/// vectors have grown to a case's size, evaluating the next case allocates
/// only what the [`Determination`] keeps. Each evaluation takes it from the
/// thread and gives it back at the end; a nested or failed evaluation, or
/// one made while the thread's storage is being torn down, simply starts
/// from empty storage.
#[derive(Default)]
struct Scratch {
    facts: facts::Buffers,
    /// The storage of the interpreter's vectors.
    env: eval::EnvBuffers<'static>,
    /// The bindings an evaluation keeps: the steps', then the task's (an
    /// event's is made when a rule binds it, see `Evaluator::evaluate_with`).
    bindings: Vec<Binding>,
    /// `0..n`, from which a rule bound to all events, to the steps or to the
    /// task takes the indexes of its bindings (the events' first); kept
    /// between evaluations and only ever grown, so it stays `0..n`.
    binding_ix: Vec<u32>,
    officials: Vec<OfficialId>,
    /// This thread's copies of the officials' ids it puts in answers.
    local_officials: local::LocalOfficials,
    /// Per step, the place in the step's list and the rule of each
    /// accountability entry that an exception may defeat (its rule has
    /// defeaters), in the order of the list.
    acc_sources: Vec<Vec<(usize, usize)>>,
    raw: Vec<RawFinding>,
    raw_evidence: Vec<u32>,
    evidence: Vec<u32>,
    exc_fired: Vec<usize>,
    /// The first error of each exception that raised one, by its index in
    /// `Plan::exceptions` (empty in nearly every evaluation).
    exc_errors: Vec<(usize, String)>,
    exc_considered: Vec<bool>,
    /// Findings moved by an exception: (the new finding, the finding it came from).
    moved_from: Vec<(usize, usize)>,
    order: Vec<usize>,
    rank: Vec<usize>,
    /// For each finding, the first finding of its official (whose memo
    /// row holds the slots shared by an official's findings).
    first_of_official: Vec<usize>,
    /// For each entry of the trace: its rule's place in the trace's order.
    trace_rank: Vec<usize>,
    /// The storage of the findings' views for the consequence rules.
    views: Vec<FindingView<'static>>,
    /// The consequences as they are found, moved into the answer's list
    /// at the end (see `evaluate_with`).
    consequences: Vec<Consequence>,
    /// Empty vectors with storage, taken from an answer given back to
    /// [`Evaluator::evaluate_into`], for the next answer's inner lists.
    pools: Pools,
}

/// Empty vectors with storage for an answer's inner lists (see
/// [`Evaluator::evaluate_into`]). Each pool keeps at most [`POOL_CAP`].
#[derive(Default)]
struct Pools {
    accountable: Vec<Vec<Accountable>>,
    evidence: Vec<Vec<EventId>>,
    checks: Vec<Vec<ExceptionCheck>>,
    because: Vec<Vec<&'static str>>,
}

/// How many vectors each of a thread's [`Pools`] keeps at most: an answer
/// given back with more lists than the next one needs leaves the rest in the
/// pool, and a caller that gives back many large answers would otherwise make
/// it grow without end.
const POOL_CAP: usize = 1024;

impl Pools {
    /// Takes the lists of `out`, emptied, into the pools, and returns its
    /// outer lists, emptied (their storage kept).
    fn take_from(&mut self, out: &mut Determination) -> Lists {
        fn keep<T>(pool: &mut Vec<Vec<T>>, mut v: Vec<T>) {
            if pool.len() < POOL_CAP && v.capacity() > 0 {
                v.clear();
                pool.push(v);
            }
        }
        let mut lists = Lists {
            steps: std::mem::take(&mut out.steps),
            findings: std::mem::take(&mut out.findings),
            consequences: std::mem::take(&mut out.consequences),
            trace: std::mem::take(&mut out.trace),
            errors: std::mem::take(&mut out.errors),
        };
        for s in lists.steps.drain(..) {
            keep(&mut self.accountable, s.accountable);
        }
        for f in lists.findings.drain(..) {
            keep(&mut self.evidence, f.evidence);
            keep(&mut self.checks, f.exceptions);
        }
        for c in lists.consequences.drain(..) {
            keep(&mut self.because, c.because);
        }
        lists.trace.clear();
        lists.errors.clear();
        lists
    }
}

/// The outer lists of an answer, empty, with the storage of a previous
/// answer's (or none).
#[derive(Default)]
struct Lists {
    steps: Vec<StepAccountability>,
    findings: Vec<Finding>,
    consequences: Vec<Consequence>,
    trace: Vec<RuleTrace>,
    errors: Vec<RuleTrace>,
}

impl Scratch {
    /// The calling thread's storage (empty if another evaluation holds it).
    /// Boxed, so that taking and giving it back moves a pointer.
    fn take() -> Box<Scratch> {
        SCRATCH
            .try_with(std::cell::Cell::take)
            .ok()
            .flatten()
            .unwrap_or_default()
    }
    /// Gives the storage back to the calling thread (dropped if the thread's
    /// storage is already being torn down).
    fn give_back(self: Box<Self>) {
        let _ = SCRATCH.try_with(|s| s.set(Some(self)));
    }
}

thread_local! {
    static SCRATCH: std::cell::Cell<Option<Box<Scratch>>> = const { std::cell::Cell::new(None) };
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

    /// The version of a rule of one version chosen by the act's date, under
    /// act-date judging. [`Evaluator::version_for`] then gives it for an act
    /// on a day it is in force and nothing otherwise, so the loops over
    /// bindings and findings find it once per rule and test only its dates
    /// ([`Evaluator::version_of`]).
    fn only_version<'r>(&self, rule: &'r Rule) -> Option<&'r RuleVersion> {
        self.only_if(rule, plan::single_by_act(rule))
    }

    /// [`Evaluator::only_version`] of a rule whose test `single` the plan
    /// has made already ([`plan::MainRule::single`]).
    #[inline]
    fn only_if<'r>(&self, rule: &'r Rule, single: bool) -> Option<&'r RuleVersion> {
        if single && self.options.judge_by == JudgeBy::ActDate {
            rule.versions.first()
        } else {
            None
        }
    }

    /// [`Evaluator::version_for`], by the dates of `only` when the rule has
    /// one ([`Evaluator::only_version`]).
    #[inline]
    fn version_of<'r>(
        &self,
        rule: &'r Rule,
        only: Option<&'r RuleVersion>,
        act: NaiveDate,
        as_of: NaiveDate,
    ) -> Option<(usize, &'r RuleVersion)> {
        match only {
            Some(v) => v.in_force(act).then_some((0, v)),
            None => self.version_for(rule, act, as_of),
        }
    }

    /// Evaluates one case as of `as_of`.
    ///
    /// The working vectors (facts, bindings, raw findings) are kept by the
    /// calling thread between calls, so a thread that evaluates many cases
    /// allocates little more than each [`Determination`]; they stay at the
    /// size of the largest case the thread has evaluated. The values an
    /// answer takes from the policy (rule ids, citations, condition texts,
    /// the policy's id and hash, finding ids) are interned references; its
    /// officials' ids are copied when short (at most 23 bytes, kept inline)
    /// and otherwise cloned from the calling thread's own copies, so that
    /// threads evaluating at once under one policy and one organisation do
    /// not all write the same reference counts; answers are equal whichever
    /// thread made them.
    ///
    /// # Errors
    /// [`EvalError`] when the date is outside the policy or a deadline falls outside the calendar.
    pub fn evaluate(&self, case: &ValidCase, as_of: NaiveDate) -> Result<Determination, EvalError> {
        self.evaluate_as(case, as_of, Lists::default(), None)
    }

    /// Evaluates one case as of `as_of` into `out`, an answer this or
    /// another evaluator gave before, reusing its storage: afterwards `out`
    /// is what [`Evaluator::evaluate`] would return. A caller that evaluates
    /// many cases and reads each answer before the next (a corpus run, a
    /// task re-evaluated on each change) saves most of an answer's
    /// allocations this way. The lists `out` held are emptied into storage
    /// the calling thread keeps for the next answers (at most 1,024 lists
    /// of each kind).
    ///
    /// ```
    /// use accountable::{engine::Evaluator, policy::Policy, sample};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let policy = Policy::bundled()?;
    /// let cases = sample::corpus()?;
    /// let ev = Evaluator::new(&policy);
    /// let as_of = sample::as_of();
    /// let mut answer = ev.evaluate(&cases[0], as_of)?;
    /// for case in &cases {
    ///     ev.evaluate_into(case, as_of, &mut answer)?;
    ///     assert_eq!(answer, ev.evaluate(case, as_of)?);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`Evaluator::evaluate`]. On an error, `out`'s lists are left empty
    /// and its other fields as they were: read it only after `Ok`.
    pub fn evaluate_into(
        &self,
        case: &ValidCase,
        as_of: NaiveDate,
        out: &mut Determination,
    ) -> Result<(), EvalError> {
        let mut scratch = Scratch::take();
        let lists = scratch.pools.take_from(out);
        *out = self.evaluate_as(case, as_of, lists, Some(scratch))?;
        Ok(())
    }

    /// [`Evaluator::evaluate_with`] with the explanation on or off as a
    /// constant, so that an evaluation without one carries none of its
    /// tests.
    fn evaluate_as(
        &self,
        case: &ValidCase,
        as_of: NaiveDate,
        lists: Lists,
        scratch: Option<Box<Scratch>>,
    ) -> Result<Determination, EvalError> {
        if self.options.explain {
            self.evaluate_with::<true>(case, as_of, lists, scratch)
        } else {
            self.evaluate_with::<false>(case, as_of, lists, scratch)
        }
    }

    /// Evaluates into `lists` (empty), with the thread's storage if the
    /// caller has taken it already; `EXPLAIN` is `self.options.explain`.
    fn evaluate_with<const EXPLAIN: bool>(
        &self,
        case: &ValidCase,
        as_of: NaiveDate,
        lists: Lists,
        scratch: Option<Box<Scratch>>,
    ) -> Result<Determination, EvalError> {
        let meta = &self.policy.meta;
        if as_of < meta.valid_from || meta.valid_until.is_some_and(|u| as_of >= u) {
            if let Some(s) = scratch {
                s.give_back();
            }
            return Err(EvalError::OutsidePolicy {
                as_of,
                policy: meta.id.to_string(),
                from: meta.valid_from,
                until: meta
                    .valid_until
                    .map(|u| format!(" until {u}"))
                    .unwrap_or_default(),
            });
        }
        let rules = &self.policy.rules;
        let mut scratch = scratch.unwrap_or_else(Scratch::take);
        let facts = match facts::Facts::new(
            case,
            self.calendar,
            as_of,
            std::mem::take(&mut scratch.facts),
        ) {
            Ok(f) => f,
            Err(e) => {
                scratch.give_back();
                return Err(e);
            }
        };
        let task = case.task();
        let Lists {
            mut steps,
            mut findings,
            mut consequences,
            mut trace,
            mut errors,
        } = lists;
        if EXPLAIN {
            trace.reserve(rules.len());
        }
        let explain = EXPLAIN;
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

        let (step_width, finding_width) = self.policy.plan.memo_widths;
        let steps_len = step_width * task.steps.len();
        // The interpreter's vectors, with the storage of the thread's last
        // evaluation: kept empty (`EnvBuffers::reuse`), and taken under this
        // evaluation's lifetime as they are, values' lifetimes being covariant.
        let mut buffers: eval::EnvBuffers<'_> = std::mem::take(&mut scratch.env);
        buffers.clear();
        let mut env = Env {
            explain,
            facts: &facts,
            task,
            steps: &task.steps,
            events: case.events(),
            params: &[],
            // The fixed variables; the slots of bound variables are added as
            // they are first set, and are not cleared between bindings: the
            // checker lets a condition read only variables bound in it.
            vars: {
                let mut v = buffers.vars;
                v.reserve(16);
                v.extend([V::Task, V::AllEvents, V::date(as_of), V::None, V::None]);
                v
            },
            findings: &[],
            last_false: None,
            last_top: None,
            // The steps' memo rows, with room for the rows of a few findings
            // (added after the findings are known).
            memo: {
                let mut m = buffers.memo;
                m.reserve(steps_len + finding_width * FINDING_ROWS_AHEAD);
                m.resize(steps_len, None);
                m
            },
            memo_row: None,
            keyed_from: usize::MAX,
            memo_key_row: None,
            lists: buffers.lists,
            building: buffers.building,
            owned: buffers.owned,
            error: std::cell::Cell::new(None),
        };
        let mut params = self.policy.plan.params_cursor();

        // Accountability and avoidance.
        let pools = &mut scratch.pools;
        steps.extend(task.steps.iter().map(|s| {
            StepAccountability {
                step: s.id.clone(),
                kind: match s.kind.builtin_name() {
                    Some(n) => n.into(),
                    None => s.kind.name().to_string().into(),
                },
                // Most steps name a few officials: room for four, as a first push would make.
                accountable: pools
                    .accountable
                    .pop()
                    .unwrap_or_else(|| Vec::with_capacity(4)),
                status: StepStatus::Gap,
            }
        }));
        let Scratch {
            acc_sources,
            raw,
            raw_evidence,
            bindings,
            binding_ix,
            officials,
            local_officials,
            evidence: ev,
            exc_fired,
            exc_errors,
            exc_considered,
            moved_from,
            order,
            rank,
            first_of_official,
            trace_rank,
            views: kept_views,
            consequences: found_consequences,
            pools,
            ..
        } = &mut *scratch;
        trace_rank.clear();
        found_consequences.clear();
        let rank_of = |ri: usize| self.policy.plan.trace_rank.get(ri).copied().unwrap_or(0);
        // Whether rule `ri` reads a parameter: only then are the values in
        // force on its binding's date looked up.
        let reads_params = |ri: usize| {
            self.policy
                .plan
                .reads_params
                .get(ri)
                .copied()
                .unwrap_or(true)
        };
        for v in acc_sources.iter_mut() {
            v.clear();
        }
        acc_sources.resize_with(steps.len(), Vec::new);
        raw.clear();
        raw_evidence.clear();
        // Every binding a rule can have is numbered: the considered events'
        // at their indexes (so that a kind's group of event indexes numbers
        // its own bindings), the steps' after them, and the task's last. A
        // rule walks the numbers of its own (`binding_ix`). The steps' and
        // the task's are made once here; an event's, a few fields of the
        // facts, when a rule binds it, so that the events no rule binds
        // cost nothing.
        let n_steps = task.steps.len();
        let n_events = facts.n_events;
        let step_base = n_events;
        let task_ix = n_events + n_steps;
        bindings.clear();
        bindings.extend((0..n_steps).map(|i| Binding {
            value: V::Step(i),
            memo_row: Some(i * step_width),
            act_date: step_date(i),
            step: Some(i as u32),
            default_evidence: None,
        }));
        // The task's one binding's date, on which a task rule's parameter
        // need is tested below.
        let task_date = end.min(as_of);
        bindings.push(Binding {
            value: V::None,
            memo_row: None,
            act_date: task_date,
            step: None,
            default_evidence: None,
        });
        if binding_ix.len() <= task_ix {
            binding_ix.extend(binding_ix.len() as u32..=task_ix as u32);
        }
        // Without an explanation, which would trace them, the rules of
        // kinds the task has no event of are skipped unseen.
        let kinds = case.event_kinds() | plan::ALWAYS;
        for m in &self.policy.plan.main {
            if !EXPLAIN && m.kinds & kinds == 0 {
                continue;
            }
            let ri = m.ix;
            let Some(rule) = rules.get(ri) else {
                continue;
            };
            let bound: &[u32] = match m.binds {
                Binds::Steps => binding_ix.get(step_base..task_ix),
                Binds::Task => binding_ix.get(task_ix..=task_ix),
                Binds::Events => binding_ix.get(..n_events),
                Binds::EventsOfKind(k) => Some(facts.of_kind(k)),
                // An event rule of no known kind binds nothing (and is traced so).
                Binds::Nothing | Binds::Skip => None,
            }
            .unwrap_or(&[]);
            if bound.is_empty() {
                if explain {
                    trace.push(RuleTrace {
                        rule: rule.id.clone(),
                        kind: rule.kind,
                        outcome: Outcome::NothingToBind,
                    });
                    trace_rank.push(rank_of(ri));
                }
                continue;
            }
            let reads = m.reads_params;
            // Only the entries an exception may defeat are kept for the
            // exceptions' pass below.
            let defeatable = m.defeatable;
            let mut fired = 0usize;
            let mut in_force = 0usize;
            let mut first_false: Option<&'static str> = None;
            let mut error: Option<String> = None;
            let only = self.only_if(rule, m.single);
            // Without an explanation, a rule whose one version's `when`
            // needs an event of a kind the task has none of (see
            // `plan::needs`) is skipped: it is false for every binding.
            if !EXPLAIN
                && only.is_some()
                && (m.needs & !kinds != 0
                    || m.param_need
                        .is_some_and(|n| n.unmet(kinds, params.at(task_date))))
            {
                continue;
            }
            // Without an explanation, the parts of a rule's `when` that the
            // binding cannot change are tested once (see `Code::test_prefix`):
            // when false, no binding fires and the rule is done (its trace,
            // which would count the bindings, is not kept); when true, each
            // binding tests the rest. An error there is left to each binding
            // to raise, as it would.
            let mut rest_only = false;
            if !EXPLAIN && let Some(when) = only.and_then(|v| v.when.as_ref()) {
                match env.test_prefix(when) {
                    Some(Ok(false)) => continue,
                    Some(Ok(true)) => rest_only = true,
                    Some(Err(_)) => drop(env.take_error()),
                    None => {}
                }
            }
            for &bi in bound {
                let event_binding;
                let b = match (bi as usize).checked_sub(n_events) {
                    None => {
                        event_binding = Binding {
                            value: V::Event(bi as usize),
                            memo_row: None,
                            act_date: facts.event_dates.get(bi as usize).copied().unwrap_or(as_of),
                            step: facts.step_of_event(bi),
                            default_evidence: Some(bi),
                        };
                        &event_binding
                    }
                    Some(k) => match bindings.get(k) {
                        Some(b) => b,
                        None => continue,
                    },
                };
                let Some((vi, version)) = self.version_of(rule, only, b.act_date, as_of) else {
                    continue;
                };
                in_force += 1;
                if reads {
                    env.params = params.at(b.act_date);
                }
                if let Some(slot) = env.vars.get_mut(3) {
                    *slot = b.value;
                }
                // Shared sub-expressions are kept per step (see `plan::memoise`).
                env.memo_row = b.memo_row;
                let tested = match &version.when {
                    Some(c) if rest_only => env.test_rest(c),
                    Some(c) => env.test_cond::<EXPLAIN>(c),
                    None => Ok(true),
                };
                let ok = match tested {
                    Ok(v) => v,
                    Err(_) => {
                        error.get_or_insert(env.take_error());
                        false
                    }
                };
                if !ok {
                    if explain
                        && first_false.is_none()
                        && let Some(c) = &version.when
                    {
                        first_false = Some(c.part(env.first_false(&c.expr)));
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
                match env.eval_cond::<EXPLAIN>(who) {
                    Ok(v) => env.officials_into(&v, officials, local_officials),
                    Err(_) => {
                        error.get_or_insert(env.take_error());
                        continue;
                    }
                }
                ev.clear();
                match evidence {
                    Some(c) => match env.eval_cond::<EXPLAIN>(c) {
                        Ok(v) => env.events_into(&v, ev),
                        Err(_) => {
                            error.get_or_insert(env.take_error());
                            continue;
                        }
                    },
                    None => {
                        if let Some(e) = b.default_evidence {
                            ev.push(e);
                        }
                    }
                }
                // Taken from the back of the reversed list: in order, and
                // without a drain's out-of-line drop.
                officials.reverse();
                while let Some(o) = officials.pop() {
                    fired += 1;
                    match &version.body {
                        Body::Accountability {
                            capacity, primary, ..
                        } => {
                            if let Some(si) = b.step
                                && let Some(st) = steps.get_mut(si as usize)
                            {
                                if defeatable && let Some(src) = acc_sources.get_mut(si as usize) {
                                    src.push((st.accountable.len(), ri));
                                }
                                st.accountable.push(Accountable {
                                    official: o,
                                    capacity: *capacity,
                                    primary: *primary,
                                    rule: rule.id.clone(),
                                    citation: version.citation,
                                    via_exception: None,
                                    defeated_by: None,
                                });
                            }
                        }
                        _ => {
                            // The same rule finding the same official on the same evidence twice
                            // (e.g. through two steps they hold) is one finding.
                            let dup = raw.iter().any(|r| {
                                r.rule_ix == ri
                                    && r.official == o
                                    && range(raw_evidence, r.evidence) == ev.as_slice()
                                    && r.version == vi
                            });
                            if !dup {
                                let start = raw_evidence.len();
                                raw_evidence.extend_from_slice(ev);
                                raw.push(RawFinding {
                                    rule_ix: ri,
                                    version: vi,
                                    official: o,
                                    binding: *b,
                                    evidence: (
                                        u32::try_from(start).unwrap_or(u32::MAX),
                                        u32::try_from(ev.len()).unwrap_or(u32::MAX),
                                    ),
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
                trace_rank.push(rank_of(ri));
            }
        }

        // Exceptions (their conditions share nothing: see `plan::memoise`).
        env.memo_row = None;
        let plan = &self.policy.plan;
        // Exception `xi`: the rule at `plan.exceptions[xi]`.
        let exception = |xi: usize| {
            plan.exceptions
                .get(xi)
                .and_then(|&i| rules.get(i).map(|r| (i, r)))
        };
        let n_exc = plan.exceptions.len();
        exc_fired.clear();
        exc_fired.resize(n_exc, 0);
        exc_errors.clear();
        exc_considered.clear();
        exc_considered.resize(n_exc, false);
        // ... on accountability entries
        for (si, st) in steps.iter_mut().enumerate() {
            let mut added: Vec<Accountable> = Vec::new();
            // The entries an exception may defeat, in order.
            let sources = acc_sources.get(si).map_or(&[][..], Vec::as_slice);
            for &(k, ri) in sources {
                let Some(a) = st.accountable.get_mut(k) else {
                    continue;
                };
                // Only the exceptions that name this entry's rule, in policy order.
                let candidates = plan.defeaters.get(ri).map_or(&[][..], Vec::as_slice);
                for &xi in candidates {
                    let Some((xri, xr)) = exception(xi) else {
                        continue;
                    };
                    let Some((_, xv)) =
                        self.version_of(xr, self.only_version(xr), step_date(si), as_of)
                    else {
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
                    // Listed in `defeaters` for naming the rule in some
                    // version: with one version, in this one.
                    if a.defeated_by.is_some()
                        || (xr.versions.len() > 1 && !defeats.contains(&a.rule))
                    {
                        continue;
                    }
                    if let Some(x) = exc_considered.get_mut(xi) {
                        *x = true;
                    }
                    let Some(c) = when_by_scope.get(&TargetScope::Step) else {
                        continue;
                    };
                    // Without an explanation, a `when` that needs an event
                    // of a kind the task has none of is false: not tested.
                    if !EXPLAIN && c.code.as_ref().is_some_and(|k| k.lacks(kinds)) {
                        continue;
                    }
                    if reads_params(xri) {
                        env.params = params.at(step_date(si));
                    }
                    set_var(&mut env.vars, 3, V::Step(si));
                    let official = env.own(a.official.clone());
                    set_var(&mut env.vars, 4, official);
                    match env.test_cond::<EXPLAIN>(c) {
                        Ok(true) => {
                            if let Some(x) = exc_fired.get_mut(xi) {
                                *x += 1;
                            }
                            a.defeated_by = Some(xr.id.clone());
                            if let Some(t) = transfers_to.get(&TargetScope::Step)
                                && let Ok(v) = env.eval_cond::<EXPLAIN>(t)
                            {
                                for o in env.officials_of(&v, local_officials) {
                                    added.push(Accountable {
                                        official: o,
                                        capacity: *capacity,
                                        primary: a.primary,
                                        rule: xr.id.clone(),
                                        citation: xv.citation,
                                        via_exception: Some(xr.id.clone()),
                                        defeated_by: None,
                                    });
                                }
                            }
                        }
                        Ok(false) => {}
                        Err(_) => {
                            first_error(exc_errors, xi, env.take_error());
                        }
                    }
                }
            }
            if !added.is_empty() {
                st.accountable.extend(added);
            }
            st.status = status_of(&st.accountable);
        }
        // ... on findings
        findings.reserve(raw.len());
        // Declared before the views, which borrow the officials it holds.
        let mut moved: Vec<(usize, RuleId, OfficialId)> = Vec::new();
        // Kept empty (`eval::recycle`), as the buffers above.
        let mut views: Vec<FindingView<'_>> = std::mem::take(kept_views);
        views.clear();
        views.reserve(raw.len());
        // Ids are set once the findings are ordered, below.
        let blank: &'static str = crate::intern::finding_id(0);
        for rf in raw.iter() {
            let rf_evidence = range(raw_evidence, rf.evidence);
            let Some(rule) = rules.get(rf.rule_ix) else {
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
            let mut defeated_by = None;
            let candidates = plan
                .defeaters
                .get(rf.rule_ix)
                .map_or(&[][..], Vec::as_slice);
            let mut checks = pools.checks.pop().unwrap_or_default();
            checks.reserve(candidates.len());
            for &xi in candidates {
                let Some((xri, xr)) = exception(xi) else {
                    continue;
                };
                let Some((_, xv)) =
                    self.version_of(xr, self.only_version(xr), rf.binding.act_date, as_of)
                else {
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
                // As above: an exception of one version defeats the rule.
                if xr.versions.len() > 1 && !defeats.contains(&rule.id) {
                    continue;
                }
                if let Some(x) = exc_considered.get_mut(xi) {
                    *x = true;
                }
                let Some(c) = when_by_scope.get(&rf.scope) else {
                    continue;
                };
                // Without an explanation, a `when` that needs an event of a
                // kind the task has none of is false, and not tested.
                let applied = if !EXPLAIN && c.code.as_ref().is_some_and(|k| k.lacks(kinds)) {
                    false
                } else {
                    if reads_params(xri) {
                        env.params = params.at(rf.binding.act_date);
                    }
                    set_var(&mut env.vars, 3, rf.binding.value);
                    set_var(&mut env.vars, 4, V::Off(&rf.official));
                    match env.test_cond::<EXPLAIN>(c) {
                        Ok(v) => v,
                        Err(_) => {
                            first_error(exc_errors, xi, env.take_error());
                            false
                        }
                    }
                };
                let ff = if !applied && explain {
                    Some(c.part(env.first_false(&c.expr)))
                } else {
                    None
                };
                if applied && defeated_by.is_none() {
                    if let Some(x) = exc_fired.get_mut(xi) {
                        *x += 1;
                    }
                    defeated_by = Some(xr.id.clone());
                    if let Some(t) = transfers_to.get(&rf.scope)
                        && let Ok(v) = env.eval_cond::<EXPLAIN>(t)
                    {
                        for o in env.officials_of(&v, local_officials) {
                            moved.push((findings.len(), xr.id.clone(), o));
                        }
                    }
                }
                checks.push(ExceptionCheck {
                    rule: xr.id.clone(),
                    citation: xv.citation,
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
                id: blank,
                rule: rule.id.clone(),
                version: rf.version,
                version_from: version.valid_from,
                behaviour: *behaviour,
                severity: *severity,
                official: rf.official.clone(),
                step: step_id,
                evidence: {
                    let mut v = pools.evidence.pop().unwrap_or_default();
                    v.reserve(rf_evidence.len());
                    v.extend(
                        rf_evidence
                            .iter()
                            .filter_map(|&i| case.events().get(i as usize).map(|e| e.id.clone())),
                    );
                    v
                },
                act_date: rf.binding.act_date,
                citation: version.citation,
                exceptions: checks,
                defeated_by,
                moved_from: None,
            });
            views.push(FindingView {
                rule: rule.id.interned(),
                behaviour: *behaviour,
                severity: *severity,
                official: &rf.official,
                step: rf.binding.step,
                evidence: rf_evidence,
                date: rf.binding.act_date,
                may_follow: plan
                    .may_follow
                    .get(rf.rule_ix)
                    .and_then(|v| v.get(rf.version))
                    .copied()
                    .unwrap_or(u64::MAX),
                sure_follow: plan
                    .sure_follow
                    .get(rf.rule_ix)
                    .and_then(|v| v.get(rf.version))
                    .copied()
                    .unwrap_or(0),
            });
        }
        moved_from.clear();
        for &(orig, ref xid, ref o) in &moved {
            let Some(f) = findings.get(orig).cloned() else {
                continue;
            };
            let Some(view) = views.get(orig).cloned() else {
                continue;
            };
            moved_from.push((findings.len(), orig));
            findings.push(Finding {
                official: o.clone(),
                exceptions: Vec::new(),
                defeated_by: None,
                // The id of the finding it came from is set below, with the ids.
                moved_from: Some((xid.clone(), blank)),
                ..f
            });
            views.push(FindingView {
                official: o,
                ..view
            });
        }
        // Stable order and ids: `order` lists the findings in their final
        // order, `rank` is each finding's place in it.
        order.clear();
        order.extend(0..findings.len());
        order.sort_by(|&a, &b| {
            let k = |i: usize| {
                findings
                    .get(i)
                    .map(|f| (f.act_date, &f.rule, &f.official, &f.evidence))
            };
            k(a).cmp(&k(b)).then(a.cmp(&b))
        });
        rank.clear();
        rank.resize(findings.len(), 0);
        for (n, &i) in order.iter().enumerate() {
            if let Some(slot) = rank.get_mut(i) {
                *slot = n;
            }
        }
        for (i, f) in findings.iter_mut().enumerate() {
            f.id = crate::intern::finding_id(rank.get(i).copied().unwrap_or(0));
        }
        for &(i, orig) in moved_from.iter() {
            let id = crate::intern::finding_id(rank.get(orig).copied().unwrap_or(0));
            if let Some(Some((_, slot))) = findings.get_mut(i).map(|f| &mut f.moved_from) {
                *slot = id;
            }
        }
        permute_in_place(&mut findings, order);
        // `order` was consumed by the permutation: rebuild it for the views.
        order.clear();
        order.resize(rank.len(), 0);
        for (i, &n) in rank.iter().enumerate() {
            if let Some(slot) = order.get_mut(n) {
                *slot = i;
            }
        }
        permute_in_place(&mut views, order);
        // Without the trace, only the exceptions that failed are reported:
        // none to look at when none failed.
        let to_report = if explain || !exc_errors.is_empty() {
            n_exc
        } else {
            0
        };
        for xi in 0..to_report {
            let Some((xri, xr)) = exception(xi) else {
                continue;
            };
            let error = exc_errors
                .iter()
                .position(|(x, _)| *x == xi)
                .map(|at| exc_errors.swap_remove(at).1);
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
                trace_rank.push(rank_of(xri));
            }
        }

        // Consequences of standing findings.
        env.findings = &views;
        // Memo rows of the findings, after the steps' (see `plan::memoise`).
        let findings_memo = steps_len;
        // Grown exactly: a doubled vector may reach glibc's large requests,
        // which cost a consolidation of the small free chunks.
        let memo_len = findings_memo + finding_width * findings.len();
        env.memo
            .reserve_exact(memo_len.saturating_sub(env.memo.len()));
        env.memo.resize(memo_len, None);
        // The slots shared by an official's findings are kept in the row of
        // the official's first finding.
        let keyed_from = self.policy.plan.memo_by_official;
        first_of_official.clear();
        if keyed_from < finding_width {
            env.keyed_from = keyed_from;
            for (i, v) in views.iter().enumerate() {
                let first = views
                    .iter()
                    .take(i)
                    .position(|w| std::ptr::eq(w.official, v.official) || w.official == v.official)
                    .unwrap_or(i);
                first_of_official.push(first);
            }
        }
        let standing_list = env
            .new_list(
                findings
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.stands())
                    .map(|(i, _)| V::Finding(i)),
            )
            // Only past u32::MAX list items in one evaluation is there no list.
            .unwrap_or(V::None);
        // Without an explanation (which counts, for each consequence rule,
        // the findings it was tried on), a rule whose filter the plan
        // decides is tried only on the findings it lets through, and not at
        // all when it lets none of the standing ones through.
        let standing_follow = if EXPLAIN {
            u64::MAX
        } else {
            views
                .iter()
                .zip(findings.iter())
                .filter(|(_, f)| f.stands())
                .fold(0u64, |m, (v, _)| m | v.may_follow)
        };
        let indexed = |(j, ri): (usize, &usize)| rules.get(*ri).map(|r| (j, *ri, r));
        for (j, ri, rule) in plan.consequences.iter().enumerate().filter_map(indexed) {
            let bit = plan::follow_bit(j);
            let decided = !EXPLAIN && plan.follow_decided.get(j).copied().unwrap_or(false);
            if decided && standing_follow & bit == 0 {
                continue;
            }
            let mut fired = 0;
            let mut matched = 0;
            let mut first_false = None;
            let mut error = None;
            let mut in_force = false;
            let only = self.only_version(rule);
            let first_of_rule = found_consequences.len();
            for (fi, f) in findings.iter().enumerate() {
                let (may, sure) = match views.get(fi) {
                    Some(v) if decided => (v.may_follow & bit != 0, v.sure_follow & bit != 0),
                    _ => (!decided, false),
                };
                if !f.stands() || !may {
                    continue;
                }
                let Some((_, v)) = self.version_of(rule, only, f.act_date, as_of) else {
                    continue;
                };
                in_force = true;
                let Body::Consequence {
                    measure,
                    to,
                    grade_cap,
                    ..
                } = &v.body
                else {
                    continue;
                };
                if !decided && !plan::follows(&v.body, &f.rule, f.behaviour, f.severity) {
                    continue;
                }
                matched += 1;
                // The variables are set only for a condition to read.
                if v.when.is_some() || to.is_some() {
                    env.memo_row = Some(findings_memo + fi * finding_width);
                    env.memo_key_row = first_of_official
                        .get(fi)
                        .map(|&first| findings_memo + first * finding_width);
                    if reads_params(ri) {
                        env.params = params.at(f.act_date);
                    }
                    set_var(&mut env.vars, 3, V::Finding(fi));
                    set_var(&mut env.vars, 4, standing_list);
                }
                let ok = match &v.when {
                    Some(_) if sure => true,
                    // As for the exceptions' `when`.
                    Some(c) if !EXPLAIN && c.code.as_ref().is_some_and(|k| k.lacks(kinds)) => false,
                    Some(c) => match env.test_cond::<EXPLAIN>(c) {
                        Ok(x) => x,
                        Err(_) => {
                            error.get_or_insert(env.take_error());
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
                        first_false = Some(c.part(env.first_false(&c.expr)));
                    }
                    continue;
                }
                // Whom it applies to: those of `to`, or the finding's own official.
                let to_officials: &[OfficialId] = match to {
                    Some(c) => {
                        officials.clear();
                        match env.eval_cond::<EXPLAIN>(c) {
                            Ok(x) => env.officials_into(&x, officials, local_officials),
                            Err(_) => {
                                error.get_or_insert(env.take_error());
                                continue;
                            }
                        }
                        officials
                    }
                    None => std::slice::from_ref(&f.official),
                };
                for o in to_officials {
                    fired += 1;
                    // This rule's consequences are the last ones found.
                    match found_consequences
                        .get_mut(first_of_rule..)
                        .and_then(|own| own.iter_mut().find(|c| c.official == *o))
                    {
                        Some(c) => {
                            if !c.because.contains(&f.id) {
                                c.because.push(f.id);
                            }
                        }
                        None => found_consequences.push(Consequence {
                            rule: rule.id.clone(),
                            measure: *measure,
                            grade_cap: *grade_cap,
                            official: o.clone(),
                            because: {
                                let mut v =
                                    pools.because.pop().unwrap_or_else(|| Vec::with_capacity(4));
                                v.push(f.id);
                                v
                            },
                            citation: v.citation,
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
                trace_rank.push(rank_of(ri));
            }
        }
        // By official, then rule: the consequences were found rule by rule
        // in the order of their ids (the policy's rules are kept sorted by
        // id), so a stable sort by official gives that order, comparing no
        // rule ids.
        found_consequences.sort_by(|a, b| a.official.cmp(&b.official));
        debug_assert!(
            found_consequences.is_sorted_by(|a, b| (&a.official, &a.rule) < (&b.official, &b.rule))
        );
        // Found in the thread's vector, whose storage stays, and moved: the
        // answer's list is allocated once, at its length (none when it came
        // with storage, from `evaluate_into`), where pushing into it would
        // grow it twice for a few findings' consequences.
        consequences.append(found_consequences);
        // The trace in the order of its rules' ids: each rule is traced at
        // most once, so each entry's place is its rule's rank among those traced.
        if explain {
            order.clear();
            order.resize(self.policy.rules.len(), usize::MAX);
            for (i, &r) in trace_rank.iter().enumerate() {
                if let Some(slot) = order.get_mut(r) {
                    *slot = i;
                }
            }
            order.retain(|&i| i != usize::MAX);
            if order.len() == trace.len() {
                permute_in_place(&mut trace, order);
            } else {
                trace.sort_by(|a, b| a.rule.cmp(&b.rule));
            }
        }
        debug_assert!(trace.is_sorted_by(|a, b| a.rule < b.rule));
        let task_facts = facts.task.clone();
        let env_buffers = env.into_buffers().reuse();
        let views: Vec<FindingView<'static>> = eval::recycle(views);
        scratch.env = env_buffers;
        scratch.views = views;
        scratch.facts = facts.into_buffers();
        scratch.give_back();

        Ok(Determination {
            task: task.id.clone(),
            as_of,
            policy: self.policy.meta.id,
            policy_hash: self.policy.meta.content_hash,
            judge_by: self.options.judge_by,
            facts: task_facts,
            steps,
            findings,
            consequences,
            trace,
            errors,
        })
    }
}

/// A step's status from its entries: by the distinct primary officials
/// still standing (as [`StepAccountability::primaries`], without
/// allocating), none a gap, one fine, two or more an overlap. The walk
/// stops at the second.
fn status_of(entries: &[Accountable]) -> StepStatus {
    let mut first: Option<&OfficialId> = None;
    for a in entries
        .iter()
        .filter(|a| a.primary && a.defeated_by.is_none())
    {
        match first {
            None => first = Some(&a.official),
            Some(o) if *o == a.official => {}
            Some(_) => return StepStatus::Overlap,
        }
    }
    if first.is_some() {
        StepStatus::Ok
    } else {
        StepStatus::Gap
    }
}

/// Puts the items of `v` in the order of `order` (a permutation of its
/// indexes: item `j` becomes the old item `order[j]`), in place, by
/// following each cycle of the permutation. `order` is used as the marks of
/// the items already placed, and is left undefined.
fn permute_in_place<T>(v: &mut [T], order: &mut [usize]) {
    const DONE: usize = usize::MAX;
    for start in 0..v.len().min(order.len()) {
        // Walk the cycle through `start`: position `j` takes the item at `order[j]`.
        let mut j = start;
        while let Some(next) = order.get_mut(j).map(|x| std::mem::replace(x, DONE)) {
            if next == DONE || next == start {
                break;
            }
            v.swap(j, next);
            j = next;
        }
    }
}

/// For how many findings the memo has room from the start (more grow it).
const FINDING_ROWS_AHEAD: usize = 8;

/// The items of `buf` in `range` (start, length), as stored by [`RawFinding`].
fn range(buf: &[u32], (start, len): (u32, u32)) -> &[u32] {
    buf.get(start as usize..(start as usize).saturating_add(len as usize))
        .unwrap_or(&[])
}

/// Keeps `message` as exception `xi`'s error unless it already has one.
fn first_error(errors: &mut Vec<(usize, String)>, xi: usize, message: String) {
    if !errors.iter().any(|(x, _)| *x == xi) {
        errors.push((xi, message));
    }
}

fn set_var<'a>(vars: &mut Vec<V<'a>>, slot: usize, v: V<'a>) {
    if vars.len() <= slot {
        vars.resize(slot + 1, V::None);
    }
    if let Some(x) = vars.get_mut(slot) {
        *x = v;
    }
}

#[cfg(test)]
mod tests {
    use super::{Evaluator, JudgeBy, permute_in_place, range};
    use crate::policy::Policy;
    use chrono::NaiveDate;

    #[test]
    fn a_rule_of_one_version_is_found_by_its_dates_as_version_for_finds_it() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        // A dated rule of our own whose transitional clause picks the
        // version in force on the review date.
        let ours = format!(
            "{}\n[[rule]]\nid = \"avoid.zz_review\"\nkind = \"avoidance\"\nlabel_vi = \"x\"\n\
             label_en = \"x\"\ncite = {{ source = \"cd280\" }}\nfor = \"step\"\n\
             valid_from = 2025-01-01\nvalid_until = 2025-09-01\ntransition = \"review_date\"\n\
             when = \"task.novel\"\nwho = \"step.assignee\"\nbehaviour = \"no_proposal\"\nseverity = \"minor\"\n",
            crate::policy::BUNDLED_2023
        );
        let as_of_days = [
            day(2018, 6, 21),
            day(2024, 3, 1),
            day(2025, 7, 1),
            day(2026, 6, 30),
        ];
        let by = |v: Option<(usize, &crate::policy::RuleVersion)>| {
            v.map(|(i, v)| (i, std::ptr::from_ref(v)))
        };
        let mut shortcuts = [0, 0];
        for p in [
            Policy::bundled(),
            Policy::bundled_2025(),
            Policy::from_toml_str(&ours, "ours.toml"),
        ] {
            let Ok(p) = p else {
                panic!("the policies load");
            };
            for (j, judge) in [JudgeBy::ActDate, JudgeBy::ReviewDate]
                .into_iter()
                .enumerate()
            {
                let ev = Evaluator::new(&p).judge_by(judge);
                for rule in p.rules() {
                    let only = ev.only_version(rule);
                    if let Some(n) = shortcuts.get_mut(j) {
                        *n += usize::from(only.is_some());
                    }
                    for as_of in as_of_days {
                        for n in 0..120 {
                            let act = day(2017, 1, 1) + chrono::Duration::days(n * 31);
                            assert_eq!(
                                by(ev.version_of(rule, only, act, as_of)),
                                by(ev.version_for(rule, act, as_of)),
                                "{} {judge:?} act {act} as of {as_of}",
                                rule.id
                            );
                        }
                    }
                }
            }
        }
        // Under act-date judging nearly every rule takes the shortcut, and
        // none under review-date judging.
        assert!(shortcuts[0] > 50, "{shortcuts:?}");
        assert_eq!(shortcuts[1], 0);
    }

    /// Every permutation of `0..n`, in lexicographic order.
    fn permutations(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![Vec::new()];
        }
        let mut out = Vec::new();
        for p in permutations(n - 1) {
            for at in 0..n {
                let mut q = p.clone();
                q.insert(at, n - 1);
                out.push(q);
            }
        }
        out
    }

    #[test]
    fn permute_in_place_places_item_order_j_at_j_for_every_permutation_up_to_six() {
        for n in 0..=6 {
            for order in permutations(n) {
                let items: Vec<String> = (0..n).map(|i| format!("item{i}")).collect();
                let want: Vec<String> = order.iter().map(|&i| items[i].clone()).collect();
                let mut got = items.clone();
                let mut marks = order.clone();
                permute_in_place(&mut got, &mut marks);
                assert_eq!(got, want, "order {order:?}");
            }
        }
    }

    #[test]
    fn ranges_stay_inside_the_buffer() {
        let buf = [5, 6, 7];
        assert_eq!(range(&buf, (1, 2)), &[6, 7]);
        assert_eq!(range(&buf, (2, 5)), &[] as &[u32]);
        assert_eq!(range(&buf, (u32::MAX, u32::MAX)), &[] as &[u32]);
    }
}
