//! The policy checker: before a rule is enacted, does it load, can it ever
//! fire, can each exception ever defeat its targets, is every parameter
//! used, and — given a unit's working regulation — does every step have
//! exactly one primary accountable individual?
//!
//! The dead-rule analysis is sound but not complete: what it reports can
//! never fire (the condition folds to false, a conjunction contradicts
//! itself, or the validity window lies outside the policy's); a rule it does
//! not report may still never fire.
//!
//! ```
//! use accountable::policy::checker::{check_text, Severity};
//! let report = check_text(accountable::policy::BUNDLED_2023, "vn-2023.toml");
//! assert!(report.items.iter().all(|i| i.severity == Severity::Info));
//! ```

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use super::expr::check::{Cmp, Expr, F, Lit, Node, slot};
use super::{Body, Policy, PolicyError, RuleKind};
use crate::engine::{Evaluator, StepStatus};
use crate::model::{Corpus, ValidCase, ValidOrganisation};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Something to know (e.g. a citation whose text was not confirmed).
    Info,
    /// Probably a mistake: a rule that can never fire, an unused parameter.
    Warning,
    /// The policy cannot be used as it is, or a step has no or several primary accountable individuals.
    Error,
}

/// One diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckItem {
    /// Stable code.
    pub code: String,
    /// How serious.
    pub severity: Severity,
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The rule, parameter or step concerned.
    pub subject: Option<String>,
    /// What is wrong.
    pub message: String,
    /// A suggestion.
    pub help: Option<String>,
}

impl fmt::Display for CheckItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{}:{}:{}: {sev}[{}]",
            self.file, self.line, self.column, self.code
        )?;
        if let Some(s) = &self.subject {
            write!(f, " `{s}`")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// The checker's report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Every diagnostic, errors first.
    pub items: Vec<CheckItem>,
}

impl Report {
    /// No errors and no warnings.
    pub fn is_clean(&self) -> bool {
        self.items.iter().all(|i| i.severity == Severity::Info)
    }
    /// The diagnostics with a given code.
    pub fn with_code<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a CheckItem> + 'a {
        self.items.iter().filter(move |i| i.code == code)
    }
    fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (
                std::cmp::Reverse(a.severity),
                &a.file,
                a.line,
                a.column,
                &a.code,
            )
                .cmp(&(
                    std::cmp::Reverse(b.severity),
                    &b.file,
                    b.line,
                    b.column,
                    &b.code,
                ))
        });
    }
}

impl From<PolicyError> for Report {
    fn from(e: PolicyError) -> Report {
        let items = match e {
            PolicyError::Invalid(d) => d
                .into_iter()
                .map(|d| CheckItem {
                    code: d.code.to_string(),
                    severity: Severity::Error,
                    file: d.file,
                    line: d.line,
                    column: d.column,
                    subject: d.rule,
                    message: format!("field `{}`: {}", d.field, d.message),
                    help: d.help,
                })
                .collect(),
            PolicyError::Syntax {
                file,
                line,
                column,
                message,
            } => {
                vec![CheckItem {
                    code: "syntax".into(),
                    severity: Severity::Error,
                    file,
                    line,
                    column,
                    subject: None,
                    message,
                    help: None,
                }]
            }
            PolicyError::Io { file, message } => {
                vec![CheckItem {
                    code: "io".into(),
                    severity: Severity::Error,
                    file,
                    line: 1,
                    column: 1,
                    subject: None,
                    message,
                    help: None,
                }]
            }
        };
        Report { items }
    }
}

