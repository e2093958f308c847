//! What the engine derives from a policy once, when it is loaded: which
//! exceptions can defeat each rule, the event kind each event rule binds,
//! and the rules of each kind in order. Evaluation then never searches the
//! policy by name.

use chrono::NaiveDate;

use std::collections::HashMap;

use crate::id::RuleId;
use crate::model::EventKind;
use crate::policy::expr::Expr;
use crate::policy::expr::check::{Cmp, F, Lit, Node, slot};
use crate::policy::expr::syntax::Quant;
use crate::policy::{
    Behaviour, Body, Param, Rule, RuleKind, RuleVersion, Scope, Severity, Transition,
};

/// What a rule of the main loop (accountability and avoidance) is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Binds {
    /// Each step.
    Steps,
    /// The task, once.
    Task,
    /// Each event of the kind of this index in [`EventKind::NAMES`].
    EventsOfKind(usize),
    /// Each event.
    Events,
    /// Nothing: an event rule whose kind is not an event kind.
    Nothing,
    /// Not evaluated by the main loop (exceptions, consequences).
    Skip,
}

/// A rule of the main loop (an accountability or avoidance rule bound to
/// something), with what the loop reads of it for every evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MainRule {
    /// Its index among the policy's rules.
    pub ix: usize,
    /// What it is bound to (never [`Binds::Skip`]).
    pub binds: Binds,
    /// Whether it reads a parameter (as [`Plan::reads_params`]).
    pub reads_params: bool,
    /// [`single_by_act`] of the rule.
    pub single: bool,
    /// Whether some exception names it ([`Plan::defeaters`]): only then
    /// are its accountability entries kept for the exceptions' pass.
    pub defeatable: bool,
    /// The event kinds without an event of each of which the `when` of its
    /// one version ([`MainRule::single`]) is false, without an error, for
    /// every binding, as bits (see [`needs`]); `0` for a rule of several
    /// versions. Without an explanation, a rule one of whose bits the task
    /// has not is skipped.
    pub needs: u32,
    /// A need that also rests on a parameter's value (see [`ParamNeed`]).
    pub param_need: Option<ParamNeed>,
    /// The event kinds it can bind, as bits (see `ValidCase::event_kinds`):
    /// one for a rule of one kind, none for [`Binds::Nothing`], [`ALWAYS`]
    /// for the others. Without an explanation, a rule none of whose bits
    /// the task has (its kinds, and `ALWAYS`) is skipped.
    pub kinds: u32,
}

/// A count of the events of one kind compared with a parameter
/// (`count(x in events where x.kind == "K" …) >= param.p`, or `>`): with no
/// event of the kind, the count is 0 and the comparison false when the
/// parameter's value in force is at least `min` (1 for `>=`, 0 for `>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ParamNeed {
    /// The kind's bit.
    pub kind: u32,
    /// The parameter, by position.
    pub param: usize,
    /// The least value for which no event of the kind makes the comparison false.
    pub min: i64,
}

impl ParamNeed {
    /// Whether the need is not met: the task has no event of the kind (in
    /// `kinds`) and the parameter's value in force (`values`) is at least
    /// `min`. Not met when the parameter has no value, whose reading would
    /// raise an error.
    #[inline]
    pub(crate) fn unmet(&self, kinds: u32, values: &[Option<i64>]) -> bool {
        kinds & self.kind == 0
            && values
                .get(self.param)
                .copied()
                .flatten()
                .is_some_and(|v| v >= self.min)
    }
}

/// What a condition needs to be true: the bits of the event kinds without
/// an event of each of which it is false, and (the first found) a count of
/// one kind's events compared with a parameter ([`ParamNeed`]). Only parts
/// that are false with no error when the task has no event of the kind
/// count: `exists` over the events of one kind (or a step's events of one
/// kind), and a count of them compared, `>` or `>=`, with a literal or a
/// parameter that makes 0 fail; in a chain of `and`s, only the parts
/// before which every part cannot raise an error (as `Code::test_prefix`),
/// since a part that raises one makes the condition an error, not false.
/// `or`, `not` and every other form need nothing.
pub(crate) fn needs(e: &Expr) -> (u32, Option<ParamNeed>) {
    let kind_bit = |k: usize| {
        u32::try_from(k)
            .ok()
            .and_then(|k| 1u32.checked_shl(k))
            .filter(|b| *b < ALWAYS)
    };
    // The kind whose events (all, or a step's) `src` is, if reading it cannot fail.
    let kind_of = |src: &Expr| match &src.node {
        Node::KindEvents(k) => kind_bit(*k),
        Node::StepKindEvents(b, k) if super::eval::infallible(b) => kind_bit(*k),
        _ => None,
    };
    // A count of one kind's events, seen through a shared value.
    fn count_of(e: &Expr) -> Option<&Expr> {
        match &e.node {
            Node::Memo(_, inner) => count_of(inner),
            Node::Quant(Quant::Count, _, src, _) => Some(src),
            _ => None,
        }
    }
    match &e.node {
        Node::Memo(_, inner) => needs(inner),
        Node::Quant(Quant::Exists, _, src, _) => (kind_of(src).unwrap_or(0), None),
        Node::Cmp(op, a, b) => {
            // `count OP y`, or `y OP count` turned round.
            let (op, count, y) = match (count_of(a), count_of(b)) {
                (Some(src), _) => (*op, src, b),
                (None, Some(src)) => match op {
                    Cmp::Lt => (Cmp::Gt, src, a),
                    Cmp::Le => (Cmp::Ge, src, a),
                    _ => return (0, None),
                },
                _ => return (0, None),
            };
            let (Some(kind), Some(min)) = (
                kind_of(count),
                match op {
                    Cmp::Gt => Some(0),
                    Cmp::Ge => Some(1),
                    _ => None,
                },
            ) else {
                return (0, None);
            };
            match &y.node {
                Node::Lit(Lit::Int(n)) if *n >= min => (kind, None),
                Node::Param(param) => (
                    0,
                    Some(ParamNeed {
                        kind,
                        param: *param,
                        min,
                    }),
                ),
                _ => (0, None),
            }
        }
        Node::And(..) => {
            let mut parts = Vec::new();
            super::eval::spine(e, &mut parts);
            let (mut bits, mut param) = (0, None);
            for p in parts {
                let (b, q) = needs(p);
                bits |= b;
                param = param.or(q);
                if !super::eval::infallible(p) {
                    break;
                }
            }
            (bits, param)
        }
        _ => (0, None),
    }
}

/// The bit of [`MainRule::kinds`] that every task has: that of the rules
/// bound to steps, to the task or to all events, which no kind of event
/// decides. Above every kind's bit.
pub(crate) const ALWAYS: u32 = 1 << 31;
const _: () = assert!(EventKind::NAMES.len() < 31);

/// Whether `rule` has one version, whose transitional clause judges an act
/// by its own date: under act-date judging, that version is the one to
/// test on every date it is in force.
pub(crate) fn single_by_act(rule: &Rule) -> bool {
    matches!(rule.versions.as_slice(), [v] if v.transition == Transition::ActDate)
}

/// The evaluation plan of a policy.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    /// Indexes (into the policy's rules) of the exceptions, in policy order.
    pub exceptions: Vec<usize>,
    /// Indexes of the consequence rules, in policy order.
    pub consequences: Vec<usize>,
    /// For each rule: whether any condition of any of its versions reads a
    /// parameter. The evaluation looks up the parameter values in force on
    /// a binding's or finding's date only for the rules (and exceptions)
    /// that read them.
    pub reads_params: Vec<bool>,
    /// For each rule: positions in `exceptions` of those that name it in
    /// `defeats` in any version, in policy order.
    pub defeaters: Vec<Vec<usize>>,
    /// The rules the main loop evaluates (step, task and event rules), in
    /// policy order, with what it binds each to, decided here once rather
    /// than from its first version's body in every evaluation.
    pub main: Vec<MainRule>,
    /// The parameter values in force, by period: each entry holds from its
    /// date until the next entry's (the first from the earliest date). A
    /// parameter's value only changes on a version's first or last day, so
    /// the periods start at those days.
    pub param_epochs: Vec<(NaiveDate, Vec<Option<i64>>)>,
    /// The number of shared sub-expressions (slots of [`Node::Memo`], set
    /// by [`memoise`]) of the rules bound to a step, and of those bound to a
    /// finding: the widths of a step's and of a finding's memo row.
    pub memo_widths: (usize, usize),
    /// The first slot of a finding's memo row that the findings of one
    /// official share ([`memoise_by_official`]); the row's width when
    /// there is none.
    pub memo_by_official: usize,
    /// For each rule: its place among the policy's rules ordered by id,
    /// which is the order of an answer's trace.
    pub trace_rank: Vec<usize>,
    /// For each rule, for each of its versions: the consequence rules that
    /// may follow a finding of it, as bits by position in `consequences`
    /// (bit `j` for the `j`th, the first 64 only). A bit is clear only when
    /// the consequence rule has one version, whose `on_rules`,
    /// `on_behaviours` and `min_severity` refuse the finding's rule,
    /// behaviour and severity ([`follows`]), which the finding's rule
    /// version decides; a consequence rule of several versions may follow
    /// any finding. A bit is also clear when the rule's `when` is false for
    /// every finding of the version ([`decided_when`]). `0` for a version
    /// that finds nothing (not an avoidance).
    pub may_follow: Vec<Vec<u64>>,
    /// As [`Plan::may_follow`], the bits of the consequence rules of one
    /// version whose `when` is true for every finding of the rule version
    /// that passes their filter ([`decided_when`]): their `when` need not
    /// be tested.
    pub sure_follow: Vec<Vec<u64>>,
    /// For each consequence rule, by position in `consequences`: whether
    /// its bit in `may_follow` decides, alone, whether a finding passes its
    /// `on_rules`, `on_behaviours` and `min_severity` (it has one version
    /// and is one of the first 64).
    pub follow_decided: Vec<bool>,
}

