//! Validation of organisations and cases: every problem found, each with a
//! stable code and a JSON path.

/// The id indexes hash with foldhash (randomly seeded per process):
/// several times faster than SipHash on short ids, with the minimal
/// resistance to crafted collisions that batch evaluation of case files
/// needs (an attacker cannot read the seed of a batch run).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use super::{
    Delegation, Event, EventKind, Official, Organisation, Position, Role, TaskRecord, Unit,
};
use crate::id::{DelegationId, Field, OfficialId, StepId, UnitId};
use crate::model::task::{Step, Task};
use crate::model::{EventGroups, UnitKind};
use crate::suggest::nearest;
use crate::time::vn_date;

/// The most events one task may carry; beyond it validation fails with
/// [`ProblemCode::TooManyEvents`] rather than exhausting memory downstream.
pub const MAX_EVENTS_PER_TASK: usize = 100_000;

/// Stable codes of validation problems; tests match codes, not wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemCode {
    /// A reference names an id that does not exist.
    UnknownId,
    /// Two entities share an id.
    DuplicateId,
    /// A unit is its own ancestor.
    Cycle,
    /// A window ends before (or when) it starts.
    WindowReversed,
    /// Two heads of one unit at one instant.
    TwoHeads,
    /// An event is earlier than the one before it.
    EventOutOfOrder,
    /// An event's actor held no position on its date.
    ActorWithoutPosition,
    /// A step is assigned to someone outside the unit with no delegation.
    AssigneeOutsideUnit,
    /// A task has no steps.
    NoSteps,
    /// A deputy position with no assigned field, or a field list on a role that takes none.
    BadFields,
    /// An event names a step the task does not have.
    UnknownStep,
    /// More events than a task may have (100,000, `MAX_EVENTS_PER_TASK`).
    TooManyEvents,
    /// An event happened before the task was received.
    EventBeforeReceipt,
}

impl ProblemCode {
    /// The stable code as a string (`unknown_id`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::UnknownId => "unknown_id",
            ProblemCode::DuplicateId => "duplicate_id",
            ProblemCode::Cycle => "cycle",
            ProblemCode::WindowReversed => "window_reversed",
            ProblemCode::TwoHeads => "two_heads",
            ProblemCode::EventOutOfOrder => "event_out_of_order",
            ProblemCode::ActorWithoutPosition => "actor_without_position",
            ProblemCode::AssigneeOutsideUnit => "assignee_outside_unit",
            ProblemCode::NoSteps => "no_steps",
            ProblemCode::BadFields => "bad_fields",
            ProblemCode::UnknownStep => "unknown_step",
            ProblemCode::TooManyEvents => "too_many_events",
            ProblemCode::EventBeforeReceipt => "event_before_receipt",
        }
    }
}

/// One validation problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Stable code.
    pub code: ProblemCode,
    /// JSON path of the offending value, e.g. `task.steps[1].assignee`.
    pub path: String,
    /// What is wrong, in English.
    pub message: String,
    /// The offending value, if it is short.
    pub value: Option<String>,
    /// A suggestion ("did you mean …").
    pub help: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at `{}`: {}",
            self.code.as_str(),
            self.path,
            self.message
        )?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// Validation failed; every problem found is listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    /// The problems, in the order found.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} validation problem(s)", self.problems.len())?;
        for p in &self.problems {
            write!(f, "\n- {p}")?;
        }
        Ok(())
    }
}

impl ValidationError {
    /// Puts `prefix.` before every path.
    pub(crate) fn prefixed(mut self, prefix: &str) -> Self {
        for p in &mut self.problems {
            p.path = format!("{prefix}.{}", p.path);
        }
        self
    }
    /// Whether a problem with this code was found.
    pub fn has(&self, code: ProblemCode) -> bool {
        self.problems.iter().any(|p| p.code == code)
    }
}

/// Problems found so far, with a budget for "did you mean" searches so
/// that many unknown ids among many known ones stay linear.
struct Problems(Vec<Problem>, usize);

impl Default for Problems {
    fn default() -> Self {
        Problems(Vec::new(), 100_000)
    }
}

impl Problems {
    fn push(&mut self, code: ProblemCode, path: String, message: String, value: Option<String>) {
        self.0.push(Problem {
            code,
            path,
            message,
            value,
            help: None,
        });
    }
    fn unknown<'a, I: IntoIterator<Item = &'a str>>(
        &mut self,
        what: &str,
        id: &str,
        path: String,
        known: I,
    ) {
        let budget = &mut self.1;
        let candidates = known.into_iter().take_while(|_| {
            let ok = *budget > 0;
            *budget = budget.saturating_sub(1);
            ok
        });
        let help = nearest(id, candidates).map(|n| format!("did you mean `{n}`?"));
        self.0.push(Problem {
            code: ProblemCode::UnknownId,
            path,
            message: format!("unknown {what} `{id}`"),
            value: Some(id.to_string()),
            help,
        });
    }
    fn finish<T>(self, value: T) -> Result<T, ValidationError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ValidationError { problems: self.0 })
        }
    }
}