/// Loads and checks a policy text.
pub fn check_text(text: &str, file: &str) -> Report {
    match Policy::from_toml_str(text, file) {
        Ok(p) => check(&p),
        Err(e) => {
            let mut r = Report::from(e);
            r.sort();
            r
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tri {
    True,
    False,
    Unknown,
}

/// A span-free rendering of a node, to compare sub-expressions by structure.
pub(crate) fn shape(e: &Expr) -> String {
    fn w(e: &Expr, s: &mut String) {
        use std::fmt::Write as _;
        match &e.node {
            Node::Lit(l) => {
                let _ = write!(s, "{l:?}");
            }
            Node::Var(v) => {
                let _ = write!(s, "v{v}");
            }
            Node::KindEvents(k) => {
                let _ = write!(s, "events_of_kind{k}");
            }
            Node::StepKindEvents(b, k) => {
                w(b, s);
                let _ = write!(s, ".events_of_kind{k}");
            }
            // A shared sub-expression has the shape of what it shares.
            Node::Memo(_, a) | Node::FieldIs(.., a) => w(a, s),
            Node::Param(p) => {
                let _ = write!(s, "p{p}");
            }
            Node::Field(b, f) => {
                w(b, s);
                let _ = write!(s, ".{f:?}");
            }
            Node::Call(f, xs) => {
                let _ = write!(s, "{f:?}(");
                xs.iter().for_each(|x| {
                    w(x, s);
                    s.push(',');
                });
                s.push(')');
            }
            Node::Len(a) => {
                s.push_str("len(");
                w(a, s);
                s.push(')');
            }
            Node::Not(a) => {
                s.push('!');
                w(a, s);
            }
            Node::And(a, b)
            | Node::Or(a, b)
            | Node::Cmp(_, a, b)
            | Node::In(a, b)
            | Node::Add(a, b)
            | Node::Sub(a, b)
            | Node::DateAdd(a, b, _)
            | Node::Concat(a, b) => {
                let _ = write!(s, "{}(", node_tag(&e.node));
                w(a, s);
                s.push(',');
                w(b, s);
                s.push(')');
            }
            Node::List(xs) => {
                s.push('[');
                xs.iter().for_each(|x| {
                    w(x, s);
                    s.push(',');
                });
                s.push(']');
            }
            Node::Quant(q, v, a, b) => {
                let _ = write!(s, "{q:?}{v}(");
                w(a, s);
                if let Some(b) = b {
                    s.push('|');
                    w(b, s);
                }
                s.push(')');
            }
            Node::If(c, a, b) => {
                s.push_str("if(");
                w(c, s);
                s.push(',');
                w(a, s);
                s.push(',');
                w(b, s);
                s.push(')');
            }
            Node::Map(h, v, a, b) => {
                let _ = write!(s, "map{v}(");
                w(h, s);
                s.push(';');
                w(a, s);
                if let Some(b) = b {
                    s.push('|');
                    w(b, s);
                }
                s.push(')');
            }
        }
    }
    let mut s = String::new();
    w(e, &mut s);
    s
}

fn node_tag(n: &Node) -> String {
    match n {
        Node::And(..) => "and".into(),
        Node::Or(..) => "or".into(),
        Node::Cmp(c, ..) => format!("{c:?}"),
        Node::In(..) => "in".into(),
        Node::Add(..) => "add".into(),
        Node::Sub(..) => "sub".into(),
        Node::DateAdd(_, _, p) => format!("dateadd{p}"),
        Node::Concat(..) => "concat".into(),
        _ => String::new(),
    }
}

/// A normalised copy for the analysis: literals on the right of comparisons,
/// `or false` and `and true` dropped, double negation removed.
fn simplify(e: &Expr) -> Expr {
    let span = e.span;
    let node = match &e.node {
        // The static checks read the shared sub-expression, or the folded
        // comparison, itself.
        Node::Memo(_, inner) | Node::FieldIs(.., inner) => return simplify(inner),
        Node::And(a, b) => {
            let (a, b) = (simplify(a), simplify(b));
            match (&a.node, &b.node) {
                (Node::Lit(Lit::Bool(true)), _) => return b,
                (_, Node::Lit(Lit::Bool(true))) => return a,
                _ => Node::And(Box::new(a), Box::new(b)),
            }
        }
        Node::Or(a, b) => {
            let (a, b) = (simplify(a), simplify(b));
            match (&a.node, &b.node) {
                (Node::Lit(Lit::Bool(false)), _) => return b,
                (_, Node::Lit(Lit::Bool(false))) => return a,
                _ => Node::Or(Box::new(a), Box::new(b)),
            }
        }
        Node::Not(a) => {
            let a = simplify(a);
            if let Node::Not(inner) = a.node {
                return *inner;
            }
            Node::Not(Box::new(a))
        }
        Node::Cmp(op, a, b)
            if matches!(a.node, Node::Lit(_)) && !matches!(b.node, Node::Lit(_)) =>
        {
            let flipped = match op {
                Cmp::Lt => Cmp::Gt,
                Cmp::Le => Cmp::Ge,
                Cmp::Gt => Cmp::Lt,
                Cmp::Ge => Cmp::Le,
                o => *o,
            };
            Node::Cmp(flipped, Box::new(simplify(b)), Box::new(simplify(a)))
        }
        other => other.clone(),
    };
    Expr { node, span }
}

fn conjuncts<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match &e.node {
        Node::And(a, b) => {
            conjuncts(a, out);
            conjuncts(b, out);
        }
        _ => out.push(e),
    }
}

fn lit_cmp(op: Cmp, a: &Lit, b: &Lit) -> Option<bool> {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (Lit::Int(x), Lit::Int(y)) => Some(x.cmp(y)),
        (Lit::Date(x), Lit::Date(y)) => Some(x.cmp(y)),
        (Lit::Str(x), Lit::Str(y)) => Some(x.cmp(y)),
        (Lit::Bool(x), Lit::Bool(y)) => Some(x.cmp(y)),
        (Lit::None, Lit::None) => Some(Ordering::Equal),
        _ => None,
    };
    let ord = ord?;
    Some(match op {
        Cmp::Eq => ord.is_eq(),
        Cmp::Ne => !ord.is_eq(),
        Cmp::Lt => ord.is_lt(),
        Cmp::Le => ord.is_le(),
        Cmp::Gt => ord.is_gt(),
        Cmp::Ge => ord.is_ge(),
    })
}

/// Folds a boolean condition; `event_kind` is the rule's event filter, if any.
fn fold(e: &Expr, event_kind: Option<&str>) -> Tri {
    match &e.node {
        Node::Memo(_, inner) | Node::FieldIs(.., inner) => fold(inner, event_kind),
        Node::Lit(Lit::Bool(b)) => {
            if *b {
                Tri::True
            } else {
                Tri::False
            }
        }
        Node::Not(a) => match fold(a, event_kind) {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        },
        Node::Or(a, b) => match (fold(a, event_kind), fold(b, event_kind)) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        },
        Node::Cmp(op, a, b) => match (&a.node, &b.node) {
            (Node::Lit(x), Node::Lit(y)) => match lit_cmp(*op, x, y) {
                Some(true) => Tri::True,
                Some(false) => Tri::False,
                None => Tri::Unknown,
            },
            // `e.kind == "x"` in a rule filtered to another kind.
            (Node::Field(base, F::EKind), Node::Lit(Lit::Str(k)))
            | (Node::Lit(Lit::Str(k)), Node::Field(base, F::EKind))
                if matches!(base.node, Node::Var(slot::BINDING)) && event_kind.is_some() =>
            {
                let same = event_kind == Some(&**k);
                match (op, same) {
                    (Cmp::Eq, true) | (Cmp::Ne, false) => Tri::True,
                    (Cmp::Eq, false) | (Cmp::Ne, true) => Tri::False,
                    _ => Tri::Unknown,
                }
            }
            _ => Tri::Unknown,
        },
        Node::And(..) => {
            let mut cs = Vec::new();
            conjuncts(e, &mut cs);
            let mut all_true = true;
            for c in &cs {
                match fold(c, event_kind) {
                    Tri::False => return Tri::False,
                    Tri::Unknown => all_true = false,
                    Tri::True => {}
                }
            }
            if all_true {
                return Tri::True;
            }
            // Contradictions between conjuncts: `c and not c`, `x == a and x == b` (a ≠ b), `x == a and x != a`.
            for (i, x) in cs.iter().enumerate() {
                for y in cs.iter().skip(i + 1) {
                    if contradict(x, y) || contradict(y, x) {
                        return Tri::False;
                    }
                }
            }
            Tri::Unknown
        }
        _ => Tri::Unknown,
    }
}

