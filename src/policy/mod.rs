//! Policies as data: rules with clause citations and dated versions, parsed
//! from TOML, type-checked and compiled once into a [`Policy`].
//!
//! A [`Policy`] can only be obtained through [`Policy::from_toml_str`],
//! [`Policy::load`] or [`Policy::bundled`], which check every rule; only a
//! `Policy` can be evaluated (see [`crate::engine`]).

pub mod checker;
pub mod expr;
mod load;
mod vocab;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::id::RuleId;
#[doc(hidden)]
pub use load::LineIndex as LineIndexPub;
pub use load::{Diagnostic, PolicyError};
pub use vocab::{Behaviour, Capacity, Citation, Grade, Measure, Severity};

use expr::Expr;

/// The bundled policy for the 2023 framework (`policies/vn-2023.toml`).
pub const BUNDLED_2023: &str = include_str!("../../policies/vn-2023.toml");

/// The bundled overlay that moves the 2023 policy to the 2025–26 framework.
pub const BUNDLED_2025_OVERLAY: &str = include_str!("../../policies/vn-2025.overlay.toml");

/// What a rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Who is accountable for a step, in what capacity.
    Accountability,
    /// A behaviour that counts as avoidance.
    Avoidance,
    /// Defeats named rules when its condition holds.
    Exception,
    /// What a finding leads to.
    Consequence,
}

impl RuleKind {
    /// The stable name.
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Accountability => "accountability",
            RuleKind::Avoidance => "avoidance",
            RuleKind::Exception => "exception",
            RuleKind::Consequence => "consequence",
        }
    }
}

/// What an avoidance rule ranges over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Once per task.
    Task,
    /// Once per step (`step`).
    Step,
    /// Once per event (`e`), optionally of one kind.
    Event,
}

/// A compiled condition with its source text.
#[derive(Debug)]
pub struct Cond {
    pub(crate) expr: Expr,
    pub(crate) text: Arc<str>,
    /// Line and column of the condition's first character in its file.
    pub(crate) at: (usize, usize),
    /// The text of each part along the condition's `and` spine (what an
    /// explanation names as the first false part), interned.
    pub(crate) parts: Vec<(crate::policy::expr::Span, &'static str)>,
    /// The condition compiled to closures (`engine::compile`, after the
    /// load-time rewrites), which evaluations without an explanation run.
    pub(crate) code: Option<crate::engine::Code>,
}

impl Clone for Cond {
    /// A copy, its closures compiled again from the tree (closures are not
    /// copied; policies are cloned rarely, conditions run often).
    fn clone(&self) -> Cond {
        Cond {
            expr: self.expr.clone(),
            text: self.text.clone(),
            at: self.at,
            parts: self.parts.clone(),
            code: self.code.as_ref().map(|code| code.again(&self.expr)),
        }
    }
}

impl Cond {
    /// Builds a condition, with the texts of the parts of its `and` spine.
    pub(crate) fn new(expr: Expr, text: Arc<str>, at: (usize, usize)) -> Cond {
        fn spine(e: &Expr, text: &str, out: &mut Vec<(crate::policy::expr::Span, &'static str)>) {
            if let crate::policy::expr::check::Node::And(a, b) = &e.node {
                spine(a, text, out);
                spine(b, text, out);
            } else {
                out.push((e.span, crate::intern::text(Cond::part_text(text, e.span))));
            }
        }
        let mut parts = Vec::new();
        spine(&expr, &text, &mut parts);
        Cond {
            expr,
            text,
            at,
            parts,
            code: None,
        }
    }

    /// The text of the part at `span`, trimmed (the whole text if the span does not fit).
    pub(crate) fn part_text(text: &str, span: crate::policy::expr::Span) -> &str {
        text.get(span.start..span.end).unwrap_or(text).trim()
    }

    /// The text of the part at `span`, interned: found among the parts of
    /// the `and` spine, or else interned now (a part nested deeper).
    pub(crate) fn part(&self, span: crate::policy::expr::Span) -> &'static str {
        self.parts.iter().find(|(s, _)| *s == span).map_or_else(
            || crate::intern::text(Cond::part_text(&self.text, span)),
            |(_, t)| t,
        )
    }