/// A validated organisation with its indexes. Only this form is evaluated.
#[derive(Debug, Clone)]
pub struct ValidOrganisation {
    org: Organisation,
    units: HashMap<UnitId, usize>,
    officials: HashMap<OfficialId, usize>,
    delegations: HashMap<DelegationId, usize>,
    /// For each unit index, the indexes of the positions in it.
    unit_positions: Vec<Vec<usize>>,
    /// For each position, the index of its unit.
    position_unit: Vec<Option<usize>>,
    positions_by_official: HashMap<OfficialId, Vec<usize>>,
    /// For each unit index, its parent's index.
    parent_ix: Vec<Option<usize>>,
    /// Euler-tour entry and exit times (`u32::MAX` for units on a cycle).
    tin: Vec<u32>,
    tout: Vec<u32>,
}

fn index_ids<'a, K, I>(
    items: I,
    what: &str,
    section: &str,
    problems: &mut Problems,
) -> HashMap<K, usize>
where
    K: std::hash::Hash + Eq + Clone + AsRef<str> + 'a,
    I: Iterator<Item = &'a K>,
{
    let mut map = HashMap::default();
    for (i, id) in items.enumerate() {
        if map.insert(id.clone(), i).is_some() {
            problems.push(
                ProblemCode::DuplicateId,
                format!("{section}[{i}].id"),
                format!("duplicate {what} id `{}`", id.as_ref()),
                Some(id.as_ref().to_string()),
            );
        }
    }
    map
}

impl ValidOrganisation {
    /// Validates an organisation.
    ///
    /// # Errors
    /// [`ValidationError`] with every problem: unknown or duplicate ids,
    /// cycles in the unit tree, reversed windows, two heads at once.
    pub fn new(org: Organisation) -> Result<Self, ValidationError> {
        let mut p = Problems::default();
        let units = index_ids(org.units.iter().map(|u| &u.id), "unit", "units", &mut p);
        let officials = index_ids(
            org.officials.iter().map(|o| &o.id),
            "official",
            "officials",
            &mut p,
        );
        let delegations = index_ids(
            org.delegations.iter().map(|d| &d.id),
            "delegation",
            "delegations",
            &mut p,
        );
        let unit_names = || org.units.iter().map(|u| u.id.as_str());
        let official_names = || org.officials.iter().map(|o| o.id.as_str());

        for (i, u) in org.units.iter().enumerate() {
            if let Some(parent) = &u.parent
                && !units.contains_key(parent)
            {
                p.unknown(
                    "unit",
                    parent.as_str(),
                    format!("units[{i}].parent"),
                    unit_names(),
                );
            }
        }
        // The unit tree: parents by index, cycles found in one pass, then an
        // Euler tour so that "is U below A" is two comparisons (O(n) in all).
        let n_units = org.units.len();
        let parent_ix: Vec<Option<usize>> = org
            .units
            .iter()
            .map(|u| u.parent.as_ref().and_then(|pid| units.get(pid)).copied())
            .collect();
        // 0 = not seen, 1 = on the current walk, 2 = done.
        let mut state = vec![0u8; n_units];
        let mut in_cycle = vec![false; n_units];
        for start in 0..n_units {
            let mut walk = Vec::new();
            let mut cur = Some(start);
            while let Some(c) = cur {
                match state.get(c).copied() {
                    Some(0) => {
                        if let Some(s) = state.get_mut(c) {
                            *s = 1;
                        }
                        walk.push(c);
                        cur = parent_ix.get(c).copied().flatten();
                    }
                    Some(1) => {
                        // The walk came back to itself: the units from `c` on form a cycle.
                        if let Some(from) = walk.iter().position(|&w| w == c) {
                            for &m in walk.iter().skip(from) {
                                if let Some(x) = in_cycle.get_mut(m) {
                                    *x = true;
                                }
                            }
                        }
                        break;
                    }
                    _ => break,
                }
            }
            for w in walk {
                if let Some(s) = state.get_mut(w) {
                    *s = 2;
                }
            }
        }
        for (i, u) in org.units.iter().enumerate() {
            if in_cycle.get(i).copied().unwrap_or(false) {
                p.push(
                    ProblemCode::Cycle,
                    format!("units[{i}].parent"),
                    format!("unit `{}` is its own ancestor", u.id),
                    u.parent.as_ref().map(|x| x.to_string()),
                );
            }
        }
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n_units];
        for (i, par) in parent_ix.iter().enumerate() {
            if let (Some(pi), false) = (par, in_cycle.get(i).copied().unwrap_or(false))
                && let Some(ch) = children.get_mut(*pi)
            {
                ch.push(i);
            }
        }
        let mut tin = vec![u32::MAX; n_units];
        let mut tout = vec![0u32; n_units];
        let mut clock = 0u32;
        for root in (0..n_units).filter(|&i| parent_ix.get(i).copied().flatten().is_none()) {
            let mut stack = vec![(root, false)];
            while let Some((node, leaving)) = stack.pop() {
                if leaving {
                    if let Some(t) = tout.get_mut(node) {
                        *t = clock;
                    }
                    continue;
                }
                clock += 1;
                if let Some(t) = tin.get_mut(node) {
                    *t = clock;
                }
                stack.push((node, true));
                for &c in children.get(node).into_iter().flatten().rev() {
                    stack.push((c, false));
                }
            }
        }