fn contradict(x: &Expr, y: &Expr) -> bool {
    if let Node::Not(inner) = &y.node
        && shape(inner) == shape(x)
    {
        return true;
    }
    if let (Node::Cmp(o1, a1, b1), Node::Cmp(o2, a2, b2)) = (&x.node, &y.node)
        && let (Node::Lit(l1), Node::Lit(l2)) = (&b1.node, &b2.node)
        && shape(a1) == shape(a2)
    {
        // Both constrain the same expression against literals: find a value that satisfies both.
        return match (o1, o2, l1, l2) {
            (Cmp::Eq, Cmp::Eq, _, _) => l1 != l2,
            (Cmp::Eq, Cmp::Ne, _, _) => l1 == l2,
            (Cmp::Eq, op, v, w) => lit_cmp(*op, v, w) == Some(false),
            (lo, hi, Lit::Int(a), Lit::Int(b)) => {
                // Integer bounds: lower from one, upper from the other.
                let low = match lo {
                    Cmp::Gt => a.checked_add(1),
                    Cmp::Ge => Some(*a),
                    _ => None,
                };
                let high = match hi {
                    Cmp::Lt => b.checked_sub(1),
                    Cmp::Le => Some(*b),
                    _ => None,
                };
                matches!((low, high), (Some(l), Some(h)) if l > h)
            }
            _ => false,
        };
    }
    false
}