/// Whether a consequence version's `on_rules`, `on_behaviours` and
/// `min_severity` let a finding of `rule`, `behaviour` and `severity`
/// through (each empty or absent lets any through). `false` for a body that
/// is not a consequence.
pub(crate) fn follows(
    body: &Body,
    rule: &RuleId,
    behaviour: Behaviour,
    severity: Severity,
) -> bool {
    match body {
        Body::Consequence {
            on_rules,
            on_behaviours,
            min_severity,
            ..
        } => {
            (on_rules.is_empty() || on_rules.contains(rule))
                && (on_behaviours.is_empty() || on_behaviours.contains(&behaviour))
                && min_severity.is_none_or(|m| severity >= m)
        }
        _ => false,
    }
}

/// What the `when` of a consequence gives for every finding of a rule
/// version whose rule id, behaviour and severity are these, when they
/// decide it: `Some` only when the condition, read with those three fields
/// of `finding` known, is true or false whatever the rest of the finding
/// and the task, and evaluating it could raise no error. Parts decide as
/// the evaluation reads them: `a and b` is false when `a` is false, and
/// when `b` is false after an `a` that cannot fail (`or` likewise with
/// true); `not` turns a decided part over; a comparison, `==` or `!=`, of
/// one of the three fields with text or `none` (which no field of a
/// finding is) decides. Anything else, and any other field, does not.
pub(crate) fn decided_when(
    e: &Expr,
    rule: &str,
    behaviour: Behaviour,
    severity: Severity,
) -> Option<bool> {
    let known = |f: F| match f {
        F::FRule => Some(rule),
        F::FBehaviour => Some(behaviour.name()),
        F::FSeverity => Some(severity.name()),
        _ => None,
    };
    // The finding's known field `e` reads, if it reads one.
    let field = |e: &Expr| match &e.node {
        Node::Field(base, f) if matches!(base.node, Node::Var(slot::BINDING)) => known(*f),
        _ => None,
    };
    let decide = |e: &Expr| decided_when(e, rule, behaviour, severity);
    match &e.node {
        Node::Lit(Lit::Bool(b)) => Some(*b),
        Node::Memo(_, a) => decide(a),
        Node::Not(a) => decide(a).map(|b| !b),
        Node::FieldIs(slot::BINDING, f, eq, lit, _) => {
            let value = known(*f)?;
            Some((*lit == Some(value)) == *eq)
        }
        Node::Cmp(op @ (Cmp::Eq | Cmp::Ne), a, b) => {
            let (value, other) = match (field(a), field(b)) {
                (Some(v), _) => (v, b),
                (None, Some(v)) => (v, a),
                (None, None) => return None,
            };
            let same = match &other.node {
                Node::Lit(Lit::Str(k)) => **k == *value,
                Node::Lit(Lit::None) => false,
                _ => return None,
            };
            Some(same == (*op == Cmp::Eq))
        }
        Node::And(a, b) | Node::Or(a, b) => {
            // The value that decides the whole: false for `and`, true for `or`.
            let stop = matches!(e.node, Node::Or(..));
            match decide(a) {
                Some(x) if x == stop => Some(stop),
                Some(_) => decide(b),
                None => (decide(b) == Some(stop) && super::eval::infallible(a)).then_some(stop),
            }
        }
        _ => None,
    }
}

/// The bit of the consequence rule at position `j` of
/// [`Plan::consequences`] in [`Plan::may_follow`], `0` past the 64th.
pub(crate) fn follow_bit(j: usize) -> u64 {
    u32::try_from(j)
        .ok()
        .and_then(|j| 1u64.checked_shl(j))
        .unwrap_or(0)
}

impl Plan {
    /// Derives the plan of a list of rules.
    pub(crate) fn new(rules: &[Rule], params: &[Param]) -> Plan {
        let of_kind = |kind: RuleKind| -> Vec<usize> {
            rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.kind == kind)
                .map(|(i, _)| i)
                .collect()
        };
        let exceptions = of_kind(RuleKind::Exception);
        let consequences = of_kind(RuleKind::Consequence);
        let defeaters: Vec<Vec<usize>> = rules
            .iter()
            .map(|r| {
                exceptions
                    .iter()
                    .enumerate()
                    .filter(|(_, xi)| {
                        rules.get(**xi).is_some_and(|x| {
                            x.versions.iter().any(|v| match &v.body {
                                Body::Exception { defeats, .. } => defeats.contains(&r.id),
                                _ => false,
                            })
                        })
                    })
                    .map(|(pos, _)| pos)
                    .collect()
            })
            .collect();
        let reads_params: Vec<bool> = rules
            .iter()
            .map(|r| {
                r.versions
                    .iter()
                    .flat_map(|v| v.conds())
                    .any(|c| reads_param(&c.expr))
            })
            .collect();
        let binds: Vec<Binds> = rules
            .iter()
            .map(|r| match (r.kind, r.versions.first().map(|v| &v.body)) {
                (RuleKind::Accountability, _) => Binds::Steps,
                (
                    RuleKind::Avoidance,
                    Some(Body::Avoidance {
                        scope, event_kind, ..
                    }),
                ) => match (scope, event_kind) {
                    (Scope::Step, _) => Binds::Steps,
                    (Scope::Task, _) => Binds::Task,
                    (Scope::Event, None) => Binds::Events,
                    (Scope::Event, Some(k)) => {
                        EventKind::index_of(k).map_or(Binds::Nothing, Binds::EventsOfKind)
                    }
                },
                _ => Binds::Skip,
            })
            .collect();
        let main = rules
            .iter()
            .zip(&binds)
            .zip(&reads_params)
            .enumerate()
            .filter(|(_, ((_, b), _))| **b != Binds::Skip)
            .map(|(ix, ((r, &binds), &reads_params))| {
                // Of the one version's `when`; none for several versions.
                let (needs, param_need) = match r.versions.as_slice() {
                    [v] if single_by_act(r) => {
                        v.when.as_ref().map_or((0, None), |w| needs(&w.expr))
                    }
                    _ => (0, None),
                };
                MainRule {
                    ix,
                    binds,
                    reads_params,
                    single: single_by_act(r),
                    needs,
                    // Tested against the values in force on the binding's date:
                    // only for a rule bound to the task, which has one binding.
                    param_need: param_need.filter(|_| binds == Binds::Task),
                    defeatable: defeaters.get(ix).is_some_and(|d| !d.is_empty()),
                    kinds: match binds {
                        Binds::EventsOfKind(k) => 1u32.checked_shl(k as u32).unwrap_or(ALWAYS),
                        Binds::Nothing => 0,
                        _ => ALWAYS,
                    },
                }
            })
            .collect();
        let mut starts: Vec<NaiveDate> = params
            .iter()
            .flat_map(|p| p.versions.iter())
            .flat_map(|v| std::iter::once(v.valid_from).chain(v.valid_until))
            .chain(std::iter::once(NaiveDate::MIN))
            .collect();
        starts.sort_unstable();
        starts.dedup();
        let param_epochs = starts
            .into_iter()
            .map(|d| (d, params.iter().map(|p| p.value_at(d)).collect()))
            .collect();
        // A stable sort: rules with equal ids (which the loader rejects)
        // would keep their policy order.
        let mut by_id: Vec<usize> = (0..rules.len()).collect();
        by_id.sort_by_key(|&i| rules.get(i).map(|r| &r.id));
        let mut trace_rank = vec![0; rules.len()];
        for (place, &i) in by_id.iter().enumerate() {
            if let Some(r) = trace_rank.get_mut(i) {
                *r = place;
            }
        }
        // A consequence rule of one version decides its filter for every
        // finding of a rule version here.
        let decided: Vec<Option<&RuleVersion>> = consequences
            .iter()
            .enumerate()
            .map(
                |(j, &ci)| match rules.get(ci).map(|c| c.versions.as_slice()) {
                    Some([only]) if follow_bit(j) != 0 => Some(only),
                    _ => None,
                },
            )
            .collect();
        // For each version of each rule: the bits of `may_follow` and of
        // `sure_follow`.
        let follow: Vec<Vec<(u64, u64)>> = rules
            .iter()
            .map(|r| {
                r.versions
                    .iter()
                    .map(|v| {
                        let Body::Avoidance {
                            behaviour,
                            severity,
                            ..
                        } = &v.body
                        else {
                            return (0, 0);
                        };
                        decided
                            .iter()
                            .enumerate()
                            .fold((0u64, 0u64), |(may, sure), (j, d)| {
                                let Some(c) = d else {
                                    return (may | follow_bit(j), sure);
                                };
                                if !follows(&c.body, &r.id, *behaviour, *severity) {
                                    return (may, sure);
                                }
                                let when = c.when.as_ref().map(|w| {
                                    decided_when(&w.expr, r.id.as_str(), *behaviour, *severity)
                                });
                                match when {
                                    Some(Some(false)) => (may, sure),
                                    Some(Some(true)) => (may | follow_bit(j), sure | follow_bit(j)),
                                    _ => (may | follow_bit(j), sure),
                                }
                            })
                    })
                    .collect()
            })
            .collect();
        let bits = |k: fn(&(u64, u64)) -> u64| -> Vec<Vec<u64>> {
            follow.iter().map(|vs| vs.iter().map(k).collect()).collect()
        };
        let may_follow = bits(|f| f.0);
        let sure_follow = bits(|f| f.1);
        let follow_decided = decided.iter().map(Option::is_some).collect();
        Plan {
            exceptions,
            consequences,
            reads_params,
            defeaters,
            main,
            param_epochs,
            memo_widths: (0, 0),
            memo_by_official: 0,
            trace_rank,
            may_follow,
            sure_follow,
            follow_decided,
        }
    }

    /// The parameter values in force on `date`, in the policy's order (the
    /// engine looks them up through [`Plan::params_cursor`]).
    #[cfg(test)]
    pub(crate) fn params_at(&self, date: NaiveDate) -> &[Option<i64>] {
        self.period_at(date).2
    }

    /// The period that holds `date`: its first day, the first day of the
    /// next period (if any), and the parameter values in force in it.
    fn period_at(&self, date: NaiveDate) -> Period<'_> {
        let i = self.param_epochs.partition_point(|(d, _)| *d <= date);
        let next = self.param_epochs.get(i).map(|(d, _)| *d);
        match i.checked_sub(1).and_then(|i| self.param_epochs.get(i)) {
            Some((from, v)) => (*from, next, v.as_slice()),
            None => (NaiveDate::MIN, next, &[]),
        }
    }

    /// A lookup of parameter values that remembers the last period found,
    /// so that the dates of one task, which mostly fall in one period, are
    /// answered without a search.
    pub(crate) fn params_cursor(&self) -> ParamCursor<'_> {
        ParamCursor {
            plan: self,
            period: None,
        }
    }
}

