//! Facts derived once per case: dates, deadlines, clock stops, indexes of
//! events by step and kind. Rules read these; nothing is recomputed per rule.

use chrono::NaiveDate;
use serde::Serialize;

use super::EvalError;
use crate::calendar::Calendar;
use crate::model::{Deadline, EventGroups, EventKind, StepKind, ValidCase};
use crate::time::vn_date;

/// Dates and counts derived from a task's events as of the review date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskFacts {
    /// The date received (UTC+07:00).
    pub received: NaiveDate,
    /// The original deadline, if any.
    pub due: Option<NaiveDate>,
    /// The deadline after extensions and apologies with a new return date.
    pub current_due: Option<NaiveDate>,
    /// The current deadline pushed back by the working days the clock was stopped.
    pub effective_due: Option<NaiveDate>,
    /// The date the task was completed, if it was by the review date.
    pub closed: Option<NaiveDate>,
    /// Working days past the effective deadline, at closing or on the review date.
    pub late_days: i64,
    /// Working days the clock was stopped (dossier awaiting the citizen's supplement).
    pub clock_stopped_days: i64,
    /// Deadline extensions recorded.
    pub extensions: i64,
    /// Apologies with a new return date recorded.
    pub apologies: i64,
    /// Events dated after the review date, left out of the judgement (counted, never dropped silently).
    pub events_after_as_of: usize,
}

pub(crate) struct Facts<'a> {
    pub case: &'a ValidCase,
    pub cal: &'a Calendar,
    /// Events considered: those on or before the review date.
    pub n_events: usize,
    /// The considered events' dates in Vietnam: the validated case's, cut
    /// to the events considered (see `ValidCase::event_dates`).
    pub event_dates: &'a [NaiveDate],
    /// Every event's index grouped by step, each group in event order: the
    /// validated case's (see `ValidCase::events_by_step`); `of_step` cuts a
    /// group to the events considered.
    pub by_step: &'a EventGroups,
    /// Each considered event's step, as its position in the task: the
    /// validated case's index (see `ValidCase::event_step`), cut to the
    /// events considered.
    pub event_step: &'a [Option<u32>],
    /// Every event's index grouped by kind (in [`EventKind::NAMES`] order),
    /// each group in event order: the validated case's (see
    /// `ValidCase::events_by_kind`); `of_kind` cuts a group to the events
    /// considered.
    pub by_kind: &'a EventGroups,
    pub step_started: Vec<Option<NaiveDate>>,
    pub step_completed: Vec<Option<NaiveDate>>,
    /// When each step's work was done (see `step.done`).
    pub step_done: Vec<Option<NaiveDate>>,
    pub stops: Vec<(NaiveDate, NaiveDate)>,
    pub task: TaskFacts,
    /// The closing date, or the review date while open.
    pub end: NaiveDate,
    pub as_of: NaiveDate,
}

/// The kind positions in [`EventKind::NAMES`] that the facts read (a test
/// checks them against the names).
mod kind {
    pub(super) const PROPOSAL_SUBMITTED: usize = 8;
    pub(super) const DECISION_ISSUED: usize = 9;
    pub(super) const DEADLINE_EXTENDED: usize = 11;
    pub(super) const APOLOGY_ISSUED: usize = 12;
    pub(super) const SUPPLEMENT_REQUESTED: usize = 22;
    pub(super) const SUPPLEMENT_RECEIVED: usize = 23;
    pub(super) const COMPLETED: usize = 24;
}

/// What the fold over a case's events gives besides the per-step dates.
#[derive(Debug, PartialEq, Eq)]
struct EventFold {
    /// The last completion of no step.
    closed: Option<NaiveDate>,
    /// The new date of the last extension or apology with a new return date.
    current_due_override: Option<NaiveDate>,
    extensions: i64,
    apologies: i64,
    /// A clock stop not yet ended by a supplement received.
    open_stop: Option<NaiveDate>,
}

