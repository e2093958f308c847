//! The lower bound: the 55 rules of the bundled policy `policies/vn-2023.toml`
//! hand-written as plain Rust over the crate's public types, timed beside the
//! engine (explanation off and on) on the same inputs.
//!
//! Before timing, the hand-written function is checked against the engine on
//! every bench input (the bundled sample as of its review date, and generated
//! tasks with 10, 50 and 200 events, plus 300 more generated tasks of each
//! size and every clause test and scenario judged by act date, for coverage):
//! the same standing findings, defeated findings (with the exception that
//! defeated them), accountability entries, consequences and derived dates. A
//! difference panics with a diff. When a rule of the policy changes, change it
//! here too.
//!
//! `BOUND_IR=REPS BOUND_ONLY=FORM/N` skips criterion and runs one form for
//! callgrind instruction counts (see `ir_mode` and `BENCHMARKS.md`).
//! `BOUND_RR=ROUNDS` skips criterion and times the three forms in turns,
//! round by round, for wall-clock ratios (see `rr_mode`), then corpus
//! throughput against the parse-only floor the same way (`rr_throughput`);
//! with `BOUND_CHASE=LINES`, each form also walks that many cache lines of
//! data after each call, to show how near the level-1 data cache's capacity
//! it runs (see `rr_mode`).
//! With `BOUND_IR`, `BOUND_WITHOUT=RULES` leaves rules out of the engine's
//! policy (see `policy_without`), for what each rule costs
//! (`benches/tools/rule_cost.py`); with `BOUND_RR`, for what a rule or a
//! group of rules (`csq.*`, `exc.*`) costs in wall-clock, the engine forms
//! then run the policy without them, unchecked against the hand-written
//! rules, which keep them.
//!
//! The hand-written form is what a programmer would write for this one policy:
//! one pass over the events for the derived facts (as `src/engine/facts.rs`),
//! one for the event rules, then the step and task rules, the exceptions in
//! rule-id order (the first that applies defeats), and the consequences. Ids
//! are borrowed, never cloned; the organisation is read through
//! `ValidOrganisation`'s accessors, as the engine reads it. Parameters are
//! constants, checked against the policy's values before timing.

use std::hint::black_box;
use std::sync::Arc;

use accountable::OfficialId;
use accountable::calendar::Calendar;
use accountable::engine::{Determination, Evaluator};
use accountable::generate::{GenConfig, organisation, task};
use accountable::model::{
    Deadline, Event, EventKind, Origin, ReplyPosition, Role, SigningMode, StepKind, Task,
    ValidCase, ValidOrganisation,
};
use accountable::policy::Policy;
use accountable::time::vn_date;
use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, criterion_group};

// ------------------------------------------------------------------ rules

/// Every rule of the bundled policy, in id order (the engine's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum R {
    AccActingHead,
    AccAssignee,
    AccCollectiveChair,
    AccCollectiveMembers,
    AccDelegator,
    AccDeputy,
    AccHead,
    BareExtensions,
    ConsultationRounds,
    ConsultationWithoutDeadline,
    DeclineInCompetence,
    DossierNoApology,
    DossierOverdue,
    DossierRepeatSupplement,
    DossierRescheduled,
    Idle,
    InPrincipleOnly,
    KtOutsideField,
    LateReply,
    NoCooperation,
    NoFollowUp,
    NoProposal,
    NoReply,
    NonDecision,
    PetitionOverdue,
    PingPong,
    ProposalWithoutRecommendation,
    Redelegation,
    RiskAversionDecline,
    RiskAversionNoProposal,
    SidewaysPush,
    Silence,
    SupplementBeyondList,
    UnassignedStep,
    UnrelatedConsultation,
    UnresolvedSubordinateRequest,
    UpwardPush,
    VagueReply,
    CsqApology,
    CsqDeemedConsent,
    CsqDiscipline,
    CsqGradeCap,
    CsqHeadJoint,
    CsqReminder,
    CsqSelfCriticism,
    CsqTransferOrReplacement,
    ExcAbsentOrRecused,
    ExcClockStopped,
    ExcDissentRecorded,
    ExcInnovationApproved,
    ExcLegalBarCited,
    ExcObstacleCertified,
    ExcReturnedOutsideCompetence,
    ExcSuperiorApprovalRequired,
    ExcSuperiorOrderAfterObjection,
}

impl R {
    fn id(self) -> &'static str {
        match self {
            R::AccActingHead => "acc.acting_head",
            R::AccAssignee => "acc.assignee",
            R::AccCollectiveChair => "acc.collective_chair",
            R::AccCollectiveMembers => "acc.collective_members",
            R::AccDelegator => "acc.delegator",
            R::AccDeputy => "acc.deputy",
            R::AccHead => "acc.head",
            R::BareExtensions => "avoid.bare_extensions",
            R::ConsultationRounds => "avoid.consultation_rounds",
            R::ConsultationWithoutDeadline => "avoid.consultation_without_deadline",
            R::DeclineInCompetence => "avoid.decline_in_competence",
            R::DossierNoApology => "avoid.dossier_no_apology",
            R::DossierOverdue => "avoid.dossier_overdue",
            R::DossierRepeatSupplement => "avoid.dossier_repeat_supplement",
            R::DossierRescheduled => "avoid.dossier_rescheduled",
            R::Idle => "avoid.idle",
            R::InPrincipleOnly => "avoid.in_principle_only",
            R::KtOutsideField => "avoid.kt_outside_field",
            R::LateReply => "avoid.late_reply",
            R::NoCooperation => "avoid.no_cooperation",
            R::NoFollowUp => "avoid.no_follow_up",
            R::NoProposal => "avoid.no_proposal",
            R::NoReply => "avoid.no_reply",
            R::NonDecision => "avoid.non_decision",
            R::PetitionOverdue => "avoid.petition_overdue",
            R::PingPong => "avoid.ping_pong",
            R::ProposalWithoutRecommendation => "avoid.proposal_without_recommendation",
            R::Redelegation => "avoid.redelegation",
            R::RiskAversionDecline => "avoid.risk_aversion_decline",
            R::RiskAversionNoProposal => "avoid.risk_aversion_no_proposal",
            R::SidewaysPush => "avoid.sideways_push",
            R::Silence => "avoid.silence",
            R::SupplementBeyondList => "avoid.supplement_beyond_list",
            R::UnassignedStep => "avoid.unassigned_step",
            R::UnrelatedConsultation => "avoid.unrelated_consultation",
            R::UnresolvedSubordinateRequest => "avoid.unresolved_subordinate_request",
            R::UpwardPush => "avoid.upward_push",
            R::VagueReply => "avoid.vague_reply",
            R::CsqApology => "csq.apology",
            R::CsqDeemedConsent => "csq.deemed_consent",
            R::CsqDiscipline => "csq.discipline",
            R::CsqGradeCap => "csq.grade_cap",
            R::CsqHeadJoint => "csq.head_joint",
            R::CsqReminder => "csq.reminder",
            R::CsqSelfCriticism => "csq.self_criticism",
            R::CsqTransferOrReplacement => "csq.transfer_or_replacement",
            R::ExcAbsentOrRecused => "exc.absent_or_recused",
            R::ExcClockStopped => "exc.clock_stopped",
            R::ExcDissentRecorded => "exc.dissent_recorded",
            R::ExcInnovationApproved => "exc.innovation_approved",
            R::ExcLegalBarCited => "exc.legal_bar_cited",
            R::ExcObstacleCertified => "exc.obstacle_certified",
            R::ExcReturnedOutsideCompetence => "exc.returned_outside_competence",
            R::ExcSuperiorApprovalRequired => "exc.superior_approval_required",
            R::ExcSuperiorOrderAfterObjection => "exc.superior_order_after_objection",
        }
    }

    /// Severity of an avoidance rule: 0 minor, 1 moderate, 2 serious.
    fn severity(self) -> u8 {
        match self {
            R::PingPong => 2,
            R::DeclineInCompetence
            | R::ProposalWithoutRecommendation
            | R::UnrelatedConsultation
            | R::ConsultationWithoutDeadline
            | R::LateReply
            | R::VagueReply
            | R::NoCooperation
            | R::Silence
            | R::InPrincipleOnly
            | R::KtOutsideField
            | R::Idle => 0,
            _ => 1,
        }
    }

    /// Whether the rule's behaviour is one `csq.grade_cap` names (non_decision,
    /// no_proposal, dossier_stalling, unresponsiveness, risk_aversion).
    fn grade_cap_behaviour(self) -> bool {
        matches!(
            self,
            R::NonDecision
                | R::BareExtensions
                | R::DeclineInCompetence
                | R::NoProposal
                | R::ProposalWithoutRecommendation
                | R::DossierOverdue
                | R::DossierNoApology
                | R::DossierRescheduled
                | R::DossierRepeatSupplement
                | R::SupplementBeyondList
                | R::PetitionOverdue
                | R::RiskAversionDecline
                | R::RiskAversionNoProposal
        )
    }
}

/// The parameters of the bundled policy, as constants.
const PARAMS: &[(&str, i64)] = &[
    ("ping_pong_hops", PING_PONG_HOPS),
    ("bare_extensions", BARE_EXTENSIONS),
    ("max_consultation_rounds", MAX_CONSULTATION_ROUNDS),
    ("late_reply_days", LATE_REPLY_DAYS),
    ("cooperation_days", COOPERATION_DAYS),
    ("follow_up_days", FOLLOW_UP_DAYS),
    ("apology_lead_days", APOLOGY_LEAD_DAYS),
    ("max_reschedules", MAX_RESCHEDULES),
    ("max_supplement_requests", MAX_SUPPLEMENT_REQUESTS),
    ("return_within_days", RETURN_WITHIN_DAYS),
    ("replacement_findings", REPLACEMENT_FINDINGS),
    ("idle_days", IDLE_DAYS),
];
const PING_PONG_HOPS: i64 = 2;
const BARE_EXTENSIONS: i64 = 2;
const MAX_CONSULTATION_ROUNDS: i64 = 2;
const LATE_REPLY_DAYS: i64 = 1;
const COOPERATION_DAYS: i64 = 5;
const FOLLOW_UP_DAYS: i64 = 5;
const APOLOGY_LEAD_DAYS: i64 = 1;
const MAX_RESCHEDULES: i64 = 1;
const MAX_SUPPLEMENT_REQUESTS: i64 = 1;
const RETURN_WITHIN_DAYS: i64 = 3;
const REPLACEMENT_FINDINGS: i64 = 2;
const IDLE_DAYS: i64 = 15;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