fn item(
    code: &str,
    severity: Severity,
    file: &str,
    line: usize,
    subject: &str,
    message: String,
    help: Option<String>,
) -> CheckItem {
    CheckItem {
        code: code.into(),
        severity,
        file: file.into(),
        line,
        column: 1,
        subject: Some(subject.into()),
        message,
        help,
    }
}

/// Checks a loaded policy: dead rules, dead exceptions, unused parameters, unconfirmed citations.
pub fn check(policy: &Policy) -> Report {
    let mut r = Report::default();
    let meta = policy.meta();
    let file0 = meta.origin.split(" + ").next().unwrap_or("").to_string();
    let (pf, pu) = (meta.valid_from, meta.valid_until);
    let mut used_params: BTreeSet<String> = BTreeSet::new();
    for rule in policy.rules() {
        used_params.extend(crate::clausetest::rule_params(policy, rule));
        for v in &rule.versions {
            let id = rule.id.as_str();
            if v.valid_until.is_some_and(|u| u <= pf) || pu.is_some_and(|u| v.valid_from >= u) {
                r.items.push(item(
                    "dead_rule",
                    Severity::Warning,
                    &v.file,
                    v.line,
                    id,
                    format!(
                        "version from {} lies outside the policy's window ({pf} – {})",
                        v.valid_from,
                        pu.map_or("open".into(), |u| u.to_string())
                    ),
                    None,
                ));
            }
            let event_kind = match &v.body {
                Body::Avoidance { event_kind, .. } => *event_kind,
                _ => None,
            };
            if let Some(w) = &v.when
                && fold(&simplify(&w.expr), event_kind) == Tri::False
            {
                let (line, column) = w.location();
                r.items.push(CheckItem {
                    column,
                    ..item(
                        "dead_rule",
                        Severity::Warning,
                        &v.file,
                        line,
                        id,
                        format!("the condition `{}` can never hold", w.text()),
                        Some("a conjunction contradicts itself or folds to false".into()),
                    )
                });
            }
            if let Body::Exception {
                defeats,
                when_by_scope,
                ..
            } = &v.body
            {
                for c in when_by_scope.values() {
                    if fold(&simplify(&c.expr), None) == Tri::False {
                        let (line, column) = c.location();
                        r.items.push(CheckItem {
                            column,
                            ..item(
                                "dead_exception",
                                Severity::Warning,
                                &v.file,
                                line,
                                id,
                                format!(
                                    "the condition `{}` can never hold, so it defeats nothing",
                                    c.text()
                                ),
                                None,
                            )
                        });
                        break;
                    }
                }
                for t in defeats {
                    let Some(target) = policy.rule(t) else {
                        continue;
                    };
                    let overlaps = target.versions.iter().any(|tv| {
                        tv.valid_until.is_none_or(|u| v.valid_from < u)
                            && v.valid_until.is_none_or(|u| tv.valid_from < u)
                    });
                    if !overlaps {
                        r.items.push(item(
                            "dead_exception",
                            Severity::Warning,
                            &v.file,
                            v.line,
                            id,
                            format!(
                                "it is never in force while `{t}` is, so it can never defeat it"
                            ),
                            Some("align the validity windows".into()),
                        ));
                    }
                }
            }
            if !v.citation.verified {
                r.items.push(item(
                    "unverified_citation",
                    Severity::Info,
                    &v.file,
                    v.line,
                    id,
                    format!(
                        "cites {} whose text was not confirmed{}",
                        v.citation.document,
                        v.citation
                            .note
                            .as_ref()
                            .map(|n| format!(": {n}"))
                            .unwrap_or_default()
                    ),
                    None,
                ));
            }
        }
    }
    for p in policy.params() {
        if !used_params.contains(&p.name) {
            let (file, line) = if p.defined_at.0.is_empty() {
                (file0.clone(), 1)
            } else {
                p.defined_at.clone()
            };
            r.items.push(item(
                "unused_param",
                Severity::Warning,
                &file,
                line,
                &p.name,
                format!("parameter `{}` is read by no rule", p.name),
                None,
            ));
        }
    }
    let _ = RuleKind::Accountability;
    r.sort();
    r
}

