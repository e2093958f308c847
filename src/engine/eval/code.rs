//! Conditions compiled to closures at load, for evaluations without an
//! explanation.
//!
//! [`Env::test`] and [`Env::eval`] walk a condition's tree and choose, at
//! every node of every evaluation, what the node is and what its operands
//! are. [`compile`] makes those choices once per policy: each node becomes
//! a closure that calls its operands' closures directly, with the forms the
//! interpreter tells apart at run time (a field of a variable, a comparison
//! with a literal, a quantifier's condition) chosen here. The closures call
//! the same [`Env`] functions as the interpreter (fields, functions, lists,
//! equality), so the two give the same values and the same errors;
//! `tests/compiled.rs` holds them to it over generated conditions, which
//! use every form of the language, and generated tasks.
//!
//! An explained evaluation still runs the interpreter, which records the
//! first false part of each condition as it goes.

use super::{Env, R, RuntimeError, V, compare, date_add};
use crate::policy::expr::check::{Cmp, Expr, F, Func, Lit, Node, slot};
use crate::policy::expr::syntax::Quant;

/// A compiled condition in a boolean context (as [`Env::test`]).
type TestFn = dyn for<'a, 'f> Fn(&mut Env<'a, 'f>) -> Result<bool, RuntimeError> + Send + Sync;
/// A compiled expression for its value (as [`Env::eval`]).
type EvalFn = dyn for<'a, 'f> Fn(&mut Env<'a, 'f>) -> R<'a> + Send + Sync;

type T = Box<TestFn>;
type E = Box<EvalFn>;

/// A condition compiled both ways: as a test (a rule's `when`) and for its
/// value (a `who`, a target).
pub(crate) struct Code {
    test: T,
    value: E,
    /// For a condition with parts that the binding cannot change: the
    /// test of those parts and the test of the others (see `split`).
    split: Option<(T, T)>,
    /// The event kinds without an event of each of which the condition is
    /// false, without an error, for every binding (`plan::needs`), as bits.
    needs: u32,
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Code")
    }
}

impl Code {
    /// Tests the condition: `true` only for `true`, as [`Env::test`].
    #[inline]
    pub(crate) fn test(&self, env: &mut Env<'_, '_>) -> Result<bool, RuntimeError> {
        (self.test)(env)
    }

    /// Whether the condition is false for every binding of a task whose
    /// event kinds are `kinds` (as `ValidCase::event_kinds`): it needs a
    /// kind the task has no event of.
    #[inline]
    pub(crate) fn lacks(&self, kinds: u32) -> bool {
        self.needs & !kinds != 0
    }

    /// `e` compiled again as this code was ([`compile`], the split kept
    /// where this one has it): closures cannot be copied.
    pub(crate) fn again(&self, e: &Expr) -> Code {
        compile(e, self.split.is_some())
    }

    /// The condition's value, as [`Env::eval`].
    #[inline]
    pub(crate) fn value<'a>(&self, env: &mut Env<'a, '_>) -> R<'a> {
        (self.value)(env)
    }

    /// For a chain of `and`s (or a single part) with parts that read
    /// neither the binding (`step`, `e`, `finding`, `official`,
    /// `findings`) nor a parameter nor a shared value, and follow only
    /// parts that cannot fail: those parts' test (see `split`). They give
    /// the same answer for every binding of a rule, so a rule tests them
    /// once per evaluation: when they are false, so is the condition for
    /// each binding; when true, each binding needs only
    /// [`Code::test_rest`]. `None` when the condition has no such part.
    #[inline]
    pub(crate) fn test_prefix(&self, env: &mut Env<'_, '_>) -> Option<Result<bool, RuntimeError>> {
        self.split.as_ref().map(|(p, _)| p(env))
    }

    /// The parts other than [`Code::test_prefix`]'s, in order: the
    /// condition once those are true (the condition itself when there is
    /// no prefix).
    #[inline]
    pub(crate) fn test_rest(&self, env: &mut Env<'_, '_>) -> Result<bool, RuntimeError> {
        match &self.split {
            Some((_, rest)) => rest(env),
            None => (self.test)(env),
        }
    }
}