// ----------------------------------------------------------------- output

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cap {
    Direct,
    Deputy,
    JointHead,
    Delegator,
    ActingHead,
    Collective,
    OrderingSuperior,
}

impl Cap {
    fn name(self) -> &'static str {
        match self {
            Cap::Direct => "direct",
            Cap::Deputy => "deputy",
            Cap::JointHead => "joint_head",
            Cap::Delegator => "delegator",
            Cap::ActingHead => "acting_head",
            Cap::Collective => "collective",
            Cap::OrderingSuperior => "ordering_superior",
        }
    }
}

struct Acc<'a> {
    step: u32,
    official: &'a OfficialId,
    cap: Cap,
    primary: bool,
    rule: R,
    defeated_by: Option<R>,
}

#[derive(Clone, Copy)]
struct Finding<'a> {
    rule: R,
    official: &'a OfficialId,
    step: Option<u32>,
    /// Evidence: `ev[start..start + len]` of [`Out::ev`].
    ev: (u32, u32),
    act: NaiveDate,
    defeated_by: Option<R>,
    moved: bool,
}

/// received, due, current_due, effective_due, closed, late_days, clock_stopped_days.
type FactsOut = (
    NaiveDate,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<NaiveDate>,
    i64,
    i64,
);

/// What the hand-written function decides for one task.
struct Out<'a> {
    acc: Vec<Acc<'a>>,
    findings: Vec<Finding<'a>>,
    ev: Vec<u32>,
    csq: Vec<(R, &'a OfficialId)>,
    facts: FactsOut,
}

// ------------------------------------------------------------------ facts

#[derive(Clone, Copy, Default)]
struct StepF {
    started: Option<NaiveDate>,
    completed: Option<NaiveDate>,
    done: Option<NaiveDate>,
    /// The date of the step's last event (events are in time order).
    last: Option<NaiveDate>,
}

struct Cx<'a, 'c> {
    org: &'a ValidOrganisation,
    task: &'a Task,
    events: &'a [Event],
    dates: &'a [NaiveDate],
    estep: Vec<Option<u32>>,
    steps: Vec<StepF>,
    cal: &'c Calendar,
    end: NaiveDate,
    received: NaiveDate,
    eff: Option<NaiveDate>,
    late: i64,
    stopped: i64,
}

fn wd(cal: &Calendar, a: NaiveDate, b: NaiveDate) -> i64 {
    cal.working_days_between(a, b).unwrap_or(0)
}

fn le(a: Option<NaiveDate>, b: Option<NaiveDate>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a <= b)
}

fn gt(a: Option<NaiveDate>, b: Option<NaiveDate>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a > b)
}

impl<'a> Cx<'a, '_> {
    fn date(&self, i: usize) -> NaiveDate {
        self.dates.get(i).copied().unwrap_or(self.end)
    }
    fn step_f(&self, i: usize) -> StepF {
        self.steps.get(i).copied().unwrap_or_default()
    }
    fn step_date(&self, i: usize, as_of: NaiveDate) -> NaiveDate {
        self.step_f(i).completed.unwrap_or(self.end).min(as_of)
    }
    /// `step.started <= d or step.index == 0 or the previous step was done by d`.
    fn reached_by(&self, i: usize, d: Option<NaiveDate>) -> bool {
        le(self.step_f(i).started, d)
            || i == 0
            || (i > 0 && le(self.step_f(i - 1).done, d) && self.step_f(i - 1).done.is_some())
    }
    fn is_leader(&self, o: &OfficialId, d: NaiveDate) -> bool {
        self.org.positions_of(o, d).any(|p| {
            matches!(
                p.role,
                Role::Head | Role::Deputy | Role::ActingHead | Role::OfficeHead
            )
        })
    }
    fn is_head(&self, o: &OfficialId, d: NaiveDate) -> bool {
        self.org
            .positions_of(o, d)
            .any(|p| matches!(p.role, Role::Head | Role::ActingHead))
    }
    fn novel(&self) -> bool {
        self.task.flags.any()
    }
    /// `exc.obstacle_certified`.
    fn obstacle(&self) -> bool {
        self.events
            .iter()
            .zip(self.dates)
            .any(|(e, d)| matches!(e.kind, EventKind::ObstacleCertified { .. }) && *d <= self.end)
    }
    /// `exc.returned_outside_competence`.
    fn returned(&self) -> bool {
        !self.org.competent(&self.task.unit, &self.task.field)
            && self.events.iter().zip(self.dates).any(|(e, d)| {
                matches!(
                    e.kind,
                    EventKind::Returned {
                        legal_basis: Some(_),
                        ..
                    }
                ) && wd(self.cal, self.received, *d) <= RETURN_WITHIN_DAYS
            })
    }
    /// `exc.innovation_approved` (in force from 2023-09-29).
    fn innovation(&self, o: &OfficialId, act: NaiveDate) -> bool {
        act >= ymd(2023, 9, 29)
            && self.is_leader(o, self.end)
            && self
                .events
                .iter()
                .zip(self.dates)
                .any(|(e, d)| match &e.kind {
                    EventKind::InnovationApproved { approved_by } => {
                        approved_by != o
                            && self.is_leader(approved_by, *d)
                            && self.eff.is_none_or(|x| *d <= x)
                    }
                    _ => false,
                })
    }
    /// `exc.superior_order_after_objection`: `None` when it does not apply,
    /// else the official responsibility moves to, if any.
    fn superior_order(&self, o: &OfficialId, step: u32) -> Option<Option<&'a OfficialId>> {
        let mine = |i: usize, e: &Event| {
            matches!(e.kind, EventKind::WrittenObjection { .. })
                && &e.actor == o
                && self
                    .estep
                    .get(i)
                    .copied()
                    .flatten()
                    .is_none_or(|s| s == step)
        };
        let applies = self.events.iter().enumerate().any(|(i, x)| {
            mine(i, x)
                && match &x.kind {
                    EventKind::WrittenObjection { superior, .. } => {
                        self.events.iter().take(i).any(|y| {
                            matches!(&y.kind, EventKind::OrderGiven { to } if to == o)
                                && &y.actor == superior
                        })
                    }
                    _ => false,
                }
        });
        if !applies {
            return None;
        }
        let to = self
            .events
            .iter()
            .enumerate()
            .find(|(i, x)| mine(*i, x))
            .and_then(|(_, x)| match &x.kind {
                EventKind::WrittenObjection { superior, .. } => Some(superior),
                _ => None,
            });
        Some(to)
    }
}

// --------------------------------------------------------------- the rules

struct Sink<'a> {
    findings: Vec<Finding<'a>>,
    ev: Vec<u32>,
}

impl<'a> Sink<'a> {
    fn push(&mut self, rule: R, o: &'a OfficialId, step: Option<u32>, ev: &[u32], act: NaiveDate) {
        let start = self.ev.len() as u32;
        self.ev.extend_from_slice(ev);
        self.findings.push(Finding {
            rule,
            official: o,
            step,
            ev: (start, ev.len() as u32),
            act,
            defeated_by: None,
            moved: false,
        });
    }
    /// Step rules: the same rule, official and evidence through two steps is one finding.
    fn push_dedup(&mut self, rule: R, o: &'a OfficialId, step: u32, ev: &[u32], act: NaiveDate) {
        let dup = self.findings.iter().any(|f| {
            f.rule == rule
                && f.official == o
                && self
                    .ev
                    .get(f.ev.0 as usize..(f.ev.0 + f.ev.1) as usize)
                    .is_some_and(|x| x == ev)
        });
        if !dup {
            self.push(rule, o, Some(step), ev, act);
        }
    }
}

/// Pushes `o` unless already in `v` (a rule's `who` list is deduplicated).
fn add_once<'a>(v: &mut Vec<&'a OfficialId>, o: &'a OfficialId) {
    if !v.contains(&o) {
        v.push(o);
    }
}