    /// The condition as written.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// Line and column of the condition in its file.
    pub fn location(&self) -> (usize, usize) {
        self.at
    }
}

/// The kind-specific part of a rule version.
#[derive(Debug, Clone)]
pub enum Body {
    /// Accountability for each step.
    Accountability {
        /// In what capacity.
        capacity: Capacity,
        /// Whether the official is the step's primary accountable individual.
        primary: bool,
        /// Who: an official, an optional official, or a list.
        who: Cond,
    },
    /// Avoidance.
    Avoidance {
        /// What it ranges over.
        scope: Scope,
        /// For event rules: only events of this kind.
        event_kind: Option<&'static str>,
        /// The behaviour found.
        behaviour: Behaviour,
        /// How serious.
        severity: Severity,
        /// The official(s) concerned.
        who: Cond,
        /// The evidence events (default: the bound event, or none).
        evidence: Option<Cond>,
    },
    /// An exception.
    Exception {
        /// The rules it defeats.
        defeats: Vec<RuleId>,
        /// The condition compiled for each scope of its targets.
        when_by_scope: std::collections::BTreeMap<TargetScope, Cond>,
        /// Where responsibility moves when it applies, compiled per scope.
        transfers_to: std::collections::BTreeMap<TargetScope, Cond>,
        /// The capacity in which the official it transfers to becomes accountable.
        capacity: Capacity,
    },
    /// A consequence.
    Consequence {
        /// Findings of these rules trigger it (empty: any).
        on_rules: Vec<RuleId>,
        /// Findings of these behaviours trigger it (empty: any).
        on_behaviours: Vec<Behaviour>,
        /// Only findings at least this serious.
        min_severity: Option<Severity>,
        /// What follows.
        measure: Measure,
        /// Who it applies to (default: the finding's official).
        to: Option<Cond>,
        /// The grade cap, for [`Measure::GradeCap`].
        grade_cap: Option<Grade>,
    },
}

/// The binding environment an exception is checked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetScope {
    /// A task-wide finding.
    Task,
    /// A step's finding or accountability entry (`step`).
    Step,
    /// An event's finding (`e`).
    Event,
}

/// How a rule chooses between its versions across a change of law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// The version in force when the act happened (the default).
    #[default]
    ActDate,
    /// The version in force on the review date.
    ReviewDate,
}

/// One dated version of a rule.
#[derive(Debug, Clone)]
pub struct RuleVersion {
    /// First day in force.
    pub valid_from: NaiveDate,
    /// First day no longer in force (exclusive), if any.
    pub valid_until: Option<NaiveDate>,
    /// Vietnamese label.
    pub label_vi: String,
    /// English label.
    pub label_en: String,
    /// The legal source (interned: answers name it by reference).
    pub citation: &'static Citation,
    /// Further sources.
    pub also: Vec<Citation>,
    /// The condition (absent: always).
    pub when: Option<Cond>,
    /// The kind-specific part.
    pub body: Body,
    /// How to choose a version across a change of law.
    pub transition: Transition,
    /// Line of the rule in its file.
    pub line: usize,
    /// The file the rule (version) came from.
    pub file: String,
}

impl RuleVersion {
    /// Whether in force on `date`.
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_until.is_none_or(|u| date < u)
    }

    /// Every condition of the version: its `when`, `who`, evidence,
    /// exception scopes and transfers, and consequence target, in that
    /// order. A new kind of condition in [`Body`] goes here (and in
    /// [`RuleVersion::conds_mut`]) so that the checks, the load-time
    /// rewrites and the per-thread copies all see it.
    pub(crate) fn conds(&self) -> Vec<&Cond> {
        let mut out: Vec<&Cond> = self.when.iter().collect();
        match &self.body {
            Body::Accountability { who, .. } => out.push(who),
            Body::Avoidance { who, evidence, .. } => {
                out.push(who);
                out.extend(evidence.iter());
            }
            Body::Exception {
                when_by_scope,
                transfers_to,
                ..
            } => {
                out.extend(when_by_scope.values());
                out.extend(transfers_to.values());
            }
            Body::Consequence { to, .. } => out.extend(to.iter()),
        }
        out
    }

    /// As [`RuleVersion::conds`], mutable (the same order).
    pub(crate) fn conds_mut(&mut self) -> Vec<&mut Cond> {
        let mut out: Vec<&mut Cond> = self.when.iter_mut().collect();
        match &mut self.body {
            Body::Accountability { who, .. } => out.push(who),
            Body::Avoidance { who, evidence, .. } => {
                out.push(who);
                out.extend(evidence.iter_mut());
            }
            Body::Exception {
                when_by_scope,
                transfers_to,
                ..
            } => {
                out.extend(when_by_scope.values_mut());
                out.extend(transfers_to.values_mut());
            }
            Body::Consequence { to, .. } => out.extend(to.iter_mut()),
        }
        out
    }
}

/// A rule with its versions, sorted by start date, never overlapping.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The stable id.
    pub id: RuleId,
    /// What it decides.
    pub kind: RuleKind,
    /// Its versions.
    pub versions: Vec<RuleVersion>,
}

impl Rule {
    /// The version in force on `date`.
    pub fn version_at(&self, date: NaiveDate) -> Option<(usize, &RuleVersion)> {
        self.versions
            .iter()
            .enumerate()
            .find(|(_, v)| v.in_force(date))
    }
}

/// The unit of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamUnit {
    /// Working days.
    WorkingDays,
    /// A count.
    Count,
    /// A percentage.
    Percent,
    /// Calendar days.
    Days,
}

/// One dated value of a parameter.
#[derive(Debug, Clone, Serialize)]
pub struct ParamVersion {
    /// The value.
    pub value: i64,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// First day no longer in force.
    pub valid_until: Option<NaiveDate>,
    /// Whether the value is a suggested default rather than a number from a source.
    pub default: bool,
    /// Where the value comes from.
    pub citation: Option<Citation>,
}