/// Compiles a condition (after the load-time rewrites of `engine::plan`);
/// with `split`, also the tests of [`Code::test_prefix`] and
/// [`Code::test_rest`], which only the main loop's `when`s use.
pub(crate) fn compile(e: &Expr, with_split: bool) -> Code {
    Code {
        test: test(e),
        value: eval(e),
        split: if with_split { split(e) } else { None },
        needs: super::super::plan::needs(e).0,
    }
}

/// Whether `e` reads the binding variables, a parameter or a shared value
/// (all of which may differ from one binding to the next).
fn reads_binding(e: &Expr) -> bool {
    match &e.node {
        Node::Var(s) => *s == slot::BINDING || *s == slot::BINDING2,
        Node::Param(_) | Node::Memo(..) => true,
        n => n.children().into_iter().any(reads_binding),
    }
}

/// Whether `e` cannot raise a run-time error: it has no arithmetic (which
/// may overflow), no parameter (which may have no value in force), no list
/// it builds (which may pass `u32::MAX` items in one evaluation) and no
/// calendar function (a date outside the calendar, a negative number of
/// working days).
pub(crate) fn infallible(e: &Expr) -> bool {
    let own = match &e.node {
        Node::Add(..)
        | Node::Sub(..)
        | Node::Param(_)
        | Node::List(_)
        | Node::Map(..)
        | Node::Concat(..)
        | Node::Quant(Quant::Filter, ..) => false,
        Node::Call(f, _) => !matches!(
            f,
            Func::WorkingDays | Func::AddWorkingDays | Func::IsWorkingDay
        ),
        _ => true,
    };
    own && e.node.children().into_iter().all(infallible)
}

/// [`Code::test_prefix`] and [`Code::test_rest`] of a condition (a chain
/// of `and`s, or a single part) with a part that reads no binding and
/// follows only parts that cannot fail (`None` when it has none): the
/// prefix is every such part, in order, and the rest every other part, in
/// order (`true` when there is none). Testing the prefix first changes
/// nothing for any binding: when a prefix part is false, the parts before
/// it in the condition could only have been false or true, and the
/// condition is false either way; when the prefix holds, the condition is
/// the rest.
fn split(e: &Expr) -> Option<(T, T)> {
    let mut parts = Vec::new();
    spine(e, &mut parts);
    let (mut prefix, mut rest) = (Vec::new(), Vec::new());
    // Whether a part left in place can fail: no later part may then move
    // before it, since the binding's error would be lost when the moved
    // part is false.
    let mut blocked = false;
    for p in parts {
        if !blocked && !reads_binding(p) {
            prefix.push(p);
        } else {
            blocked |= !infallible(p);
            rest.push(p);
        }
    }
    if prefix.is_empty() {
        return None;
    }
    Some((all(&prefix), all(&rest)))
}

/// The test that every one of `parts` is true, in order (`true` for none).
fn all(parts: &[&Expr]) -> T {
    match parts {
        [] => t(|_| Ok(true)),
        [one] => test(one),
        // The common lengths without the loop over the parts.
        [a, b] => {
            let (a, b) = (test(a), test(b));
            t(move |env| Ok(a(env)? && b(env)?))
        }
        [a, b, c] => {
            let (a, b, c) = (test(a), test(b), test(c));
            t(move |env| Ok(a(env)? && b(env)? && c(env)?))
        }
        _ => {
            let parts: Box<[T]> = parts.iter().map(|p| test(p)).collect();
            t(move |env| {
                for p in &parts {
                    if !p(env)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            })
        }
    }
}

fn t<C>(c: C) -> T
where
    C: for<'a, 'f> Fn(&mut Env<'a, 'f>) -> Result<bool, RuntimeError> + Send + Sync + 'static,
{
    Box::new(c)
}

fn v<C>(c: C) -> E
where
    C: for<'a, 'f> Fn(&mut Env<'a, 'f>) -> R<'a> + Send + Sync + 'static,
{
    Box::new(c)
}

/// A literal's value; a text is interned, so that the value does not
/// borrow the tree.
fn lit(l: &Lit) -> V<'static> {
    match l {
        Lit::None => V::None,
        Lit::Bool(b) => V::bool(*b),
        Lit::Int(n) => V::Int(*n),
        Lit::Date(d) => V::date(*d),
        Lit::Str(s) => V::Str(crate::intern::text_ref(s)),
    }
}