        let mut positions_by_unit: HashMap<UnitId, Vec<usize>> = HashMap::default();
        let mut positions_by_official: HashMap<OfficialId, Vec<usize>> = HashMap::default();
        for (i, pos) in org.positions.iter().enumerate() {
            if !officials.contains_key(&pos.official) {
                p.unknown(
                    "official",
                    pos.official.as_str(),
                    format!("positions[{i}].official"),
                    official_names(),
                );
            }
            if !units.contains_key(&pos.unit) {
                p.unknown(
                    "unit",
                    pos.unit.as_str(),
                    format!("positions[{i}].unit"),
                    unit_names(),
                );
            }
            if pos.until.is_some_and(|u| u <= pos.from) {
                p.push(
                    ProblemCode::WindowReversed,
                    format!("positions[{i}].until"),
                    format!(
                        "the position ends ({}) before or when it starts ({})",
                        fmt_opt(pos.until),
                        pos.from
                    ),
                    pos.until.map(|d| d.to_string()),
                );
            }
            if !pos.fields.is_empty() && !matches!(pos.role, Role::Deputy | Role::OfficeHead) {
                p.push(
                    ProblemCode::BadFields,
                    format!("positions[{i}].fields"),
                    format!("a `{}` position takes no assigned fields; only deputies and office heads do", pos.role.label_en()),
                    None,
                );
            }
            if pos.role == Role::Deputy && pos.fields.is_empty() {
                p.push(
                    ProblemCode::BadFields,
                    format!("positions[{i}].fields"),
                    format!("deputy `{}` has no assigned field", pos.official),
                    None,
                );
            }
            positions_by_unit
                .entry(pos.unit.clone())
                .or_default()
                .push(i);
            positions_by_official
                .entry(pos.official.clone())
                .or_default()
                .push(i);
        }
        // Two heads of one unit at one instant (units in file order, for a stable report).
        for u in &org.units {
            let Some(idxs) = positions_by_unit.get(&u.id) else {
                continue;
            };
            let heads: Vec<(usize, &Position)> = idxs
                .iter()
                .filter_map(|&i| org.positions.get(i).map(|pos| (i, pos)))
                .filter(|(_, pos)| pos.role == Role::Head)
                .collect();
            for (a, (_, pa)) in heads.iter().enumerate() {
                for (ib, pb) in heads.iter().skip(a + 1) {
                    if windows_overlap(pa.from, pa.until, pb.from, pb.until) {
                        p.push(
                            ProblemCode::TwoHeads,
                            format!("positions[{ib}]"),
                            format!(
                                "unit `{}` would have two heads at once: `{}` and `{}`",
                                pa.unit, pa.official, pb.official
                            ),
                            Some(pb.official.to_string()),
                        );
                    }
                }
            }
        }
        for (i, d) in org.delegations.iter().enumerate() {
            check_delegation(i, d, &officials, &delegations, &org, &mut p);
        }
        let position_unit: Vec<Option<usize>> = org
            .positions
            .iter()
            .map(|pos| units.get(&pos.unit).copied())
            .collect();
        let mut unit_positions: Vec<Vec<usize>> = vec![Vec::new(); org.units.len()];
        for (i, u) in position_unit.iter().enumerate() {
            if let Some(list) = u.and_then(|u| unit_positions.get_mut(u)) {
                list.push(i);
            }
        }
        let v = ValidOrganisation {
            units,
            officials,
            delegations,
            unit_positions,
            position_unit,
            positions_by_official,
            parent_ix,
            tin,
            tout,
            org,
        };
        p.finish(v)
    }

    /// The organisation as given.
    pub fn organisation(&self) -> &Organisation {
        &self.org
    }
    /// A unit by id.
    pub fn unit(&self, id: &UnitId) -> Option<&Unit> {
        self.units.get(id).and_then(|&i| self.org.units.get(i))
    }
    /// An official by id.
    pub fn official(&self, id: &OfficialId) -> Option<&Official> {
        self.officials
            .get(id)
            .and_then(|&i| self.org.officials.get(i))
    }
    /// A delegation by id.
    pub fn delegation(&self, id: &DelegationId) -> Option<&Delegation> {
        self.delegations
            .get(id)
            .and_then(|&i| self.org.delegations.get(i))
    }
    /// Positions held in `unit` on `date`.
    pub fn positions_in(&self, unit: &UnitId, date: NaiveDate) -> impl Iterator<Item = &Position> {
        let ix = self.units.get(unit).copied();
        ix.into_iter()
            .flat_map(move |u| self.positions_in_ix(u, date))
    }
    /// Positions held in the unit of index `u` on `date`.
    fn positions_in_ix(&self, u: usize, date: NaiveDate) -> impl Iterator<Item = &Position> {
        self.unit_positions
            .get(u)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.org.positions.get(i))
            .filter(move |p| p.held_on(date))
    }
    /// The official holding `role` in the unit of index `u` on `date` (the first, if several).
    fn holder_ix(&self, u: usize, role: Role, date: NaiveDate) -> Option<&OfficialId> {
        self.positions_in_ix(u, date)
            .find(|p| p.role == role)
            .map(|p| &p.official)
    }
    /// Whether the unit of index `u` has a head or an acting head on `date`.
    fn led_ix(&self, u: usize, date: NaiveDate) -> bool {
        self.positions_in_ix(u, date)
            .any(|p| matches!(p.role, Role::Head | Role::ActingHead))
    }
    /// The units (by index) of the positions `official` holds on `date`.
    fn position_units(
        &self,
        official: &OfficialId,
        date: NaiveDate,
    ) -> impl Iterator<Item = usize> {
        self.positions_by_official
            .get(official)
            .into_iter()
            .flatten()
            .filter(move |&&i| self.org.positions.get(i).is_some_and(|p| p.held_on(date)))
            .filter_map(|&i| self.position_unit.get(i).copied().flatten())
    }
    /// Positions held by `official` on `date`.
    pub fn positions_of(
        &self,
        official: &OfficialId,
        date: NaiveDate,
    ) -> impl Iterator<Item = &Position> {
        self.positions_by_official
            .get(official)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.org.positions.get(i))
            .filter(move |p| p.held_on(date))
    }
    /// The official holding `role` in `unit` on `date` (the first, if several).
    pub fn holder(&self, unit: &UnitId, role: Role, date: NaiveDate) -> Option<&OfficialId> {
        self.positions_in(unit, date)
            .find(|p| p.role == role)
            .map(|p| &p.official)
    }
    /// The head of `unit` on `date` (role `head` only; an acting head is `holder(unit, Role::ActingHead, date)`).
    pub fn head_of(&self, unit: &UnitId, date: NaiveDate) -> Option<&OfficialId> {
        self.holder(unit, Role::Head, date)
    }
    /// The nearest head (or, where the head's post is vacant, acting head) of
    /// a unit where `official` holds a position on `date`, or of a unit above
    /// it, passing over `official` themself when `skip_self`.
    fn nearest_head(
        &self,
        official: &OfficialId,
        date: NaiveDate,
        skip_self: bool,
    ) -> Option<&OfficialId> {
        let mut best: Option<(usize, &OfficialId)> = None;
        for u in self.position_units(official, date) {
            let chain = self.chain(u);
            for (depth, ui) in chain.enumerate() {
                let head = self
                    .holder_ix(ui, Role::Head, date)
                    .or_else(|| self.holder_ix(ui, Role::ActingHead, date));
                if let Some(h) = head.filter(|h| !skip_self || *h != official) {
                    if best.is_none_or(|(d, _)| depth < d) {
                        best = Some((depth, h));
                    }
                    break;
                }
            }
        }
        best.map(|(_, h)| h)
    }
    /// The head whose management scope covers `official` on `date`: the
    /// nearest head (or acting head) of their unit or a unit above, other than
    /// `official` themself.
    pub fn head_over(&self, official: &OfficialId, date: NaiveDate) -> Option<&OfficialId> {
        self.nearest_head(official, date, true)
    }
    /// The agency whose head answers for the official's work on `date`: the
    /// nearest unit, from one where `official` holds a position upward, that
    /// has a head or an acting head, or that is not an internal unit
    /// (division, office, one-stop desk) — an agency whose head's post is
    /// vacant stays the managing unit, with no head.
    pub fn managing_unit(&self, official: &OfficialId, date: NaiveDate) -> Option<&UnitId> {
        self.managing_unit_near(official, date, None)
    }
    /// As [`ValidOrganisation::managing_unit`]; when the official holds several
    /// posts, the one related to `context` (a unit within it or above it, e.g.
    /// the task's unit) wins.
    pub fn managing_unit_near(
        &self,
        official: &OfficialId,
        date: NaiveDate,
        context: Option<&UnitId>,
    ) -> Option<&UnitId> {
        // Rank: the context itself, a unit below it, a unit above it, then unrelated; then nearness.
        let mut best: Option<(u8, usize, &UnitId)> = None;
        let context = context.and_then(|c| self.units.get(c).copied());
        for u in self.position_units(official, date) {
            let chain = self.chain(u);
            for (depth, ui) in chain.enumerate() {
                let Some(unit) = self.org.units.get(ui) else {
                    continue;
                };
                let internal = matches!(
                    unit.kind,
                    UnitKind::Division | UnitKind::Office | UnitKind::OneStopDesk
                );
                if !internal || self.led_ix(ui, date) {
                    let rank = match context {
                        Some(c) if c == ui => 0,
                        Some(c) if self.within_ix(ui, c) => 1,
                        Some(c) if self.within_ix(c, ui) => 2,
                        _ => 3,
                    };
                    if best.is_none_or(|(r, d, _)| (rank, depth) < (r, d)) {
                        best = Some((rank, depth, &unit.id));
                    }
                    break;
                }
            }
        }
        best.map(|(_, _, u)| u)
    }
    /// As [`ValidOrganisation::head_over`], but `official` themself when they are that head.
    pub fn head_for(&self, official: &OfficialId, date: NaiveDate) -> Option<&OfficialId> {
        self.nearest_head(official, date, false)
    }
    /// The nearest deputy in charge of `field` in a unit where `official`
    /// holds a position on `date`, or in a unit above it up to the first unit
    /// with a head (the official's agency); possibly `official` themself.
    pub fn deputy_over(
        &self,
        official: &OfficialId,
        field: &Field,
        date: NaiveDate,
    ) -> Option<&OfficialId> {
        let mut best: Option<(usize, &OfficialId)> = None;
        for u in self.position_units(official, date) {
            let chain = self.chain(u);
            for (depth, ui) in chain.enumerate() {
                if let Some(d) = self
                    .positions_in_ix(ui, date)
                    .find(|p| p.role == Role::Deputy && p.fields.contains(field))
                    .map(|p| &p.official)
                {
                    if best.is_none_or(|(x, _)| depth < x) {
                        best = Some((depth, d));
                    }
                    break;
                }
                if self.led_ix(ui, date) {
                    break;
                }
            }
        }
        best.map(|(_, d)| d)
    }
    /// The deputy of `unit` in charge of `field` on `date`.
    pub fn deputy_for(&self, unit: &UnitId, field: &Field, date: NaiveDate) -> Option<&OfficialId> {
        self.positions_in(unit, date)
            .find(|p| p.role == Role::Deputy && p.fields.contains(field))
            .map(|p| &p.official)
    }
    /// Whether `unit` is `ancestor` or lies below it (O(1)).
    pub fn within(&self, unit: &UnitId, ancestor: &UnitId) -> bool {
        if unit == ancestor {
            return true;
        }
        let (Some(&u), Some(&a)) = (self.units.get(unit), self.units.get(ancestor)) else {
            return false;
        };
        self.within_ix(u, a)
    }
    /// Whether the unit of index `u` is the one of index `a` or lies below it (O(1)).
    fn within_ix(&self, u: usize, a: usize) -> bool {
        if u == a {
            return true;
        }
        match (
            self.tin.get(u),
            self.tout.get(u),
            self.tin.get(a),
            self.tout.get(a),
        ) {
            (Some(&iu), Some(&ou), Some(&ia), Some(&oa)) => {
                iu != u32::MAX && ia != u32::MAX && ia < iu && ou <= oa
            }
            _ => false,
        }
    }
    /// A unit's index and those of the units above it, nearest first.
    fn chain(&self, u: usize) -> impl Iterator<Item = usize> + '_ {
        let mut cur = Some(u);
        let mut steps = 0usize;
        std::iter::from_fn(move || {
            let c = cur?;
            steps += 1;
            // A valid organisation has no cycle; the bound keeps this total anyway.
            cur = if steps > self.parent_ix.len() {
                None
            } else {
                self.parent_ix.get(c).copied().flatten()
            };
            Some(c)
        })
    }
    /// The parent of `unit`.
    pub fn parent(&self, unit: &UnitId) -> Option<&UnitId> {
        self.unit(unit).and_then(|u| u.parent.as_ref())
    }
    /// Whether `unit` is competent for `field`.
    pub fn competent(&self, unit: &UnitId, field: &Field) -> bool {
        self.unit(unit)
            .is_some_and(|u| u.competence.contains(field))
    }
    /// Whether `official` holds any position on `date`.
    pub fn holds_any(&self, official: &OfficialId, date: NaiveDate) -> bool {
        self.positions_of(official, date).next().is_some()
    }
    /// Whether `official` holds a position on `date` in `unit` or below it.
    pub fn serves_within(&self, official: &OfficialId, unit: &UnitId, date: NaiveDate) -> bool {
        let Some(&a) = self.units.get(unit) else {
            return false;
        };
        self.position_units(official, date)
            .any(|u| self.within_ix(u, a))
    }
    /// Delegations to `official` in force on `date` covering `field`.
    pub fn delegations_to<'a>(
        &'a self,
        official: &'a OfficialId,
        field: &'a Field,
        date: NaiveDate,
    ) -> impl Iterator<Item = &'a Delegation> + 'a {
        self.org
            .delegations
            .iter()
            .filter(move |d| &d.to == official && d.in_force_on(date) && d.covers(field))
    }
}

