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
        let events = all.get(..n_events).unwrap_or(&[]);
        let n_steps = task.steps.len();
        let event_step = case.event_steps().get(..n_events).unwrap_or(&[]);
        for v in [&mut step_started, &mut step_completed, &mut step_done] {
            v.clear();
            v.resize(n_steps, None);
        }
        let mut closed = None;
        let mut current_due_override: Option<NaiveDate> = None;
        let (mut extensions, mut apologies) = (0, 0);
        stops.clear();
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
                    Some(s) => {
                        if let Some(slot) = step_completed.get_mut(s) {
                            *slot = Some(*date);
                        }
                    }
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
        if self.task.events_after_as_of == 0 {
            return group;
        }
        let n = group.partition_point(|&i| (i as usize) < self.n_events);
        group.get(..n).unwrap_or(group)
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