/// A named parameter with a unit and dated values.
#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// Its name (`param.NAME` in conditions).
    pub name: String,
    /// Its unit.
    pub unit: ParamUnit,
    /// Vietnamese label.
    pub label_vi: String,
    /// English label.
    pub label_en: String,
    /// Its values over time.
    pub versions: Vec<ParamVersion>,
    /// Where it is first defined: file and line.
    pub defined_at: (String, usize),
}

impl Param {
    /// The value in force on `date`.
    pub fn value_at(&self, date: NaiveDate) -> Option<i64> {
        self.versions
            .iter()
            .find(|v| v.valid_from <= date && v.valid_until.is_none_or(|u| date < u))
            .map(|v| v.value)
    }
}

/// Facts about a policy as a whole.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyMeta {
    /// Its id, e.g. `vn-2023` (interned: every determination it makes
    /// names it by reference).
    pub id: &'static str,
    /// Its version label.
    pub version: String,
    /// Vietnamese title.
    pub title_vi: String,
    /// English title.
    pub title_en: String,
    /// The earliest review date it can judge.
    pub valid_from: NaiveDate,
    /// The first date it can no longer judge, if any.
    pub valid_until: Option<NaiveDate>,
    /// A hash of the source text, to record which policy decided
    /// (interned, like the id).
    pub content_hash: &'static str,
    /// Where it was loaded from (base + overlays).
    pub origin: String,
    /// The overlays applied, in order.
    pub overlays: Vec<String>,
    /// Rules the overlays disabled.
    pub disabled: Vec<String>,
}

/// A validated, compiled policy: the only form that can be evaluated.
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) meta: PolicyMeta,
    pub(crate) rules: Vec<Rule>,
    pub(crate) params: Vec<Param>,
    pub(crate) index: HashMap<RuleId, usize>,
    /// What evaluation derives from the rules once.
    pub(crate) plan: crate::engine::Plan,
    /// The texts it was built from (base first, then overlays), so overlays can be stacked.
    pub(crate) texts: Arc<Vec<(String, String)>>,
}

impl Policy {
    /// Parses and checks a policy from TOML text; `origin` names the file in errors.
    ///
    /// # Errors
    /// [`PolicyError`] with every problem found, each located by file, line and column.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        load::load(text, origin)
    }

    /// Reads and checks a policy file.
    ///
    /// # Errors
    /// [`PolicyError::Io`] when it cannot be read, otherwise as [`Policy::from_toml_str`].
    pub fn load(path: &std::path::Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
            file: path.display().to_string(),
            message: source.to_string(),
        })?;
        load::load(&text, &path.display().to_string())
    }

    /// The bundled 2023 policy.
    ///
    /// # Errors
    /// Only if the bundled file were broken; a test guarantees it is not.
    ///
    /// # Example
    /// ```
    /// let policy = accountable::policy::Policy::bundled()?;
    /// assert_eq!(&*policy.meta().id, "vn-2023");
    /// # Ok::<(), accountable::policy::PolicyError>(())
    /// ```
    pub fn bundled() -> Result<Policy, PolicyError> {
        load::load(BUNDLED_2023, "policies/vn-2023.toml")
    }

    /// A new policy: this one with an overlay applied (parameters changed,
    /// rules disabled, conditions replaced, rules added). `self` is untouched;
    /// overlays stack.
    ///
    /// # Errors
    /// [`PolicyError`] located in the overlay file, e.g. `unknown_rule` for a
    /// rule it names that does not exist.
    pub fn with_overlay(&self, text: &str, origin: &str) -> Result<Policy, PolicyError> {
        let mut texts = (*self.texts).clone();
        texts.push((text.to_string(), origin.to_string()));
        load::load_many(&texts)
    }

    /// As [`Policy::with_overlay`], reading the overlay from a file.
    ///
    /// # Errors
    /// [`PolicyError::Io`] or as [`Policy::with_overlay`].
    pub fn with_overlay_file(&self, path: &std::path::Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Io {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        self.with_overlay(&text, &path.display().to_string())
    }

    /// The bundled 2025–26 policy: the 2023 policy with `policies/vn-2025.overlay.toml`.
    ///
    /// # Errors
    /// Only if the bundled files were broken; a test guarantees they are not.
    pub fn bundled_2025() -> Result<Policy, PolicyError> {
        Policy::bundled()?.with_overlay(BUNDLED_2025_OVERLAY, "policies/vn-2025.overlay.toml")
    }

    /// Facts about the policy.
    pub fn meta(&self) -> &PolicyMeta {
        &self.meta
    }
    /// The rules, sorted by id.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
    /// A rule by id.
    pub fn rule(&self, id: &RuleId) -> Option<&Rule> {
        self.index.get(id).and_then(|&i| self.rules.get(i))
    }
    /// The parameters.
    pub fn params(&self) -> &[Param] {
        &self.params
    }
    /// A parameter by name.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}