fn fmt_opt(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "-".into(), |d| d.to_string())
}

fn windows_overlap(
    a0: NaiveDate,
    a1: Option<NaiveDate>,
    b0: NaiveDate,
    b1: Option<NaiveDate>,
) -> bool {
    a1.is_none_or(|a1| b0 < a1) && b1.is_none_or(|b1| a0 < b1)
}

fn check_delegation(
    i: usize,
    d: &Delegation,
    officials: &HashMap<OfficialId, usize>,
    delegations: &HashMap<DelegationId, usize>,
    org: &Organisation,
    p: &mut Problems,
) {
    let names = || org.officials.iter().map(|o| o.id.as_str());
    if !officials.contains_key(&d.from) {
        p.unknown(
            "official",
            d.from.as_str(),
            format!("delegations[{i}].from"),
            names(),
        );
    }
    if !officials.contains_key(&d.to) {
        p.unknown(
            "official",
            d.to.as_str(),
            format!("delegations[{i}].to"),
            names(),
        );
    }
    if d.valid_until <= d.valid_from {
        p.push(
            ProblemCode::WindowReversed,
            format!("delegations[{i}].valid_until"),
            format!(
                "the delegation ends ({}) before or when it starts ({})",
                d.valid_until, d.valid_from
            ),
            Some(d.valid_until.to_string()),
        );
    }
    if let Some(parent) = &d.parent
        && !delegations.contains_key(parent)
    {
        p.unknown(
            "delegation",
            parent.as_str(),
            format!("delegations[{i}].parent"),
            org.delegations.iter().map(|x| x.id.as_str()),
        );
    }
}