/// A period of parameter values: its first day, the first day of the next
/// period (if any), and the values in force in it.
type Period<'p> = (NaiveDate, Option<NaiveDate>, &'p [Option<i64>]);

/// See [`Plan::params_cursor`].
pub(crate) struct ParamCursor<'p> {
    plan: &'p Plan,
    /// The last period found.
    period: Option<Period<'p>>,
}

impl<'p> ParamCursor<'p> {
    /// The parameter values in force on `date`, in the policy's order.
    pub(crate) fn at(&mut self, date: NaiveDate) -> &'p [Option<i64>] {
        match self.period {
            Some((from, next, values)) if from <= date && next.is_none_or(|n| date < n) => values,
            _ => {
                let p = self.plan.period_at(date);
                self.period = Some(p);
                p.2
            }
        }
    }
}

/// Whether `e` reads a parameter (`param.NAME`) anywhere.
fn reads_param(e: &Expr) -> bool {
    matches!(e.node, Node::Param(_)) || e.node.children().into_iter().any(reads_param)
}

/// What a rule's conditions are evaluated with in slot 3, for sharing
/// sub-expressions: a step (accountability rules and step avoidance rules)
/// or a finding (consequence rules).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Bound {
    Step,
    Finding,
}

/// Sub-expressions of the consequence rules' conditions that read the
/// finding only through `finding.official` (a `count`, `exists` or other
/// quantifier, a map or a call, say `count(f in findings where f.official
/// == finding.official)`), and otherwise only the task, the events, the
/// review date, `findings` and their own variables, with no parameter
/// (whose value follows the finding's date) and no shared value of
/// [`memoise`]: each is wrapped in [`Node::Memo`] with a slot from `first`
/// on (one per distinct shape, see `checker::shape`), which the evaluation
/// keeps in the row of the first finding of the bound finding's official.
/// Its value is the same for every finding of that official in one
/// evaluation, so each official's is computed once rather than once per
/// finding (a count over the findings for each finding grew with the
/// square of their number). Returns the number of slots.
pub(crate) fn memoise_by_official(rules: &mut [Rule], first: usize) -> usize {
    /// Whether `e` reads the finding only as `finding.official`, and no
    /// other binding (but its own variables), parameter or shared value.
    fn by_official(e: &Expr) -> bool {
        closed_over(e, &mut Vec::new(), &|e, bound| match &e.node {
            Node::Field(base, F::FOfficial) if matches!(base.node, Node::Var(slot::BINDING)) => {
                Some(true)
            }
            Node::Var(v) => Some(*v < slot::BINDING || *v == slot::BINDING2 || bound.contains(v)),
            Node::Param(_) | Node::Memo(..) => Some(false),
            _ => None,
        })
    }
    fn reads_finding(e: &Expr) -> bool {
        matches!(e.node, Node::Var(slot::BINDING))
            || e.node.children().into_iter().any(reads_finding)
    }
    fn wrap(e: &mut Expr, slots: &mut HashMap<String, usize>, first: usize) {
        let costly = matches!(e.node, Node::Call(..) | Node::Quant(..) | Node::Map(..));
        if costly && reads_finding(e) && by_official(e) {
            let next = first + slots.len();
            let slot = *slots
                .entry(crate::policy::checker::shape(e))
                .or_insert(next);
            let span = e.span;
            let inner = take(e);
            *e = Expr {
                node: Node::Memo(slot, Box::new(inner)),
                span,
            };
            return;
        }
        for c in e.node.children_mut() {
            wrap(c, slots, first);
        }
    }
    let mut slots = HashMap::new();
    for r in rules.iter_mut() {
        for e in bound_exprs(r, Bound::Finding) {
            wrap(e, &mut slots, first);
        }
    }
    slots.len()
}

/// The conditions of a rule's versions evaluated with `bound` in slot 3
/// (`when`, `who`, `evidence`, `to`).
fn bound_exprs(rule: &mut Rule, bound: Bound) -> Vec<&mut Expr> {
    rule.versions
        .iter_mut()
        .filter(|v| {
            let class = match &v.body {
                Body::Accountability { .. } => Some(Bound::Step),
                Body::Avoidance { scope, .. } if *scope == Scope::Step => Some(Bound::Step),
                Body::Consequence { .. } => Some(Bound::Finding),
                _ => None,
            };
            class == Some(bound)
        })
        .flat_map(version_exprs)
        .collect()
}

/// The expressions of every condition of a rule version (see
/// [`RuleVersion::conds_mut`]), mutable.
fn version_exprs(v: &mut RuleVersion) -> Vec<&mut Expr> {
    v.conds_mut().into_iter().map(|c| &mut c.expr).collect()
}

/// Moves an expression out of its place in a tree that is being rebuilt,
/// leaving `none` (with the same span) until the caller puts the new node there.
fn take(e: &mut Expr) -> Expr {
    let placeholder = Expr {
        node: Node::Lit(crate::policy::expr::check::Lit::None),
        span: e.span,
    };
    std::mem::replace(e, placeholder)
}

