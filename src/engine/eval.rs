//! The interpreter of the conditions' typed trees, which explained
//! evaluations run (it records each condition's first false part), and in
//! [`code`] the same conditions compiled to closures, which the others run.
//! Evaluation is bounded by the size of the case: no loops but quantifiers
//! over finite lists, no recursion in the language, and the tree depth is
//! limited at load.

use std::cell::Cell;

mod code;
pub(crate) use code::{Code, compile, infallible, spine};

use chrono::{Datelike, NaiveDate};

use super::facts::Facts;
use super::local::LocalOfficials;
use crate::id::{Field, IdText, OfficialId, UnitId};
use crate::model::{Delegation, Event, EventKind, Role, Step, StepKind, Task};
use crate::policy::expr::check::{Cmp, Expr, F, Func, Lit, Node, slot};
use crate::policy::expr::syntax::Quant;
use crate::policy::{Behaviour, Cond, Severity};

/// A finding as seen by consequence conditions.
#[derive(Debug, Clone)]
pub(crate) struct FindingView<'a> {
    /// The rule's id, by reference to its interned text.
    pub rule: &'a &'a str,
    pub behaviour: Behaviour,
    pub severity: Severity,
    /// The official, borrowed from the raw finding (or the exception's move).
    pub official: &'a OfficialId,
    pub step: Option<u32>,
    /// The evidence's event indexes (a range of the raw findings' evidence).
    pub evidence: &'a [u32],
    pub date: NaiveDate,
    /// The consequence rules that may follow it ([`super::plan::Plan::may_follow`]
    /// of its rule's version).
    pub may_follow: u64,
    /// Those of them whose `when` holds for it ([`super::plan::Plan::sure_follow`]).
    pub sure_follow: u64,
}

/// A runtime value. Values are plain data (`Copy`): the lists a condition
/// builds and the officials an evaluation owns are kept in the [`Env`], and
/// a value names them by position, so copying or dropping a value touches
/// no reference count and frees nothing.
///
/// Every variant holds at most one word: a number, or a thin reference.
/// rustc then lays a value out as a pair of scalars (the tag and the word),
/// 16 bytes passed and returned in two registers, as are `Option<V>` and
/// `Result<V, _>`, which use the tag's spare values. A value of three words
/// was returned through memory: the callee stored it piece by piece and the
/// caller copied it with wider loads, which cannot be forwarded from those
/// stores and waited for them. Hence a boolean is two variants, a date a
/// [`Day`], two 32-bit numbers one [`Pair`], and a text a thin reference in
/// one of four forms ([`V::text`] reads any of them; they compare as the
/// same text).
///
/// The tag is eight bytes (`repr(u64)`), a register of its own.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub(crate) enum V<'a> {
    None,
    False,
    True,
    Int(i64),
    Date(Day),
    /// A text kept as a `&str` that lives as long: a name of the
    /// vocabulary (a static string), a compiled condition's literal or a
    /// rule id (interned).
    Str(&'a &'a str),
    /// A text of the case or the organisation (a title, a name, a reason).
    Text(&'a String),
    /// The text of an id (of the task, a step, an event, a unit, an
    /// official or a delegation).
    Id(&'a smol_str::SmolStr),
    /// A text literal of the condition tree the interpreter walks.
    #[allow(
        clippy::borrowed_box,
        reason = "a `&Box<str>` is one word, a `&str` two"
    )]
    Literal(&'a Box<str>),
    Off(&'a OfficialId),
    /// An official the evaluation owns: item `.0` of [`Env::owned`].
    OwnedOff(usize),
    Unit(&'a UnitId),
    Field(&'a Field),
    Step(usize),
    Event(usize),
    Del(&'a Delegation),
    Finding(usize),
    Task,
    /// Agenda item `.1` of meeting event `.0`.
    Item(Pair),
    // The lists, last, so that telling a list from another value compares
    // the tag with one bound.
    /// A list computed by the condition: `.1` items of [`Env::lists`] from `.0`.
    List(Pair),
    // The lists read from the case or the facts without copying them.
    /// No items.
    Empty,
    /// Every event considered (`events`).
    AllEvents,
    /// The events of one kind (index into `EventKind::NAMES`).
    KindEvents(usize),
    /// The events of a step.
    StepEvents(usize),
    /// The events of one kind (`.1`) in a step (`.0`).
    StepKindEvents(Pair),
    /// Every step (`task.steps`).
    Steps,
    /// The agenda items of meeting event `.0`, of which there are `.1`.
    Items(Pair),
    /// The evidence of a finding.
    Evidence(usize),
    /// Officials listed by the case.
    Offs(&'a Vec<OfficialId>),
    /// Units listed by the case.
    Units(&'a Vec<UnitId>),
    /// Texts listed by the case.
    Strs(&'a Vec<String>),
}

/// A date as one number that orders as the date does: its year times 512
/// plus its day of the year. Dates compare and test equal as their numbers;
/// the date itself ([`Day::date`]) is read back for arithmetic, the
/// calendar and the organisation.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) struct Day(i64);

impl Day {
    /// The number of a date.
    #[inline]
    pub(crate) fn of(d: NaiveDate) -> Day {
        Day(i64::from(d.year()) << 9 | i64::from(d.ordinal()))
    }

    /// The date of the number. Numbers are only made of dates
    /// ([`Day::of`]), so the fallback (the epoch) is never taken.
    #[inline]
    pub(crate) fn date(self) -> NaiveDate {
        NaiveDate::from_yo_opt((self.0 >> 9) as i32, (self.0 & 511) as u32).unwrap_or_default()
    }
}

/// Two 32-bit numbers in one word, the first in the high half.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Pair(u64);

impl Pair {
    /// The pair of `a` and `b`.
    #[inline]
    pub(crate) fn new(a: u32, b: u32) -> Pair {
        Pair(u64::from(a) << 32 | u64::from(b))
    }

    /// The two numbers, in order.
    #[inline]
    pub(crate) fn get(self) -> (u32, u32) {
        ((self.0 >> 32) as u32, self.0 as u32)
    }
}

/// A group of the facts' events that a quantifier walks in place (see
/// [`Env::event_group`]): the events, and, for the events of one kind in one
/// step, that step, which the kind's events walked must be in.
#[derive(Clone, Copy)]
struct Group<'f> {
    events: &'f [u32],
    step: Option<u32>,
}

impl Group<'_> {
    /// Whether item `i` of the events is in the group.
    #[inline]
    fn holds(&self, facts: &Facts<'_>, i: usize) -> bool {
        match self.step {
            None => true,
            Some(s) => self.events.get(i).and_then(|&e| facts.step_of_event(e)) == Some(s),
        }
    }
}

impl<'a> V<'a> {
    /// `true` or `false`, as a value.
    #[inline]
    pub(crate) fn bool(b: bool) -> V<'a> {
        if b { V::True } else { V::False }
    }

    /// A date, as a value.
    #[inline]
    pub(crate) fn date(d: NaiveDate) -> V<'a> {
        V::Date(Day::of(d))
    }

    /// The text of a text value, in any of its forms.
    #[inline]
    pub(crate) fn text(&self) -> Option<&'a str> {
        match *self {
            V::Str(s) => Some(s),
            V::Text(s) => Some(s),
            V::Id(s) => Some(s.as_str()),
            V::Literal(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the value is `true` (a boolean context's test).
    #[inline]
    fn truthy(&self) -> bool {
        matches!(self, V::True)
    }
}

/// `d + n` (`plus`) or `d - n` days for a date and a number (`none` for
/// anything else, or past the calendar's range); `n` is clamped to
/// ±100,000 days.
fn date_add<'a>(d: V<'a>, n: V<'a>, plus: bool) -> V<'a> {
    match (d, n) {
        (V::Date(d), V::Int(n)) => {
            let n = if plus {
                n
            } else {
                n.checked_neg().unwrap_or(i64::MAX)
            };
            d.date()
                .checked_add_signed(chrono::Duration::days(n.clamp(-100_000, 100_000)))
                .map_or(V::None, V::date)
        }
        _ => V::None,
    }
}

/// An optional date as a value (`none` when absent).
fn opt_date<'a>(d: Option<NaiveDate>) -> V<'a> {
    d.map_or(V::None, V::date)
}

/// An optional official as a value (`none` when absent).
fn opt_off(o: Option<&OfficialId>) -> V<'_> {
    o.map_or(V::None, V::Off)
}

/// An optional unit as a value (`none` when absent).
fn opt_unit(u: Option<&UnitId>) -> V<'_> {
    u.map_or(V::None, V::Unit)
}

/// Equality of two values that are not lists, given their texts (see
/// [`Env::key`]) for the kinds compared as text.
fn eq_scalar<'k>(
    a: &V<'_>,
    b: &V<'_>,
    keys: impl FnOnce() -> (Option<&'k str>, Option<&'k str>),
) -> bool {
    match (a, b) {
        (V::None, V::None) => true,
        (V::None, _) | (_, V::None) => false,
        (V::False, V::False) | (V::True, V::True) => true,
        (V::Int(x), V::Int(y)) => x == y,
        (V::Date(x), V::Date(y)) => x == y,
        (V::Item(x), V::Item(y)) => x == y,
        (V::Step(x), V::Step(y)) | (V::Event(x), V::Event(y)) | (V::Finding(x), V::Finding(y)) => {
            x == y
        }
        (V::Task, V::Task) => true,
        _ => match keys() {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// Compares two values; orderings other than (in)equality hold only between numbers or dates.
fn compare<'a>(env: &Env<'a, '_>, op: Cmp, x: &V<'a>, y: &V<'a>) -> bool {
    match op {
        Cmp::Eq => env.eq(x, y),
        Cmp::Ne => !env.eq(x, y),
        _ => {
            let ord = match (x, y) {
                (V::Int(p), V::Int(q)) => p.cmp(q),
                (V::Date(p), V::Date(q)) => p.cmp(q),
                _ => return false,
            };
            match op {
                Cmp::Lt => ord.is_lt(),
                Cmp::Le => ord.is_le(),
                Cmp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            }
        }
    }
}

/// That an evaluation failed (e.g. a date outside the calendar). The
/// message stays in the [`Env`] that raised it ([`Env::fail`],
/// [`Env::take_error`]) and the marker carries nothing, so that
/// `Result<bool, RuntimeError>`, which every [`Env::test`] returns, is one
/// byte and comes back in a register. With the message inside it was three
/// words, returned through memory: 2.8 % of the instructions of a 10-event
/// task (see `benches/HISTORY.md`, fifteenth round). Only [`Env::fail`] makes one,
/// so every error has its message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuntimeError(());

pub(crate) struct Env<'a, 'f> {
    /// Whether to record which part of a condition was false (for the
    /// trace and the exception checks of an explained answer).
    pub explain: bool,
    /// The span of the last part of an `and` spine found false.
    pub last_false: Option<crate::policy::expr::Span>,
    /// The condition [`Env::test_top`] last found false.
    pub last_top: Option<*const Expr>,
    pub facts: &'f Facts<'a>,
    /// The case's task, steps and events, read at every field of one:
    /// kept here rather than reached through the facts and the case.
    pub task: &'a Task,
    pub steps: &'a [Step],
    pub events: &'a [Event],
    pub params: &'a [Option<i64>],
    pub vars: Vec<V<'a>>,
    pub findings: &'f [FindingView<'a>],
    /// Values of shared sub-expressions ([`Node::Memo`]): one row per step,
    /// then one per finding, each as wide as its group's slots. `memo_row`
    /// is where the row of the bound step or finding starts, if any.
    pub memo: Vec<Option<V<'a>>>,
    pub memo_row: Option<usize>,
    /// The slots from which a finding's memo row is shared by the findings
    /// of one official (see `plan::memoise_by_official`): for these,
    /// `memo_key_row` is the row, that of the first finding of the bound
    /// finding's official. `usize::MAX` outside the consequences' pass.
    pub keyed_from: usize,
    pub memo_key_row: Option<usize>,
    /// The items of every list built during the evaluation ([`V::List`]
    /// names a range of them). Lists are never changed once built, and are
    /// kept until the evaluation ends.
    pub lists: Vec<V<'a>>,
    /// The items of the lists being built, nested builds above their
    /// enclosing one; each is moved to `lists` when it is complete.
    pub building: Vec<V<'a>>,
    /// The officials the evaluation owns ([`V::OwnedOff`]).
    pub owned: Vec<OfficialId>,
    /// The message of the last [`RuntimeError`] raised ([`Env::fail`]).
    /// A cell, as functions fail from `&self` ([`Env::call`]).
    pub error: Cell<Option<Box<str>>>,
}

type R<'a> = Result<V<'a>, RuntimeError>;

/// The vectors of an [`Env`], kept by the thread between evaluations (in
/// the engine's `Scratch`, as `EnvBuffers<'static>`, empty and borrowing
/// nothing) so that their storage is allocated once.
#[derive(Default)]
pub(crate) struct EnvBuffers<'a> {
    pub vars: Vec<V<'a>>,
    pub memo: Vec<Option<V<'a>>>,
    pub lists: Vec<V<'a>>,
    pub building: Vec<V<'a>>,
    pub owned: Vec<OfficialId>,
}

/// The most items a kept vector may have room for: storage an unusually
/// large evaluation grew is freed rather than kept by the thread.
const KEEP_AT_MOST: usize = 1 << 14;

/// `v`, emptied, as a vector of the same layout under another lifetime,
/// keeping its storage (collecting into a vector of the same size and
/// alignment reuses the source's storage); storage past [`KEEP_AT_MOST`]
/// items is freed.
pub(crate) fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    if v.capacity() > KEEP_AT_MOST {
        return Vec::new();
    }
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

impl EnvBuffers<'_> {
    /// Empties the vectors (kept empty already by [`EnvBuffers::reuse`]),
    /// keeping their storage.
    #[inline]
    pub(crate) fn clear(&mut self) {
        self.vars.clear();
        self.memo.clear();
        self.lists.clear();
        self.building.clear();
        self.owned.clear();
    }

    /// The same vectors, emptied, for values of another lifetime.
    pub(crate) fn reuse<'b>(self) -> EnvBuffers<'b> {
        EnvBuffers {
            vars: recycle(self.vars),
            memo: recycle(self.memo),
            lists: recycle(self.lists),
            building: recycle(self.building),
            owned: recycle(self.owned),
        }
    }
}

impl<'a> Env<'a, '_> {
    /// Ends the evaluation, giving back its vectors.
    pub(crate) fn into_buffers(self) -> EnvBuffers<'a> {
        EnvBuffers {
            vars: self.vars,
            memo: self.memo,
            lists: self.lists,
            building: self.building,
            owned: self.owned,
        }
    }
}