/// A validated case: a validated organisation (shared), a task and its events.
#[derive(Debug, Clone)]
pub struct ValidCase {
    org: Arc<ValidOrganisation>,
    record: TaskRecord,
    steps: HashMap<StepId, usize>,
    /// Each event's step, as its position in the task (found while
    /// validating), so that each evaluation of the case reads it instead of
    /// looking the step's id up again.
    event_steps: Vec<Option<u32>>,
    /// Each event's date in Vietnam (found while validating), so that each
    /// evaluation reads it instead of converting the time again.
    event_dates: Vec<NaiveDate>,
    /// The events' indexes grouped by step and by kind, built once here.
    by_step: EventGroups,
    by_kind: EventGroups,
    /// Bit `k` set when some event is of kind `k` (its index in
    /// [`EventKind::NAMES`]), so that an evaluation skips the rules of kinds
    /// the task has no event of without looking at their groups.
    kinds: u32,
}

// Every kind has its bit in [`ValidCase::kinds`].
const _: () = assert!(EventKind::NAMES.len() <= 32);

impl ValidCase {
    /// Validates a task and its events against an already validated organisation.
    ///
    /// # Errors
    /// [`ValidationError`] with every problem found; paths start with `task.` or `events[i]`.
    pub fn new(org: Arc<ValidOrganisation>, record: TaskRecord) -> Result<Self, ValidationError> {
        let mut p = Problems::default();
        let TaskRecord { task, events } = &record;
        let steps = index_ids(
            task.steps.iter().map(|s| &s.id),
            "step",
            "task.steps",
            &mut p,
        );
        check_task(&org, task, &mut p);
        if events.len() > MAX_EVENTS_PER_TASK {
            p.push(
                ProblemCode::TooManyEvents,
                "events".into(),
                format!(
                    "{} events exceed the limit of {MAX_EVENTS_PER_TASK} per task",
                    events.len()
                ),
                None,
            );
            return Err(ValidationError { problems: p.0 });
        }
        let _ = index_ids(events.iter().map(|e| &e.id), "event", "events", &mut p);
        let (event_steps, event_dates) = check_events(&org, task, events, &steps, &mut p);
        check_assignees(&org, task, events, &mut p);
        let by_step = EventGroups::new(events.len(), task.steps.len(), |i| {
            event_steps.get(i).copied().flatten().map(|s| s as usize)
        });
        let by_kind = EventGroups::new(events.len(), EventKind::NAMES.len(), |i| {
            events.get(i).map(|e| e.kind.index())
        });
        let kinds = events.iter().fold(0u32, |m, e| {
            m | 1u32.checked_shl(e.kind.index() as u32).unwrap_or(u32::MAX)
        });
        let case = ValidCase {
            org,
            record,
            steps,
            event_steps,
            event_dates,
            by_step,
            by_kind,
            kinds,
        };
        p.finish(case)
    }