/// Rebuilds every chain of `and`s, in every condition, leaning right:
/// `(a and b) and c` becomes `a and (b and c)`, so that the interpreter
/// walks a chain in a loop instead of recursing once per part. The parts,
/// their order and their spans are kept, so the value, the order in which
/// parts are evaluated (and fail), and the first false part an explanation
/// names are the same. Each new `and` spans from its first part to the end
/// of the chain; the outermost keeps the span of the whole.
pub(crate) fn lean_right(rules: &mut [Rule]) {
    fn parts(e: Expr, out: &mut Vec<Expr>) {
        match e.node {
            Node::And(a, b) => {
                parts(*a, out);
                parts(*b, out);
            }
            _ => out.push(e),
        }
    }
    fn walk(e: &mut Expr) {
        if matches!(e.node, Node::And(..)) {
            let span = e.span;
            let mut list = Vec::new();
            parts(take(e), &mut list);
            for p in &mut list {
                walk(p);
            }
            let Some(mut chain) = list.pop() else {
                return;
            };
            while let Some(a) = list.pop() {
                let b = chain;
                // The outermost `and` keeps the span of the whole chain.
                let span = if list.is_empty() {
                    span
                } else {
                    crate::policy::expr::Span {
                        start: a.span.start,
                        end: b.span.end,
                    }
                };
                chain = Expr {
                    node: Node::And(Box::new(a), Box::new(b)),
                    span,
                };
            }
            *e = chain;
            return;
        }
        for c in e.node.children_mut() {
            walk(c);
        }
    }
    for e in rules
        .iter_mut()
        .flat_map(|r| r.versions.iter_mut())
        .flat_map(version_exprs)
    {
        walk(e);
    }
}

/// Rewrites every comparison of a variable's field with text or `none`,
/// `x.f == "text"`, `x.f != none` and the like (the commonest tests of the
/// bundled policy: an event's or step's kind, the task's origin, whether a
/// step has an assignee), into [`Node::FieldIs`], which keeps the comparison
/// for the static checks. The interpreter then compares the field's value
/// with the literal without the general comparison. Runs last of the
/// load-time rewrites, so that [`memoise`] and [`lean_right`] see the
/// comparisons as written.
pub(crate) fn fold_literal_tests(rules: &mut [Rule]) {
    fn walk(e: &mut Expr) {
        for c in e.node.children_mut() {
            walk(c);
        }
        let Node::Cmp(op @ (Cmp::Eq | Cmp::Ne), a, b) = &e.node else {
            return;
        };
        let Node::Field(base, f) = &a.node else {
            return;
        };
        let Node::Var(s) = base.node else {
            return;
        };
        let lit = match &b.node {
            Node::Lit(Lit::Str(k)) => Some(crate::intern::text(k)),
            Node::Lit(Lit::None) => None,
            _ => return,
        };
        let (f, eq) = (*f, *op == Cmp::Eq);
        let cmp = take(e);
        e.node = Node::FieldIs(s, f, eq, lit, Box::new(cmp));
    }
    for e in rules
        .iter_mut()
        .flat_map(|r| r.versions.iter_mut())
        .flat_map(version_exprs)
    {
        walk(e);
    }
}

/// Compiles every condition of every rule ([`super::eval::compile`]). Runs
/// after the other load-time rewrites, whose forms it compiles. Only the
/// `when` of an accountability or avoidance rule, which the main loop
/// tests for each binding, gets the split that tests its parts about the
/// task alone once (`Code::test_prefix`).
pub(crate) fn compile_conditions(rules: &mut [Rule]) {
    for v in rules.iter_mut().flat_map(|r| r.versions.iter_mut()) {
        let main_loop = matches!(v.body, Body::Accountability { .. } | Body::Avoidance { .. });
        let has_when = v.when.is_some();
        if let Some(w) = v.when.as_mut() {
            w.code = Some(super::eval::compile(&w.expr, main_loop));
        }
        // `conds_mut` gives the `when` first; the others follow.
        for c in v.conds_mut().into_iter().skip(usize::from(has_when)) {
            c.code = Some(super::eval::compile(&c.expr, false));
        }
    }
}

/// Whether a sub-expression is worth sharing (it calls a function, walks a
/// list or chooses) and depends only on the task, the events, the review
/// date, the bound step or finding and parameters: no variable other than
/// those, or than its own quantifier variables.
fn shareable(e: &Expr) -> bool {
    matches!(
        e.node,
        Node::Call(..) | Node::Quant(..) | Node::Map(..) | Node::If(..)
    ) && closed_over(e, &mut Vec::new(), &|e, bound| match &e.node {
        Node::Var(v) => Some(*v <= slot::BINDING || bound.contains(v)),
        _ => None,
    })
}

/// Whether every node of `e` passes `leaf`, which decides a node (given
/// the variables bound within `e` around it, `bound`) or leaves it to its
/// parts (`None`); the variables of quantifiers and maps are bound for
/// their condition and head, not for their source.
fn closed_over(
    e: &Expr,
    bound: &mut Vec<usize>,
    leaf: &impl Fn(&Expr, &[usize]) -> Option<bool>,
) -> bool {
    if let Some(ok) = leaf(e, bound) {
        return ok;
    }
    match &e.node {
        Node::Quant(_, v, src, cond) => {
            closed_over(src, bound, leaf) && {
                bound.push(*v);
                let ok = cond.as_deref().is_none_or(|c| closed_over(c, bound, leaf));
                bound.pop();
                ok
            }
        }
        Node::Map(head, v, src, cond) => {
            closed_over(src, bound, leaf) && {
                bound.push(*v);
                let ok = cond.as_deref().is_none_or(|c| closed_over(c, bound, leaf))
                    && closed_over(head, bound, leaf);
                bound.pop();
                ok
            }
        }
        n => n
            .children()
            .into_iter()
            .all(|c| closed_over(c, bound, leaf)),
    }
}

/// Common sub-expressions of the rules bound to a step, and of those bound
/// to a finding: every shareable sub-expression that occurs more than once
/// (by structure, see `checker::shape`) among the conditions of one group is
/// wrapped in [`Node::Memo`], with one slot per distinct sub-expression of
/// the group, so that an evaluation computes it once per step or finding.
/// Returns the number of slots of each group.
///
/// Rules are evaluated rule by rule, so sharing happens across rules and
/// across a rule's parts: the head of a step's managing unit, say, is found
/// once for `acc.head` and `acc.acting_head`, and the head over a finding's
/// official once for `csq.head_joint`'s condition and its `to`.
///
/// A sub-expression is counted only where it can be computed: inside the
/// second and later copies of a shared expression, which are read from the
/// memo, nothing is. So the managing unit inside the head of `acc.head` and
/// `acc.acting_head` gets no slot of its own unless it is also written
/// outside that head: its slot would be filled once and never read.
pub(crate) fn memoise(rules: &mut [Rule]) -> (usize, usize) {
    /// Each shareable node's shape, numbered in `ids`, by the node's
    /// address (the tree does not move while it is memoised), and how often
    /// each shape occurs.
    struct Shapes {
        ids: HashMap<String, usize>,
        at: HashMap<*const Expr, usize>,
        occurs: Vec<usize>,
    }
    fn count(e: &Expr, s: &mut Shapes) {
        if shareable(e) {
            let next = s.ids.len();
            let id = *s
                .ids
                .entry(crate::policy::checker::shape(e))
                .or_insert(next);
            if id == s.occurs.len() {
                s.occurs.push(0);
            }
            if let Some(n) = s.occurs.get_mut(id) {
                *n += 1;
            }
            s.at.insert(std::ptr::from_ref(e), id);
        }
        for c in e.node.children() {
            count(c, s);
        }
    }
    /// The repeated shape a node has, if any.
    fn repeated(e: &Expr, s: &Shapes) -> Option<usize> {
        let id = *s.at.get(&std::ptr::from_ref(e))?;
        (s.occurs.get(id).copied().unwrap_or(0) >= 2).then_some(id)
    }
    /// The copies of each repeated shape that are computed: its first copy's
    /// parts are walked, a later copy's are not.
    fn computed(e: &Expr, s: &Shapes, computed_copies: &mut [usize]) {
        if let Some(id) = repeated(e, s)
            && let Some(n) = computed_copies.get_mut(id)
        {
            *n += 1;
            if *n > 1 {
                return;
            }
        }
        for c in e.node.children() {
            computed(c, s, computed_copies);
        }
    }
    fn wrap(e: &mut Expr, s: &Shapes, shared: &[bool], slots: &mut HashMap<usize, usize>) {
        for c in e.node.children_mut() {
            wrap(c, s, shared, slots);
        }
        let Some(id) = repeated(e, s) else {
            return;
        };
        if !shared.get(id).copied().unwrap_or(false) {
            return;
        }
        let next = slots.len();
        let slot = *slots.entry(id).or_insert(next);
        let span = e.span;
        let inner = take(e);
        *e = Expr {
            node: Node::Memo(slot, Box::new(inner)),
            span,
        };
    }
    let mut widths = [0; 2];
    for (bound, width) in [Bound::Step, Bound::Finding].into_iter().zip(&mut widths) {
        let mut s = Shapes {
            ids: HashMap::new(),
            at: HashMap::new(),
            occurs: Vec::new(),
        };
        for r in rules.iter_mut() {
            for e in bound_exprs(r, bound) {
                count(e, &mut s);
            }
        }
        let mut copies = vec![0; s.occurs.len()];
        for r in rules.iter_mut() {
            for e in bound_exprs(r, bound) {
                computed(e, &s, &mut copies);
            }
        }
        let shared: Vec<bool> = copies.iter().map(|n| *n >= 2).collect();
        let mut slots = HashMap::new();
        for r in rules.iter_mut() {
            for e in bound_exprs(r, bound) {
                wrap(e, &s, &shared, &mut slots);
            }
        }
        *width = slots.len();
    }
    let [step, finding] = widths;
    (step, finding)
}