/// `$make(read, $args)`, `$args` one parenthesised argument or a tuple,
/// where `read(env, s)` reads field `$f` of the variable in slot `s` with
/// code of its own for that field: for each field of a task, a step, an
/// event or a finding, the field's arm of [`Env::task_field`] (and the
/// others) inlined with the field constant, when the variable holds that
/// kind of value, and [`Env::field`] otherwise (e.g. for `none`); for every
/// other field, [`Env::field`]. A field missing from the lists is read
/// correctly, through [`Env::field`], only more slowly.
macro_rules! with_reader {
    ($f:expr, $make:ident $args:tt) => {
        with_reader!(@arms $f, $make $args;
            task: [TId, TTitle, TUnit, TField, TCompetentUnit, TOrigin, TReceived, TDue,
                TEffectiveDue, TCurrentDue, TClosed, TLateDays, TOverdue, TStoppedDays, TSteps,
                TStakeholders, TMandatory, TSuperiorApproval, TNew, TDifficult, TUnprecedented,
                TPilot, TIncompleteLegal, TNovel, TAssignedBy, TExtensions, TApologies, TEnd,
                TPublished];
            step: [SId, SKind, SIndex, SAssignee, SDeputy, SCollective, SDue, SEvents, SStarted,
                SCompleted, SDate, SDone];
            event: [EId, EKind, EActor, EStep, EDate, EIndex, ETo, EToUnit, EReason, ELegalBasis,
                EAddressees, EReplyBy, EUnit, EPosition, ERequest, ERecommendation,
                EInPrincipleOnly, EMode, EDelegation, ENewDeadline, ENewReturnDate, EAnswerBy,
                ESuperior, EApprovedBy, EForceMajeure, EInFavour, EDissent, ECollective,
                EDocuments, ESpoke, ESilent, EAbsent, ERecused, EDocument, EItems];
            finding: [FRule, FBehaviour, FSeverity, FOfficial, FStep, FEvidence, FDate])
    };
    (@arms $f:expr, $make:ident $args:tt;
        task: [$($t:ident),*]; step: [$($st:ident),*]; event: [$($e:ident),*];
        finding: [$($g:ident),*]) => {
        match $f {
            $(F::$t => $make(
                |env, s| match env.var(s) {
                    V::Task => env.task_field_at(F::$t),
                    x => env.field(x, F::$t),
                },
                $args
            ),)*
            $(F::$st => $make(
                |env, s| match env.var(s) {
                    V::Step(i) => env.step_field_at(i, F::$st),
                    x => env.field(x, F::$st),
                },
                $args
            ),)*
            $(F::$e => $make(
                |env, s| match env.var(s) {
                    V::Event(i) => env.event_field_at(i, F::$e),
                    x => env.field(x, F::$e),
                },
                $args
            ),)*
            $(F::$g => $make(
                |env, s| match env.var(s) {
                    V::Finding(i) => env.finding_field_at(i, F::$g),
                    x => env.field(x, F::$g),
                },
                $args
            ),)*
            f => $make(move |env, s| env.field(env.var(s), f), $args),
        }
    };
}

/// `$make(call, $args)`, where `call(env, args)` is [`Env::call_at`] with
/// the function `$f` as a constant: the function's arm of the call inlined,
/// and no other.
macro_rules! with_func {
    ($f:expr, $make:ident $args:tt) => {
        with_func!(@arms $f, $make $args; WorkingDays, AddWorkingDays, HeadOf, ActingHeadOf,
            DeputyFor, Holds, ServesIn, Competent, Within, SuperiorOf, Delegated, Len, Max, Min,
            IsWorkingDay, StoppedDays, IsLeader, HeadOver, IsHead, HeadOfOfficial, DeputyOver,
            ManagingUnit, LedUnit)
    };
    (@arms $f:expr, $make:ident $args:tt; $($n:ident),*) => {
        match $f {
            $(Func::$n => $make(|env, args| env.call_at(Func::$n, args), $args),)*
        }
    };
}