    /// The organisation.
    pub fn org(&self) -> &ValidOrganisation {
        &self.org
    }
    /// The shared organisation handle.
    pub fn org_arc(&self) -> &Arc<ValidOrganisation> {
        &self.org
    }
    /// The task.
    pub fn task(&self) -> &Task {
        &self.record.task
    }
    /// The events, in time order.
    pub fn events(&self) -> &[Event] {
        &self.record.events
    }
    /// A step by id.
    pub fn step(&self, id: &StepId) -> Option<&Step> {
        self.steps
            .get(id)
            .and_then(|&i| self.record.task.steps.get(i))
    }
    /// The position of a step in the task.
    pub fn step_index(&self, id: &StepId) -> Option<usize> {
        self.steps.get(id).copied()
    }
    /// The position in the task of the step that event `i` (of
    /// [`ValidCase::events`]) names, if it names one: the same as
    /// `step_index` of the event's step, found once, while validating.
    ///
    /// ```
    /// # use accountable::sample;
    /// let case = &sample::corpus().unwrap()[0];
    /// for (i, e) in case.events().iter().enumerate() {
    ///     let by_id = e.step.as_ref().and_then(|s| case.step_index(s));
    ///     assert_eq!(case.event_step(i), by_id);
    /// }
    /// ```
    pub fn event_step(&self, i: usize) -> Option<usize> {
        self.event_steps
            .get(i)
            .copied()
            .flatten()
            .map(|s| s as usize)
    }
    /// Every event's step (see [`ValidCase::event_step`]), in event order.
    pub(crate) fn event_steps(&self) -> &[Option<u32>] {
        &self.event_steps
    }
    /// Every event's date in Vietnam (UTC+7), in the order of
    /// [`ValidCase::events`]: the date the rules judge an event by, the
    /// same as [`crate::time::vn_date`] of its time, found once, while
    /// validating.
    ///
    /// ```
    /// # use accountable::{sample, time::vn_date};
    /// let case = &sample::corpus().unwrap()[0];
    /// assert_eq!(case.event_dates().len(), case.events().len());
    /// for (e, d) in case.events().iter().zip(case.event_dates()) {
    ///     assert_eq!(*d, vn_date(&e.at));
    /// }
    /// ```
    pub fn event_dates(&self) -> &[NaiveDate] {
        &self.event_dates
    }
    /// How many events a review on `as_of` considers: those dated (in
    /// Vietnam) on or before it, which come first, as events are in time
    /// order.
    ///
    /// ```
    /// # use accountable::sample;
    /// let case = &sample::corpus().unwrap()[0];
    /// let n = case.events_until(sample::as_of());
    /// assert!(case.event_dates()[..n].iter().all(|d| *d <= sample::as_of()));
    /// assert!(case.event_dates()[n..].iter().all(|d| *d > sample::as_of()));
    /// ```
    #[inline]
    pub fn events_until(&self, as_of: NaiveDate) -> usize {
        // The dates are in order: a search, not a walk.
        self.event_dates.partition_point(|d| *d <= as_of)
    }
    /// Every event's index grouped by its step (by the step's position),
    /// each group in event order.
    pub(crate) fn events_by_step(&self) -> &EventGroups {
        &self.by_step
    }
    /// Every event's index grouped by its kind (in the order of
    /// [`EventKind::NAMES`]), each group in event order.
    pub(crate) fn events_by_kind(&self) -> &EventGroups {
        &self.by_kind
    }
    /// The kinds of the case's events, bit `k` for the kind at index `k` of
    /// [`EventKind::NAMES`].
    #[inline]
    pub(crate) fn event_kinds(&self) -> u32 {
        self.kinds
    }
    /// Gives back the task and events.
    pub fn into_record(self) -> TaskRecord {
        self.record
    }
}