/// Folds the first `n` events of `case` into the per-step dates (each
/// vector cleared to one `None` per step beforehand) and the clock stops
/// (cleared beforehand): a step starts with its first event, is completed
/// by its last `completed`, and is done with its first completion, its
/// first recommending proposal (an advising step) or its first decision in
/// full (a deciding step).
///
/// The fold reads only the groups of the kinds and steps it needs (the
/// validated case's indexes, cut to the first `n` events), not every event:
/// most of a task's events are of other kinds. Events are in time order,
/// so the first of a group is the earliest and its dates are in order.
fn fold_events(
    case: &ValidCase,
    n: usize,
    dates: &[NaiveDate],
    step_started: &mut [Option<NaiveDate>],
    step_completed: &mut [Option<NaiveDate>],
    step_done: &mut [Option<NaiveDate>],
    stops: &mut Vec<(NaiveDate, NaiveDate)>,
) -> EventFold {
    let all = case.events();
    let steps = &case.task().steps;
    let cut = n < all.len();
    let by_step = case.events_by_step();
    let by_kind = case.events_by_kind();
    // A kind the task has no event of has an empty group: not looked up.
    let present = case.event_kinds();
    let group = |k: usize| {
        if present & (1 << k) == 0 {
            return &[][..];
        }
        considered(by_kind.group(k), n, cut)
    };
    let date = |i: u32| dates.get(i as usize).copied();
    let step_of = |i: u32| case.event_steps().get(i as usize).copied().flatten();
    for (s, slot) in step_started.iter_mut().enumerate() {
        *slot = considered(by_step.group(s), n, cut)
            .first()
            .and_then(|&i| date(i));
    }
    // The earliest of a step's completions, recommending proposals and decisions in full.
    let mut done = |s: u32, d: NaiveDate| {
        if let Some(slot) = step_done.get_mut(s as usize) {
            *slot = Some(slot.map_or(d, |x| x.min(d)));
        }
    };
    let mut closed = None;
    for &i in group(kind::COMPLETED) {
        let Some(d) = date(i) else { continue };
        match step_of(i) {
            Some(s) => {
                if let Some(slot) = step_completed.get_mut(s as usize) {
                    *slot = Some(d);
                }
                done(s, d);
            }
            None => closed = Some(d),
        }
    }
    // A recommending proposal does an advising step; a decision in full, a deciding one.
    for &i in group(kind::PROPOSAL_SUBMITTED) {
        if let Some(EventKind::ProposalSubmitted {
            recommendation: true,
        }) = all.get(i as usize).map(|e| &e.kind)
            && let (Some(s), Some(d)) = (step_of(i), date(i))
            && steps
                .get(s as usize)
                .is_some_and(|x| x.kind == StepKind::Advise)
        {
            done(s, d);
        }
    }
    for &i in group(kind::DECISION_ISSUED) {
        if let Some(EventKind::DecisionIssued {
            in_principle_only: false,
        }) = all.get(i as usize).map(|e| &e.kind)
            && let (Some(s), Some(d)) = (step_of(i), date(i))
            && steps
                .get(s as usize)
                .is_some_and(|x| x.kind == StepKind::Decide)
        {
            done(s, d);
        }
    }
    // The current deadline is the new date of the later of the last
    // extension and the last apology.
    let (ext, apo) = (group(kind::DEADLINE_EXTENDED), group(kind::APOLOGY_ISSUED));
    let last = match (ext.last(), apo.last()) {
        (Some(&a), Some(&b)) => Some(a.max(b)),
        (a, b) => a.or(b).copied(),
    };
    let current_due_override = last.and_then(|i| match all.get(i as usize).map(|e| &e.kind) {
        Some(EventKind::DeadlineExtended { new_deadline, .. }) => Some(*new_deadline),
        Some(EventKind::ApologyIssued { new_return_date }) => Some(*new_return_date),
        _ => None,
    });
    // Clock stops: a request opens one (unless one is open), a supplement
    // received closes it; the two groups merged in event order.
    let (req, rec) = (
        group(kind::SUPPLEMENT_REQUESTED),
        group(kind::SUPPLEMENT_RECEIVED),
    );
    let (mut a, mut b) = (req.iter().peekable(), rec.iter().peekable());
    let mut open_stop: Option<NaiveDate> = None;
    loop {
        let (i, opens) = match (a.peek(), b.peek()) {
            (Some(&&x), Some(&&y)) if x < y => (x, true),
            (_, Some(&&y)) => (y, false),
            (Some(&&x), None) => (x, true),
            (None, None) => break,
        };
        if opens {
            a.next();
        } else {
            b.next();
        }
        let Some(d) = date(i) else { continue };
        if opens {
            open_stop.get_or_insert(d);
        } else if let Some(start) = open_stop.take() {
            stops.push((start, d));
        }
    }
    EventFold {
        closed,
        current_due_override,
        extensions: ext.len() as i64,
        apologies: apo.len() as i64,
        open_stop,
    }
}