impl<'a, 'f> Env<'a, 'f> {
    fn event(&self, i: usize) -> Option<&'a Event> {
        self.events.get(i)
    }
    fn step(&self, i: usize) -> Option<&'a Step> {
        self.steps.get(i)
    }

    /// The official a value is, if it is one.
    pub(crate) fn official<'s>(&'s self, v: &V<'a>) -> Option<&'s OfficialId> {
        match *v {
            V::Off(o) => Some(o),
            V::OwnedOff(i) => self.owned.get(i),
            _ => None,
        }
    }

    /// The text of a value that compares as text (a string or an id).
    fn key<'s>(&'s self, v: &V<'a>) -> Option<&'s str> {
        Some(match *v {
            V::Str(s) => s,
            V::Text(s) => s,
            V::Id(s) => s.as_str(),
            V::Literal(s) => s,
            V::Unit(u) => u.as_str(),
            V::Field(f) => f.as_str(),
            V::Del(d) => d.id.as_str(),
            V::Off(_) | V::OwnedOff(_) => self.official(v)?.as_str(),
            _ => return None,
        })
    }

    /// Whether `x` is the text `k` or has it for its text (an id): equality
    /// with a text value, as [`Env::eq`] tests it.
    #[inline]
    fn eq_text(&self, x: &V<'a>, k: &str) -> bool {
        self.key(x) == Some(k)
    }

    /// Keeps `o` for the rest of the evaluation, as a value.
    pub(crate) fn own(&mut self, o: OfficialId) -> V<'a> {
        let i = self.owned.len();
        self.owned.push(o);
        V::OwnedOff(i)
    }

    /// The items of list value `(start, len)` (see [`V::List`]).
    fn list_items(&self, list: Pair) -> &[V<'a>] {
        let (start, len) = list.get();
        let start = start as usize;
        self.lists
            .get(start..start.saturating_add(len as usize))
            .unwrap_or(&[])
    }

    /// Starts building a list: items pushed to `building` from the
    /// returned mark on are the list's, until [`Env::finish_list`].
    fn start_list(&self) -> usize {
        self.building.len()
    }

    /// Ends the list started at `mark`: its items move to `lists`, and the
    /// value names them.
    fn finish_list(&mut self, mark: usize) -> R<'a> {
        let start = self.lists.len();
        let items = self.building.drain(mark.min(self.building.len())..);
        self.lists.extend(items);
        let len = self.lists.len() - start;
        match (u32::try_from(start), u32::try_from(len)) {
            (Ok(s), Ok(n)) => Ok(V::List(Pair::new(s, n))),
            _ => Err(self.fail(format!(
                "the lists built in one evaluation exceed {} items",
                u32::MAX
            ))),
        }
    }

    /// Builds a list with `fill`, which pushes its items to `building`
    /// (and may build lists of its own meanwhile). When `fill` fails, the
    /// items it pushed are dropped with the error.
    fn build_list(&mut self, fill: impl FnOnce(&mut Self) -> Result<(), RuntimeError>) -> R<'a> {
        let mark = self.start_list();
        match fill(self) {
            Ok(()) => self.finish_list(mark),
            Err(e) => {
                self.building.truncate(mark);
                Err(e)
            }
        }
    }

    /// A list of the given items, as a value.
    pub(crate) fn new_list(&mut self, items: impl IntoIterator<Item = V<'a>>) -> R<'a> {
        let mark = self.start_list();
        self.building.extend(items);
        self.finish_list(mark)
    }

    /// The officials a value names (one, or a list), deduplicated in order,
    /// as the calling thread's copies of their ids (see [`LocalOfficials`]).
    pub(crate) fn officials_of(&self, v: &V<'a>, local: &mut LocalOfficials) -> Vec<OfficialId> {
        let mut out: Vec<OfficialId> = Vec::new();
        self.officials_into(v, &mut out, local);
        out
    }

    /// As [`Env::officials_of`], appending to `out` (which it deduplicates against).
    pub(crate) fn officials_into(
        &self,
        v: &V<'a>,
        out: &mut Vec<OfficialId>,
        local: &mut LocalOfficials,
    ) {
        let mut push = |o: &OfficialId| {
            // Mostly the first official: no search.
            if out.is_empty() || !out.contains(o) {
                out.push(local.id(o));
            }
        };
        if Self::is_list(v) {
            for i in 0..self.len_of(v) {
                if let Some(o) = self.official(&self.item(v, i)) {
                    push(o);
                }
            }
        } else if let Some(o) = self.official(v) {
            push(o);
        }
    }

    /// The events a value names (one, or a list), deduplicated in order,
    /// appended to `out` (which it deduplicates against).
    pub(crate) fn events_into(&self, v: &V<'a>, out: &mut Vec<u32>) {
        // Event values are made of the facts' `u32` indexes.
        let mut push = |i: usize| {
            let i = i as u32;
            if !out.contains(&i) {
                out.push(i);
            }
        };
        if let V::Event(i) = v {
            push(*i);
        }
        for i in 0..self.len_of(v) {
            if let V::Event(e) = self.item(v, i) {
                push(e);
            }
        }
    }

    /// The events of a list that is a group of the facts' events (one
    /// kind's, or one step's, or one kind's in one step), as the slice the
    /// facts keep, so that a quantifier walks it in place instead of item by
    /// item.
    #[inline(always)]
    fn event_group(&self, v: &V<'a>) -> Option<Group<'f>> {
        let facts = self.facts;
        let all = |events| Group { events, step: None };
        match *v {
            V::KindEvents(k) => Some(all(facts.of_kind(k))),
            V::StepEvents(s) => Some(all(facts.of_step(s))),
            V::StepKindEvents(sk) => {
                let (s, k) = sk.get();
                Some(Group {
                    events: facts.of_kind(k as usize),
                    step: Some(s),
                })
            }
            _ => None,
        }
    }

    /// The events of kind `k` in step `s` (a [`V::StepKindEvents`]), in
    /// event order.
    fn step_kind_events(&self, sk: Pair) -> impl Iterator<Item = u32> + '_ {
        let facts = self.facts;
        let (s, k) = sk.get();
        facts
            .of_kind(k as usize)
            .iter()
            .copied()
            .filter(move |&e| facts.step_of_event(e) == Some(s))
    }

    /// Whether a value is a list.
    fn is_list(v: &V<'a>) -> bool {
        matches!(
            v,
            V::List(_)
                | V::Empty
                | V::AllEvents
                | V::KindEvents(_)
                | V::StepEvents(_)
                | V::StepKindEvents(_)
                | V::Steps
                | V::Items(_)
                | V::Evidence(_)
                | V::Offs(_)
                | V::Units(_)
                | V::Strs(_)
        )
    }

    /// The number of items of a list value (0 for any other value).
    pub(crate) fn len_of(&self, v: &V<'a>) -> usize {
        let facts = self.facts;
        match *v {
            V::List(l) => l.get().1 as usize,
            V::Empty => 0,
            V::AllEvents => facts.n_events,
            V::KindEvents(k) => facts.of_kind(k).len(),
            V::StepEvents(s) => facts.of_step(s).len(),
            V::StepKindEvents(sk) => self.step_kind_events(sk).count(),
            V::Steps => facts.case.task().steps.len(),
            V::Items(x) => x.get().1 as usize,
            V::Evidence(f) => self.findings.get(f).map_or(0, |x| x.evidence.len()),
            V::Offs(x) => x.len(),
            V::Units(x) => x.len(),
            V::Strs(x) => x.len(),
            _ => 0,
        }
    }

    /// Item `i` of a list value (`none` past the end or for any other value).
    pub(crate) fn item(&self, v: &V<'a>, i: usize) -> V<'a> {
        let facts = self.facts;
        let ev = |x: Option<&u32>| x.map_or(V::None, |&e| V::Event(e as usize));
        match *v {
            V::List(l) => self.list_items(l).get(i).copied().unwrap_or(V::None),
            V::Empty => V::None,
            V::AllEvents => {
                if i < facts.n_events {
                    V::Event(i)
                } else {
                    V::None
                }
            }
            V::KindEvents(k) => ev(facts.of_kind(k).get(i)),
            V::StepEvents(s) => ev(facts.of_step(s).get(i)),
            V::StepKindEvents(sk) => self
                .step_kind_events(sk)
                .nth(i)
                .map_or(V::None, |e| V::Event(e as usize)),
            V::Steps => {
                if i < facts.case.task().steps.len() {
                    V::Step(i)
                } else {
                    V::None
                }
            }
            V::Items(x) => {
                let (e, n) = x.get();
                if i < n as usize {
                    V::Item(Pair::new(e, i as u32))
                } else {
                    V::None
                }
            }
            V::Evidence(f) => ev(self.findings.get(f).and_then(|x| x.evidence.get(i))),
            V::Offs(x) => x.get(i).map_or(V::None, V::Off),
            V::Units(x) => x.get(i).map_or(V::None, V::Unit),
            V::Strs(x) => x.get(i).map_or(V::None, V::Text),
            _ => V::None,
        }
    }

    /// Equality of values; lists are equal item by item.
    pub(crate) fn eq(&self, a: &V<'a>, b: &V<'a>) -> bool {
        match (a, b) {
            (V::None, V::None) => return true,
            (V::Int(x), V::Int(y)) => return x == y,
            (V::Step(x), V::Step(y)) | (V::Event(x), V::Event(y)) => return x == y,
            // Ids compare inline (short) or by address first (shared).
            (V::Off(x), V::Off(y)) => return x == y,
            (V::OwnedOff(_), V::OwnedOff(_) | V::Off(_)) | (V::Off(_), V::OwnedOff(_)) => {
                return self.official(a) == self.official(b);
            }
            (V::Unit(x), V::Unit(y)) => return x == y,
            // `none` against an official, a unit, a text, a number or a
            // date: unequal, without the walks below.
            (V::None, x) | (x, V::None)
                if matches!(
                    x,
                    V::Off(_)
                        | V::Unit(_)
                        | V::Str(_)
                        | V::Text(_)
                        | V::Id(_)
                        | V::Literal(_)
                        | V::Int(_)
                        | V::Date(_)
                ) =>
            {
                return false;
            }
            _ => {}
        }
        if let (Some(x), Some(y)) = (a.text(), b.text()) {
            return x == y;
        }
        if Self::is_list(a) || Self::is_list(b) {
            if !(Self::is_list(a) && Self::is_list(b)) {
                return false;
            }
            let n = self.len_of(a);
            return n == self.len_of(b)
                && (0..n).all(|i| self.eq(&self.item(a, i), &self.item(b, i)));
        }
        eq_scalar(a, b, || (self.key(a), self.key(b)))
    }

    /// Whether `x` is an item of list `l`.
    pub(crate) fn contains(&self, l: &V<'a>, x: &V<'a>) -> bool {
        if let V::List(list) = *l {
            return self.list_items(list).iter().any(|y| self.eq(x, y));
        }
        (0..self.len_of(l)).any(|i| self.eq(x, &self.item(l, i)))
    }

    /// Raises an error: keeps its message for [`Env::take_error`].
    #[cold]
    #[inline(never)]
    pub(crate) fn fail(&self, message: String) -> RuntimeError {
        self.error.set(Some(message.into_boxed_str()));
        RuntimeError(())
    }

    /// The message of the error just raised, for the answer.
    pub(crate) fn take_error(&self) -> String {
        self.error
            .take()
            .map_or_else(|| "evaluation failed".to_owned(), String::from)
    }

    /// A variable's value.
    #[inline]
    fn var(&self, s: usize) -> V<'a> {
        self.vars.get(s).copied().unwrap_or(V::None)
    }

    /// Evaluates a condition in a boolean context: `true` only for `true`.
    ///
    /// Along the spine of `and`s, the last part that was false is recorded
    /// (when explaining), so that [`Env::first_false`] need not evaluate the
    /// condition again.
    pub(crate) fn test(&mut self, mut e: &'a Expr) -> Result<bool, RuntimeError> {
        // Chains of `and` lean right (see `plan::lean_right`): walk them in a loop.
        while let Node::And(a, b) = &e.node {
            // A part is tested here rather than by a call of `test` on it.
            if !self.test_part(a)? {
                if self.explain && !matches!(a.node, Node::And(..)) {
                    self.last_false = Some(a.span);
                }
                return Ok(false);
            }
            e = b;
        }
        let r = self.test_part(e)?;
        if !r && self.explain {
            self.last_false = Some(e.span);
        }
        Ok(r)
    }

    /// Tests a rule's condition (its `when`, an exception's or a
    /// consequence's): compiled when nothing is explained, otherwise as
    /// [`Env::test_top`], which records what the explanation asks for.
    /// `EXPLAIN` is whether the evaluation explains (the engine's own
    /// constant, which [`Env::explain`] holds too).
    #[inline]
    pub(crate) fn test_cond<const EXPLAIN: bool>(
        &mut self,
        c: &'a Cond,
    ) -> Result<bool, RuntimeError> {
        match &c.code {
            Some(code) if !EXPLAIN => code.test(self),
            _ => self.test_top(&c.expr),
        }
    }

    /// The test of the parts of a rule's `when` that the binding cannot
    /// change ([`Code::test_prefix`]); `None` when it has none or is not
    /// compiled.
    #[inline]
    pub(crate) fn test_prefix(&mut self, c: &'a Cond) -> Option<Result<bool, RuntimeError>> {
        c.code.as_ref().and_then(|code| code.test_prefix(self))
    }

    /// A rule's `when` for one binding once [`Env::test_prefix`] was true:
    /// its other parts ([`Code::test_rest`]).
    #[inline]
    pub(crate) fn test_rest(&mut self, c: &'a Cond) -> Result<bool, RuntimeError> {
        match &c.code {
            Some(code) => code.test_rest(self),
            None => self.test_top(&c.expr),
        }
    }

    /// A condition's value (a `who`, a target): compiled when nothing is
    /// explained, otherwise as [`Env::eval`].
    #[inline]
    pub(crate) fn eval_cond<const EXPLAIN: bool>(&mut self, c: &'a Cond) -> R<'a> {
        match &c.code {
            Some(code) if !EXPLAIN => code.value(self),
            _ => self.eval(&c.expr),
        }
    }

    /// Evaluates a condition as the top of a rule's `when`, so that
    /// [`Env::first_false`] can answer from what it recorded. Without an
    /// explanation nothing asks which part was false, so nothing is recorded.
    pub(crate) fn test_top(&mut self, e: &'a Expr) -> Result<bool, RuntimeError> {
        if !self.explain {
            return self.test(e);
        }
        self.last_false = None;
        let r = self.test(e);
        self.last_top = match r {
            Ok(false) => Some(std::ptr::from_ref(e)),
            _ => None,
        };
        r
    }

    #[inline(always)]
    fn test_part(&mut self, e: &'a Expr) -> Result<bool, RuntimeError> {
        Ok(match &e.node {
            Node::And(a, b) => self.test(a)? && self.test(b)?,
            Node::Or(a, b) => self.test(a)? || self.test(b)?,
            Node::Not(a) => !self.test(a)?,
            Node::Lit(Lit::Bool(b)) => *b,
            Node::Cmp(op, a, b) => {
                let x = self.operand(a)?;
                match (&b.node, op) {
                    // `x == none`, `x != none`: only `none` equals `none`.
                    (Node::Lit(Lit::None), Cmp::Eq) => matches!(x, V::None),
                    (Node::Lit(Lit::None), Cmp::Ne) => !matches!(x, V::None),
                    (Node::Lit(Lit::Str(k)), _) => compare(self, *op, &x, &V::Literal(k)),
                    _ => {
                        let y = self.operand(b)?;
                        compare(self, *op, &x, &y)
                    }
                }
            }
            Node::FieldIs(s, f, eq, k, _) => {
                let x = self.field(self.var(*s), *f);
                let same = match (k, &x) {
                    (None, x) => matches!(x, V::None),
                    (Some(k), x) => match x.text() {
                        Some(t) => t == *k,
                        None => self.eq_text(x, k),
                    },
                };
                same == *eq
            }
            Node::In(..) | Node::Quant(Quant::Exists | Quant::All, ..) => self.test_other(e)?,
            _ => self.eval(e)?.truthy(),
        })
    }

    /// The rarer parts of [`Env::test_part`] (`in`, `exists`, `all`), out of
    /// line so that the common comparisons stay in a small function.
    #[inline(never)]
    fn test_other(&mut self, e: &'a Expr) -> Result<bool, RuntimeError> {
        Ok(match &e.node {
            Node::In(a, b) => {
                let x = self.eval(a)?;
                let l = self.eval(b)?;
                self.contains(&l, &x)
            }
            Node::Quant(q @ (Quant::Exists | Quant::All), s, src, cond) => {
                let items = self.eval(src)?;
                let cond = cond.as_deref();
                self.exists_or_all(*q == Quant::Exists, *s, items, |env| env.test_opt(cond))?
            }
            _ => self.eval(e)?.truthy(),
        })
    }

    /// Tests `cond`; `true` when there is none (a quantifier or map without `where`).
    #[inline]
    fn test_opt(&mut self, cond: Option<&'a Expr>) -> Result<bool, RuntimeError> {
        match cond {
            Some(c) => self.test(c),
            None => Ok(true),
        }
    }

    /// `exists` (`exists` true) or `all` over `items`, each bound to slot
    /// `s` and tested by `cond`. The interpreter and the compiled
    /// conditions (`code.rs`) both walk lists here and in
    /// [`Env::quantify`] and [`Env::map_list`], with their own `cond`.
    #[inline]
    fn exists_or_all(
        &mut self,
        exists: bool,
        s: usize,
        items: V<'a>,
        mut cond: impl FnMut(&mut Self) -> Result<bool, RuntimeError>,
    ) -> Result<bool, RuntimeError> {
        let group = self.event_group(&items);
        let n = group.map_or_else(|| self.len_of(&items), |g| g.events.len());
        for i in 0..n {
            if group.is_some_and(|g| !g.holds(self.facts, i)) {
                continue;
            }
            self.bind(&items, group, i, s);
            if cond(self)? == exists {
                return Ok(exists);
            }
        }
        Ok(!exists)
    }

    /// How many of `items`, each bound to slot `s`, `cond` holds for
    /// ([`Quant::Count`] as [`Env::quantify`] counts, without its other arms).
    #[inline]
    fn count(
        &mut self,
        s: usize,
        items: V<'a>,
        mut cond: impl FnMut(&mut Self) -> Result<bool, RuntimeError>,
    ) -> Result<i64, RuntimeError> {
        let group = self.event_group(&items);
        let n = group.map_or_else(|| self.len_of(&items), |g| g.events.len());
        let mut count = 0i64;
        for i in 0..n {
            if group.is_some_and(|g| !g.holds(self.facts, i)) {
                continue;
            }
            self.bind(&items, group, i, s);
            if cond(self)? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// Quantifier `q` over `items`, each bound to slot `s` and tested by
    /// `cond`: a boolean, a count, an item, or a filtered list.
    #[inline]
    fn quantify(
        &mut self,
        q: Quant,
        s: usize,
        items: V<'a>,
        mut cond: impl FnMut(&mut Self) -> Result<bool, RuntimeError>,
    ) -> R<'a> {
        let group = self.event_group(&items);
        let n = group.map_or_else(|| self.len_of(&items), |g| g.events.len());
        let mut count = 0i64;
        // A filter's kept items, pushed to `building` from here.
        let mark = self.start_list();
        let mut last = None;
        for i in 0..n {
            if group.is_some_and(|g| !g.holds(self.facts, i)) {
                continue;
            }
            self.bind(&items, group, i, s);
            let ok = match cond(self) {
                Ok(ok) => ok,
                Err(e) => {
                    self.building.truncate(mark);
                    return Err(e);
                }
            };
            let it = self.var(s);
            match q {
                Quant::Exists if ok => return Ok(V::True),
                Quant::All if !ok => return Ok(V::False),
                Quant::First if ok => return Ok(it),
                Quant::Last if ok => last = Some(it),
                Quant::Count if ok => count += 1,
                Quant::Filter if ok => self.building.push(it),
                _ => {}
            }
        }
        Ok(match q {
            Quant::Exists => V::False,
            Quant::All => V::True,
            Quant::First => V::None,
            Quant::Last => last.unwrap_or(V::None),
            Quant::Count => V::Int(count),
            Quant::Filter => return self.finish_list(mark),
        })
    }

    /// `[head for x in items where cond]`, `x` in slot `s`: the values of
    /// `head` for the items `cond` holds for, without `none`.
    #[inline]
    fn map_list(
        &mut self,
        s: usize,
        items: V<'a>,
        mut cond: impl FnMut(&mut Self) -> Result<bool, RuntimeError>,
        mut head: impl FnMut(&mut Self) -> R<'a>,
    ) -> R<'a> {
        let group = self.event_group(&items);
        let n = group.map_or_else(|| self.len_of(&items), |g| g.events.len());
        self.build_list(|env| {
            for i in 0..n {
                if group.is_some_and(|g| !g.holds(env.facts, i)) {
                    continue;
                }
                env.bind(&items, group, i, s);
                if cond(env)? {
                    let v = head(env)?;
                    if !matches!(v, V::None) {
                        env.building.push(v);
                    }
                }
            }
            Ok(())
        })
    }

    /// `x + y` for lists: their items, in order, as a new list.
    fn concat(&mut self, x: V<'a>, y: V<'a>) -> R<'a> {
        self.build_list(|env| {
            for v in [x, y] {
                for i in 0..env.len_of(&v) {
                    let it = env.item(&v, i);
                    env.building.push(it);
                }
            }
            Ok(())
        })
    }

    /// `x + y` (`add`) or `x - y` for numbers (`none` for anything else);
    /// an overflow is an error.
    #[inline]
    fn arith(&self, add: bool, x: V<'a>, y: V<'a>) -> R<'a> {
        Ok(match (x, y) {
            (V::Int(p), V::Int(q)) => {
                let r = if add {
                    p.checked_add(q)
                } else {
                    p.checked_sub(q)
                };
                r.map(V::Int)
                    .ok_or_else(|| self.fail("integer overflow".into()))?
            }
            _ => V::None,
        })
    }

    /// The value of parameter `i` in force on the act date.
    #[inline]
    fn param(&self, i: usize) -> R<'a> {
        match self.params.get(i).copied().flatten() {
            Some(v) => Ok(V::Int(v)),
            None => Err(self.fail(format!(
                "parameter #{i} has no value in force on the act date"
            ))),
        }
    }

    /// Where the value of memo slot `slot` is kept for the bound step or
    /// finding: in its own row, or for a slot shared by an official's
    /// findings ([`Env::keyed_from`]), in the row of the official's first.
    #[inline]
    fn memo_at(&self, slot: usize) -> Option<usize> {
        let row = if slot >= self.keyed_from {
            self.memo_key_row
        } else {
            self.memo_row
        };
        row.map(|r| r + slot)
    }

    /// A shared sub-expression ([`Node::Memo`], slot `slot`): the value kept
    /// for the bound step or finding, or `compute`d and kept. Errors are not
    /// kept: the next use computes (and fails) again.
    #[inline]
    fn memo_or(&mut self, slot: usize, compute: impl FnOnce(&mut Self) -> R<'a>) -> R<'a> {
        let at = self.memo_at(slot);
        if let Some(v) = at.and_then(|i| self.memo.get(i)).and_then(Option::as_ref) {
            return Ok(*v);
        }
        let v = compute(self)?;
        if let Some(cell) = at.and_then(|i| self.memo.get_mut(i)) {
            *cell = Some(v);
        }
        Ok(v)
    }

    /// The events of kind `k` of step value `b`; for any other value, what
    /// `.events` of it gives (the condition tests the kind anyway).
    #[inline]
    fn step_kind_source(&mut self, b: V<'a>, k: usize) -> V<'a> {
        match b {
            // Steps and kinds are counted in `u32` by the facts.
            V::Step(s) => V::StepKindEvents(Pair::new(s as u32, k as u32)),
            other => self.field(other, F::SEvents),
        }
    }

    /// Binds item `i` of `items` to slot `s`: one step of a quantifier or
    /// a map. `group` is `items` as a group of events
    /// ([`Env::event_group`]), read in place when there is one.
    #[inline]
    fn bind(&mut self, items: &V<'a>, group: Option<Group<'f>>, i: usize, s: usize) {
        let it = match group {
            Some(g) => g.events.get(i).map_or(V::None, |&e| V::Event(e as usize)),
            None => self.item(items, i),
        };
        self.set(s, it);
    }

    /// Evaluates an operand of a comparison: a field of a variable (the
    /// common case, e.g. `step.assignee`) is read without going through
    /// [`Env::eval`].
    #[inline(always)]
    fn operand(&mut self, e: &'a Expr) -> R<'a> {
        if let Node::Field(b, f) = &e.node
            && let Node::Var(s) = &b.node
        {
            return Ok(self.field(self.var(*s), *f));
        }
        self.eval(e)
    }

    /// Sets a variable slot.
    #[inline]
    fn set(&mut self, s: usize, v: V<'a>) {
        if let Some(slot_v) = self.vars.get_mut(s) {
            *slot_v = v;
        } else {
            if self.vars.len() <= s {
                self.vars.resize(s + 1, V::None);
            }
            if let Some(slot_v) = self.vars.get_mut(s) {
                *slot_v = v;
            }
        }
    }

    /// Evaluates an expression. The common nodes are handled here; the rest
    /// in [`Env::eval_other`], kept out of line so that this stays small.
    pub(crate) fn eval(&mut self, e: &'a Expr) -> R<'a> {
        match &e.node {
            Node::Var(s) => Ok(self.var(*s)),
            Node::Field(b, f) => Ok(match &b.node {
                Node::Var(s) => self.field(self.var(*s), *f),
                _ => {
                    let base = self.eval(b)?;
                    self.field(base, *f)
                }
            }),
            Node::Lit(l) => Ok(match l {
                Lit::None => V::None,
                Lit::Bool(b) => V::bool(*b),
                Lit::Int(n) => V::Int(*n),
                Lit::Date(d) => V::date(*d),
                Lit::Str(s) => V::Literal(s),
            }),
            Node::KindEvents(k) => Ok(V::KindEvents(*k)),
            // A shared value already computed for the bound step or finding.
            Node::Memo(slot, _)
                if let Some(Some(v)) = self.memo_at(*slot).and_then(|i| self.memo.get(i)) =>
            {
                Ok(*v)
            }
            Node::Param(i) if let Some(Some(v)) = self.params.get(*i) => Ok(V::Int(*v)),
            Node::And(..)
            | Node::Or(..)
            | Node::Not(_)
            | Node::Cmp(..)
            | Node::FieldIs(..)
            | Node::In(..)
            | Node::Quant(Quant::Exists | Quant::All, ..) => Ok(V::bool(self.test(e)?)),
            // Each in a small function of its own rather than through `eval_other`.
            Node::Call(f, args) => self.eval_call(*f, args),
            Node::Memo(slot, inner) => self.eval_memo(*slot, inner),
            Node::If(c, a, b) => self.eval_if(c, a, b),
            _ => self.eval_other(e),
        }
    }

    /// A function call: its arguments, then the function.
    #[inline(never)]
    fn eval_call(&mut self, f: Func, args: &'a [Expr]) -> R<'a> {
        let mut vs = [V::None, V::None, V::None, V::None];
        for (slot_v, a) in vs.iter_mut().zip(args) {
            *slot_v = self.eval(a)?;
        }
        self.call(f, &vs)
    }

    /// A shared sub-expression: the value kept for the bound step or
    /// finding, or computed and kept.
    #[inline(never)]
    fn eval_memo(&mut self, slot: usize, inner: &'a Expr) -> R<'a> {
        self.memo_or(slot, |env| env.eval(inner))
    }

    /// `if c then a else b`.
    #[inline(never)]
    fn eval_if(&mut self, c: &'a Expr, a: &'a Expr, b: &'a Expr) -> R<'a> {
        if self.test(c)? {
            self.eval(a)
        } else {
            self.eval(b)
        }
    }

    #[inline(never)]
    fn eval_other(&mut self, e: &'a Expr) -> R<'a> {
        Ok(match &e.node {
            Node::KindEvents(k) => V::KindEvents(*k),
            // The step's events of one kind; for any other value, what
            // `.events` of it gives (the condition tests the kind anyway).
            Node::StepKindEvents(b, k) => {
                let b = self.eval(b)?;
                self.step_kind_source(b, *k)
            }
            Node::Memo(slot, inner) => return self.eval_memo(*slot, inner),
            Node::Lit(l) => match l {
                Lit::None => V::None,
                Lit::Bool(b) => V::bool(*b),
                Lit::Int(n) => V::Int(*n),
                Lit::Date(d) => V::date(*d),
                Lit::Str(s) => V::Literal(s),
            },
            Node::Var(s) => self.var(*s),
            Node::Param(i) => return self.param(*i),
            Node::Field(b, f) => {
                let base = self.eval(b)?;
                self.field(base, *f)
            }
            Node::Call(f, args) => return self.eval_call(*f, args),
            Node::Len(a) => {
                let l = self.eval(a)?;
                V::Int(i64::try_from(self.len_of(&l)).unwrap_or(i64::MAX))
            }
            Node::And(..)
            | Node::Or(..)
            | Node::Not(_)
            | Node::Cmp(..)
            | Node::FieldIs(..)
            | Node::In(..)
            | Node::Quant(Quant::Exists | Quant::All, ..) => V::bool(self.test(e)?),
            Node::Add(a, b) | Node::Sub(a, b) => {
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                return self.arith(matches!(e.node, Node::Add(..)), x, y);
            }
            Node::DateAdd(a, b, plus) => date_add(self.eval(a)?, self.eval(b)?, *plus),
            Node::If(c, a, b) => return self.eval_if(c, a, b),
            Node::Concat(..) | Node::List(_) | Node::Map(..) | Node::Quant(..) => {
                return self.eval_lists(e);
            }
        })
    }

    /// The nodes that build or walk lists (`+` of lists, `[…]`, maps and
    /// the quantifiers other than `exists` and `all`), out of line so that
    /// [`Env::eval_other`] stays small.
    #[inline(never)]
    fn eval_lists(&mut self, e: &'a Expr) -> R<'a> {
        match &e.node {
            Node::Concat(a, b) => {
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                self.concat(x, y)
            }
            Node::List(items) => self.build_list(|env| {
                for it in items {
                    let v = env.eval(it)?;
                    env.building.push(v);
                }
                Ok(())
            }),
            Node::Map(head, s, src, cond) => {
                let items = self.eval(src)?;
                let cond = cond.as_deref();
                self.map_list(*s, items, |env| env.test_opt(cond), |env| env.eval(head))
            }
            Node::Quant(q, s, src, cond) => {
                let items = self.eval(src)?;
                let cond = cond.as_deref();
                self.quantify(*q, *s, items, |env| env.test_opt(cond))
            }
            // Only the nodes above are sent here (by `eval_other`).
            _ => Err(self.fail("internal: not a list node".into())),
        }
    }

    /// A field of a value: dispatches on the kind of value, each kind in a
    /// small function of its own.
    #[inline]
    fn field(&mut self, base: V<'a>, f: F) -> V<'a> {
        match base {
            V::None => V::None,
            V::Task => self.task_field(f),
            V::Step(i) => self.step_field(i, f),
            V::Event(i) => self.event_field(i, f),
            V::Finding(i) => self.finding_field(i, f),
            _ => self.other_field(&base, f),
        }
    }

    /// Fields of the task (`task.*`).
    #[inline(never)]
    fn task_field(&self, f: F) -> V<'a> {
        self.task_field_at(f)
    }

    /// The body of [`Env::task_field`], inlined where a compiled condition
    /// reads one field it names (`code.rs`), so that the choice of field
    /// is made at load.
    #[inline(always)]
    fn task_field_at(&self, f: F) -> V<'a> {
        let facts = self.facts;
        let task = self.task;
        match f {
            F::TId => V::Id(task.id.id_text()),
            F::TTitle => V::Text(&task.title),
            F::TUnit => V::Unit(&task.unit),
            F::TField => V::Field(&task.field),
            F::TCompetentUnit => V::Unit(&task.competent_unit),
            F::TOrigin => V::Str(origin_name(task.origin)),
            F::TReceived => V::date(facts.task.received),
            F::TDue => opt_date(facts.task.due),
            F::TEffectiveDue => opt_date(facts.task.effective_due),
            F::TCurrentDue => opt_date(facts.task.current_due),
            F::TClosed => opt_date(facts.task.closed),
            F::TLateDays => V::Int(facts.task.late_days),
            F::TOverdue => V::bool(facts.task.late_days > 0),
            F::TStoppedDays => V::Int(facts.task.clock_stopped_days),
            F::TSteps => V::Steps,
            F::TStakeholders => V::Units(&task.stakeholders),
            F::TMandatory => V::Units(&task.legal.mandatory_consultees),
            F::TSuperiorApproval => V::bool(task.legal.superior_approval.is_some()),
            F::TNew => V::bool(task.flags.new),
            F::TDifficult => V::bool(task.flags.difficult),
            F::TUnprecedented => V::bool(task.flags.unprecedented),
            F::TPilot => V::bool(task.flags.pilot),
            F::TIncompleteLegal => V::bool(task.flags.incomplete_legal_basis),
            F::TNovel => V::bool(task.flags.any()),
            F::TAssignedBy => opt_off(task.assigned_by.as_ref()),
            F::TExtensions => V::Int(facts.task.extensions),
            F::TApologies => V::Int(facts.task.apologies),
            F::TEnd => V::date(facts.end),
            F::TPublished => V::Strs(&task.legal.published_documents),
            _ => V::None,
        }
    }

    /// Fields of a step (`step.*`, `p.*` over `task.steps`).
    #[inline(never)]
    fn step_field(&self, i: usize, f: F) -> V<'a> {
        self.step_field_at(i, f)
    }

    /// The body of [`Env::step_field`], inlined where a compiled condition
    /// reads one field it names (`code.rs`), so that the choice of field
    /// is made at load.
    #[inline(always)]
    fn step_field_at(&self, ix: usize, f: F) -> V<'a> {
        let facts = self.facts;
        let Some(s) = self.step(ix) else {
            return V::None;
        };
        match f {
            F::SId => V::Id(s.id.id_text()),
            F::SKind => match &s.kind {
                StepKind::Other(name) => V::Text(name),
                k => V::Str(k.builtin_name_ref().unwrap_or(&"")),
            },
            // A step's index is below `u32::MAX` (the facts count steps in `u32`).
            F::SIndex => V::Int(ix as i64),
            F::SAssignee => opt_off(s.assignee.as_ref()),
            F::SDeputy => opt_off(s.deputy.as_ref()),
            F::SCollective => opt_unit(s.collective.as_ref()),
            F::SDue => opt_date(s.due),
            F::SEvents => V::StepEvents(ix),
            F::SStarted => opt_date(facts.step_started.get(ix).copied().flatten()),
            F::SCompleted => opt_date(facts.step_completed.get(ix).copied().flatten()),
            F::SDate => V::date(facts.step_date(ix)),
            F::SDone => opt_date(facts.step_done.get(ix).copied().flatten()),
            _ => V::None,
        }
    }

    /// Fields of an event (`e.*`, `x.*` over events).
    #[inline(never)]
    fn event_field(&mut self, i: usize, f: F) -> V<'a> {
        self.event_field_at(i, f)
    }

    /// The body of [`Env::event_field`], inlined where a compiled condition
    /// reads one field it names (`code.rs`), so that the choice of field
    /// is made at load.
    #[inline(always)]
    fn event_field_at(&mut self, i: usize, f: F) -> V<'a> {
        let facts = self.facts;
        let case = facts.case;
        let org = case.org();
        let empty = V::Empty;
        let Some(e) = self.event(i) else {
            return V::None;
        };
        let k = &e.kind;
        match f {
            F::EId => V::Id(e.id.id_text()),
            F::EKind => EventKind::NAMES.get(k.index()).map_or(V::None, V::Str),
            F::EActor => V::Off(&e.actor),
            // Events are counted in `u32` by the facts.
            F::EStep => facts
                .step_of_event(i as u32)
                .map_or(V::None, |s| V::Step(s as usize)),
            F::EDate => facts.event_dates.get(i).copied().map_or(V::None, V::date),
            F::EIndex => V::Int(i as i64),
            F::ETo => match k {
                EventKind::Assigned { to }
                | EventKind::InstructionRequested { to, .. }
                | EventKind::OrderGiven { to } => V::Off(to),
                EventKind::Reminder { to } => opt_off(to.as_ref()),
                _ => V::None,
            },
            F::EToUnit => match k {
                EventKind::TransferredUp { to_unit }
                | EventKind::TransferredSideways { to_unit } => V::Unit(to_unit),
                EventKind::Returned { to_unit, .. } => opt_unit(to_unit.as_ref()),
                _ => V::None,
            },
            F::EReason => match k {
                EventKind::Declined { reason, .. }
                | EventKind::Returned { reason, .. }
                | EventKind::DeadlineExtended { reason, .. }
                | EventKind::ObstacleCertified { reason, .. }
                | EventKind::WrittenObjection { reason, .. } => V::Text(reason),
                _ => V::None,
            },
            F::ELegalBasis => match k {
                EventKind::Declined { legal_basis, .. }
                | EventKind::Returned { legal_basis, .. } => {
                    legal_basis.as_ref().map_or(V::None, V::Text)
                }
                _ => V::None,
            },
            F::EAddressees => match k {
                EventKind::ConsultationRequested { addressees, .. } => V::Units(addressees),
                _ => empty,
            },
            F::EReplyBy => match k {
                EventKind::ConsultationRequested { reply_by, .. } => opt_date(*reply_by),
                _ => V::None,
            },
            F::EUnit => match k {
                EventKind::ConsultationReplied { unit, .. } => V::Unit(unit),
                _ => V::None,
            },
            F::EPosition => match k {
                EventKind::ConsultationReplied { position, .. } => V::Str(match position {
                    crate::model::ReplyPosition::Clear => &"clear",
                    crate::model::ReplyPosition::Vague => &"vague",
                }),
                _ => V::None,
            },
            F::ERequest => match k {
                EventKind::ConsultationReplied {
                    request: Some(r), ..
                } => case
                    .events()
                    .iter()
                    .take(facts.n_events)
                    .position(|x| &x.id == r)
                    .and_then(|p| u32::try_from(p).ok())
                    .map_or(V::None, |p| V::Event(p as usize)),
                _ => V::None,
            },
            F::ERecommendation => V::bool(matches!(
                k,
                EventKind::ProposalSubmitted {
                    recommendation: true
                }
            )),
            F::EInPrincipleOnly => V::bool(matches!(
                k,
                EventKind::DecisionIssued {
                    in_principle_only: true
                }
            )),
            F::EMode => match k {
                EventKind::Signed { mode, .. } => V::Str(signing_name(*mode)),
                _ => V::None,
            },
            F::EDelegation => match k {
                EventKind::Signed {
                    delegation: Some(d),
                    ..
                } => org.delegation(d).map_or(V::None, V::Del),
                _ => V::None,
            },
            F::ENewDeadline => match k {
                EventKind::DeadlineExtended { new_deadline, .. } => V::date(*new_deadline),
                _ => V::None,
            },
            F::ENewReturnDate => match k {
                EventKind::ApologyIssued { new_return_date } => V::date(*new_return_date),
                _ => V::None,
            },
            F::EAnswerBy => match k {
                EventKind::InstructionRequested { answer_by, .. } => opt_date(*answer_by),
                _ => V::None,
            },
            F::ESuperior => match k {
                EventKind::WrittenObjection { superior, .. } => V::Off(superior),
                _ => V::None,
            },
            F::EApprovedBy => match k {
                EventKind::InnovationApproved { approved_by } => V::Off(approved_by),
                _ => V::None,
            },
            F::EForceMajeure => V::bool(matches!(
                k,
                EventKind::ObstacleCertified {
                    force_majeure: true,
                    ..
                }
            )),
            F::EInFavour => match k {
                EventKind::Vote { in_favour, .. } => V::Offs(in_favour),
                _ => empty,
            },
            F::EDissent => match k {
                EventKind::Vote { dissent, .. } => V::Offs(dissent),
                _ => empty,
            },
            F::ECollective => match k {
                EventKind::Vote { collective, .. } => V::Unit(collective),
                _ => V::None,
            },
            F::EDocuments => match k {
                EventKind::SupplementRequested { documents } => V::Strs(documents),
                _ => empty,
            },
            F::ESpoke | F::ESilent => match k {
                EventKind::MeetingHeld { items, .. } => {
                    let mark = self.start_list();
                    for it in items {
                        let src = if f == F::ESpoke {
                            &it.spoke
                        } else {
                            &it.silent
                        };
                        for o in src {
                            let seen = self.building.get(mark..).unwrap_or(&[]);
                            if !seen.iter().any(|x| matches!(x, V::Off(p) if *p == o)) {
                                self.building.push(V::Off(o));
                            }
                        }
                    }
                    // Only past u32::MAX list items in one evaluation is
                    // there no list to give (see `finish_list`).
                    self.finish_list(mark).unwrap_or(V::None)
                }
                _ => empty,
            },
            F::EAbsent => match k {
                EventKind::MeetingHeld {
                    absent_with_leave, ..
                } => V::Offs(absent_with_leave),
                _ => empty,
            },
            F::ERecused => match k {
                EventKind::MeetingHeld { recused, .. } => V::Offs(recused),
                _ => empty,
            },
            F::EDocument => e.document.as_ref().map_or(V::None, V::Text),
            F::EItems => match k {
                EventKind::MeetingHeld { items, .. } => V::Items(Pair::new(
                    i as u32,
                    u32::try_from(items.len()).unwrap_or(u32::MAX),
                )),
                _ => empty,
            },
            _ => V::None,
        }
    }

    /// Fields of a finding (`finding.*`, `f.*` over `findings`).
    #[inline(never)]
    fn finding_field(&self, i: usize, f: F) -> V<'a> {
        self.finding_field_at(i, f)
    }

    /// The body of [`Env::finding_field`], inlined where a compiled condition
    /// reads one field it names (`code.rs`), so that the choice of field
    /// is made at load.
    #[inline(always)]
    fn finding_field_at(&self, i: usize, f: F) -> V<'a> {
        let Some(x) = self.findings.get(i) else {
            return V::None;
        };
        match f {
            F::FRule => V::Str(x.rule),
            F::FBehaviour => named(Behaviour::NAMES, x.behaviour as usize),
            F::FSeverity => named(Severity::NAMES, x.severity as usize),
            F::FOfficial => V::Off(x.official),
            F::FStep => x.step.map_or(V::None, |s| V::Step(s as usize)),
            F::FEvidence => V::Evidence(i),
            F::FDate => V::date(x.date),
            _ => V::None,
        }
    }

    /// Fields of units, officials, delegations and agenda items.
    #[inline(never)]
    fn other_field(&self, base: &V<'a>, f: F) -> V<'a> {
        let facts = self.facts;
        let case = facts.case;
        let org = case.org();
        match (base, f) {
            (&V::None, _) => V::None,
            (&V::Item(x), f) => {
                let (ei, ii) = x.get();
                let item = match self.event(ei as usize).map(|e| &e.kind) {
                    Some(EventKind::MeetingHeld { items, .. }) => items.get(ii as usize),
                    _ => None,
                };
                let Some(item) = item else { return V::None };
                match f {
                    F::ITitle => V::Text(&item.title),
                    F::IField => item.field.as_ref().map_or(V::None, V::Field),
                    F::ISpoke => V::Offs(&item.spoke),
                    F::ISilent => V::Offs(&item.silent),
                    _ => V::None,
                }
            }
            (&V::Off(o), f) => self.official_field(o, f),
            (&V::OwnedOff(i), f) => match f {
                F::OId => V::OwnedOff(i),
                _ => match self.owned.get(i).and_then(|o| org.official(o)) {
                    Some(x) => self.official_field(&x.id, f),
                    None => V::None,
                },
            },
            (&V::Unit(u), f) => match org.unit(u) {
                None => V::None,
                Some(unit) => match f {
                    F::UId => V::Id(unit.id.id_text()),
                    F::UName => V::Text(&unit.name),
                    F::UKind => V::Str(unit_kind_name(&unit.kind)),
                    F::UParent => opt_unit(unit.parent.as_ref()),
                    F::UCollective => V::bool(unit.collective),
                    _ => V::None,
                },
            },
            (&V::Del(d), f) => match f {
                F::DId => V::Id(d.id.id_text()),
                F::DFrom => V::Off(&d.from),
                F::DTo => V::Off(&d.to),
                F::DMode => V::Str(signing_name(d.mode)),
                F::DRedelegable => V::bool(d.redelegable),
                F::DParent => d
                    .parent
                    .as_ref()
                    .and_then(|p| org.delegation(p))
                    .map_or(V::None, V::Del),
                F::DValidFrom => V::date(d.valid_from),
                F::DValidUntil => V::date(d.valid_until),
                _ => V::None,
            },
            _ => V::None,
        }
    }

    fn official_field(&self, o: &'a OfficialId, f: F) -> V<'a> {
        let Some(x) = self.facts.case.org().official(o) else {
            return V::None;
        };
        match f {
            F::OId => V::Id(x.id.id_text()),
            F::OName => V::Text(&x.name),
            F::OCategory => V::Str(match x.category {
                crate::model::Category::CanBo => &"can_bo",
                crate::model::Category::CongChuc => &"cong_chuc",
                crate::model::Category::VienChuc => &"vien_chuc",
            }),
            F::OPartyMember => V::bool(x.party_member),
            _ => V::None,
        }
    }

    /// Function `f` on its arguments (`none` after the last), read in place.
    #[inline(never)]
    fn call(&self, f: Func, args: &[V<'a>; 4]) -> R<'a> {
        self.call_at(f, args)
    }

    /// The body of [`Env::call`], inlined where a compiled condition calls
    /// one function it names (`code.rs`), so that the choice of function
    /// is made at load and the arguments stay in registers.
    #[inline(always)]
    pub(crate) fn call_at(&self, f: Func, args: &[V<'a>; 4]) -> R<'a> {
        let facts = self.facts;
        let org = facts.case.org();
        let cal = facts.cal;
        let calerr = |e: crate::calendar::CalendarError| self.fail(e.to_string());
        let [a0, a1, a2, a3] = args;
        Ok(match f {
            Func::WorkingDays => match (a0, a1) {
                (&V::Date(a), &V::Date(b)) => V::Int(
                    cal.working_days_between(a.date(), b.date())
                        .map_err(calerr)?,
                ),
                _ => V::None,
            },
            Func::StoppedDays => match (a0, a1) {
                (&V::Date(a), &V::Date(b)) => V::Int(facts.stopped_within(a.date(), b.date())),
                _ => V::None,
            },
            Func::AddWorkingDays => match (a0, a1) {
                (&V::Date(d), &V::Int(n)) => {
                    let n = u32::try_from(n)
                        .map_err(|_| self.fail(format!("cannot add {n} working days")))?;
                    V::date(cal.add_working_days(d.date(), n).map_err(calerr)?)
                }
                _ => V::None,
            },
            Func::IsWorkingDay => match a0 {
                &V::Date(d) => V::bool(cal.is_working_day(d.date()).map_err(calerr)?),
                _ => V::None,
            },
            Func::HeadOf | Func::ActingHeadOf => match (a0, a1) {
                (&V::Unit(u), &V::Date(d)) => {
                    let role = if f == Func::HeadOf {
                        Role::Head
                    } else {
                        Role::ActingHead
                    };
                    org.holder(u, role, d.date()).map_or(V::None, V::Off)
                }
                _ => V::None,
            },
            Func::DeputyFor => match (a0, a1, a2) {
                (&V::Unit(u), &V::Field(fl), &V::Date(d)) => {
                    org.deputy_for(u, fl, d.date()).map_or(V::None, V::Off)
                }
                _ => V::None,
            },
            Func::Holds => {
                let (o, r, u, d) = (a0, a1, a2, a3);
                match (self.official(o), r.text(), u, d) {
                    (Some(o), Some(role), &V::Unit(u), &V::Date(d)) => V::bool(
                        org.positions_of(o, d.date())
                            .any(|p| &p.unit == u && *role_name(p.role) == role),
                    ),
                    _ => V::False,
                }
            }
            Func::ServesIn => {
                let (o, u, d) = (a0, a1, a2);
                match (self.official(o), u, d) {
                    (Some(o), &V::Unit(u), &V::Date(d)) => {
                        V::bool(org.serves_within(o, u, d.date()))
                    }
                    _ => V::False,
                }
            }
            Func::Competent => match (a0, a1) {
                (&V::Unit(u), &V::Field(fl)) => V::bool(org.competent(u, fl)),
                _ => V::False,
            },
            Func::Within => match (a0, a1) {
                (&V::Unit(u), &V::Unit(a)) => V::bool(org.within(u, a)),
                _ => V::False,
            },
            Func::SuperiorOf => match (a0, a1) {
                (&V::Unit(a), &V::Unit(b)) => V::bool(a != b && org.within(b, a)),
                _ => V::False,
            },
            Func::Delegated => {
                let (o, fl, d) = (a0, a1, a2);
                match (self.official(o), fl, d) {
                    (Some(o), &V::Field(fl), &V::Date(d)) => {
                        V::bool(org.delegations_to(o, fl, d.date()).next().is_some())
                    }
                    _ => V::False,
                }
            }
            Func::IsLeader => {
                let (o, d) = (a0, a1);
                match (self.official(o), d) {
                    (Some(o), &V::Date(d)) => V::bool(org.positions_of(o, d.date()).any(|p| {
                        matches!(
                            p.role,
                            Role::Head | Role::Deputy | Role::ActingHead | Role::OfficeHead
                        )
                    })),
                    _ => V::False,
                }
            }
            Func::HeadOver => {
                let (o, d) = (a0, a1);
                match (self.official(o), d) {
                    (Some(o), &V::Date(d)) => org.head_over(o, d.date()).map_or(V::None, V::Off),
                    _ => V::None,
                }
            }
            Func::IsHead => {
                let (o, d) = (a0, a1);
                match (self.official(o), d) {
                    (Some(o), &V::Date(d)) => V::bool(
                        org.positions_of(o, d.date())
                            .any(|p| matches!(p.role, Role::Head | Role::ActingHead)),
                    ),
                    _ => V::False,
                }
            }
            Func::HeadOfOfficial => {
                let (o, d) = (a0, a1);
                match (self.official(o), d) {
                    (Some(o), &V::Date(d)) => org.head_for(o, d.date()).map_or(V::None, V::Off),
                    _ => V::None,
                }
            }
            Func::DeputyOver => {
                let (o, fl, d) = (a0, a1, a2);
                match (self.official(o), fl, d) {
                    (Some(o), &V::Field(fl), &V::Date(d)) => {
                        org.deputy_over(o, fl, d.date()).map_or(V::None, V::Off)
                    }
                    _ => V::None,
                }
            }
            Func::ManagingUnit => {
                let (o, d) = (a0, a1);
                match (self.official(o), d) {
                    (Some(o), &V::Date(d)) => org
                        .managing_unit_near(o, d.date(), Some(&facts.case.task().unit))
                        .map_or(V::None, V::Unit),
                    _ => V::None,
                }
            }
            Func::LedUnit => {
                let (o, d) = (a0, a1);
                match (self.official(o), d) {
                    (Some(o), &V::Date(d)) => {
                        let d = d.date();
                        org.positions_of(o, d)
                            .find(|p| matches!(p.role, Role::Head | Role::ActingHead))
                            .map(|p| &p.unit)
                            .or_else(|| org.managing_unit(o, d))
                            .map_or(V::None, V::Unit)
                    }
                    _ => V::None,
                }
            }
            Func::Len => V::None,
            Func::Max | Func::Min => match (a0, a1) {
                (&V::Int(a), &V::Int(b)) => {
                    V::Int(if f == Func::Max { a.max(b) } else { a.min(b) })
                }
                _ => V::None,
            },
        })
    }

    /// The span of the first part that made a condition false: the part
    /// recorded when `e` was the last condition [`Env::test_top`] found
    /// false, otherwise found by evaluating again.
    pub(crate) fn first_false(&mut self, e: &'a Expr) -> crate::policy::expr::Span {
        if self.last_top == Some(std::ptr::from_ref(e))
            && let Some(span) = self.last_false
        {
            // Debug builds (the test suite) check the record against a fresh evaluation.
            debug_assert_eq!(span, self.first_false_again(e), "recorded first-false part");
            return span;
        }
        self.first_false_again(e)
    }

    fn first_false_again(&mut self, e: &'a Expr) -> crate::policy::expr::Span {
        match &e.node {
            Node::And(a, b) => {
                if !self.test(a).unwrap_or(false) {
                    self.first_false_again(a)
                } else {
                    self.first_false_again(b)
                }
            }
            _ => e.span,
        }
    }
}

/// Name `i` of `names` (a vocabulary's names, in the order of its
/// variants), as a text value.
fn named(names: &'static [&'static str], i: usize) -> V<'static> {
    names.get(i).map_or(V::None, V::Str)
}

/// The name of an origin, as a text value holds it.
pub(crate) fn origin_name(o: crate::model::Origin) -> &'static &'static str {
    use crate::model::Origin::*;
    match o {
        CitizenDossier => &"citizen_dossier",
        CitizenPetition => &"citizen_petition",
        SuperiorDirection => &"superior_direction",
        InterAgencyRequest => &"inter_agency_request",
        SubordinateRequest => &"subordinate_request",
        OwnPlan => &"own_plan",
    }
}

/// The name of a signing mode, as a text value holds it.
fn signing_name(m: crate::model::SigningMode) -> &'static &'static str {
    use crate::model::SigningMode::*;
    match m {
        Delegation => &"delegation",
        Kt => &"kt",
        Tuq => &"tuq",
        Tl => &"tl",
        Tm => &"tm",
    }
}

/// The name of a role, as a text value holds it.
fn role_name(r: Role) -> &'static &'static str {
    match r {
        Role::Head => &"head",
        Role::Deputy => &"deputy",
        Role::ActingHead => &"acting_head",
        Role::OfficeHead => &"office_head",
        Role::Member => &"member",
        Role::Staff => &"staff",
    }
}

/// The name of a unit's kind, as a text value holds it.
fn unit_kind_name(k: &crate::model::UnitKind) -> &'static &'static str {
    use crate::model::UnitKind::*;
    match k {
        PartyCommittee => &"party_committee",
        PeoplesCommittee => &"peoples_committee",
        PeoplesCouncil => &"peoples_council",
        Ministry => &"ministry",
        Department => &"department",
        Division => &"division",
        Commune => &"commune",
        PublicServiceUnit => &"public_service_unit",
        OneStopDesk => &"one_stop_desk",
        Office => &"office",
        _ => &"other",
    }
}

/// Keeps `slot` referenced for documentation of the fixed slots.
pub(crate) const _SLOTS: usize = slot::FIRST_LOCAL;

// A value is two words (see [`V`]), and so are its `Result` and `Option`,
// which use the tag's spare values.
const _: () = assert!(std::mem::size_of::<V<'static>>() == 16);
const _: () = assert!(std::mem::size_of::<R<'static>>() == 16);
const _: () = assert!(std::mem::size_of::<Option<V<'static>>>() == 16);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_of_value_is_a_list_or_a_text_as_it_should() {
        let text = String::from("borrowed");
        let id = smol_str::SmolStr::new("an-id");
        let literal: Box<str> = Box::from("lit");
        let (offs, units, strs) = (Vec::new(), Vec::new(), Vec::new());
        let official = OfficialId::new("o1").unwrap();
        let unit = UnitId::new("u1").unwrap();
        let field = Field::new("land").unwrap();
        let date = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap_or_default();
        // Every form of value: (value, whether it is a list, its text).
        let each = [
            (V::None, false, None),
            (V::False, false, None),
            (V::True, false, None),
            (V::Int(7), false, None),
            (V::date(date), false, None),
            (V::Str(&"name"), false, Some("name")),
            (V::Text(&text), false, Some("borrowed")),
            (V::Id(&id), false, Some("an-id")),
            (V::Literal(&literal), false, Some("lit")),
            (V::Off(&official), false, None),
            (V::OwnedOff(0), false, None),
            (V::Unit(&unit), false, None),
            (V::Field(&field), false, None),
            (V::Step(1), false, None),
            (V::Event(2), false, None),
            (V::Finding(3), false, None),
            (V::Task, false, None),
            (V::Item(Pair::new(1, 2)), false, None),
            (V::List(Pair::new(0, 0)), true, None),
            (V::Empty, true, None),
            (V::AllEvents, true, None),
            (V::KindEvents(0), true, None),
            (V::StepEvents(0), true, None),
            (V::StepKindEvents(Pair::new(0, 0)), true, None),
            (V::Steps, true, None),
            (V::Items(Pair::new(0, 0)), true, None),
            (V::Evidence(0), true, None),
            (V::Offs(&offs), true, None),
            (V::Units(&units), true, None),
            (V::Strs(&strs), true, None),
        ];
        for (v, list, t) in each {
            assert_eq!(Env::is_list(&v), list, "{v:?}");
            assert_eq!(v.text(), t, "{v:?}");
        }
    }

    #[test]
    fn days_order_as_their_dates_and_give_them_back() {
        let mut dates = Vec::new();
        for year in [-44, 1, 1999, 2000, 2023, 2024, 2100, 9999] {
            for (m, d) in [
                (1, 1),
                (2, 28),
                (2, 29),
                (3, 1),
                (6, 30),
                (12, 30),
                (12, 31),
            ] {
                if let Some(date) = NaiveDate::from_ymd_opt(year, m, d) {
                    dates.push(date);
                }
            }
        }
        for &a in &dates {
            assert_eq!(Day::of(a).date(), a);
            for &b in &dates {
                assert_eq!(Day::of(a).cmp(&Day::of(b)), a.cmp(&b), "{a} {b}");
            }
        }
        for (a, b) in [(0, 0), (1, u32::MAX), (u32::MAX, 1), (7, 9)] {
            assert_eq!(Pair::new(a, b).get(), (a, b));
        }
    }

    #[test]
    fn recycled_vectors_keep_their_storage_and_no_items() {
        let date = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap_or_default();
        let text = String::from("borrowed");
        let mut v: Vec<V<'_>> = Vec::with_capacity(100);
        v.extend([V::Text(&text), V::date(date), V::None]);
        let ptr = v.as_ptr() as usize;
        let kept: Vec<V<'static>> = recycle(v);
        assert!(kept.is_empty());
        assert_eq!(kept.capacity(), 100);
        assert_eq!(kept.as_ptr() as usize, ptr);
        let mut m: Vec<Option<V<'static>>> = Vec::with_capacity(40);
        m.push(Some(V::date(date)));
        let again: Vec<Option<V<'_>>> = recycle(m);
        assert_eq!((again.len(), again.capacity()), (0, 40));
        // Storage past the limit is freed, not kept.
        let big: Vec<V<'static>> = Vec::with_capacity(KEEP_AT_MOST + 1);
        assert_eq!(recycle::<_, V<'static>>(big).capacity(), 0);
    }

    #[test]
    fn reused_buffers_are_empty_and_keep_their_storage() {
        let text = String::from("borrowed");
        let mut b = EnvBuffers::default();
        b.vars.reserve(16);
        b.vars.push(V::Text(&text));
        b.lists.extend([V::None, V::Text(&text)]);
        b.memo.push(Some(V::None));
        b.owned.push(OfficialId::new("o1").unwrap());
        let kept: EnvBuffers<'static> = b.reuse();
        drop(text);
        assert!(kept.vars.is_empty() && kept.memo.is_empty() && kept.lists.is_empty());
        assert!(kept.building.is_empty() && kept.owned.is_empty());
        assert!(kept.vars.capacity() >= 16 && kept.lists.capacity() >= 2);
        assert!(kept.memo.capacity() >= 1 && kept.owned.capacity() >= 1);
    }
}