fn check_task(org: &ValidOrganisation, task: &Task, p: &mut Problems) {
    let units = || org.org.units.iter().map(|u| u.id.as_str());
    let officials = || org.org.officials.iter().map(|o| o.id.as_str());
    if org.unit(&task.unit).is_none() {
        p.unknown("unit", task.unit.as_str(), "task.unit".into(), units());
    }
    if org.unit(&task.competent_unit).is_none() {
        p.unknown(
            "unit",
            task.competent_unit.as_str(),
            "task.competent_unit".into(),
            units(),
        );
    }
    for (i, s) in task.stakeholders.iter().enumerate() {
        if org.unit(s).is_none() {
            p.unknown(
                "unit",
                s.as_str(),
                format!("task.stakeholders[{i}]"),
                units(),
            );
        }
    }
    for (i, s) in task.legal.mandatory_consultees.iter().enumerate() {
        if org.unit(s).is_none() {
            p.unknown(
                "unit",
                s.as_str(),
                format!("task.legal.mandatory_consultees[{i}]"),
                units(),
            );
        }
    }
    if let Some(a) = &task.assigned_by
        && org.official(a).is_none()
    {
        p.unknown(
            "official",
            a.as_str(),
            "task.assigned_by".into(),
            officials(),
        );
    }
    if task.steps.is_empty() {
        p.push(
            ProblemCode::NoSteps,
            "task.steps".into(),
            "a task needs at least one step".into(),
            None,
        );
    }
    for (i, s) in task.steps.iter().enumerate() {
        for (name, who) in [("assignee", &s.assignee), ("deputy", &s.deputy)] {
            if let Some(o) = who
                && org.official(o).is_none()
            {
                p.unknown(
                    "official",
                    o.as_str(),
                    format!("task.steps[{i}].{name}"),
                    officials(),
                );
            }
        }
        if let Some(c) = &s.collective
            && org.unit(c).is_none()
        {
            p.unknown(
                "unit",
                c.as_str(),
                format!("task.steps[{i}].collective"),
                units(),
            );
        }
    }
}