/// The bundled policy with one rule added: `id`, of `kind`, labelled and
/// cited as a test's, with the rest of its fields (`fields`, TOML lines).
#[cfg(test)]
fn bundled_with(id: &str, kind: &str, fields: &str) -> crate::policy::Policy {
    let rule = format!(
        "\n[[rule]]\nid = \"{id}\"\nkind = \"{kind}\"\nlabel_vi = \"x\"\nlabel_en = \"x\"\n\
         cite = {{ source = \"cd280\" }}\n{fields}"
    );
    let text = format!("{}{rule}", crate::policy::BUNDLED_2023);
    match crate::policy::Policy::from_toml_str(&text, "added.toml") {
        Ok(p) => p,
        Err(e) => panic!("{fields}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    #[test]
    fn the_main_loop_holds_the_accountability_and_avoidance_rules_in_order() {
        for p in [Policy::bundled(), Policy::bundled_2025()] {
            let Ok(p) = p else {
                panic!("the bundled policies load");
            };
            let plan = Plan::new(&p.rules, &p.params);
            let main: Vec<&str> = plan
                .main
                .iter()
                .map(|m| p.rules[m.ix].id.as_str())
                .collect();
            let expected: Vec<&str> = p
                .rules
                .iter()
                .filter(|r| matches!(r.kind, RuleKind::Accountability | RuleKind::Avoidance))
                .map(|r| r.id.as_str())
                .collect();
            assert_eq!(main, expected);
            for m in &plan.main {
                let r = &p.rules[m.ix];
                assert_eq!(m.reads_params, plan.reads_params[m.ix], "{}", r.id);
                let one_by_act =
                    r.versions.len() == 1 && r.versions[0].transition == Transition::ActDate;
                assert_eq!(m.single, one_by_act, "{}", r.id);
                assert_ne!(m.binds, Binds::Skip, "{}", r.id);
                let kinds = match m.binds {
                    Binds::EventsOfKind(k) => 1 << k,
                    Binds::Nothing => 0,
                    _ => ALWAYS,
                };
                assert_eq!(m.kinds, kinds, "{}", r.id);
            }
            assert!(plan.main.iter().any(|m| m.single));
        }
    }

    #[test]
    fn rules_that_read_a_parameter_are_flagged_in_every_policy_version() {
        // The oracle is the conditions' text, not the tree the plan walks.
        let mut flagged = 0;
        for p in [Policy::bundled(), Policy::bundled_2025()] {
            let Ok(p) = p else {
                panic!("the bundled policies load");
            };
            let plan = Plan::new(&p.rules, &p.params);
            for (i, r) in p.rules.iter().enumerate() {
                let by_text = r
                    .versions
                    .iter()
                    .flat_map(|v| v.conds())
                    .any(|c| c.text.contains("param."));
                assert_eq!(plan.reads_params.get(i), Some(&by_text), "{}", r.id);
                flagged += usize::from(by_text);
            }
        }
        // Some rules read one, nested ones among them (`count(…) >= param.…`).
        assert!(flagged > 0);
    }

    #[test]
    fn every_exception_is_listed_as_a_defeater_of_the_rules_it_names() {
        let Ok(p) = Policy::bundled() else {
            panic!("the bundled policy loads");
        };
        let plan = Plan::new(&p.rules, &p.params);
        assert_eq!(plan.defeaters.len(), p.rules.len());
        let mut pairs = 0;
        for (pos, &xi) in plan.exceptions.iter().enumerate() {
            let Some(Body::Exception { defeats, .. }) = p
                .rules
                .get(xi)
                .and_then(|x| x.versions.first())
                .map(|v| &v.body)
            else {
                panic!("exception {xi} has an exception body");
            };
            for d in defeats {
                let ri = p.rules.iter().position(|r| &r.id == d);
                let Some(ri) = ri else { continue };
                assert!(
                    plan.defeaters.get(ri).is_some_and(|v| v.contains(&pos)),
                    "{d}"
                );
                pairs += 1;
            }
        }
        assert!(pairs >= 10, "{pairs}");
        let event_rules = plan
            .main
            .iter()
            .filter(|m| matches!(m.binds, Binds::EventsOfKind(_)))
            .count();
        assert!(event_rules >= 15, "{event_rules}");
        // A main rule is defeatable exactly when some exception names it:
        // `acc.assignee` and `acc.collective_members` among the
        // accountability rules, not `acc.head`.
        for m in &plan.main {
            let named = plan.defeaters.get(m.ix).is_some_and(|d| !d.is_empty());
            assert_eq!(m.defeatable, named, "rule {}", m.ix);
        }
        let defeatable = |id: &str| {
            plan.main
                .iter()
                .find(|m| p.rules.get(m.ix).is_some_and(|r| r.id.as_str() == id))
                .map(|m| m.defeatable)
        };
        assert_eq!(defeatable("acc.assignee"), Some(true));
        assert_eq!(defeatable("acc.collective_members"), Some(true));
        assert_eq!(defeatable("acc.head"), Some(false));
    }

    /// The needs of the bundled policy's main rules (`needs`): the rules
    /// whose `when` is an `exists` over, or a count compared with a
    /// parameter of, one kind's events, and no others.
    #[test]
    fn the_bundled_rules_need_the_event_kinds_their_conditions_require() {
        let Ok(p) = Policy::bundled() else {
            panic!("the bundled policy loads");
        };
        let kind = |n: &str| {
            EventKind::NAMES
                .iter()
                .position(|k| *k == n)
                .map_or(0, |k| 1u32 << k)
        };
        let param = |n: &str| p.params.iter().position(|x| x.name == n);
        let mut seen = Vec::new();
        for m in &p.plan.main {
            let Some(r) = p.rules.get(m.ix) else { continue };
            if m.needs != 0 || m.param_need.is_some() {
                let need = m.param_need.map(|n| (n.kind, Some(n.param), n.min));
                seen.push((r.id.as_str(), m.needs, need));
            }
        }
        // `exists(x in step.events where x.kind == "signed" and …)`.
        let signed = ("acc.delegator", kind("signed"), None);
        // `count(…) >= param.p` needs one event; `count(…) > param.p` too
        // while the value is not negative.
        let counted = |rule, k, p, min| (rule, 0, Some((kind(k), param(p), min)));
        assert_eq!(
            seen,
            [
                signed,
                counted(
                    "avoid.bare_extensions",
                    "deadline_extended",
                    "bare_extensions",
                    1
                ),
                counted(
                    "avoid.consultation_rounds",
                    "consultation_requested",
                    "max_consultation_rounds",
                    0
                ),
                counted(
                    "avoid.dossier_repeat_supplement",
                    "supplement_requested",
                    "max_supplement_requests",
                    0
                ),
                counted(
                    "avoid.ping_pong",
                    "transferred_sideways",
                    "ping_pong_hops",
                    1
                ),
            ]
        );
    }

    /// `needs` of the `when` of a task rule (`for = "task"`) or a step rule
    /// added to the bundled policy: the kinds' names and the parameter
    /// need's kind, parameter and least value.
    fn needs_of(
        scope: &str,
        when: &str,
    ) -> (Vec<&'static str>, Option<(&'static str, String, i64)>) {
        let p = bundled_with(
            "zz.need",
            "avoidance",
            &format!(
                "for = \"{scope}\"\nwhen = '''{when}'''\nwho = \"task.assigned_by\"\n\
                 behaviour = \"upward_push\"\nseverity = \"minor\"\n"
            ),
        );
        let Some(m) = p.plan.main.iter().find(|m| {
            p.rules
                .get(m.ix)
                .is_some_and(|r| r.id.as_str() == "zz.need")
        }) else {
            panic!("zz.need is a main rule");
        };
        let names = |bits: u32| -> Vec<&'static str> {
            EventKind::NAMES
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, n)| *n)
                .collect()
        };
        let param = m.param_need.map(|n| {
            let name = p
                .params
                .get(n.param)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            (names(n.kind).first().copied().unwrap_or(""), name, n.min)
        });
        (names(m.needs), param)
    }

    #[test]
    fn a_condition_needs_the_kinds_it_is_false_without() {
        let none = (vec![], None);
        let signed = |p| (vec!["signed"], p);
        // `exists` over one kind's events, all or a step's.
        let e = r#"exists(x in events where x.kind == "signed")"#;
        assert_eq!(needs_of("task", e), signed(None));
        let s = r#"exists(x in step.events where x.kind == "signed" and x.delegation != none)"#;
        assert_eq!(needs_of("step", s), signed(None));
        // Its turn, `all`, and an `or` need nothing.
        assert_eq!(needs_of("task", &format!("not {e}")), none);
        assert_eq!(
            needs_of("task", r#"all(x in events where x.kind == "signed")"#),
            none
        );
        assert_eq!(needs_of("task", &format!("{e} or task.novel")), none);
        // In an `and`: after parts that cannot fail, not after one that can.
        assert_eq!(
            needs_of("task", &format!("task.novel and {e}")),
            signed(None)
        );
        let both = format!(r#"{e} and exists(x in events where x.kind == "vote")"#);
        assert_eq!(needs_of("task", &both), (vec!["signed", "vote"], None));
        let fallible = format!("task.late_days > param.idle_days and {e}");
        assert_eq!(needs_of("task", &fallible), none);
        let arithmetic = format!("task.late_days + 1 > 2 and {e}");
        assert_eq!(needs_of("task", &arithmetic), none);
        // A count compared with a literal that 0 fails, either way round.
        let c = r#"count(x in events where x.kind == "signed")"#;
        assert_eq!(needs_of("task", &format!("{c} > 0")), signed(None));
        assert_eq!(needs_of("task", &format!("{c} >= 1")), signed(None));
        assert_eq!(needs_of("task", &format!("0 < {c}")), signed(None));
        assert_eq!(needs_of("task", &format!("1 <= {c}")), signed(None));
        assert_eq!(needs_of("task", &format!("{c} >= 0")), none);
        assert_eq!(needs_of("task", &format!("{c} == 1")), none);
        assert_eq!(needs_of("task", &format!("{c} < 2")), none);
        // With a parameter: the least value that makes 0 fail.
        let p = |min| Some(("signed", "idle_days".to_string(), min));
        assert_eq!(
            needs_of("task", &format!("{c} >= param.idle_days")),
            (vec![], p(1))
        );
        assert_eq!(
            needs_of("task", &format!("{c} > param.idle_days")),
            (vec![], p(0))
        );
        assert_eq!(
            needs_of("task", &format!("param.idle_days < {c}")),
            (vec![], p(0))
        );
        // Only a rule bound to the task tests a parameter's value.
        assert_eq!(needs_of("step", &format!("{c} >= param.idle_days")), none);
        // A count of any event, or of a list, needs nothing.
        assert_eq!(
            needs_of("task", "count(x in events where x.index > 2) > 0"),
            none
        );
        assert_eq!(needs_of("task", "len(task.stakeholders) > 0"), none);
    }

    /// [`decided_when`] of a consequence `when`, loaded into the bundled
    /// policy (so rewritten as evaluation sees it), for a finding of rule
    /// `avoid.no_proposal`, behaviour `no_proposal`, severity `moderate`.
    fn decided(when: &str) -> Option<bool> {
        let p = bundled_with(
            "zz.csq",
            "consequence",
            &format!("when = '''{when}'''\nmeasure = \"reminder\"\n"),
        );
        let Some(w) = p
            .rules
            .iter()
            .find(|r| r.id.as_str() == "zz.csq")
            .and_then(|r| r.versions.first())
            .and_then(|v| v.when.as_ref())
        else {
            panic!("zz.csq has a `when`");
        };
        decided_when(
            &w.expr,
            "avoid.no_proposal",
            Behaviour::NoProposal,
            Severity::Moderate,
        )
    }

    /// The finding's rule, behaviour and severity decide a `when` only
    /// where the evaluation would read nothing else before the answer, and
    /// could raise no error.
    #[test]
    fn a_consequence_condition_is_decided_by_what_the_finding_rule_fixes() {
        let late = "task.late_days + 9223372036854775807 > 0";
        let cases: &[(&str, Option<bool>)] = &[
            ("finding.severity == \"moderate\"", Some(true)),
            ("finding.severity == \"minor\"", Some(false)),
            ("finding.severity != \"minor\"", Some(true)),
            ("\"no_proposal\" == finding.behaviour", Some(true)),
            ("\"no_proposal\" != finding.behaviour", Some(false)),
            ("finding.rule == \"avoid.no_proposal\"", Some(true)),
            ("finding.rule == none", Some(false)),
            ("finding.rule != none", Some(true)),
            ("none == finding.rule", Some(false)),
            ("none != finding.severity", Some(true)),
            ("not (finding.severity == \"minor\")", Some(true)),
            ("true", Some(true)),
            ("false", Some(false)),
            // `and` / `or`, decided by either part.
            (
                "finding.severity == \"minor\" and task.overdue",
                Some(false),
            ),
            (
                "task.overdue and finding.severity == \"minor\"",
                Some(false),
            ),
            (
                "finding.severity == \"moderate\" or task.overdue",
                Some(true),
            ),
            (
                "task.overdue or finding.severity == \"moderate\"",
                Some(true),
            ),
            (
                "finding.severity == \"moderate\" and finding.rule != none",
                Some(true),
            ),
            (
                "finding.severity == \"minor\" or finding.rule == none",
                Some(false),
            ),
            // Not decided: the other part decides, or may fail first.
            ("finding.severity == \"moderate\" and task.overdue", None),
            ("finding.severity == \"minor\" or task.overdue", None),
            (&format!("{late} and finding.severity == \"minor\""), None),
            (&format!("{late} or finding.severity == \"moderate\""), None),
            // Other fields and comparisons.
            ("finding.official == finding.official", None),
            ("finding.rule == finding.rule", None),
            ("finding.date > task.received", None),
            (
                "finding.rule == finding.rule and finding.severity == \"minor\"",
                Some(false),
            ),
            ("task.origin == \"superior_direction\"", None),
            (
                "count(f in findings where f.severity == \"minor\") > 0",
                None,
            ),
        ];
        for (when, want) in cases {
            assert_eq!(decided(when), *want, "{when}");
        }
    }

    /// `Plan::may_follow` of the bundled policy, whose consequence rules
    /// each have one version: a finding of `avoid.no_reply` (moderate,
    /// `late_or_vague_reply`) may have `csq.deemed_consent`, which names
    /// it, and `csq.self_criticism`, not `csq.apology` (which names another
    /// rule), `csq.grade_cap` (other behaviours) or `csq.discipline`
    /// (serious only); a minor `avoid.proposal_without_recommendation` may
    /// have `csq.reminder` and not `csq.self_criticism`.
    #[test]
    fn the_consequences_a_finding_may_have_are_decided_at_load() {
        let Ok(p) = Policy::bundled() else {
            panic!("the bundled policy loads");
        };
        let plan = &p.plan;
        assert_eq!(plan.follow_decided, vec![true; plan.consequences.len()]);
        let rule = |id: &str| p.rules.iter().position(|r| r.id.as_str() == id);
        let may = |finding: &str, csq: &str| {
            let j = plan
                .consequences
                .iter()
                .position(|&c| Some(c) == rule(csq))
                .map_or(0, follow_bit);
            let bits = rule(finding)
                .and_then(|i| plan.may_follow.get(i))
                .and_then(|v| v.first())
                .copied()
                .unwrap_or(0);
            j != 0 && bits & j != 0
        };
        assert!(may("avoid.no_reply", "csq.deemed_consent"));
        assert!(may("avoid.no_reply", "csq.self_criticism"));
        assert!(!may("avoid.no_reply", "csq.apology"));
        assert!(!may("avoid.no_reply", "csq.grade_cap"));
        assert!(!may("avoid.no_reply", "csq.discipline"));
        assert!(may("avoid.proposal_without_recommendation", "csq.reminder"));
        assert!(!may(
            "avoid.proposal_without_recommendation",
            "csq.self_criticism"
        ));
        // Accountability rules find nothing.
        assert!(!may("acc.head", "csq.reminder"));
        // `csq.reminder`'s `when` (the finding is minor) is false for a
        // moderate finding, and need not be tested on a minor one.
        assert!(!may("avoid.no_proposal", "csq.reminder"));
        // Each bit, for each version of each avoidance rule, is `follows`
        // and a `when` not decided false; the sure bits are those whose
        // `when` is decided true.
        for (ri, r) in p.rules.iter().enumerate() {
            for (vi, v) in r.versions.iter().enumerate() {
                let Body::Avoidance {
                    behaviour,
                    severity,
                    ..
                } = &v.body
                else {
                    continue;
                };
                for (j, &ci) in plan.consequences.iter().enumerate() {
                    let Some(c) = p.rules.get(ci).and_then(|c| c.versions.first()) else {
                        continue;
                    };
                    let bit = |bits: &Vec<Vec<u64>>| {
                        bits.get(ri)
                            .and_then(|m| m.get(vi))
                            .is_some_and(|m| m & follow_bit(j) != 0)
                    };
                    let when = c
                        .when
                        .as_ref()
                        .and_then(|w| decided_when(&w.expr, r.id.as_str(), *behaviour, *severity));
                    let passes = follows(&c.body, &r.id, *behaviour, *severity);
                    assert_eq!(
                        bit(&plan.may_follow),
                        passes && when != Some(false),
                        "{} {j}",
                        r.id
                    );
                    assert_eq!(
                        bit(&plan.sure_follow),
                        passes && when == Some(true),
                        "{} {j}",
                        r.id
                    );
                }
            }
        }
    }

    /// Checks `Plan::params_at`, and a cursor asked in several orders,
    /// against each parameter's own `value_at`, on every day from 2019 to 2030.
    fn check_periods(params: &[Param]) {
        let plan = Plan::new(&[], params);
        let mut d = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default();
        let end = NaiveDate::from_ymd_opt(2031, 1, 1).unwrap_or_default();
        let mut days = Vec::new();
        while d < end {
            let want: Vec<Option<i64>> = params.iter().map(|x| x.value_at(d)).collect();
            assert_eq!(plan.params_at(d), want.as_slice(), "{d}");
            days.push((d, want));
            d = d.succ_opt().unwrap_or(end);
        }
        // The cursor answers the same, whatever the order of the dates:
        // forwards, backwards, and jumping between far-apart days.
        let mut cursor = plan.params_cursor();
        let n = days.len();
        let jumps = (0..n).map(|i| if i % 2 == 0 { i / 2 } else { n - 1 - i / 2 });
        for i in (0..n).chain((0..n).rev()).chain(jumps) {
            let Some((d, want)) = days.get(i) else {
                panic!("day {i}");
            };
            assert_eq!(cursor.at(*d), want.as_slice(), "{d}");
        }
    }

    #[test]
    fn parameters_by_period_equal_the_values_in_force_on_every_day() {
        for text in [Policy::bundled(), Policy::bundled_2025()] {
            let Ok(p) = text else {
                panic!("the bundled policies load");
            };
            check_periods(&p.params);
        }
        // Parameters whose values change, with a gap where one has none.
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let version = |value, from, until| crate::policy::ParamVersion {
            value,
            valid_from: from,
            valid_until: until,
            default: false,
            citation: None,
        };
        let param = |name: &str, versions| Param {
            name: name.into(),
            unit: crate::policy::ParamUnit::Count,
            label_vi: String::new(),
            label_en: String::new(),
            versions,
            defined_at: (String::new(), 0),
        };
        let params = [
            param(
                "a",
                vec![
                    version(1, day(2019, 1, 1), Some(day(2023, 8, 11))),
                    version(2, day(2023, 8, 11), Some(day(2025, 7, 1))),
                    version(3, day(2026, 1, 1), None),
                ],
            ),
            param(
                "b",
                vec![
                    version(10, day(2020, 2, 29), Some(day(2024, 1, 1))),
                    version(20, day(2024, 1, 1), None),
                ],
            ),
        ];
        let plan = Plan::new(&[], &params);
        assert!(plan.param_epochs.len() >= 6, "{}", plan.param_epochs.len());
        check_periods(&params);
    }
}

#[cfg(test)]
mod memo_tests {
    use super::Bound;
    use crate::engine::Evaluator;
    use crate::policy::Policy;
    use crate::policy::expr::Expr;
    use crate::policy::expr::check::Node;
    use std::collections::{HashMap, HashSet};

    /// Counts each slot met, walking into a slot's expression only the first time.
    fn computed_memos(e: &Expr, met: &mut HashSet<usize>, reads: &mut HashMap<usize, usize>) {
        if let Node::Memo(slot, _) = &e.node {
            *reads.entry(*slot).or_default() += 1;
            if !met.insert(*slot) {
                return;
            }
        }
        for c in e.node.children() {
            computed_memos(c, met, reads);
        }
    }

    fn memos<'e>(e: &'e Expr, out: &mut Vec<(usize, &'e Expr)>) {
        if let Node::Memo(slot, inner) = &e.node {
            out.push((*slot, inner));
        }
        for c in e.node.children() {
            memos(c, out);
        }
    }

    #[test]
    fn shared_sub_expressions_are_memoised_once_per_shape_in_each_group() {
        let Ok(p) = Policy::bundled() else {
            panic!("the bundled policy loads");
        };
        // The memo slots met in the rules bound to a step, and in those bound to a finding.
        let (mut steps, mut findings) = (Vec::new(), Vec::new());
        for r in &p.rules {
            for v in &r.versions {
                let group = match &v.body {
                    crate::policy::Body::Consequence { to, .. } => {
                        if let Some(c) = to {
                            memos(&c.expr, &mut findings);
                        }
                        &mut findings
                    }
                    crate::policy::Body::Accountability { who, .. } => {
                        memos(&who.expr, &mut steps);
                        &mut steps
                    }
                    _ => &mut steps,
                };
                if let Some(c) = &v.when {
                    memos(&c.expr, group);
                }
            }
        }
        let (step_width, finding_width) = p.plan.memo_widths;
        let shared_width = p.plan.memo_by_official;
        assert!(step_width > 0 && shared_width > 0 && finding_width > shared_width);
        // Every slot of a group is used at least twice, and by one shape
        // only; those an official's findings share, at least once.
        for (slot, _) in &findings {
            assert!(*slot < finding_width);
        }
        for (found, width) in [(&steps, step_width), (&findings, shared_width)] {
            for slot in 0..width {
                let uses: Vec<String> = found
                    .iter()
                    .filter(|(s, _)| *s == slot)
                    .map(|(_, e)| crate::policy::checker::shape(e))
                    .collect();
                assert!(uses.len() >= 2, "slot {slot} used {} times", uses.len());
                assert!(
                    uses.windows(2).all(|w| w[0] == w[1]),
                    "slot {slot}: {uses:?}"
                );
            }
        }
        // And every slot is read at least twice where it can be computed:
        // not only inside a later copy of a shared expression, which is
        // read from its own slot and never evaluates its parts.
        for group in [Bound::Step, Bound::Finding] {
            let mut rules = p.rules.clone();
            let (mut reads, mut met) = (HashMap::new(), HashSet::new());
            for r in rules.iter_mut() {
                for e in super::bound_exprs(r, group) {
                    computed_memos(e, &mut met, &mut reads);
                }
            }
            assert!(!reads.is_empty());
            for (slot, n) in reads {
                let by_official = group == Bound::Finding && slot >= shared_width;
                assert!(
                    n >= 2 || by_official,
                    "{group:?} slot {slot} computed {n} time(s)"
                );
            }
        }
        // `acc.head` finds the head that `acc.acting_head` looks for: shared.
        let head = p.rules.iter().find(|r| r.id.as_str() == "acc.head");
        let Some(crate::policy::Body::Accountability { who, .. }) =
            head.and_then(|r| r.versions.first()).map(|v| &v.body)
        else {
            panic!("acc.head is an accountability rule");
        };
        assert!(matches!(who.expr.node, Node::Memo(..)));
    }

    /// Whether a consequence `when`, added to the bundled policy, has a
    /// part shared by the findings of one official (`memoise_by_official`).
    fn shared_by_official(when: &str) -> bool {
        let p = super::bundled_with(
            "zz.csq",
            "consequence",
            &format!("when = {when:?}\nmeasure = \"reminder\"\n"),
        );
        let mut found = Vec::new();
        for r in p.rules.iter().filter(|r| r.id.as_str() == "zz.csq") {
            for v in &r.versions {
                if let Some(c) = &v.when {
                    memos(&c.expr, &mut found);
                }
            }
        }
        found
            .iter()
            .any(|(slot, _)| *slot >= p.plan.memo_by_official)
    }

    /// What the findings of one official share: a quantifier, map or call
    /// that reads the finding only as `finding.official`, and besides only
    /// the task, the events, `findings` and its own variables.
    #[test]
    fn what_an_officials_findings_share_reads_only_the_official() {
        let shared = [
            "count(f in findings where f.official == finding.official) >= 2",
            "exists(f in findings where finding.official == f.official)",
            "len([f in findings where f.official == finding.official]) > 1",
            "head_over(finding.official, task.received) != none",
            "count(e in events where e.actor == finding.official) > 0",
        ];
        let own = [
            "count(f in findings where f.official == finding.official and f.date < finding.date) >= 1",
            "count(f in findings where f.official == finding.official and param.replacement_findings > 1) > 0",
            "exists(f in findings where f.rule == finding.rule)",
            "head_over(finding.official, finding.date) != none",
            "count(f in findings where f.severity == \"minor\") > 1",
            "finding.official == task.assigned_by",
        ];
        for when in shared {
            assert!(shared_by_official(when), "{when}");
        }
        for when in own {
            assert!(!shared_by_official(when), "{when}");
        }
        // A parameter compared with the count is outside the shared part
        // (the bundled `csq.transfer_or_replacement`).
        assert!(shared_by_official(
            "count(f in findings where f.official == finding.official) >= param.replacement_findings"
        ));
    }

    #[test]
    fn sharing_sub_expressions_changes_no_determination() {
        use crate::generate::{GenConfig, organisation, task};
        use crate::model::{ValidCase, ValidOrganisation};
        let Ok(p) = Policy::bundled() else {
            panic!("the bundled policy loads");
        };
        // The same policy with no memo storage: every `Memo` evaluates its expression.
        let mut unshared = p.clone();
        unshared.plan.memo_widths = (0, 0);
        let mut cases = crate::sample::corpus().unwrap_or_default();
        for seed in 0..4 {
            let cfg = GenConfig {
                seed,
                events_per_task: 6 + 6 * seed as usize,
                avoidance_percent: 60,
                ..GenConfig::default()
            };
            let org = organisation(&cfg);
            let Ok(vorg) = ValidOrganisation::new(org.organisation.clone()) else {
                panic!("generated organisations are valid");
            };
            let vorg = std::sync::Arc::new(vorg);
            cases.extend(
                (0..40).filter_map(|n| ValidCase::new(vorg.clone(), task(&cfg, &org, n)).ok()),
            );
        }
        assert!(cases.len() > 150);
        let as_of = crate::sample::as_of();
        for case in &cases {
            let shared = Evaluator::new(&p).explain(true).evaluate(case, as_of);
            let plain = Evaluator::new(&unshared)
                .explain(true)
                .evaluate(case, as_of);
            assert_eq!(shared, plain, "task {}", case.task().id);
        }
    }
}

#[cfg(test)]
mod lean_tests {
    use crate::policy::Policy;
    use crate::policy::expr::Expr;
    use crate::policy::expr::check::Node;

    /// Whether some `and` in `e` has an `and` as its left part.
    fn leans_left(e: &Expr) -> bool {
        matches!(&e.node, Node::And(a, _) if matches!(a.node, Node::And(..)))
            || e.node.children().into_iter().any(leans_left)
    }

    #[test]
    fn and_chains_lean_right_with_the_same_parts_in_the_same_order() {
        let text = crate::policy::BUNDLED_2023;
        let Ok(p) = Policy::from_toml_str(text, "vn-2023.toml") else {
            panic!("the bundled policy loads");
        };
        let mut n = 0;
        for r in &p.rules {
            for v in &r.versions {
                let Some(c) = &v.when else { continue };
                assert!(
                    !leans_left(&c.expr),
                    "{}: an `and` leans left",
                    r.id.as_str()
                );
                // The parts an explanation names (taken from the condition as
                // parsed) are the parts of the rebuilt top chain, in order.
                let spine: Vec<(usize, usize)> =
                    c.parts.iter().map(|(s, _)| (s.start, s.end)).collect();
                let mut top = Vec::new();
                let mut e = &c.expr;
                while let Node::And(a, b) = &e.node {
                    top.push((a.span.start, a.span.end));
                    e = b;
                }
                top.push((e.span.start, e.span.end));
                assert_eq!(top, spine, "{}", r.id.as_str());
                n += usize::from(spine.len() > 2);
            }
        }
        assert!(n >= 10, "{n} conditions with three parts or more");
    }
}

#[cfg(test)]
mod fold_tests {
    use super::*;
    use crate::policy::Policy;

    /// Replaces each [`Node::FieldIs`] by the comparison it stands for;
    /// returns how many there were.
    fn unfold(e: &mut Expr) -> usize {
        let mut n = 0;
        if let Node::FieldIs(.., cmp) = &mut e.node {
            *e = take(cmp);
            n += 1;
        }
        for c in e.node.children_mut() {
            n += unfold(c);
        }
        n
    }

    #[test]
    fn literal_tests_are_folded_with_the_comparisons_they_stand_for() {
        let Ok(p) = Policy::bundled() else {
            panic!("the bundled policy loads");
        };
        let mut n = 0;
        let mut seen = |e: &Expr| {
            if let Node::FieldIs(s, f, eq, lit, cmp) = &e.node {
                n += 1;
                let Node::Cmp(op, a, b) = &cmp.node else {
                    panic!("a folded test keeps its comparison");
                };
                assert_eq!(*eq, *op == Cmp::Eq);
                assert_eq!(e.span, cmp.span);
                let Node::Field(base, g) = &a.node else {
                    panic!("a field on the left");
                };
                assert_eq!((&base.node, g), (&Node::Var(*s), f));
                match (&b.node, lit) {
                    (Node::Lit(Lit::Str(k)), Some(t)) => assert_eq!(&**k, *t),
                    (Node::Lit(Lit::None), None) => {}
                    other => panic!("literal {other:?}"),
                }
            }
        };
        fn each(e: &Expr, f: &mut dyn FnMut(&Expr)) {
            f(e);
            for c in e.node.children() {
                each(c, f);
            }
        }
        for v in p.rules.iter().flat_map(|r| r.versions.iter()) {
            for c in v.conds() {
                each(&c.expr, &mut seen);
            }
        }
        // `step.assignee != none`, `x.kind == "vote"`, `task.origin == "…"`, …
        assert!(n >= 40, "{n} folded tests");
    }

    #[test]
    fn folded_literal_tests_decide_as_the_comparisons_they_stand_for() -> Result<(), String> {
        let folded = Policy::bundled().map_err(|e| e.to_string())?;
        let mut unfolded = folded.clone();
        let n: usize = unfolded
            .rules
            .iter_mut()
            .flat_map(|r| r.versions.iter_mut())
            .flat_map(version_exprs)
            .map(unfold)
            .sum();
        assert!(n >= 40, "{n} folded tests");
        let cfg = crate::generate::GenConfig::default();
        let gen_org = crate::generate::organisation(&cfg);
        let org = std::sync::Arc::new(
            crate::model::ValidOrganisation::new(gen_org.organisation.clone())
                .map_err(|e| format!("{e:?}"))?,
        );
        let mut cases: Vec<(crate::model::ValidCase, NaiveDate)> = crate::sample::corpus()
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|c| (c, crate::sample::as_of()))
            .collect();
        for i in 0..300 {
            let t = crate::generate::task(&cfg, &gen_org, i);
            let c = crate::model::ValidCase::new(org.clone(), t).map_err(|e| format!("{e:?}"))?;
            cases.push((c, NaiveDate::from_ymd_opt(2026, 3, 31).ok_or("date")?));
        }
        let mut findings = 0;
        for explain in [false, true] {
            let a = crate::engine::Evaluator::new(&folded).explain(explain);
            let b = crate::engine::Evaluator::new(&unfolded).explain(explain);
            for (c, as_of) in &cases {
                let x = a.evaluate(c, *as_of).map_err(|e| e.to_string())?;
                let y = b.evaluate(c, *as_of).map_err(|e| e.to_string())?;
                assert_eq!(x, y, "task {}", c.task().id);
                findings += x.findings.len();
            }
        }
        assert!(findings > 0);
        Ok(())
    }
}