/// The events of `group` (indexes of a case's events, in event order)
/// among its first `n`; when `cut` is false every event is among them and
/// the group is returned whole, without a search.
#[inline]
fn considered(group: &[u32], n: usize, cut: bool) -> &[u32] {
    if !cut {
        return group;
    }
    let k = group.partition_point(|&i| (i as usize) < n);
    group.get(..k).unwrap_or(group)
}

/// Storage for the per-case vectors of [`Facts`], kept between evaluations
/// so that a case costs no allocation once the buffers have grown to size.
#[derive(Default)]
pub(crate) struct Buffers {
    step_started: Vec<Option<NaiveDate>>,
    step_completed: Vec<Option<NaiveDate>>,
    step_done: Vec<Option<NaiveDate>>,
    stops: Vec<(NaiveDate, NaiveDate)>,
}

impl<'a> Facts<'a> {
    pub(crate) fn new(
        case: &'a ValidCase,
        cal: &'a Calendar,
        as_of: NaiveDate,
        bufs: Buffers,
    ) -> Result<Self, EvalError> {
        let Buffers {
            mut step_started,
            mut step_completed,
            mut step_done,
            mut stops,
        } = bufs;
        let task = case.task();
        let all = case.events();
        // Events are in time order (validated): those after the review date are left out.
        let n_events = case.events_until(as_of);
        let event_dates = case.event_dates().get(..n_events).unwrap_or(&[]);
        let n_steps = task.steps.len();
        let event_step = case.event_steps().get(..n_events).unwrap_or(&[]);
        for v in [&mut step_started, &mut step_completed, &mut step_done] {
            v.clear();
            v.resize(n_steps, None);
        }
        stops.clear();
        let EventFold {
            mut closed,
            current_due_override,
            extensions,
            apologies,
            open_stop,
        } = fold_events(
            case,
            n_events,
            event_dates,
            &mut step_started,
            &mut step_completed,
            &mut step_done,
            &mut stops,
        );
        // A task whose every step is completed is closed on the last completion.
        if closed.is_none() && n_steps > 0 && step_completed.iter().all(Option::is_some) {
            closed = step_completed.iter().flatten().max().copied();
        }
        let end = closed.unwrap_or(as_of);
        if let Some(start) = open_stop {
            stops.push((start, end.max(start)));
        }
        let received = vn_date(&task.received);
        let ctx = |what: &'static str| {
            move |source| EvalError::Calendar {
                task: task.id.to_string(),
                what: what.to_string(),
                source,
            }
        };
        let due = match task.deadline {
            None => None,
            Some(Deadline::Date(d)) => Some(d),
            Some(Deadline::WorkingDays(n)) => Some(
                cal.add_working_days(received, n)
                    .map_err(ctx("task.deadline"))?,
            ),
        };
        let current_due = current_due_override.or(due);
        let mut clock_stopped_days = 0;
        for (a, b) in &stops {
            clock_stopped_days += cal
                .working_days_between(*a, *b)
                .map_err(ctx("clock stop"))?;
        }
        let effective_due = match current_due {
            Some(d) => Some(
                cal.add_working_days(
                    d,
                    u32::try_from(clock_stopped_days.max(0)).unwrap_or(u32::MAX),
                )
                .map_err(ctx("effective deadline"))?,
            ),
            None => None,
        };
        let late_days = match effective_due {
            Some(d) if end > d => cal.working_days_between(d, end).map_err(ctx("lateness"))?,
            _ => 0,
        };
        Ok(Facts {
            case,
            cal,
            n_events,
            event_dates,
            by_step: case.events_by_step(),
            event_step,
            by_kind: case.events_by_kind(),
            step_started,
            step_completed,
            step_done,
            stops,
            end,
            as_of,
            task: TaskFacts {
                received,
                due,
                current_due,
                effective_due,
                closed,
                late_days,
                clock_stopped_days,
                extensions,
                apologies,
                events_after_as_of: all.len() - n_events,
            },
        })
    }

    /// Gives back the vectors' storage for the next case.
    pub(crate) fn into_buffers(self) -> Buffers {
        Buffers {
            step_started: self.step_started,
            step_completed: self.step_completed,
            step_done: self.step_done,
            stops: self.stops,
        }
    }

    /// The events considered of step `s`, in event order.
    pub(crate) fn of_step(&self, s: usize) -> &'a [u32] {
        self.considered(self.by_step.group(s))
    }

    /// The events considered of a group of all the case's events (a group
    /// is in event order, so those considered come first).
    #[inline]
    fn considered(&self, group: &'a [u32]) -> &'a [u32] {
        considered(group, self.n_events, self.task.events_after_as_of > 0)
    }

    /// The step of considered event `e`, as its position in the task (none
    /// for an event of no step, or past the events considered).
    #[inline]
    pub(crate) fn step_of_event(&self, e: u32) -> Option<u32> {
        self.event_step.get(e as usize).copied().flatten()
    }

    /// The events considered of kind `k` (an index into
    /// [`EventKind::NAMES`]), in event order.
    pub(crate) fn of_kind(&self, k: usize) -> &'a [u32] {
        self.considered(self.by_kind.group(k))
    }

    /// The act date of a step: its completion, else the task's end, never after the review date.
    pub(crate) fn step_date(&self, i: usize) -> NaiveDate {
        self.step_completed
            .get(i)
            .copied()
            .flatten()
            .unwrap_or(self.end)
            .min(self.as_of)
    }

    /// Working days of clock stop inside `(a, b]`.
    pub(crate) fn stopped_within(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        self.stops
            .iter()
            .map(|(s, e)| {
                let (lo, hi) = ((*s).max(a), (*e).min(b));
                if hi > lo {
                    self.cal.working_days_between(lo, hi).unwrap_or(0)
                } else {
                    0
                }
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EventKind;

    /// The fold as it was first written, one walk over every event: the
    /// reference `fold_events` must agree with.
    #[allow(clippy::type_complexity)]
    fn fold_every_event(
        case: &ValidCase,
        n: usize,
    ) -> (
        Vec<Option<NaiveDate>>,
        Vec<Option<NaiveDate>>,
        Vec<Option<NaiveDate>>,
        Vec<(NaiveDate, NaiveDate)>,
        EventFold,
    ) {
        let task = case.task();
        let n_steps = task.steps.len();
        let (mut step_started, mut step_completed, mut step_done) = (
            vec![None; n_steps],
            vec![None; n_steps],
            vec![None; n_steps],
        );
        let mut stops = Vec::new();
        let events = &case.events()[..n];
        let event_dates = &case.event_dates()[..n];
        let event_step = &case.event_steps()[..n];
        let mut closed = None;
        let mut current_due_override: Option<NaiveDate> = None;
        let (mut extensions, mut apologies) = (0, 0);
        let mut open_stop: Option<NaiveDate> = None;
        for ((e, date), si) in events.iter().zip(event_dates).zip(event_step) {
            let si = si.map(|s| s as usize);
            if let Some(slot) = si.and_then(|s| step_started.get_mut(s)) {
                slot.get_or_insert(*date);
            }
            if let Some(s) = si {
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
                if done_here && let Some(slot) = step_done.get_mut(s) {
                    slot.get_or_insert(*date);
                }
            }
            match &e.kind {
                EventKind::Completed => match si {
                    Some(s) => step_completed[s] = Some(*date),
                    None => closed = Some(*date),
                },
                EventKind::DeadlineExtended { new_deadline, .. } => {
                    extensions += 1;
                    current_due_override = Some(*new_deadline);
                }
                EventKind::ApologyIssued { new_return_date } => {
                    apologies += 1;
                    current_due_override = Some(*new_return_date);
                }
                EventKind::SupplementRequested { .. } if open_stop.is_none() => {
                    open_stop = Some(*date);
                }
                EventKind::SupplementReceived => {
                    if let Some(start) = open_stop.take() {
                        stops.push((start, *date));
                    }
                }
                _ => {}
            }
        }
        let fold = EventFold {
            closed,
            current_due_override,
            extensions,
            apologies,
            open_stop,
        };
        (step_started, step_completed, step_done, stops, fold)
    }

    #[test]
    fn the_fold_by_groups_agrees_with_a_walk_over_every_event() {
        use crate::generate::{GenConfig, organisation, task};
        let mut cases = crate::sample::corpus().unwrap();
        for events in [10, 50, 200] {
            let cfg = GenConfig {
                events_per_task: events,
                ..GenConfig::default()
            };
            let org = organisation(&cfg);
            let vorg = std::sync::Arc::new(
                crate::model::ValidOrganisation::new(org.organisation.clone()).unwrap(),
            );
            cases.extend(
                (0..40).map(|n| ValidCase::new(vorg.clone(), task(&cfg, &org, n)).unwrap()),
            );
            // The same tasks with, after their own events, one day apart:
            // each kind the fold reads twice, at a step and (completions)
            // at none; an extension and an apology in either order; two
            // requests for a supplement before one is received. So a step
            // is done, completed and the task closed more than once, the
            // current deadline comes from the later of the two kinds, and
            // a request arrives while a stop is open.
            for n in 0..40 {
                let mut rec = task(&cfg, &org, n);
                let Some(last) = rec.events.last().cloned() else {
                    continue;
                };
                let d = |k: i64| last.at + chrono::Duration::days(k);
                let date = |k: i64| d(k).date_naive();
                let steps: Vec<_> = rec.task.steps.iter().map(|s| s.id.clone()).collect();
                let mut add = |k: i64, step: Option<usize>, kind: EventKind| {
                    rec.events.push(crate::model::Event {
                        id: format!("extra{k}").parse().unwrap(),
                        at: d(k),
                        actor: last.actor.clone(),
                        step: step.and_then(|i| steps.get(i).cloned()),
                        document: None,
                        kind,
                    });
                };
                let (first_kind, second_kind) = if n % 2 == 0 {
                    (
                        EventKind::DeadlineExtended {
                            new_deadline: date(30),
                            reason: "x".into(),
                        },
                        EventKind::ApologyIssued {
                            new_return_date: date(40),
                        },
                    )
                } else {
                    (
                        EventKind::ApologyIssued {
                            new_return_date: date(40),
                        },
                        EventKind::DeadlineExtended {
                            new_deadline: date(30),
                            reason: "x".into(),
                        },
                    )
                };
                let mut k = 1;
                for s in 0..steps.len() {
                    for _ in 0..2 {
                        add(
                            k,
                            Some(s),
                            EventKind::ProposalSubmitted {
                                recommendation: true,
                            },
                        );
                        add(
                            k + 1,
                            Some(s),
                            EventKind::DecisionIssued {
                                in_principle_only: false,
                            },
                        );
                        add(k + 2, Some(s), EventKind::Completed);
                        k += 3;
                    }
                }
                add(k, None, EventKind::Completed);
                add(k + 1, None, EventKind::Completed);
                add(k + 2, None, first_kind);
                add(k + 3, None, second_kind);
                add(
                    k + 4,
                    None,
                    EventKind::SupplementRequested { documents: vec![] },
                );
                add(
                    k + 5,
                    None,
                    EventKind::SupplementRequested { documents: vec![] },
                );
                add(k + 6, None, EventKind::SupplementReceived);
                cases.push(ValidCase::new(vorg.clone(), rec).unwrap());
            }
        }
        let mut compared = 0;
        let mut kinds_seen = std::collections::BTreeSet::new();
        for case in &cases {
            let n_all = case.events().len();
            let n_steps = case.task().steps.len();
            for n in 0..=n_all {
                let (mut started, mut completed, mut done) = (
                    vec![None; n_steps],
                    vec![None; n_steps],
                    vec![None; n_steps],
                );
                // Stale contents, which the fold must not read.
                let mut stops = Vec::new();
                let dates = &case.event_dates()[..n];
                let fold = fold_events(
                    case,
                    n,
                    dates,
                    &mut started,
                    &mut completed,
                    &mut done,
                    &mut stops,
                );
                let want = fold_every_event(case, n);
                assert_eq!(
                    (started, completed, done, stops, fold),
                    want,
                    "task {} with its first {n} events",
                    case.task().id
                );
                compared += 1;
            }
            kinds_seen.extend(case.events().iter().map(|e| e.kind.index()));
        }
        assert!(compared > 5_000, "{compared} folds compared");
        for k in [
            kind::PROPOSAL_SUBMITTED,
            kind::DECISION_ISSUED,
            kind::DEADLINE_EXTENDED,
            kind::APOLOGY_ISSUED,
            kind::SUPPLEMENT_REQUESTED,
            kind::SUPPLEMENT_RECEIVED,
            kind::COMPLETED,
        ] {
            assert!(
                kinds_seen.contains(&k),
                "no event of kind {k} among the cases"
            );
        }
    }

    #[test]
    fn the_kinds_the_fold_reads_are_named_as_their_positions_say() {
        for (k, name) in [
            (kind::PROPOSAL_SUBMITTED, "proposal_submitted"),
            (kind::DECISION_ISSUED, "decision_issued"),
            (kind::DEADLINE_EXTENDED, "deadline_extended"),
            (kind::APOLOGY_ISSUED, "apology_issued"),
            (kind::SUPPLEMENT_REQUESTED, "supplement_requested"),
            (kind::SUPPLEMENT_RECEIVED, "supplement_received"),
            (kind::COMPLETED, "completed"),
        ] {
            assert_eq!(EventKind::index_of(name), Some(k), "{name}");
        }
    }

    #[test]
    fn groups_hold_only_the_events_considered() -> Result<(), String> {
        let cal = Calendar::vietnam();
        let cases = crate::sample::corpus().map_err(|e| e.to_string())?;
        let mut cut = 0;
        for case in &cases {
            let dates = case.event_dates();
            // The day before the first event, then each event's date.
            let mut days: Vec<NaiveDate> = dates.to_vec();
            days.extend(dates.first().and_then(|d| d.pred_opt()));
            days.dedup();
            for as_of in days {
                let Ok(f) = Facts::new(case, cal, as_of, Buffers::default()) else {
                    continue;
                };
                let considered = |i: &u32| dates.get(*i as usize).is_some_and(|d| *d <= as_of);
                let n = dates.iter().filter(|d| **d <= as_of).count();
                assert_eq!(f.n_events, n);
                let mut seen = 0;
                for k in 0..EventKind::NAMES.len() {
                    let g = f.of_kind(k);
                    assert!(g.iter().all(considered), "{as_of}: kind {k} {g:?}");
                    assert!(g.windows(2).all(|w| w[0] < w[1]));
                    assert!(
                        g.iter()
                            .all(|&i| case.events()[i as usize].kind.index() == k)
                    );
                    seen += g.len();
                }
                assert_eq!(seen, n, "every event considered is in its kind's group");
                for s in 0..case.task().steps.len() {
                    let g = f.of_step(s);
                    assert!(g.iter().all(considered), "{as_of}: step {s} {g:?}");
                    assert!(g.iter().all(|&i| case.event_step(i as usize) == Some(s)));
                    let all = (0..n).filter(|&i| case.event_step(i) == Some(s)).count();
                    assert_eq!(g.len(), all);
                }
                cut += usize::from(n < dates.len());
            }
        }
        assert!(cut > 100, "only {cut} review dates leave events out");
        Ok(())
    }
}