/// Checks the events; returns each event's step as its position in the
/// task, and each event's date in Vietnam.
fn check_events(
    org: &ValidOrganisation,
    task: &Task,
    events: &[Event],
    steps: &HashMap<StepId, usize>,
    p: &mut Problems,
) -> (Vec<Option<u32>>, Vec<NaiveDate>) {
    let mut event_steps = Vec::with_capacity(events.len());
    let mut event_dates = Vec::with_capacity(events.len());
    let units = || org.org.units.iter().map(|u| u.id.as_str());
    let officials = || org.org.officials.iter().map(|o| o.id.as_str());
    let mut prev: Option<&Event> = None;
    for (i, e) in events.iter().enumerate() {
        if let Some(pe) = prev
            && e.at < pe.at
        {
            p.push(
                ProblemCode::EventOutOfOrder,
                format!("events[{i}].at"),
                format!(
                    "event `{}` ({}) is earlier than the event before it, `{}` ({})",
                    e.id, e.at, pe.id, pe.at
                ),
                Some(e.at.to_rfc3339()),
            );
        }
        if e.at < task.received {
            p.push(
                ProblemCode::EventBeforeReceipt,
                format!("events[{i}].at"),
                format!(
                    "event `{}` ({}) is before the task was received ({})",
                    e.id, e.at, task.received
                ),
                Some(e.at.to_rfc3339()),
            );
        }
        prev = Some(e);
        let date = vn_date(&e.at);
        event_dates.push(date);
        if org.official(&e.actor).is_none() {
            p.unknown(
                "official",
                e.actor.as_str(),
                format!("events[{i}].actor"),
                officials(),
            );
        } else if !org.holds_any(&e.actor, date) {
            p.push(
                ProblemCode::ActorWithoutPosition,
                format!("events[{i}].actor"),
                format!(
                    "`{}` held no position on {date}, the date of event `{}`",
                    e.actor, e.id
                ),
                Some(e.actor.to_string()),
            );
        }
        let si = e.step.as_ref().and_then(|s| steps.get(s));
        event_steps.push(si.and_then(|&s| u32::try_from(s).ok()));
        if let Some(s) = &e.step
            && si.is_none()
        {
            p.0.push(Problem {
                code: ProblemCode::UnknownStep,
                path: format!("events[{i}].step"),
                message: format!("the task has no step `{s}`"),
                value: Some(s.to_string()),
                help: nearest(s.as_str(), task.steps.iter().map(|x| x.id.as_str()))
                    .map(|n| format!("did you mean `{n}`?")),
            });
        }
        let mut off = |o: &OfficialId, field: &str| {
            if org.official(o).is_none() {
                p.unknown(
                    "official",
                    o.as_str(),
                    format!("events[{i}].{field}"),
                    officials(),
                );
            }
        };
        match &e.kind {
            EventKind::Assigned { to } => off(to, "to"),
            EventKind::Reminder { to: Some(to) } => off(to, "to"),
            EventKind::InstructionRequested { to, .. } | EventKind::OrderGiven { to } => {
                off(to, "to")
            }
            EventKind::WrittenObjection { superior, .. } => off(superior, "superior"),
            EventKind::InnovationApproved { approved_by } => off(approved_by, "approved_by"),
            EventKind::Vote {
                in_favour, dissent, ..
            } => {
                for (j, o) in in_favour.iter().enumerate() {
                    off(o, &format!("in_favour[{j}]"));
                }
                for (j, o) in dissent.iter().enumerate() {
                    off(o, &format!("dissent[{j}]"));
                }
            }
            EventKind::MeetingHeld {
                items,
                absent_with_leave,
                recused,
            } => {
                for (k, it) in items.iter().enumerate() {
                    for (j, o) in it.spoke.iter().enumerate() {
                        off(o, &format!("items[{k}].spoke[{j}]"));
                    }
                    for (j, o) in it.silent.iter().enumerate() {
                        off(o, &format!("items[{k}].silent[{j}]"));
                    }
                }
                for (j, o) in absent_with_leave.iter().enumerate() {
                    off(o, &format!("absent_with_leave[{j}]"));
                }
                for (j, o) in recused.iter().enumerate() {
                    off(o, &format!("recused[{j}]"));
                }
            }
            _ => {}
        }
        let mut unit = |u: &UnitId, field: String| {
            if org.unit(u).is_none() {
                p.unknown("unit", u.as_str(), field, units());
            }
        };
        match &e.kind {
            EventKind::TransferredUp { to_unit } | EventKind::TransferredSideways { to_unit } => {
                unit(to_unit, format!("events[{i}].to_unit"))
            }
            EventKind::Returned {
                to_unit: Some(u), ..
            } => unit(u, format!("events[{i}].to_unit")),
            EventKind::ConsultationRequested { addressees, .. } => {
                for (j, a) in addressees.iter().enumerate() {
                    unit(a, format!("events[{i}].addressees[{j}]"));
                }
            }
            EventKind::ConsultationReplied { unit: u, .. } => unit(u, format!("events[{i}].unit")),
            EventKind::Vote { collective, .. } => {
                unit(collective, format!("events[{i}].collective"))
            }
            EventKind::Signed {
                delegation: Some(d),
                ..
            } if org.delegation(d).is_none() => {
                p.unknown(
                    "delegation",
                    d.as_str(),
                    format!("events[{i}].delegation"),
                    org.org.delegations.iter().map(|x| x.id.as_str()),
                );
            }
            _ => {}
        }
    }
    (event_steps, event_dates)
}

/// Units the task lived in: its owner and every unit it was moved to.
fn task_units<'a>(task: &'a Task, events: &'a [Event]) -> Vec<&'a UnitId> {
    let mut v = vec![&task.unit, &task.competent_unit];
    for e in events {
        if let EventKind::TransferredUp { to_unit } | EventKind::TransferredSideways { to_unit } =
            &e.kind
        {
            v.push(to_unit);
        }
    }
    v
}

fn check_assignees(org: &ValidOrganisation, task: &Task, events: &[Event], p: &mut Problems) {
    let units = task_units(task, events);
    for (i, s) in task.steps.iter().enumerate() {
        let Some(a) = &s.assignee else { continue };
        if org.official(a).is_none() {
            continue;
        }
        let date = events
            .iter()
            .find(|e| e.step.as_ref() == Some(&s.id))
            .map_or_else(|| vn_date(&task.received), |e| vn_date(&e.at));
        let inside = units.iter().any(|u| {
            org.serves_within(a, u, date)
                || org.unit(u).is_some_and(|_| {
                    // superiors in the chain of command are inside too
                    org.positions_of(a, date)
                        .any(|pos| org.within(u, &pos.unit))
                })
        }) || s
            .collective
            .as_ref()
            .is_some_and(|c| org.serves_within(a, c, date));
        if !inside && org.delegations_to(a, &task.field, date).next().is_none() {
            p.push(
                ProblemCode::AssigneeOutsideUnit,
                format!("task.steps[{i}].assignee"),
                format!(
                    "`{a}` held no position in `{}` (or above or below it) on {date} and no delegation covers field `{}`",
                    task.unit, task.field
                ),
                Some(a.to_string()),
            );
        }
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