/// The hand-written policy.
fn hand<'a>(case: &'a ValidCase, cal: &Calendar, as_of: NaiveDate) -> Out<'a> {
    let task = case.task();
    let org = case.org();
    let all = case.events();

    // Facts (src/engine/facts.rs).
    // Each event's date in Vietnam, as the validated case keeps it.
    let n = case.events_until(as_of);
    let dates = case.event_dates().get(..n).unwrap_or(&[]);
    let events = all.get(..n).unwrap_or(&[]);
    let ns = task.steps.len();
    let mut steps = vec![StepF::default(); ns];
    let mut estep = Vec::with_capacity(events.len());
    let mut closed = None;
    let mut due_override = None;
    let mut apologies = 0i64;
    let mut open_stop: Option<NaiveDate> = None;
    let mut stopped = 0i64;
    // Counts for the task rules.
    let (mut sideways, mut bare, mut rounds, mut supplements) = (0i64, 0i64, 0i64, 0i64);
    let mut progress_since_extension = false;
    let mut first_decision: Option<NaiveDate> = None;
    for (i, (e, &date)) in events.iter().zip(dates).enumerate() {
        let si = case.event_step(i);
        estep.push(si.map(|s| s as u32));
        if let Some(s) = si
            && let Some(f) = steps.get_mut(s)
        {
            f.started.get_or_insert(date);
            f.last = Some(f.last.map_or(date, |l: NaiveDate| l.max(date)));
            let kind = task.steps.get(s).map(|x| &x.kind);
            let done_here = matches!(
                (kind, &e.kind),
                (_, EventKind::Completed)
                    | (
                        Some(StepKind::Advise),
                        EventKind::ProposalSubmitted {
                            recommendation: true
                        }
                    )
                    | (
                        Some(StepKind::Decide),
                        EventKind::DecisionIssued {
                            in_principle_only: false
                        }
                    )
            );
            if done_here {
                f.done.get_or_insert(date);
            }
        }
        match &e.kind {
            EventKind::Completed => match si.and_then(|s| steps.get_mut(s)) {
                Some(f) => f.completed = Some(date),
                None => {
                    if si.is_none() {
                        closed = Some(date);
                    }
                }
            },
            EventKind::DeadlineExtended { new_deadline, .. } => {
                due_override = Some(*new_deadline);
                if !progress_since_extension {
                    bare += 1;
                }
                progress_since_extension = false;
            }
            EventKind::ProgressUpdate { .. } => progress_since_extension = true,
            EventKind::ApologyIssued { new_return_date } => {
                apologies += 1;
                due_override = Some(*new_return_date);
            }
            EventKind::SupplementRequested { .. } => {
                supplements += 1;
                if open_stop.is_none() {
                    open_stop = Some(date);
                }
            }
            EventKind::SupplementReceived => {
                if let Some(start) = open_stop.take() {
                    stopped += wd(cal, start, date);
                }
            }
            EventKind::TransferredSideways { .. } => sideways += 1,
            EventKind::ConsultationRequested { .. } => rounds += 1,
            EventKind::DecisionIssued {
                in_principle_only: false,
            } => {
                first_decision.get_or_insert(date);
            }
            _ => {}
        }
    }
    if closed.is_none() && ns > 0 && steps.iter().all(|s| s.completed.is_some()) {
        closed = steps.iter().filter_map(|s| s.completed).max();
    }
    let end = closed.unwrap_or(as_of);
    if let Some(start) = open_stop {
        stopped += wd(cal, start, end.max(start));
    }
    let received = vn_date(&task.received);
    let due = match task.deadline {
        None => None,
        Some(Deadline::Date(d)) => Some(d),
        Some(Deadline::WorkingDays(n)) => cal.add_working_days(received, n).ok(),
    };
    let cur = due_override.or(due);
    let eff = cur.and_then(|d| cal.add_working_days(d, stopped.max(0) as u32).ok());
    let late = match eff {
        Some(d) if end > d => wd(cal, d, end),
        _ => 0,
    };
    let cx = Cx {
        org,
        task,
        events,
        dates,
        estep,
        steps,
        cal,
        end,
        received,
        eff,
        late,
        stopped,
    };

    // Accountability per step.
    let mut acc: Vec<Acc<'a>> = Vec::with_capacity(ns * 3);
    let mut who: Vec<&'a OfficialId> = Vec::new();
    for (i, s) in task.steps.iter().enumerate() {
        let sd = cx.step_date(i, as_of);
        let si = i as u32;
        let mut entry = |o: &'a OfficialId, cap: Cap, primary: bool, rule: R| {
            acc.push(Acc {
                step: si,
                official: o,
                cap,
                primary,
                rule,
                defeated_by: None,
            })
        };
        let head_unit = match (&s.collective, &s.assignee) {
            (Some(c), _) => Some(c),
            // managing_unit(o, d): the post related to the task's unit wins.
            (None, Some(a)) => org.managing_unit_near(a, sd, Some(&task.unit)),
            (None, None) => Some(&task.unit),
        };
        let head = head_unit.and_then(|u| org.head_of(u, sd));
        // acc.acting_head
        if head.is_none()
            && let Some(h) = head_unit.and_then(|u| org.holder(u, Role::ActingHead, sd))
        {
            entry(h, Cap::ActingHead, false, R::AccActingHead);
        }
        // acc.assignee
        if let Some(a) = &s.assignee {
            entry(a, Cap::Direct, true, R::AccAssignee);
        }
        // acc.collective_chair
        if s.assignee.is_none()
            && let Some(h) = s.collective.as_ref().and_then(|c| org.head_of(c, sd))
        {
            entry(h, Cap::Collective, true, R::AccCollectiveChair);
        }
        let step_events = || {
            cx.events
                .iter()
                .zip(&cx.estep)
                .filter(move |(_, s)| **s == Some(si))
                .map(|(e, _)| e)
        };
        // acc.collective_members
        if s.collective.is_some()
            && let Some(EventKind::Vote {
                in_favour, dissent, ..
            }) = step_events()
                .map(|e| &e.kind)
                .find(|k| matches!(k, EventKind::Vote { .. }))
        {
            who.clear();
            for o in in_favour.iter().chain(dissent) {
                add_once(&mut who, o);
            }
            for o in &who {
                entry(o, Cap::Collective, false, R::AccCollectiveMembers);
            }
        }
        // acc.delegator
        who.clear();
        for e in step_events() {
            if let EventKind::Signed {
                delegation: Some(d),
                ..
            } = &e.kind
                && let Some(d) = org.delegation(d)
            {
                add_once(&mut who, &d.from);
            }
        }
        for o in &who {
            entry(o, Cap::Delegator, false, R::AccDelegator);
        }
        // acc.deputy
        let deputy = match (&s.deputy, &s.collective, &s.assignee) {
            (Some(d), _, _) => Some(d),
            (None, Some(c), _) => org.deputy_for(c, &task.field, sd),
            (None, None, Some(a)) => org.deputy_over(a, &task.field, sd),
            (None, None, None) => org.deputy_for(&task.unit, &task.field, sd),
        };
        if let Some(d) = deputy {
            entry(d, Cap::Deputy, false, R::AccDeputy);
        }
        // acc.head
        if let Some(h) = head {
            entry(h, Cap::JointHead, false, R::AccHead);
        }
    }
    // Exceptions on accountability entries.
    let n_acc = acc.len();
    for k in 0..n_acc {
        let Some(a) = acc.get(k) else { continue };
        let (si, o, rule, primary) = (a.step, a.official, a.rule, a.primary);
        match rule {
            R::AccAssignee => {
                if let Some(to) = cx.superior_order(o, si) {
                    if let Some(a) = acc.get_mut(k) {
                        a.defeated_by = Some(R::ExcSuperiorOrderAfterObjection);
                    }
                    if let Some(t) = to {
                        acc.push(Acc {
                            step: si,
                            official: t,
                            cap: Cap::OrderingSuperior,
                            primary,
                            rule: R::ExcSuperiorOrderAfterObjection,
                            defeated_by: None,
                        });
                    }
                }
            }
            R::AccCollectiveMembers => {
                let dissented = cx.events.iter().zip(&cx.estep).any(|(e, s)| {
                    *s == Some(si)
                        && matches!(&e.kind, EventKind::Vote { dissent, .. } if dissent.contains(o))
                });
                if dissented && let Some(a) = acc.get_mut(k) {
                    a.defeated_by = Some(R::ExcDissentRecorded);
                }
            }
            _ => {}
        }
    }

    // Avoidance: event rules.
    let mut sink = Sink {
        findings: Vec::new(),
        ev: Vec::new(),
    };
    let decline_until = ymd(2025, 7, 1);
    let novel = cx.novel();
    for (i, e) in events.iter().enumerate() {
        let date = cx.date(i);
        let step = cx.estep.get(i).copied().flatten();
        let ix = [i as u32];
        match &e.kind {
            EventKind::TransferredUp { to_unit } => {
                let cu = &task.competent_unit;
                if org.serves_within(&e.actor, cu, date)
                    && org.competent(cu, &task.field)
                    && to_unit != cu
                    && org.within(cu, to_unit)
                {
                    sink.push(R::UpwardPush, &e.actor, step, &ix, date);
                }
            }
            EventKind::TransferredSideways { to_unit } => {
                let cu = &task.competent_unit;
                if org.serves_within(&e.actor, cu, date) && !org.within(to_unit, cu) {
                    sink.push(R::SidewaysPush, &e.actor, step, &ix, date);
                }
            }
            EventKind::Declined { .. } => {
                if date < decline_until
                    && !novel
                    && org.serves_within(&e.actor, &task.competent_unit, date)
                {
                    sink.push(R::DeclineInCompetence, &e.actor, step, &ix, date);
                }
                if novel {
                    sink.push(R::RiskAversionDecline, &e.actor, step, &ix, date);
                }
            }
            EventKind::ProposalSubmitted {
                recommendation: false,
            } => sink.push(R::ProposalWithoutRecommendation, &e.actor, step, &ix, date),
            EventKind::ConsultationRequested {
                addressees,
                reply_by,
            } => {
                if addressees.iter().any(|u| {
                    !task.stakeholders.contains(u) && !task.legal.mandatory_consultees.contains(u)
                }) {
                    sink.push(R::UnrelatedConsultation, &e.actor, step, &ix, date);
                }
                if reply_by.is_none() {
                    sink.push(R::ConsultationWithoutDeadline, &e.actor, step, &ix, date);
                }
                if let Some(rb) = reply_by
                    && end > *rb
                {
                    who.clear();
                    for u in addressees {
                        let replied = events.iter().skip(i + 1).any(
                            |r| matches!(&r.kind, EventKind::ConsultationReplied { unit, .. } if unit == u),
                        );
                        if !replied && let Some(h) = org.head_of(u, *rb) {
                            add_once(&mut who, h);
                        }
                    }
                    for o in &who {
                        sink.push(R::NoReply, o, step, &ix, date);
                    }
                }
            }
            EventKind::ConsultationReplied {
                unit,
                position,
                request,
            } => {
                let by_id = request
                    .as_ref()
                    .and_then(|r| events.iter().position(|x| &x.id == r));
                let req = by_id.or_else(|| {
                    events
                        .iter()
                        .take(i)
                        .rposition(|r| matches!(&r.kind, EventKind::ConsultationRequested { addressees, .. } if addressees.contains(unit)))
                });
                if let Some(r) = req
                    && let Some(EventKind::ConsultationRequested {
                        reply_by: Some(rb), ..
                    }) = events.get(r).map(|x| &x.kind)
                    && wd(cal, *rb, date) >= LATE_REPLY_DAYS
                {
                    sink.push(R::LateReply, &e.actor, step, &[i as u32, r as u32], date);
                }
                if *position == ReplyPosition::Vague {
                    sink.push(R::VagueReply, &e.actor, step, &ix, date);
                }
            }
            EventKind::InstructionRequested { to, answer_by } => {
                let later = || {
                    events
                        .iter()
                        .zip(cx.dates)
                        .skip(i + 1)
                        .filter(|(x, _)| &x.actor == to)
                };
                if !org.serves_within(to, &task.unit, date)
                    && wd(cal, date, end) > COOPERATION_DAYS
                    && !later().any(|(_, d)| wd(cal, date, *d) <= COOPERATION_DAYS)
                {
                    sink.push(R::NoCooperation, to, step, &ix, date);
                }
                if let Some(ab) = answer_by
                    && end > *ab
                    && cx.is_leader(to, date)
                    && org.serves_within(to, &task.unit, date)
                    && !later().any(|(_, d)| d <= ab)
                {
                    sink.push(R::UnresolvedSubordinateRequest, to, step, &ix, date);
                }
            }
            EventKind::MeetingHeld { items, .. } => {
                let head = org.head_of(&task.unit, date);
                // led_unit(e.actor, e.date): a unit the chair heads or acts as head of, else their managing unit.
                let led = org
                    .positions_of(&e.actor, date)
                    .find(|p| matches!(p.role, Role::Head | Role::ActingHead))
                    .map(|p| &p.unit)
                    .or_else(|| org.managing_unit(&e.actor, date));
                let led_head = led.and_then(|u| org.head_of(u, date));
                let assignee = step
                    .and_then(|s| task.steps.get(s as usize))
                    .and_then(|s| s.assignee.as_ref());
                let concerned = |o: &OfficialId, field: Option<&accountable::Field>| {
                    head == Some(o)
                        || led_head == Some(o)
                        || field.is_some_and(|f| {
                            org.deputy_for(&task.unit, f, date) == Some(o)
                                || led.and_then(|u| org.deputy_for(u, f, date)) == Some(o)
                        })
                        || (field.is_none_or(|f| *f == task.field) && assignee == Some(o))
                };
                who.clear();
                for it in items {
                    for o in &it.silent {
                        if concerned(o, it.field.as_ref()) {
                            add_once(&mut who, o);
                        }
                    }
                }
                // `who` lists officials in the order of `e.silent` (first appearance).
                for o in &who {
                    sink.push(R::Silence, o, step, &ix, date);
                }
            }
            EventKind::DecisionIssued {
                in_principle_only: true,
            } => sink.push(R::InPrincipleOnly, &e.actor, step, &ix, date),
            EventKind::SupplementRequested { documents } => {
                let published = &task.legal.published_documents;
                if !published.is_empty() && documents.iter().any(|d| !published.contains(d)) {
                    sink.push(R::SupplementBeyondList, &e.actor, step, &ix, date);
                }
            }
            EventKind::Signed { mode, delegation } => {
                if let Some(d) = delegation.as_ref().and_then(|d| org.delegation(d))
                    && let Some(p) = d.parent.as_ref().and_then(|p| org.delegation(p))
                    && !p.redelegable
                {
                    sink.push(R::Redelegation, &d.from, step, &ix, date);
                }
                if *mode == SigningMode::Kt
                    && org.deputy_over(&e.actor, &task.field, date) != Some(&e.actor)
                    && let Some(h) = org
                        .managing_unit_near(&e.actor, date, Some(&task.unit))
                        .and_then(|u| org.head_of(u, date))
                {
                    sink.push(R::KtOutsideField, h, step, &ix, date);
                }
            }
            _ => {}
        }
    }

    // Avoidance: step rules.
    let origin = task.origin;
    let no_decision_by_eff = !le(first_decision, eff);
    let mut ev_buf: Vec<u32> = Vec::new();
    for (i, s) in task.steps.iter().enumerate() {
        let f = cx.step_f(i);
        let sd = cx.step_date(i, as_of);
        let si = i as u32;
        let kind = &s.kind;
        if let Some(a) = &s.assignee {
            // avoid.non_decision
            if !matches!(origin, Origin::CitizenDossier | Origin::CitizenPetition)
                && eff.is_some()
                && *kind != StepKind::Consult
                && (f.done.is_none() || gt(f.done, eff))
                && gt(Some(end), eff)
                && cx.reached_by(i, eff)
                && no_decision_by_eff
            {
                ev_buf.clear();
                for (j, e) in events.iter().enumerate() {
                    if matches!(e.kind, EventKind::Assigned { .. })
                        && cx.estep.get(j).copied().flatten() == Some(si)
                    {
                        ev_buf.push(j as u32);
                    }
                }
                sink.push_dedup(R::NonDecision, a, si, &ev_buf, sd);
            }
            // avoid.no_proposal / avoid.risk_aversion_no_proposal
            if *kind == StepKind::Advise
                && let Some(sdue) = s.due
                && end > sdue
            {
                let proposed = events
                    .iter()
                    .zip(cx.dates)
                    .zip(&cx.estep)
                    .any(|((e, d), st)| {
                        *st == Some(si)
                            && matches!(
                                e.kind,
                                EventKind::ProposalSubmitted {
                                    recommendation: true
                                }
                            )
                            && *d <= sdue
                    });
                if !proposed {
                    let rule = if novel {
                        R::RiskAversionNoProposal
                    } else {
                        R::NoProposal
                    };
                    sink.push_dedup(rule, a, si, &[], sd);
                }
            }
            // avoid.petition_overdue
            if origin == Origin::CitizenPetition
                && late > 0
                && (f.done.is_none() || gt(f.done, eff))
                && cx.reached_by(i, eff)
            {
                sink.push_dedup(R::PetitionOverdue, a, si, &[], sd);
            }
            // avoid.dossier_overdue
            if origin == Origin::CitizenDossier
                && cur.is_some()
                && gt(Some(end), cur)
                && (f.done.is_none() || gt(f.done, cur))
                && *kind != StepKind::Receive
                && cx.reached_by(i, cur)
            {
                sink.push_dedup(R::DossierOverdue, a, si, &[], sd);
            }
            // avoid.idle
            if closed.is_none()
                && f.completed.is_none()
                && (f.started.is_some() || i == 0)
                && wd(cal, received, end) > IDLE_DAYS
                && f.last.is_none_or(|d| wd(cal, d, end) > IDLE_DAYS)
            {
                sink.push_dedup(R::Idle, a, si, &[], sd);
            }
        } else if s.collective.is_none() {
            // avoid.unassigned_step
            who.clear();
            if let Some(o) = &task.assigned_by {
                add_once(&mut who, o);
            }
            if let Some(h) = org.head_of(&task.unit, sd) {
                add_once(&mut who, h);
            }
            for o in &who {
                sink.push_dedup(R::UnassignedStep, o, si, &[], sd);
            }
        }
    }

    // Avoidance: task rules.
    let act = end;
    let kind_list =
        |pred: fn(&EventKind) -> bool, buf: &mut Vec<u32>, who: &mut Vec<&'a OfficialId>| {
            buf.clear();
            who.clear();
            for (j, e) in events.iter().enumerate() {
                if pred(&e.kind) {
                    buf.push(j as u32);
                    add_once(who, &e.actor);
                }
            }
        };
    if sideways >= PING_PONG_HOPS {
        kind_list(
            |k| matches!(k, EventKind::TransferredSideways { .. }),
            &mut ev_buf,
            &mut who,
        );
        for o in &who {
            sink.push(R::PingPong, o, None, &ev_buf, act);
        }
    }
    if bare >= BARE_EXTENSIONS {
        kind_list(
            |k| matches!(k, EventKind::DeadlineExtended { .. }),
            &mut ev_buf,
            &mut who,
        );
        for o in &who {
            sink.push(R::BareExtensions, o, None, &ev_buf, act);
        }
    }
    if rounds > MAX_CONSULTATION_ROUNDS {
        kind_list(
            |k| matches!(k, EventKind::ConsultationRequested { .. }),
            &mut ev_buf,
            &mut who,
        );
        for o in &who {
            sink.push(R::ConsultationRounds, o, None, &ev_buf, act);
        }
    }
    if let Some(d) = eff
        && late > FOLLOW_UP_DAYS
        && !events.iter().zip(cx.dates).any(|(x, xd)| {
            matches!(x.kind, EventKind::Reminder { .. }) && cx.is_leader(&x.actor, *xd) && *xd > d
        })
    {
        who.clear();
        if let Some(h) = org.head_of(&task.unit, end) {
            add_once(&mut who, h);
        }
        if let Some(dp) = org.deputy_for(&task.unit, &task.field, end) {
            add_once(&mut who, dp);
        }
        for o in &who {
            sink.push(R::NoFollowUp, o, None, &[], act);
        }
    }
    if origin == Origin::CitizenDossier
        && let Some(d0) = due
        && let Ok(d) = cal.add_working_days(d0, stopped.max(0) as u32)
        && end > d
        && !events.iter().zip(cx.dates).any(|(x, xd)| {
            matches!(x.kind, EventKind::ApologyIssued { .. })
                && wd(cal, *xd, d) >= APOLOGY_LEAD_DAYS
        })
    {
        who.clear();
        for (i, s) in task.steps.iter().enumerate() {
            let f = cx.step_f(i);
            if s.kind != StepKind::Receive
                && (f.done.is_none() || gt(f.done, Some(d)))
                && cx.reached_by(i, Some(d))
                && let Some(a) = &s.assignee
            {
                add_once(&mut who, a);
            }
        }
        for o in &who {
            sink.push(R::DossierNoApology, o, None, &[], act);
        }
    }
    if origin == Origin::CitizenDossier && apologies > MAX_RESCHEDULES {
        kind_list(
            |k| matches!(k, EventKind::ApologyIssued { .. }),
            &mut ev_buf,
            &mut who,
        );
        for o in &who {
            sink.push(R::DossierRescheduled, o, None, &ev_buf, act);
        }
    }
    if supplements > MAX_SUPPLEMENT_REQUESTS {
        kind_list(
            |k| matches!(k, EventKind::SupplementRequested { .. }),
            &mut ev_buf,
            &mut who,
        );
        // Who: the actors of every request but the first.
        who.clear();
        for &j in ev_buf.iter().skip(1) {
            if let Some(e) = events.get(j as usize) {
                add_once(&mut who, &e.actor);
            }
        }
        for o in &who {
            sink.push(R::DossierRepeatSupplement, o, None, &ev_buf, act);
        }
    }

    // Exceptions on findings, in rule-id order; the first that applies defeats.
    let Sink {
        mut findings,
        ev: evs,
    } = sink;
    let n_raw = findings.len();
    for k in 0..n_raw {
        let Some(f) = findings.get(k).copied() else {
            continue;
        };
        let o = f.official;
        let obstacle = || cx.obstacle();
        let returned = || cx.returned();
        let innovation = || cx.innovation(o, f.act);
        let step = f.step.unwrap_or(0);
        let event = || {
            evs.get(f.ev.0 as usize)
                .and_then(|&j| events.get(j as usize))
        };
        let mut moved_to = None;
        let by = match f.rule {
            R::NonDecision => {
                if innovation() {
                    Some(R::ExcInnovationApproved)
                } else if obstacle() {
                    Some(R::ExcObstacleCertified)
                } else if returned() {
                    Some(R::ExcReturnedOutsideCompetence)
                } else if let Some(to) = cx.superior_order(o, step) {
                    moved_to = to;
                    Some(R::ExcSuperiorOrderAfterObjection)
                } else {
                    None
                }
            }
            R::BareExtensions => {
                if innovation() {
                    Some(R::ExcInnovationApproved)
                } else if obstacle() {
                    Some(R::ExcObstacleCertified)
                } else {
                    None
                }
            }
            R::NoProposal => {
                if obstacle() {
                    Some(R::ExcObstacleCertified)
                } else if returned() {
                    Some(R::ExcReturnedOutsideCompetence)
                } else if let Some(to) = cx.superior_order(o, step) {
                    moved_to = to;
                    Some(R::ExcSuperiorOrderAfterObjection)
                } else {
                    None
                }
            }
            R::RiskAversionNoProposal | R::NoFollowUp | R::Idle => {
                if innovation() {
                    Some(R::ExcInnovationApproved)
                } else if obstacle() {
                    Some(R::ExcObstacleCertified)
                } else if returned() {
                    Some(R::ExcReturnedOutsideCompetence)
                } else {
                    None
                }
            }
            R::DossierOverdue => {
                let fd = cx.step_f(step as usize).done;
                if cx.stopped > 0 && (cx.late == 0 || (fd.is_some() && le(fd, cx.eff))) {
                    Some(R::ExcClockStopped)
                } else if obstacle() {
                    Some(R::ExcObstacleCertified)
                } else {
                    None
                }
            }
            R::DossierNoApology | R::PetitionOverdue => {
                obstacle().then_some(R::ExcObstacleCertified)
            }
            R::DeclineInCompetence | R::RiskAversionDecline => {
                if matches!(
                    event().map(|e| &e.kind),
                    Some(EventKind::Declined {
                        legal_basis: Some(_),
                        ..
                    })
                ) {
                    Some(R::ExcLegalBarCited)
                } else if returned() {
                    Some(R::ExcReturnedOutsideCompetence)
                } else {
                    None
                }
            }
            R::SidewaysPush => returned().then_some(R::ExcReturnedOutsideCompetence),
            R::UpwardPush => task
                .legal
                .superior_approval
                .is_some()
                .then_some(R::ExcSuperiorApprovalRequired),
            R::Silence => match event().map(|e| &e.kind) {
                Some(EventKind::MeetingHeld {
                    absent_with_leave,
                    recused,
                    ..
                }) if absent_with_leave.contains(o) || recused.contains(o) => {
                    Some(R::ExcAbsentOrRecused)
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(x) = by {
            if let Some(slot) = findings.get_mut(k) {
                slot.defeated_by = Some(x);
            }
            if let Some(t) = moved_to {
                findings.push(Finding {
                    official: t,
                    defeated_by: None,
                    moved: true,
                    ..f
                });
            }
        }
    }

    // Consequences of standing findings.
    let mut csq: Vec<(R, &'a OfficialId)> = Vec::new();
    let mut add = |r: R, o: &'a OfficialId| {
        if !csq.iter().any(|(x, y)| *x == r && *y == o) {
            csq.push((r, o));
        }
    };
    let discipline_until = ymd(2025, 7, 1);
    for f in findings.iter().filter(|f| f.defeated_by.is_none()) {
        let sev = f.rule.severity();
        let o = f.official;
        if f.rule == R::DossierNoApology
            && let Some(h) = org.head_of(&task.unit, end)
        {
            add(R::CsqApology, h);
        }
        if matches!(f.rule, R::NoReply | R::LateReply) {
            add(R::CsqDeemedConsent, o);
        }
        if sev >= 2 && f.act < discipline_until {
            add(R::CsqDiscipline, o);
        }
        if sev >= 1 && f.rule.grade_cap_behaviour() {
            add(R::CsqGradeCap, o);
        }
        if sev >= 1
            && let Some(h) = org.head_over(o, f.act)
            && !cx.is_head(o, f.act)
        {
            add(R::CsqHeadJoint, h);
        }
        if sev == 0 {
            add(R::CsqReminder, o);
        }
        if sev >= 1 {
            add(R::CsqSelfCriticism, o);
        }
        if sev >= 2
            || findings
                .iter()
                .filter(|g| g.defeated_by.is_none() && g.official == o)
                .count() as i64
                >= REPLACEMENT_FINDINGS
        {
            add(R::CsqTransferOrReplacement, o);
        }
    }

    Out {
        acc,
        findings,
        ev: evs,
        csq,
        facts: (received, due, cur, eff, closed, late, stopped),
    }
}

// ------------------------------------------------------------ the check

fn lines_engine(d: &Determination) -> Vec<String> {
    let f = &d.facts;
    let mut v = vec![format!(
        "facts received={} due={:?} current_due={:?} effective_due={:?} closed={:?} late_days={} stopped={}",
        f.received,
        f.due,
        f.current_due,
        f.effective_due,
        f.closed,
        f.late_days,
        f.clock_stopped_days
    )];
    for s in &d.steps {
        for a in &s.accountable {
            v.push(format!(
                "acc {} {} {} primary={} rule={} defeated_by={:?}",
                s.step,
                a.official,
                a.capacity.name(),
                a.primary,
                a.rule,
                a.defeated_by.as_ref().map(|r| r.as_str())
            ));
        }
    }
    for x in &d.findings {
        let ev: Vec<&str> = x.evidence.iter().map(|e| e.as_str()).collect();
        v.push(format!(
            "finding {} {} step={:?} ev={:?} act={} moved={} defeated_by={:?}",
            x.rule,
            x.official,
            x.step.as_ref().map(|s| s.as_str()),
            ev,
            x.act_date,
            x.moved_from.is_some(),
            x.defeated_by.as_ref().map(|r| r.as_str())
        ));
    }
    for c in &d.consequences {
        v.push(format!("csq {} {}", c.rule, c.official));
    }
    v.sort();
    v
}

fn lines_hand(case: &ValidCase, o: &Out<'_>) -> Vec<String> {
    let (received, due, cur, eff, closed, late, stopped) = o.facts;
    let mut v = vec![format!(
        "facts received={received} due={due:?} current_due={cur:?} effective_due={eff:?} closed={closed:?} late_days={late} stopped={stopped}"
    )];
    let steps = &case.task().steps;
    let step_id = |i: u32| steps.get(i as usize).map(|s| s.id.as_str());
    for a in &o.acc {
        v.push(format!(
            "acc {} {} {} primary={} rule={} defeated_by={:?}",
            step_id(a.step).unwrap_or("?"),
            a.official,
            a.cap.name(),
            a.primary,
            a.rule.id(),
            a.defeated_by.map(R::id)
        ));
    }
    for x in &o.findings {
        let ev: Vec<&str> =
            o.ev.get(x.ev.0 as usize..(x.ev.0 + x.ev.1) as usize)
                .unwrap_or(&[])
                .iter()
                .filter_map(|&j| case.events().get(j as usize).map(|e| e.id.as_str()))
                .collect();
        v.push(format!(
            "finding {} {} step={:?} ev={:?} act={} moved={} defeated_by={:?}",
            x.rule.id(),
            x.official,
            x.step.and_then(step_id),
            ev,
            x.act,
            x.moved,
            x.defeated_by.map(R::id)
        ));
    }
    for (r, o) in &o.csq {
        v.push(format!("csq {} {}", r.id(), o));
    }
    v.sort();
    v
}

/// Panics with a diff when the hand-written rules and the engine disagree.
#[allow(clippy::panic)]
fn check(policy: &Policy, cases: &[(&str, &ValidCase, NaiveDate)]) {
    // The constants are the policy's parameters.
    for (name, value) in PARAMS {
        let p = policy.params().iter().find(|p| p.name == *name);
        let v = p.and_then(|p| p.value_at(ymd(2026, 3, 31)));
        if v != Some(*value) {
            panic!("parameter `{name}`: the policy says {v:?}, the hand-written rules use {value}");
        }
    }
    let ids: Vec<&str> = policy.rules().iter().map(|r| r.id.as_str()).collect();
    if ids.len() != 55 {
        panic!(
            "the bound hand-writes 55 rules; the policy has {}",
            ids.len()
        );
    }
    let ev = Evaluator::new(policy).explain(false);
    let cal = Calendar::vietnam();
    let mut compared = 0usize;
    let mut stats = [0usize; 4];
    for (label, case, as_of) in cases {
        let Ok(d) = ev.evaluate(case, *as_of) else {
            panic!("{label}: the engine failed");
        };
        if !d.errors.is_empty() {
            panic!("{label}: rule errors {:?}", d.errors);
        }
        let a = lines_engine(&d);
        let b = lines_hand(case, &hand(case, cal, *as_of));
        if a != b {
            let mut diff = String::new();
            for l in &a {
                if !b.contains(l) {
                    diff.push_str(&format!("  - engine only: {l}\n"));
                }
            }
            for l in &b {
                if !a.contains(l) {
                    diff.push_str(&format!("  + hand only:   {l}\n"));
                }
            }
            panic!(
                "hand-written rules differ from the engine on {label} (task {}):\n{diff}",
                case.task().id
            );
        }
        compared += 1;
        stats[0] += d.steps.iter().map(|s| s.accountable.len()).sum::<usize>();
        stats[1] += d.standing().count();
        stats[2] += d.findings.len() - d.standing().count();
        stats[3] += d.consequences.len();
    }
    eprintln!(
        "bound: hand-written rules agree with the engine on {compared} tasks \
         ({} accountability entries, {} standing and {} defeated findings, {} consequences)",
        stats[0], stats[1], stats[2], stats[3]
    );
}

// ------------------------------------------------------------- the inputs

fn bench_as_of() -> NaiveDate {
    ymd(2026, 3, 31)
}

fn gen_cfg(events: usize) -> GenConfig {
    GenConfig {
        seed: 3,
        departments: 50,
        staff_per_unit: 1,
        events_per_task: events,
        avoidance_percent: 100,
    }
}

/// Generated tasks `range` with `events` events (task 2 is the one `evaluate.rs` times).
fn generated(events: usize, range: std::ops::Range<usize>) -> Vec<ValidCase> {
    generated_by(&gen_cfg(events), range)
}

/// Tasks `range` generated by `cfg`, validated.
fn generated_by(cfg: &GenConfig, range: std::ops::Range<usize>) -> Vec<ValidCase> {
    let org = organisation(cfg);
    let Ok(vorg) = ValidOrganisation::new(org.organisation.clone()) else {
        return Vec::new();
    };
    let vorg = Arc::new(vorg);
    range
        .filter_map(|n| ValidCase::new(vorg.clone(), task(cfg, &org, n)).ok())
        .collect()
}

fn bound(c: &mut Criterion) {
    let Ok(policy) = Policy::bundled() else {
        return;
    };
    let sample = accountable::sample::corpus().unwrap_or_default();
    let timed: Vec<(usize, Vec<ValidCase>)> = [10usize, 50, 200]
        .into_iter()
        .map(|n| (n, generated(n, 2..3)))
        .collect();
    // Extra generated tasks of each size, for coverage of the check (not timed).
    let extra: Vec<(usize, Vec<ValidCase>)> = [10usize, 50, 200]
        .into_iter()
        .map(|n| (n, generated(n, 0..300)))
        .collect();
    let mut inputs: Vec<(String, &ValidCase, NaiveDate)> = Vec::new();
    for k in &sample {
        inputs.push(("sample".into(), k, accountable::sample::as_of()));
    }
    for (n, v) in timed.iter().chain(&extra) {
        for k in v {
            inputs.push((format!("generated/{n} events"), k, bench_as_of()));
        }
    }
    // The clause tests and the scenario corpus exercise every rule both ways
    // (coverage of the check only; tests judged by the review date are skipped).
    let mut clause_cases: Vec<(String, ValidCase, NaiveDate)> = Vec::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["policies/tests/vn-2023", "tests/scenarios"] {
        for t in accountable::clausetest::load_dir(&root.join(dir)).unwrap_or_default() {
            if t.judge_by_review {
                continue;
            }
            let case = serde_json::from_value::<accountable::model::Case>(t.case.clone())
                .ok()
                .and_then(|c| c.validate().ok());
            if let Some(case) = case {
                clause_cases.push((format!("{} / {}", t.file, t.name), case, t.as_of));
            }
        }
    }
    for (l, k, d) in &clause_cases {
        inputs.push((l.clone(), k, *d));
    }
    let refs: Vec<(&str, &ValidCase, NaiveDate)> = inputs
        .iter()
        .map(|(l, k, d)| (l.as_str(), *k, *d))
        .collect();
    check(&policy, &refs);

    let cal = Calendar::vietnam();
    let off = Evaluator::new(&policy).explain(false);
    let on = Evaluator::new(&policy).explain(true);
    let mut g = c.benchmark_group("bound");
    for (n, v) in &timed {
        let Some(case) = v.first() else { continue };
        g.bench_with_input(BenchmarkId::new("engine_explain_off", n), case, |b, k| {
            b.iter(|| off.evaluate(black_box(k), bench_as_of()))
        });
        g.bench_with_input(BenchmarkId::new("engine_explain_on", n), case, |b, k| {
            b.iter(|| on.evaluate(black_box(k), bench_as_of()))
        });
        g.bench_with_input(BenchmarkId::new("hand_written", n), case, |b, k| {
            b.iter(|| hand(black_box(k), cal, bench_as_of()).findings.len())
        });
    }
    g.finish();
    let mut g = c.benchmark_group("bound_sample_48_tasks");
    let s_as_of = accountable::sample::as_of();
    g.bench_function("engine_explain_off", |b| {
        b.iter(|| {
            sample
                .iter()
                .map(|k| {
                    off.evaluate(k, s_as_of)
                        .map(|d| d.findings.len())
                        .unwrap_or(0)
                })
                .sum::<usize>()
        })
    });
    g.bench_function("engine_explain_on", |b| {
        b.iter(|| {
            sample
                .iter()
                .map(|k| {
                    on.evaluate(k, s_as_of)
                        .map(|d| d.findings.len())
                        .unwrap_or(0)
                })
                .sum::<usize>()
        })
    });
    g.bench_function("hand_written", |b| {
        b.iter(|| {
            sample
                .iter()
                .map(|k| hand(k, cal, s_as_of).findings.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

/// Instruction counts: `BOUND_IR=REPS` runs each form REPS times on each timed
/// input (after the check) inside the functions below, for
/// `valgrind --tool=callgrind` and `callgrind_annotate --inclusive=yes`
/// (inclusive cost of `bound::run_*::<N>` ÷ REPS = instructions per task).
/// The engine with either evaluator (explanation off or on). One function
/// serves both: the compiler folded two identical copies into one symbol
/// anyway, so `BOUND_ONLY` picks the form and callgrind counts `run_engine`.
#[inline(never)]
fn run_engine<const N: usize>(ev: &Evaluator<'_>, case: &ValidCase, reps: usize) -> usize {
    (0..reps)
        .map(|_| {
            ev.evaluate(black_box(case), bench_as_of())
                .map(|d| d.findings.len())
                .unwrap_or(0)
        })
        .sum()
}

#[inline(never)]
fn run_hand<const N: usize>(case: &ValidCase, reps: usize) -> usize {
    let cal = Calendar::vietnam();
    (0..reps)
        .map(|_| hand(black_box(case), cal, bench_as_of()).findings.len())
        .sum()
}

/// The first `n` tasks of the default generated corpus (the corpus that
/// throughput is measured on), validated.
fn default_corpus(n: usize) -> Vec<ValidCase> {
    generated_by(&GenConfig::default(), 0..n)
}

/// The engine over a mix of tasks, each once (see `ir_mode`, `mix_*`).
#[inline(never)]
fn run_mix(ev: &Evaluator<'_>, cases: &[ValidCase]) -> usize {
    cases
        .iter()
        .map(|c| {
            ev.evaluate(black_box(c), bench_as_of())
                .map(|d| d.findings.len())
                .unwrap_or(0)
        })
        .sum()
}

/// The engine over a mix of tasks, each once, each answer refilling the
/// last (`Evaluator::evaluate_into`; see `ir_mode`, `mix_into_*`).
#[inline(never)]
fn run_mix_into(ev: &Evaluator<'_>, cases: &[ValidCase]) -> usize {
    let Some(first) = cases.first() else {
        return 0;
    };
    let Ok(mut out) = ev.evaluate(first, bench_as_of()) else {
        return 0;
    };
    cases
        .iter()
        .map(|c| {
            ev.evaluate_into(black_box(c), bench_as_of(), &mut out)
                .map(|()| out.findings.len())
                .unwrap_or(0)
        })
        .sum()
}

/// The engine on one task, each answer refilling the last.
#[inline(never)]
fn run_engine_into(ev: &Evaluator<'_>, case: &ValidCase, reps: usize) -> usize {
    let Ok(mut out) = ev.evaluate(case, bench_as_of()) else {
        return 0;
    };
    (0..reps)
        .map(|_| {
            ev.evaluate_into(black_box(case), bench_as_of(), &mut out)
                .map(|()| out.findings.len())
                .unwrap_or(0)
        })
        .sum()
}

/// The hand-written rules over a mix of tasks, each once.
#[inline(never)]
fn run_mix_hand(cases: &[ValidCase]) -> usize {
    let cal = Calendar::vietnam();
    cases
        .iter()
        .map(|c| hand(black_box(c), cal, bench_as_of()).findings.len())
        .sum()
}

/// Corpus throughput in instructions: parse and validate only (the floor), or
/// parse, validate and evaluate, one thread, over `text` (a JSON Lines corpus).
#[inline(never)]
fn run_corpus<const EVALUATE: bool>(text: &str, ev: &Evaluator<'_>) -> usize {
    let Ok(mut r) = accountable::io::CorpusReader::new(text.as_bytes(), "c.jsonl") else {
        return 0;
    };
    let org = r.organisation().clone();
    let mut n = 0;
    while let Some(Ok((line, t))) = r.next_line() {
        if let Ok(case) = accountable::io::parse_task_line(&org, &t, "c.jsonl", line) {
            n += if EVALUATE {
                ev.evaluate(&case, bench_as_of())
                    .map(|d| d.findings.len())
                    .unwrap_or(0)
            } else {
                1
            };
        }
    }
    n
}

/// The bundled policy with its avoidance rules copied `k` times under new ids
/// (as `benches/evaluate.rs` grows rules).
fn policy_with_copies(k: usize) -> Option<Policy> {
    let text = accountable::policy::BUNDLED_2023;
    let (head, rest) = text.split_once("\n[[rule]]")?;
    let blocks: Vec<&str> = rest.split("\n[[rule]]").collect();
    let mut out = format!("{head}\n[[rule]]{}", blocks.join("\n[[rule]]"));
    for n in 0..k {
        for b in blocks.iter().filter(|b| b.contains("kind = \"avoidance\"")) {
            let copy = b.replacen("id = \"avoid.", &format!("id = \"copy{n}.avoid."), 1);
            out.push_str(&format!("\n[[rule]]{copy}"));
        }
    }
    Policy::from_toml_str(&out, "copies.toml").ok()
}

/// The bundled policy without the rules `spec` names (ids separated by
/// commas; `p*` names every rule whose id starts with `p`), and the ids of
/// the rules it names. A rule that an exception defeats or a consequence
/// follows cannot be removed (they would name no rule), so it is kept with
/// the condition `false` instead: it binds as before and never fires. What
/// a rule costs is then the instructions of the whole policy less those of
/// the policy without it, which takes in the exceptions and consequences
/// its findings set off (`benches/tools/rule_cost.py` prints the table).
fn policy_without(spec: &str) -> Result<(Policy, Vec<String>), String> {
    let names = |id: &str| {
        spec.split(',').any(|d| match d.strip_suffix('*') {
            Some(prefix) => id.starts_with(prefix),
            None => !d.is_empty() && id == d,
        })
    };
    let mut doc: toml::Table =
        toml::from_str(accountable::policy::BUNDLED_2023).map_err(|e| e.to_string())?;
    let Some(toml::Value::Array(rules)) = doc.get_mut("rule") else {
        return Err("no [[rule]] in the bundled policy".into());
    };
    let id_of = |r: &toml::Value| {
        r.get("id")
            .and_then(toml::Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    // Named by an exception (`defeats`) or a consequence (`on_rules`).
    let defeated: Vec<String> = rules
        .iter()
        .flat_map(|r| ["defeats", "on_rules"].map(|k| r.get(k).and_then(toml::Value::as_array)))
        .flatten()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    let named: Vec<String> = rules.iter().map(id_of).filter(|id| names(id)).collect();
    for d in spec.split(',').filter(|d| !d.is_empty()) {
        let prefix = d.strip_suffix('*');
        if !named
            .iter()
            .any(|id| prefix.map_or(id == d, |p| id.starts_with(p)))
        {
            return Err(format!("no rule of the bundled policy is `{d}`"));
        }
    }
    rules.retain(|r| {
        let id = id_of(r);
        !names(&id) || defeated.contains(&id)
    });
    for r in rules.iter_mut() {
        let id = id_of(r);
        if names(&id)
            && let Some(t) = r.as_table_mut()
        {
            t.insert("when".into(), toml::Value::String("false".into()));
        }
    }
    let text = toml::to_string(&doc).map_err(|e| e.to_string())?;
    let policy = Policy::from_toml_str(&text, "without.toml").map_err(|e| e.to_string())?;
    Ok((policy, named))
}

/// Evaluates each case once, uncounted, as `check` does before the
/// counted runs: otherwise the first evaluation's allocations, which may
/// find the allocator's free chunks still to be consolidated (about 34k
/// instructions after `policy_without`'s round trip), are counted.
fn warm_up(policy: &Policy, cases: &[ValidCase]) {
    for ev in [
        Evaluator::new(policy).explain(false),
        Evaluator::new(policy).explain(true),
    ] {
        for c in cases {
            let _ = black_box(ev.evaluate(c, bench_as_of()));
        }
    }
}

/// `policy`, or with `BOUND_WITHOUT` set, [`policy_without`] it (saying
/// which rules it leaves out; `None` when it does not load).
fn without(policy: Policy) -> Option<Policy> {
    let Ok(spec) = std::env::var("BOUND_WITHOUT") else {
        return Some(policy);
    };
    match policy_without(&spec) {
        Ok((p, named)) => {
            eprintln!("bound: without {}", named.join(", "));
            Some(p)
        }
        Err(e) => {
            eprintln!("bound: BOUND_WITHOUT={spec}: {e}");
            None
        }
    }
}

/// `BOUND_IR=REPS BOUND_ONLY=FORM/N`: FORM is `engine_off`, `engine_on`,
/// `into_off`, `into_on` (the engine refilling one answer, `evaluate_into`)
/// or `hand` on the generated task with N events, `rules` (engine, explanation
/// off, 10 events) with the avoidance rules copied N times, `corpus_floor`
/// / `corpus_full` (REPS ignored) over N tasks of the default corpus read
/// from JSON Lines, or `mix_off` / `mix_on` / `mix_into_off` /
/// `mix_into_on` / `mix_hand` (REPS ignored): the first N tasks of the
/// default corpus, validated first, each evaluated once (count `run_mix`,
/// `run_mix_into` or `run_mix_hand`, ÷ N). Generic instances
/// share a name in callgrind's output, so one form per run.
/// `BOUND_WITHOUT=RULES` runs the engine forms (other than `rules`) on
/// [`policy_without`], with no check against the hand-written rules; each
/// case is evaluated once first, uncounted ([`warm_up`]), as for `rules`.
fn ir_mode(reps: usize) {
    let only = std::env::var("BOUND_ONLY").unwrap_or_else(|_| "engine_off/10".into());
    let (form, n) = only.split_once('/').unwrap_or(("engine_off", "10"));
    let n: usize = n.parse().unwrap_or(10);
    // `corpus_floor/N`, `corpus_full/N`: N tasks of the default generated corpus
    // (as `benches/evaluate.rs` measures throughput), run once.
    if form.starts_with("corpus") {
        let mut buf = Vec::new();
        let Ok(policy) = Policy::bundled() else {
            return;
        };
        if accountable::generate::write_jsonl(&GenConfig::default(), n, &mut buf).is_err() {
            return;
        }
        let text = String::from_utf8(buf).unwrap_or_default();
        let ev = Evaluator::new(&policy).explain(false);
        let k = if form == "corpus_full" {
            run_corpus::<true>(&text, &ev)
        } else {
            run_corpus::<false>(&text, &ev)
        };
        eprintln!("bound: {only}: {k}");
        return;
    }
    // `mix_off/N`, `mix_on/N`, `mix_hand/N`: the first N tasks of the
    // default generated corpus, validated beforehand and each evaluated once,
    // so that the count is the evaluation alone over a mix of tasks.
    if form.starts_with("mix") {
        let Ok(policy) = Policy::bundled() else {
            return;
        };
        let cases = default_corpus(n);
        let Some(policy) = without(policy) else {
            return;
        };
        if std::env::var_os("BOUND_WITHOUT").is_none() {
            let labelled: Vec<(&str, &ValidCase, NaiveDate)> = cases
                .iter()
                .map(|c| ("default corpus", c, bench_as_of()))
                .collect();
            check(&policy, &labelled);
        } else {
            warm_up(&policy, &cases);
        }
        let found = match form {
            "mix_hand" => run_mix_hand(&cases),
            "mix_on" => run_mix(&Evaluator::new(&policy).explain(true), &cases),
            "mix_into_off" => run_mix_into(&Evaluator::new(&policy).explain(false), &cases),
            "mix_into_on" => run_mix_into(&Evaluator::new(&policy).explain(true), &cases),
            _ => run_mix(&Evaluator::new(&policy).explain(false), &cases),
        };
        eprintln!(
            "bound: {only}: {} tasks, {found} findings in all",
            cases.len()
        );
        return;
    }
    let events = if form == "rules" { 10 } else { n };
    let Some(case) = generated(events, 2..3).into_iter().next() else {
        return;
    };
    let Some(policy) = (if form == "rules" {
        policy_with_copies(n)
    } else {
        Policy::bundled().ok().and_then(without)
    }) else {
        return;
    };
    if form != "rules" && std::env::var_os("BOUND_WITHOUT").is_none() {
        check(&policy, &[("generated", &case, bench_as_of())]);
    } else {
        warm_up(&policy, std::slice::from_ref(&case));
    }
    let off = Evaluator::new(&policy).explain(false);
    let on = Evaluator::new(&policy).explain(true);
    let found = match form {
        "engine_on" => run_engine::<0>(&on, &case, reps),
        "into_off" => run_engine_into(&off, &case, reps),
        "into_on" => run_engine_into(&on, &case, reps),
        "hand" => run_hand::<0>(&case, reps),
        _ => run_engine::<0>(&off, &case, reps),
    };
    eprintln!(
        "bound: {only}: ran {reps} times, {} rules, {} events, {found} findings in all",
        policy.rules().len(),
        case.events().len()
    );
}

/// `BOUND_RR=ROUNDS`: wall-clock ratios that hold up on a shared machine.
/// Criterion times each form in its own stretch of minutes, so a change in
/// the machine's load between stretches moves the ratio; here the three
/// forms take turns within each round (in a rotating order), each timed over
/// a batch of about 2 ms, and the ratio is computed per round. The report is
/// the median per-task time of each form and the median (and 10th–90th
/// percentile) of the per-round ratios.
///
/// `BOUND_CHASE=LINES` adds to every form, after each call, a walk of
/// [`Chase::STEPS`] dependent loads over LINES cache lines of its own
/// (see [`Chase`]): the same added instructions for each form, and LINES ×
/// 64 bytes more data that each call touches in turn. A form whose own data
/// leaves that much of the level-1 data cache free pays the walk's hits; a
/// form already at the cache's capacity pays misses, and its time shows how
/// close to that capacity it runs (`BENCHMARKS.md`, "Why two targets are
/// missed"). Without it (or with 0) the forms are timed as they are.
///
/// `BOUND_WITHOUT=RULES` (as for `BOUND_IR`, see [`policy_without`]) runs
/// the engine forms, and the throughput's, on the policy without those
/// rules, unchecked: the time of a rule or a group of rules (`csq.*`,
/// `exc.*`) is the engine's with them less its time without them, each
/// against the same hand-written rules in its own run.
fn rr_mode(rounds: usize) {
    let Ok(policy) = Policy::bundled() else {
        return;
    };
    // `BOUND_WITHOUT`: the engine without some rules, which the hand-written
    // rules keep, so the forms are not checked against each other.
    let checked = std::env::var_os("BOUND_WITHOUT").is_none();
    let Some(policy) = without(policy) else {
        return;
    };
    let chase = std::env::var("BOUND_CHASE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    if chase > 0 {
        println!(
            "(each form walks {} dependent loads over {chase} lines, {} KiB, after each call)",
            Chase::STEPS,
            chase * 64 / 1024
        );
    }
    let off = Evaluator::new(&policy).explain(false);
    let on = Evaluator::new(&policy).explain(true);
    let cal = Calendar::vietnam();
    println!(
        "| task | explanation off | explanation on | hand-written | off ÷ hand (p10–p90) | on ÷ hand (p10–p90) | off, refilled | refilled ÷ hand (p10–p90) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for n in [10usize, 50, 200] {
        let Some(case) = generated(n, 2..3).into_iter().next() else {
            continue;
        };
        if checked {
            check(&policy, &[("generated", &case, bench_as_of())]);
        }
        // Each form's walk (`BOUND_CHASE`), its own, so that no form's
        // lines are warmed by another's.
        let walks = [
            Chase::new(chase),
            Chase::new(chase),
            Chase::new(chase),
            Chase::new(chase),
        ];
        let [w_off, w_on, w_hand, w_into] = &walks;
        // The answer `evaluate_into` refills, made once.
        let refilled = std::cell::RefCell::new(off.evaluate(&case, bench_as_of()).ok());
        let forms: [&dyn Fn() -> usize; 4] = [
            &|| {
                off.evaluate(black_box(&case), bench_as_of())
                    .map(|d| d.findings.len())
                    .unwrap_or(0)
                    + w_off.walk()
            },
            &|| {
                on.evaluate(black_box(&case), bench_as_of())
                    .map(|d| d.findings.len())
                    .unwrap_or(0)
                    + w_on.walk()
            },
            &|| hand(black_box(&case), cal, bench_as_of()).findings.len() + w_hand.walk(),
            &|| {
                let mut out = refilled.borrow_mut();
                let found = match out.as_mut() {
                    Some(d) => off
                        .evaluate_into(black_box(&case), bench_as_of(), d)
                        .map(|()| d.findings.len())
                        .unwrap_or(0),
                    None => 0,
                };
                found + w_into.walk()
            },
        ];
        // Batch sizes: about 2 ms per batch, found by a first timing.
        let reps: Vec<usize> = forms
            .iter()
            .map(|f| {
                let t = std::time::Instant::now();
                let mut k = 0usize;
                while t.elapsed() < std::time::Duration::from_millis(20) {
                    black_box(f());
                    k += 1;
                }
                (k / 10).max(1)
            })
            .collect();
        let mut times: [Vec<f64>; 4] = Default::default();
        for r in 0..rounds {
            for j in 0..4 {
                let i = (r + j) % 4;
                let (Some(f), Some(k)) = (forms.get(i), reps.get(i)) else {
                    continue;
                };
                let t = std::time::Instant::now();
                for _ in 0..*k {
                    black_box(f());
                }
                if let Some(v) = times.get_mut(i) {
                    v.push(t.elapsed().as_secs_f64() * 1e6 / *k as f64);
                }
            }
        }
        let [t_off, t_on, t_hand, t_into] = &times;
        let ratio = |a: &[f64]| -> Vec<f64> { a.iter().zip(t_hand).map(|(x, h)| x / h).collect() };
        let q = quantile;
        let (r_off, r_on, r_into) = (ratio(t_off), ratio(t_on), ratio(t_into));
        println!(
            "| {n} events | {:.2} µs | {:.2} µs | {:.3} µs | **{:.1}×** ({:.1}–{:.1}) | **{:.1}×** ({:.1}–{:.1}) | {:.2} µs | {:.1}× ({:.1}–{:.1}) |",
            q(t_off, 0.5),
            q(t_on, 0.5),
            q(t_hand, 0.5),
            q(&r_off, 0.5),
            q(&r_off, 0.1),
            q(&r_off, 0.9),
            q(&r_on, 0.5),
            q(&r_on, 0.1),
            q(&r_on, 0.9),
            q(t_into, 0.5),
            q(&r_into, 0.5),
            q(&r_into, 0.1),
            q(&r_into, 0.9),
        );
    }
    rr_throughput(&off, rounds);
}

/// A random cycle through `lines` cache lines, walked [`Chase::STEPS`]
/// steps at a time (`BOUND_CHASE`): each line holds the index of the next,
/// so every load waits for the one before and none can be overlapped or
/// prefetched, and each walk goes on where the last stopped, so that the
/// calls of a batch touch every line. A walk over no lines does nothing.
struct Chase {
    next: Vec<u32>,
    at: std::cell::Cell<u32>,
}

impl Chase {
    /// Loads per walk.
    const STEPS: usize = 256;
    /// `u32`s per 64-byte line: only the first of each is read.
    const STRIDE: usize = 16;

    fn new(lines: usize) -> Chase {
        // A fixed shuffle (Fisher–Yates with a linear congruential generator),
        // so that runs compare.
        let mut order: Vec<usize> = (0..lines).collect();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for i in (1..lines).rev() {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            order.swap(i, (x >> 33) as usize % (i + 1));
        }
        let mut next = vec![0u32; lines * Self::STRIDE];
        for (w, &line) in order.iter().enumerate() {
            let to = order.get((w + 1) % lines).copied().unwrap_or(0);
            if let Some(slot) = next.get_mut(line * Self::STRIDE) {
                *slot = (to * Self::STRIDE) as u32;
            }
        }
        Chase {
            next,
            at: std::cell::Cell::new(0),
        }
    }

    /// Walks on; returns where it stopped (0 for no lines), for the form's
    /// result, so that the walk is not optimised away.
    #[inline]
    fn walk(&self) -> usize {
        if self.next.is_empty() {
            return 0;
        }
        let mut at = self.at.get();
        for _ in 0..Self::STEPS {
            at = self.next.get(at as usize).copied().unwrap_or(0);
        }
        self.at.set(at);
        at as usize
    }
}

/// The `p` quantile of `v` (nearest rank; NaN when `v` is empty).
fn quantile(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(((v.len().saturating_sub(1)) as f64 * p).round() as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

/// Corpus throughput with the forms in turns: the 100,000 tasks of the
/// default generated corpus, in chunks of 1,000 read in turn; in each round
/// one chunk is parsed and validated (the floor), and parsed, validated and
/// evaluated with explanation off, in alternating order, on one thread.
/// The share is the floor's time ÷ the full time per round (≥ 60 % is the
/// target). The header (the organisation) is read once, outside the timing.
fn rr_throughput(ev: &Evaluator<'_>, rounds: usize) {
    const TASKS: usize = 100_000;
    const CHUNK: usize = 1_000;
    let mut buf = Vec::new();
    if accountable::generate::write_jsonl(&GenConfig::default(), TASKS, &mut buf).is_err() {
        return;
    }
    let Ok(mut r) = accountable::io::CorpusReader::new(buf.as_slice(), "c.jsonl") else {
        return;
    };
    let org = r.organisation().clone();
    let mut lines: Vec<(usize, String)> = Vec::with_capacity(TASKS);
    while let Some(Ok(l)) = r.next_line() {
        lines.push(l);
    }
    let chunks: Vec<&[(usize, String)]> = lines.chunks(CHUNK).collect();
    let run = |chunk: &[(usize, String)], evaluate: bool| -> (f64, usize) {
        let t = std::time::Instant::now();
        let mut n = 0usize;
        for (line, text) in chunk {
            if let Ok(case) = accountable::io::parse_task_line(&org, text, "c.jsonl", *line) {
                n += if evaluate {
                    ev.evaluate(black_box(&case), bench_as_of())
                        .map(|d| d.findings.len())
                        .unwrap_or(0)
                } else {
                    1
                };
            }
        }
        (t.elapsed().as_secs_f64(), n)
    };
    let (mut floor, mut full, mut share) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..rounds.max(chunks.len()) {
        let Some(chunk) = chunks.get(r % chunks.len().max(1)) else {
            continue;
        };
        let ((a, _), (b, _)) = if r % 2 == 0 {
            let a = run(chunk, false);
            (a, run(chunk, true))
        } else {
            let b = run(chunk, true);
            (run(chunk, false), b)
        };
        floor.push(chunk.len() as f64 / a);
        full.push(chunk.len() as f64 / b);
        share.push(a / b);
    }
    let q = quantile;
    println!();
    println!(
        "| corpus ({TASKS} tasks, {} rounds of {CHUNK}) | parse and validate (floor) | with evaluation, one thread | share of the floor (p10–p90) |",
        floor.len()
    );
    println!("|---|---:|---:|---:|");
    println!(
        "| default generated | {:.1}k tasks/s | {:.1}k tasks/s | **{:.0} %** ({:.0}–{:.0} %) |",
        q(&floor, 0.5) / 1e3,
        q(&full, 0.5) / 1e3,
        q(&share, 0.5) * 100.0,
        q(&share, 0.1) * 100.0,
        q(&share, 0.9) * 100.0,
    );
}

criterion_group!(benches, bound);

fn main() {
    if let Some(rounds) = std::env::var("BOUND_RR")
        .ok()
        .and_then(|r| r.parse::<usize>().ok())
    {
        rr_mode(rounds);
        return;
    }
    if let Some(reps) = std::env::var("BOUND_IR")
        .ok()
        .and_then(|r| r.parse::<usize>().ok())
    {
        ir_mode(reps);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