/// Checks a unit's working regulation: for each task template (steps and
/// their assignments, no events needed) every step must have exactly one
/// primary accountable individual under the policy on `as_of`.
///
/// # Errors
/// None: invalid templates are reported as `invalid_regulation` diagnostics.
pub fn check_regulation(
    policy: &Policy,
    regulation: &Corpus,
    file: &str,
    text: &str,
    as_of: NaiveDate,
) -> Report {
    let mut r = Report::default();
    let org = match ValidOrganisation::new(regulation.organisation.clone()) {
        Ok(o) => std::sync::Arc::new(o),
        Err(e) => {
            for p in e.prefixed("organisation").problems {
                let (line, column) = crate::io::locate_path(text, &p.path).unwrap_or((1, 1));
                r.items.push(CheckItem {
                    code: "invalid_regulation".into(),
                    severity: Severity::Error,
                    file: file.into(),
                    line,
                    column,
                    subject: p.value.clone(),
                    message: p.to_string(),
                    help: p.help.clone(),
                });
            }
            return r;
        }
    };
    let ev = Evaluator::new(policy).explain(false);
    for (ti, rec) in regulation.tasks.iter().enumerate() {
        let case = match ValidCase::new(org.clone(), rec.clone()) {
            Ok(c) => c,
            Err(e) => {
                for p in e.problems {
                    let path = format!("tasks[{ti}].{}", p.path);
                    let (line, column) = crate::io::locate_path(text, &path).unwrap_or((1, 1));
                    r.items.push(CheckItem {
                        code: "invalid_regulation".into(),
                        severity: Severity::Error,
                        file: file.into(),
                        line,
                        column,
                        subject: p.value.clone(),
                        message: p.to_string(),
                        help: p.help.clone(),
                    });
                }
                continue;
            }
        };
        let d = match ev.evaluate(&case, as_of) {
            Ok(d) => d,
            Err(e) => {
                r.items.push(CheckItem {
                    code: "invalid_regulation".into(),
                    severity: Severity::Error,
                    file: file.into(),
                    line: 1,
                    column: 1,
                    subject: Some(rec.task.id.to_string()),
                    message: e.to_string(),
                    help: None,
                });
                continue;
            }
        };
        for (si, s) in d.steps.iter().enumerate() {
            let path = format!("tasks[{ti}].task.steps[{si}]");
            let (line, column) = crate::io::locate_path(text, &path).unwrap_or((1, 1));
            let subject = Some(format!("{}/{}", rec.task.id, s.step));
            match s.status {
                StepStatus::Ok => {}
                StepStatus::Gap => r.items.push(CheckItem {
                    code: "responsibility_gap".into(),
                    severity: Severity::Error,
                    file: file.into(),
                    line,
                    column,
                    subject,
                    message: format!(
                        "step `{}` ({}) has no primary accountable individual",
                        s.step, s.kind
                    ),
                    help: Some("assign an individual or a deciding collective to the step".into()),
                }),
                StepStatus::Overlap => {
                    let who: Vec<String> = s.primaries().iter().map(|o| o.to_string()).collect();
                    let rules: Vec<String> = s
                        .accountable
                        .iter()
                        .filter(|a| a.primary && a.defeated_by.is_none())
                        .map(|a| a.rule.to_string())
                        .collect();
                    r.items.push(CheckItem { code: "responsibility_overlap".into(), severity: Severity::Error, file: file.into(), line, column, subject, message: format!("step `{}` ({}) has several primary accountable individuals: {} (rules {})", s.step, s.kind, who.join(", "), rules.join(", ")), help: Some("make the rules that name a primary individual exclusive".into()) })
                }
            }
        }
    }
    r.sort();
    r
}