/// A call of two arguments, `call` one of [`with_func!`]'s.
fn call2<C>(call: C, (a, b): (E, E)) -> E
where
    C: for<'a, 'f> Fn(&Env<'a, 'f>, &[V<'a>; 4]) -> R<'a> + Send + Sync + 'static,
{
    v(move |env| {
        let vs = [a(env)?, b(env)?, V::None, V::None];
        call(env, &vs)
    })
}

/// A call of three arguments, `call` one of [`with_func!`]'s.
fn call3<C>(call: C, (a, b, c): (E, E, E)) -> E
where
    C: for<'a, 'f> Fn(&Env<'a, 'f>, &[V<'a>; 4]) -> R<'a> + Send + Sync + 'static,
{
    v(move |env| {
        let vs = [a(env)?, b(env)?, c(env)?, V::None];
        call(env, &vs)
    })
}

/// `x.f == none` (`eq`) or `x.f != none`, `read` reading `x.f` from slot `s`.
fn none_test<Rd>(read: Rd, (s, eq): (usize, bool)) -> T
where
    Rd: for<'a, 'f> Fn(&mut Env<'a, 'f>, usize) -> V<'a> + Send + Sync + 'static,
{
    t(move |env| Ok(matches!(read(env, s), V::None) == eq))
}

/// `x.f == k` (`eq`) or `x.f != k`, `k` a text.
fn text_test<Rd>(read: Rd, (s, eq, k): (usize, bool, &'static str)) -> T
where
    Rd: for<'a, 'f> Fn(&mut Env<'a, 'f>, usize) -> V<'a> + Send + Sync + 'static,
{
    t(move |env| {
        let x = read(env, s);
        let same = match x.text() {
            Some(x) => x == k,
            None => env.eq_text(&x, k),
        };
        Ok(same == eq)
    })
}

/// `if x.f == none then a else b` (`eq`), or with `!=`.
fn if_none<Rd>(read: Rd, (s, eq, a, b): (usize, bool, E, E)) -> E
where
    Rd: for<'a, 'f> Fn(&mut Env<'a, 'f>, usize) -> V<'a> + Send + Sync + 'static,
{
    v(move |env| {
        if matches!(read(env, s), V::None) == eq {
            a(env)
        } else {
            b(env)
        }
    })
}

/// `x.f` when it is not `none`, else `or`.
fn coalesce<Rd>(read: Rd, (s, or): (usize, E)) -> E
where
    Rd: for<'a, 'f> Fn(&mut Env<'a, 'f>, usize) -> V<'a> + Send + Sync + 'static,
{
    v(move |env| match read(env, s) {
        V::None => or(env),
        x => Ok(x),
    })
}

/// `x.f` in a boolean context.
fn truthy_test<Rd>(read: Rd, (s, want): (usize, bool)) -> T
where
    Rd: for<'a, 'f> Fn(&mut Env<'a, 'f>, usize) -> V<'a> + Send + Sync + 'static,
{
    t(move |env| Ok(read(env, s).truthy() == want))
}

/// `x.f op y`.
fn field_cmp<Rd>(read: Rd, (s, op, y): (usize, Cmp, E)) -> T
where
    Rd: for<'a, 'f> Fn(&mut Env<'a, 'f>, usize) -> V<'a> + Send + Sync + 'static,
{
    t(move |env| {
        let x = read(env, s);
        let y = y(env)?;
        Ok(compare(env, op, &x, &y))
    })
}

/// `x.f`.
fn read_field<Rd>(read: Rd, s: usize) -> E
where
    Rd: for<'a, 'f> Fn(&mut Env<'a, 'f>, usize) -> V<'a> + Send + Sync + 'static,
{
    v(move |env| Ok(read(env, s)))
}

/// The parts of a chain of `and`s, in order.
pub(crate) fn spine<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    if let Node::And(a, b) = &e.node {
        spine(a, out);
        spine(b, out);
    } else {
        out.push(e);
    }
}

/// `e` in a boolean context.
fn test(e: &Expr) -> T {
    match &e.node {
        Node::And(..) => {
            let mut parts = Vec::new();
            spine(e, &mut parts);
            all(&parts)
        }
        Node::Or(a, b) => {
            let (a, b) = (test(a), test(b));
            t(move |env| Ok(a(env)? || b(env)?))
        }
        // `not x.f == none` and the like: the test with its sense turned.
        Node::Not(a) if let Node::FieldIs(s, f, eq, k, _) = &a.node => match *k {
            None => with_reader!(*f, none_test(*s, !*eq)),
            Some(k) => with_reader!(*f, text_test(*s, !*eq, k)),
        },
        // `not task.novel`: the field's truth, turned.
        Node::Not(a)
            if let Node::Field(base, f) = &a.node
                && let Node::Var(s) = &base.node =>
        {
            with_reader!(*f, truthy_test(*s, false))
        }
        // `not exists(…)`, `not all(…)`: the quantifier's answer turned.
        Node::Not(a)
            if let Node::Quant(q @ (Quant::Exists | Quant::All), s, src, cond) = &a.node =>
        {
            exists_or_all(*q, *s, src, cond.as_deref(), true)
        }
        Node::Not(a) => {
            let a = test(a);
            t(move |env| Ok(!a(env)?))
        }
        Node::Lit(Lit::Bool(b)) => {
            let b = *b;
            t(move |_| Ok(b))
        }
        Node::Cmp(op, a, b) => {
            let (op, x) = (*op, eval(a));
            match (&b.node, op) {
                // `x == none`, `x != none`: only `none` equals `none`.
                (Node::Lit(Lit::None), Cmp::Eq) => t(move |env| Ok(matches!(x(env)?, V::None))),
                (Node::Lit(Lit::None), Cmp::Ne) => t(move |env| Ok(!matches!(x(env)?, V::None))),
                // `x.f` compared with anything: the field read inline.
                _ if let Node::Field(base, f) = &a.node
                    && let Node::Var(s) = &base.node =>
                {
                    let y = eval(b);
                    with_reader!(*f, field_cmp(*s, op, y))
                }
                // Anything compared with a literal or a parameter: the other
                // side read in place.
                _ if let Node::Lit(l) = &b.node => {
                    let k = lit(l);
                    t(move |env| {
                        let x = x(env)?;
                        Ok(compare(env, op, &x, &k))
                    })
                }
                _ if let Node::Param(i) = b.node => t(move |env| {
                    let x = x(env)?;
                    let y = env.param(i)?;
                    Ok(compare(env, op, &x, &y))
                }),
                // A variable compared with anything else: read in place.
                _ if let Node::Var(s) = a.node => {
                    let y = eval(b);
                    t(move |env| {
                        let x = env.var(s);
                        let y = y(env)?;
                        Ok(compare(env, op, &x, &y))
                    })
                }
                _ => {
                    let y = eval(b);
                    t(move |env| {
                        let x = x(env)?;
                        let y = y(env)?;
                        Ok(compare(env, op, &x, &y))
                    })
                }
            }
        }
        Node::FieldIs(s, f, eq, k, _) => match *k {
            None => with_reader!(*f, none_test(*s, *eq)),
            Some(k) => with_reader!(*f, text_test(*s, *eq, k)),
        },
        // `u in …`: the variable read in place.
        Node::In(a, b) if let Node::Var(s) = a.node => {
            let b = eval(b);
            t(move |env| {
                let x = env.var(s);
                let l = b(env)?;
                Ok(env.contains(&l, &x))
            })
        }
        Node::In(a, b) => {
            let (a, b) = (eval(a), eval(b));
            t(move |env| {
                let x = a(env)?;
                let l = b(env)?;
                Ok(env.contains(&l, &x))
            })
        }
        Node::Quant(q @ (Quant::Exists | Quant::All), s, src, cond) => {
            exists_or_all(*q, *s, src, cond.as_deref(), false)
        }
        // A field tested for truth (`task.novel`, `x.recommendation`).
        Node::Field(base, f) if let Node::Var(s) = &base.node => {
            with_reader!(*f, truthy_test(*s, true))
        }
        _ => {
            let c = eval(e);
            t(move |env| Ok(c(env)?.truthy()))
        }
    }
}

/// `exists(s in src where cond)` or `all(…)` (`q`), its answer turned
/// when `not`; over the events of one kind, the source is a constant and
/// the kind's test is left out ([`cond_over`]); over a step's events of one
/// kind, the step's variable is read in place; an `exists` over the steps
/// whose condition starts with `s.index == k` tests step `k` alone
/// ([`index_key`]).
fn exists_or_all(q: Quant, s: usize, src: &Expr, cond_expr: Option<&Expr>, not: bool) -> T {
    let exists = matches!(q, Quant::Exists);
    if let Node::KindEvents(k) = src.node {
        let items = V::KindEvents(k);
        let cond = cond_over(s, src, cond_expr);
        return t(move |env| {
            Ok(env.exists_or_all(exists, s, items, |env| test_opt(env, cond.as_deref()))? != not)
        });
    }
    let cond = cond_expr.map(test);
    if let Node::StepKindEvents(b, k) = &src.node
        && let Node::Var(v) = b.node
    {
        let k = *k;
        return t(move |env| {
            let items = env.step_kind_source(env.var(v), k);
            Ok(env.exists_or_all(exists, s, items, |env| test_opt(env, cond.as_deref()))? != not)
        });
    }
    // `exists(p in task.steps where p.index == k and …)`: only step `k`
    // can hold (see `index_key`).
    if exists && let Some((key, rest)) = index_key(s, cond_expr) {
        let src = eval(src);
        return t(move |env| {
            let items = src(env)?;
            let found = match one_step(env, &items, &*key)? {
                OneStep::At(i) => {
                    env.bind(&items, None, i, s);
                    rest(env)?
                }
                OneStep::Nowhere => false,
                OneStep::Walk => {
                    env.exists_or_all(true, s, items, |env| test_opt(env, cond.as_deref()))?
                }
            };
            Ok(found != not)
        });
    }
    let src = eval(src);
    t(move |env| {
        let items = src(env)?;
        Ok(env.exists_or_all(exists, s, items, |env| test_opt(env, cond.as_deref()))? != not)
    })
}

/// For a quantifier over items bound to slot `s` whose condition's first
/// part (of its chain of `and`s) is `s.index == k` or `k == s.index`, `k`
/// not reading `s`: `k` compiled, and the test of the other parts, in
/// order (`true` when there are none). Over the task's steps, whose
/// `index` is their place in `task.steps`, only the step at `k` can then
/// hold ([`one_step`]); the first part is false for every other step, and
/// is all of the condition that is evaluated for them.
fn index_key(s: usize, cond: Option<&Expr>) -> Option<(E, T)> {
    let mut parts = Vec::new();
    spine(cond?, &mut parts);
    let (first, rest) = parts.split_first()?;
    let Node::Cmp(Cmp::Eq, a, b) = &first.node else {
        return None;
    };
    let is_index = |e: &Expr| matches!(&e.node, Node::Field(base, F::SIndex) if matches!(base.node, Node::Var(v) if v == s));
    let key = if is_index(a) && !mentions(b, s) {
        b
    } else if is_index(b) && !mentions(a, s) {
        a
    } else {
        return None;
    };
    Some((eval(key), all(rest)))
}

/// Whether `e` reads slot `s` or binds it anew.
fn mentions(e: &Expr, s: usize) -> bool {
    match &e.node {
        Node::Var(v) | Node::FieldIs(v, ..) | Node::Quant(_, v, ..) | Node::Map(_, v, ..)
            if *v == s =>
        {
            true
        }
        n => n.children().into_iter().any(|c| mentions(c, s)),
    }
}

/// Where a quantifier of [`index_key`]'s form can hold ([`one_step`]).
enum OneStep {
    /// Only at step `.0`.
    At(usize),
    /// Nowhere: no step has the index, or there are no steps.
    Nowhere,
    /// Not known without walking the items: they are not the task's steps,
    /// or the index is not an integer.
    Walk,
}

/// Where a quantifier of [`index_key`]'s form over `items` can hold. Over
/// no steps `key` is not evaluated, as the quantifier would not evaluate
/// it.
#[inline]
fn one_step<'a>(
    env: &mut Env<'a, '_>,
    items: &V<'a>,
    key: &EvalFn,
) -> Result<OneStep, RuntimeError> {
    if !matches!(items, V::Steps) {
        return Ok(OneStep::Walk);
    }
    let n = env.len_of(items);
    if n == 0 {
        return Ok(OneStep::Nowhere);
    }
    Ok(match key(env)? {
        V::Int(k) => match usize::try_from(k) {
            Ok(i) if i < n => OneStep::At(i),
            _ => OneStep::Nowhere,
        },
        _ => OneStep::Walk,
    })
}

/// Tests `cond`; `true` when there is none.
#[inline]
fn test_opt(env: &mut Env<'_, '_>, cond: Option<&TestFn>) -> Result<bool, RuntimeError> {
    match cond {
        Some(c) => c(env),
        None => Ok(true),
    }
}

/// The test of a quantifier's or a map's condition `cond` on the items of
/// `src`, each bound to slot `s`. Over the events of one kind (the source
/// that `kind_source` narrowed by the condition's first part, `x.kind ==
/// "K"`), that part is left out: every event of the source passes it, and
/// it cannot fail. Otherwise the whole condition. `None` when no part is
/// left: every item passes.
fn cond_over(s: usize, src: &Expr, cond: Option<&Expr>) -> Option<T> {
    let cond = cond?;
    if let Node::KindEvents(k) = src.node {
        let mut parts = Vec::new();
        spine(cond, &mut parts);
        if let Some((first, rest)) = parts.split_first()
            && is_kind_test(first, s, k)
        {
            return (!rest.is_empty()).then(|| all(rest));
        }
    }
    Some(test(cond))
}

/// Whether `e` is `x.kind == "K"`, `x` in slot `s` and K the kind of index
/// `k`, as `fold_literal_tests` leaves it for the compiler.
fn is_kind_test(e: &Expr, s: usize, k: usize) -> bool {
    matches!(&e.node, Node::FieldIs(v, F::EKind, true, Some(name), _)
        if *v == s && crate::model::EventKind::index_of(name) == Some(k))
}

/// Argument `i` of a call, compiled (`none` past its arguments, which the
/// checker's arities rule out).
fn eval_arg(args: &[Expr], i: usize) -> E {
    match args.get(i) {
        Some(a) => eval(a),
        None => v(|_| Ok(V::None)),
    }
}

/// `e` for its value.
fn eval(e: &Expr) -> E {
    match &e.node {
        Node::Var(s) => {
            let s = *s;
            v(move |env| Ok(env.var(s)))
        }
        Node::Field(b, f) => {
            let f = *f;
            match &b.node {
                Node::Var(s) => with_reader!(f, read_field(*s)),
                _ => {
                    let b = eval(b);
                    v(move |env| {
                        let base = b(env)?;
                        Ok(env.field(base, f))
                    })
                }
            }
        }
        Node::Lit(l) => {
            let x = lit(l);
            v(move |_| Ok(x))
        }
        Node::KindEvents(k) => {
            let k = *k;
            v(move |_| Ok(V::KindEvents(k)))
        }
        // The step's events of one kind; for any other value, what
        // `.events` of it gives (the condition tests the kind anyway).
        Node::StepKindEvents(b, k) if let Node::Var(s) = b.node => {
            let k = *k;
            v(move |env| {
                let b = env.var(s);
                Ok(env.step_kind_source(b, k))
            })
        }
        Node::StepKindEvents(b, k) => {
            let (b, k) = (eval(b), *k);
            v(move |env| {
                let b = b(env)?;
                Ok(env.step_kind_source(b, k))
            })
        }
        Node::Memo(slot, inner) => {
            let (slot, inner) = (*slot, eval(inner));
            v(move |env| env.memo_or(slot, |env| inner(env)))
        }
        Node::Param(i) => {
            let i = *i;
            v(move |env| env.param(i))
        }
        // The common arities without the loop over the arguments, each
        // function's own code inlined (`with_func!`).
        Node::Call(f, args) if args.len() == 2 => {
            let (a, b) = (eval_arg(args, 0), eval_arg(args, 1));
            with_func!(*f, call2(a, b))
        }
        Node::Call(f, args) if args.len() == 3 => {
            let (a, b, c) = (eval_arg(args, 0), eval_arg(args, 1), eval_arg(args, 2));
            with_func!(*f, call3(a, b, c))
        }
        Node::Call(f, args) => {
            let f = *f;
            let args: Box<[E]> = args.iter().map(eval).collect();
            v(move |env| {
                let mut vs = [V::None, V::None, V::None, V::None];
                for (slot_v, a) in vs.iter_mut().zip(&args) {
                    *slot_v = a(env)?;
                }
                env.call(f, &vs)
            })
        }
        Node::Len(a) => {
            let a = eval(a);
            v(move |env| {
                let l = a(env)?;
                Ok(V::Int(i64::try_from(env.len_of(&l)).unwrap_or(i64::MAX)))
            })
        }
        Node::And(..)
        | Node::Or(..)
        | Node::Not(_)
        | Node::Cmp(..)
        | Node::FieldIs(..)
        | Node::In(..)
        | Node::Quant(Quant::Exists | Quant::All, ..) => {
            let c = test(e);
            v(move |env| Ok(V::bool(c(env)?)))
        }
        Node::Add(a, b) | Node::Sub(a, b) => {
            let add = matches!(e.node, Node::Add(..));
            let (a, b) = (eval(a), eval(b));
            v(move |env| {
                let (x, y) = (a(env)?, b(env)?);
                env.arith(add, x, y)
            })
        }
        Node::DateAdd(a, b, plus) => {
            let (a, b, plus) = (eval(a), eval(b), *plus);
            v(move |env| Ok(date_add(a(env)?, b(env)?, plus)))
        }
        // `if x.f != none then x.f else b`: `x.f` is read once.
        Node::If(c, a, b)
            if let Node::FieldIs(s, f, false, None, _) = &c.node
                && let Node::Field(base, g) = &a.node
                && let Node::Var(t) = &base.node
                && (s, f) == (t, g) =>
        {
            let b = eval(b);
            with_reader!(*f, coalesce(*s, b))
        }
        // `if x.f == none then a else b` (or `!=`): the field read inline.
        Node::If(c, a, b) if let Node::FieldIs(s, f, eq, None, _) = &c.node => {
            let (a, b) = (eval(a), eval(b));
            with_reader!(*f, if_none(*s, *eq, a, b))
        }
        Node::If(c, a, b) => {
            let (c, a, b) = (test(c), eval(a), eval(b));
            v(move |env| if c(env)? { a(env) } else { b(env) })
        }
        Node::Concat(a, b) => {
            let (a, b) = (eval(a), eval(b));
            v(move |env| {
                let (x, y) = (a(env)?, b(env)?);
                env.concat(x, y)
            })
        }
        Node::List(items) => {
            let items: Box<[E]> = items.iter().map(eval).collect();
            v(move |env| {
                env.build_list(|env| {
                    for it in &items {
                        let v = it(env)?;
                        env.building.push(v);
                    }
                    Ok(())
                })
            })
        }
        Node::Map(head, s, src, cond) => {
            let cond = cond_over(*s, src, cond.as_deref());
            let (head, s, src) = (eval(head), *s, eval(src));
            v(move |env| {
                let items = src(env)?;
                env.map_list(
                    s,
                    items,
                    |env| test_opt(env, cond.as_deref()),
                    |env| head(env),
                )
            })
        }
        // A count over the events of one kind: the source is a constant.
        Node::Quant(Quant::Count, s, src, cond) if let Node::KindEvents(k) = src.node => {
            let cond = cond_over(*s, src, cond.as_deref());
            let (s, items) = (*s, V::KindEvents(k));
            v(move |env| {
                Ok(V::Int(
                    env.count(s, items, |env| test_opt(env, cond.as_deref()))?,
                ))
            })
        }
        // A count: no item kept, nothing but the count to return.
        Node::Quant(Quant::Count, s, src, cond) => {
            let (s, src) = (*s, eval(src));
            let cond = cond.as_deref().map(test);
            v(move |env| {
                let items = src(env)?;
                Ok(V::Int(
                    env.count(s, items, |env| test_opt(env, cond.as_deref()))?,
                ))
            })
        }
        // `first(p in task.steps where p.index == k and …)`: only step `k`
        // can be it (see `index_key`).
        Node::Quant(Quant::First, s, src, cond)
            if let Some((key, rest)) = index_key(*s, cond.as_deref()) =>
        {
            let (s, src, whole) = (*s, eval(src), cond.as_deref().map(test));
            v(move |env| {
                let items = src(env)?;
                match one_step(env, &items, &*key)? {
                    OneStep::At(i) => {
                        env.bind(&items, None, i, s);
                        Ok(if rest(env)? { env.var(s) } else { V::None })
                    }
                    OneStep::Nowhere => Ok(V::None),
                    OneStep::Walk => env.quantify(Quant::First, s, items, |env| {
                        test_opt(env, whole.as_deref())
                    }),
                }
            })
        }
        Node::Quant(q, s, src, cond) => {
            let cond = cond_over(*s, src, cond.as_deref());
            let (q, s, src) = (*q, *s, eval(src));
            v(move |env| {
                let items = src(env)?;
                env.quantify(q, s, items, |env| test_opt(env, cond.as_deref()))
            })
        }
    }
}
