//! The policy file format (TOML) and its loading: serde structs that mirror
//! the file, then checks that turn them into a [`Policy`].

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml::value::Datetime;

use super::expr::Ty;
use super::expr::check::{Scope as VarScope, check};
use super::expr::syntax::parse;
use super::{
    Behaviour, Body, Capacity, Citation, Cond, Grade, Measure, Param, ParamUnit, ParamVersion,
    Policy, PolicyMeta, Rule, RuleKind, RuleVersion, Scope, Severity, TargetScope, Transition,
};
use crate::id::RuleId;
use crate::suggest::nearest;

/// One problem in a policy file, located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `unknown_name`, `type_error`, `unknown_rule`.
    pub code: &'static str,
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// The rule concerned, if any.
    pub rule: Option<String>,
    /// The field of the rule or file (`when`, `defeats[1]`, …).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// A suggestion.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.code
        )?;
        if let Some(r) = &self.rule {
            write!(f, " in rule `{r}`")?;
        }
        write!(f, ", field `{}`: {}", self.field, self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// Why a policy could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read policy file `{file}`: {message}")]
    Io {
        /// The file.
        file: String,
        /// The system's message.
        message: String,
    },
    /// The file is not valid TOML or does not have the policy's shape.
    #[error("{file}:{line}:{column}: syntax: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The file parsed but its rules do not check.
    #[error("{} problem(s) in the policy:{}", .0.len(), render_all(.0))]
    Invalid(Vec<Diagnostic>),
}

impl PolicyError {
    /// The diagnostics, if the policy parsed.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            PolicyError::Invalid(d) => d,
            _ => &[],
        }
    }
}

fn render_all(d: &[Diagnostic]) -> String {
    d.iter().map(|x| format!("\n- {x}")).collect()
}

/// Byte offset → line and column.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }
    /// The 1-based line and column of a byte offset.
    pub fn locate(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let col = text
            .get(start..offset.min(text.len()))
            .map_or(1, |s| s.chars().count() + 1);
        (line, col)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    policy: RawMeta,
    #[serde(default)]
    source: Vec<Spanned<RawSource>>,
    #[serde(default)]
    param: Vec<Spanned<RawParam>>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    id: String,
    version: String,
    title_vi: String,
    title_en: String,
    valid_from: Spanned<Datetime>,
    valid_until: Option<Spanned<Datetime>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    key: Spanned<String>,
    document: String,
    issuer: String,
    date: Option<Spanned<Datetime>>,
    #[serde(default)]
    title: Option<String>,
    verified: bool,
    note: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawCite {
    source: Spanned<String>,
    article: Option<String>,
    clause: Option<String>,
    point: Option<String>,
    verified: Option<bool>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    name: Spanned<String>,
    value: i64,
    unit: Option<Spanned<String>>,
    label_vi: Option<String>,
    label_en: Option<String>,
    valid_from: Option<Spanned<Datetime>>,
    valid_until: Option<Spanned<Datetime>>,
    #[serde(default)]
    default: bool,
    cite: Option<RawCite>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawRule {
    /// Which source file the rule came from (set after parsing).
    #[serde(skip)]
    src: usize,
    /// Fields replaced by an overlay, with the overlay's source index.
    #[serde(skip)]
    field_src: HashMap<&'static str, usize>,
    id: Spanned<String>,
    kind: Spanned<String>,
    label_vi: String,
    label_en: String,
    valid_from: Option<Spanned<Datetime>>,
    valid_until: Option<Spanned<Datetime>>,
    cite: RawCite,
    #[serde(default)]
    also: Vec<RawCite>,
    #[serde(rename = "for")]
    scope: Option<Spanned<String>>,
    event: Option<Spanned<String>>,
    when: Option<Spanned<String>>,
    who: Option<Spanned<String>>,
    evidence: Option<Spanned<String>>,
    behaviour: Option<Spanned<String>>,
    severity: Option<Spanned<String>>,
    capacity: Option<Spanned<String>>,
    primary: Option<bool>,
    #[serde(default)]
    defeats: Vec<Spanned<String>>,
    transfers_to: Option<Spanned<String>>,
    #[serde(default)]
    on_rules: Vec<Spanned<String>>,
    #[serde(default)]
    on_behaviours: Vec<Spanned<String>>,
    min_severity: Option<Spanned<String>>,
    measure: Option<Spanned<String>>,
    to: Option<Spanned<String>>,
    grade_cap: Option<Spanned<String>>,
    transition: Option<Spanned<String>>,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "free-text note kept in the file for readers; the loader does not use it"
    )]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverlay {
    overlay: RawOverlayMeta,
    #[serde(default)]
    source: Vec<Spanned<RawSource>>,
    #[serde(default)]
    param: Vec<Spanned<RawParam>>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default)]
    replace: Vec<Spanned<RawReplace>>,
    #[serde(default)]
    supersede: Vec<Spanned<RawReplace>>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverlayMeta {
    id: String,
    version: Option<String>,
    title_vi: Option<String>,
    title_en: Option<String>,
    valid_until: Option<Spanned<Datetime>>,
}

/// Fields an overlay may replace in an existing rule (all optional).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReplace {
    id: Spanned<String>,
    /// Which version (by its `valid_from`); all versions when absent.
    version_from: Option<Spanned<Datetime>>,
    /// For `[[supersede]]`: the date the new version starts; the version in force then ends on it.
    from: Option<Spanned<Datetime>>,
    label_vi: Option<String>,
    label_en: Option<String>,
    valid_from: Option<Spanned<Datetime>>,
    valid_until: Option<Spanned<Datetime>>,
    cite: Option<RawCite>,
    when: Option<Spanned<String>>,
    who: Option<Spanned<String>>,
    evidence: Option<Spanned<String>>,
    severity: Option<Spanned<String>>,
    capacity: Option<Spanned<String>>,
    primary: Option<bool>,
    defeats: Option<Vec<Spanned<String>>>,
    transfers_to: Option<Spanned<String>>,
    min_severity: Option<Spanned<String>>,
    measure: Option<Spanned<String>>,
    to: Option<Spanned<String>>,
    transition: Option<Spanned<String>>,
}

struct Src<'a> {
    text: &'a str,
    file: &'a str,
    lines: LineIndex,
}

struct Ctx<'a> {
    srcs: Vec<Src<'a>>,
    cur: usize,
    field_src: HashMap<&'static str, usize>,
    rule_src: usize,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn text(&self) -> &str {
        self.srcs.get(self.cur).map_or("", |s| s.text)
    }
    /// Points locations at the file the named field of the current rule came from.
    fn field(&mut self, name: &str) {
        let key = name.split([' ', '[', '.']).next().unwrap_or(name);
        self.cur = self.field_src.get(key).copied().unwrap_or(self.rule_src);
    }
    fn at(
        &mut self,
        offset: usize,
        code: &'static str,
        rule: Option<&str>,
        field: &str,
        message: String,
        help: Option<String>,
    ) {
        let (line, column, file) = match self.srcs.get(self.cur) {
            Some(src) => {
                let (l, c) = src.lines.locate(src.text, offset);
                (l, c, src.file.to_string())
            }
            None => (1, 1, String::new()),
        };
        self.diags.push(Diagnostic {
            code,
            file,
            line,
            column,
            rule: rule.map(str::to_string),
            field: field.to_string(),
            message,
            help,
        });
    }
    /// Offset of the first character inside a string value whose span includes its quotes.
    fn inner_start(&self, span: std::ops::Range<usize>) -> usize {
        let raw = self.text().get(span.clone()).unwrap_or("");
        let skip = if raw.starts_with("'''") || raw.starts_with("\"\"\"") {
            let after = raw.get(3..).unwrap_or("");
            3 + if after.starts_with("\r\n") {
                2
            } else {
                usize::from(after.starts_with('\n'))
            }
        } else {
            usize::from(raw.starts_with('\'') || raw.starts_with('"'))
        };
        span.start + skip
    }
    fn date(
        &mut self,
        d: &Spanned<Datetime>,
        rule: Option<&str>,
        field: &str,
    ) -> Option<NaiveDate> {
        let v = d.get_ref();
        let parsed = match (v.date, v.time) {
            (Some(date), None) => NaiveDate::from_ymd_opt(
                i32::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            ),
            _ => None,
        };
        if parsed.is_none() {
            self.at(
                d.span().start,
                "bad_date",
                rule,
                field,
                format!("`{v}` is not a plain date (YYYY-MM-DD)"),
                None,
            );
        }
        parsed
    }
}

fn fnv_hex(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn syntax_error(text: &str, file: &str, e: &toml::de::Error) -> PolicyError {
    let lines = LineIndex::new(text);
    let (line, column) = e.span().map_or((1, 1), |s| lines.locate(text, s.start));
    PolicyError::Syntax {
        file: file.to_string(),
        line,
        column,
        message: e.message().to_string(),
    }
}

pub(crate) fn load(text: &str, file: &str) -> Result<Policy, PolicyError> {
    load_many(&[(text.to_string(), file.to_string())])
}

/// Loads a base policy (first source) with overlays (the others) applied in order.
pub(crate) fn load_many(texts: &[(String, String)]) -> Result<Policy, PolicyError> {
    let Some((text, file)) = texts.first() else {
        return Err(PolicyError::Io {
            file: String::new(),
            message: "no policy text given".into(),
        });
    };
    let (text, file) = (text.as_str(), file.as_str());
    let mut raw: RawFile = toml::from_str(text).map_err(|e| syntax_error(text, file, &e))?;
    let mut cx = Ctx {
        srcs: vec![Src {
            text,
            file,
            lines: LineIndex::new(text),
        }],
        cur: 0,
        field_src: HashMap::new(),
        rule_src: 0,
        diags: Vec::new(),
    };
    let mut raw_sources: Vec<(usize, Spanned<RawSource>)> =
        raw.source.drain(..).map(|s| (0, s)).collect();
    let mut raw_params: Vec<(usize, Spanned<RawParam>)> =
        raw.param.drain(..).map(|p| (0, p)).collect();
    let mut raw_rules: Vec<Spanned<RawRule>> = raw.rule.drain(..).collect();
    let mut meta_id = raw.policy.id.clone();
    let mut meta_version = raw.policy.version.clone();
    let mut title_vi = raw.policy.title_vi.clone();
    let mut title_en = raw.policy.title_en.clone();
    let mut overlay_until: Option<Spanned<Datetime>> = None;
    let mut overlay_ids: Vec<String> = Vec::new();
    let mut disabled: Vec<String> = Vec::new();
    for (oi, (otext, ofile)) in texts.iter().enumerate().skip(1) {
        let ov: RawOverlay = toml::from_str(otext).map_err(|e| syntax_error(otext, ofile, &e))?;
        cx.srcs.push(Src {
            text: otext,
            file: ofile,
            lines: LineIndex::new(otext),
        });
        cx.cur = oi;
        cx.rule_src = oi;
        overlay_ids.push(ov.overlay.id.clone());
        meta_id = ov.overlay.id.clone();
        if let Some(v) = ov.overlay.version {
            meta_version = v;
        }
        if let Some(t) = ov.overlay.title_vi {
            title_vi = t;
        }
        if let Some(t) = ov.overlay.title_en {
            title_en = t;
        }
        if ov.overlay.valid_until.is_some() {
            overlay_until = ov.overlay.valid_until;
        }
        raw_sources.extend(ov.source.into_iter().map(|s| (oi, s)));
        for p in ov.param {
            let name = p.get_ref().name.get_ref().clone();
            // A value with no window replaces every value of the parameter.
            if p.get_ref().valid_from.is_none() && p.get_ref().valid_until.is_none() {
                let before = raw_params.len();
                let template = raw_params
                    .iter()
                    .find(|(_, q)| q.get_ref().name.get_ref() == &name)
                    .map(|(_, q)| {
                        (
                            q.get_ref().unit.clone(),
                            q.get_ref().label_vi.clone(),
                            q.get_ref().label_en.clone(),
                        )
                    });
                raw_params.retain(|(_, q)| q.get_ref().name.get_ref() != &name);
                let mut p = p;
                if let Some((unit, lvi, len)) = template {
                    let inner = p.get_mut();
                    inner.unit = inner.unit.take().or(unit);
                    inner.label_vi = inner.label_vi.take().or(lvi);
                    inner.label_en = inner.label_en.take().or(len);
                }
                let _ = before;
                raw_params.push((oi, p));
            } else {
                raw_params.push((oi, p));
            }
        }
        for d in ov.disable {
            let name = d.get_ref().clone();
            let before = raw_rules.len();
            raw_rules.retain(|r| r.get_ref().id.get_ref() != &name);
            if raw_rules.len() == before {
                let known: Vec<String> = raw_rules
                    .iter()
                    .map(|r| r.get_ref().id.get_ref().clone())
                    .collect();
                cx.at(
                    cx.inner_start(d.span()),
                    "unknown_rule",
                    None,
                    "disable",
                    format!("the overlay disables `{name}`, which the base policy does not have"),
                    nearest(&name, known.iter().map(String::as_str))
                        .map(|n| format!("did you mean `{n}`?")),
                );
            } else {
                disabled.push(name);
            }
        }
        for rp in ov.replace {
            let r = rp.get_ref();
            let name = r.id.get_ref().clone();
            let version_from = r
                .version_from
                .as_ref()
                .and_then(|d| cx.date(d, Some(&name), "version_from"));
            let mut hit = false;
            for rule in raw_rules
                .iter_mut()
                .filter(|x| x.get_ref().id.get_ref() == &name)
            {
                let base = rule.get_mut();
                if let Some(vf) = version_from {
                    let this_from = base.valid_from.as_ref().and_then(|d| {
                        let v = d.get_ref();
                        v.date.and_then(|x| {
                            NaiveDate::from_ymd_opt(
                                i32::from(x.year),
                                u32::from(x.month),
                                u32::from(x.day),
                            )
                        })
                    });
                    if this_from != Some(vf) {
                        continue;
                    }
                }
                hit = true;
                apply_replace(base, r, oi);
            }
            if !hit {
                let known: Vec<String> = raw_rules
                    .iter()
                    .map(|x| x.get_ref().id.get_ref().clone())
                    .collect();
                cx.at(
                    cx.inner_start(r.id.span()),
                    "unknown_rule",
                    Some(&name),
                    "replace",
                    format!(
                        "the overlay replaces `{name}`{}, which the base policy does not have",
                        version_from
                            .map(|d| format!(" (version from {d})"))
                            .unwrap_or_default()
                    ),
                    nearest(&name, known.iter().map(String::as_str))
                        .map(|n| format!("did you mean `{n}`?")),
                );
            }
        }
        for sp in ov.supersede {
            let r = sp.get_ref();
            let name = r.id.get_ref().clone();
            let Some(from_dt) = &r.from else {
                cx.at(
                    sp.span().start,
                    "missing_field",
                    Some(&name),
                    "from",
                    "a `[[supersede]]` needs `from`, the date the new version starts".into(),
                    None,
                );
                continue;
            };
            let Some(from) = cx.date(from_dt, Some(&name), "from") else {
                continue;
            };
            let pos = raw_rules.iter().position(|x| {
                let x = x.get_ref();
                let d = |o: &Option<Spanned<Datetime>>| {
                    o.as_ref().and_then(|d| plain_date(d.get_ref()))
                };
                x.id.get_ref() == &name
                    && d(&x.valid_from).is_none_or(|f| f < from)
                    && d(&x.valid_until).is_none_or(|u| from < u)
            });
            let Some(pos) = pos else {
                let known: Vec<String> = raw_rules
                    .iter()
                    .map(|x| x.get_ref().id.get_ref().clone())
                    .collect();
                cx.at(
                    cx.inner_start(r.id.span()),
                    "unknown_rule",
                    Some(&name),
                    "supersede",
                    format!("no version of `{name}` is in force on {from} to supersede"),
                    nearest(&name, known.iter().map(String::as_str))
                        .map(|n| format!("did you mean `{n}`?")),
                );
                continue;
            };
            let Some(old) = raw_rules.get_mut(pos) else {
                continue;
            };
            let mut new = old.clone();
            let old_until = old.get_ref().valid_until.clone();
            old.get_mut().valid_until = Some(from_dt.clone());
            {
                let n = new.get_mut();
                n.valid_from = Some(from_dt.clone());
                n.valid_until = old_until;
                apply_replace(n, r, oi);
                n.field_src.entry("valid_from").or_insert(oi);
            }
            raw_rules.push(new);
        }
        for mut r in ov.rule {
            r.get_mut().src = oi;
            raw_rules.push(r);
        }
    }
    // Disabling a rule also takes it out of the exceptions and consequences that name it.
    if !disabled.is_empty() {
        for r in raw_rules.iter_mut() {
            let r = r.get_mut();
            r.defeats.retain(|d| !disabled.contains(d.get_ref()));
            r.on_rules.retain(|d| !disabled.contains(d.get_ref()));
        }
        raw_rules.retain(|r| {
            let r = r.get_ref();
            !(r.kind.get_ref() == "exception" && r.defeats.is_empty())
        });
    }
    cx.cur = 0;
    cx.rule_src = 0;
    let text = texts
        .iter()
        .map(|(t, _)| t.as_str())
        .collect::<Vec<_>>()
        .join("\n\u{1f}\n");
    let file = texts
        .iter()
        .map(|(_, f)| f.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    let valid_from = cx.date(&raw.policy.valid_from, None, "policy.valid_from");
    let valid_until = match &overlay_until {
        Some(d) => {
            cx.cur = texts.len().saturating_sub(1);
            let v = cx.date(d, None, "overlay.valid_until");
            cx.cur = 0;
            v
        }
        None => raw
            .policy
            .valid_until
            .as_ref()
            .and_then(|d| cx.date(d, None, "policy.valid_until")),
    };

    // Sources.
    let mut sources: HashMap<String, Citation> = HashMap::new();
    for (si, s) in &raw_sources {
        cx.cur = *si;
        let span = s.span();
        let s = s.get_ref();
        let date = s
            .date
            .as_ref()
            .and_then(|d| cx.date(d, None, "source.date"));
        let c = Citation {
            document: s.document.clone(),
            issuer: s.issuer.clone(),
            date,
            article: None,
            clause: None,
            point: None,
            verified: s.verified,
            note: s.note.clone().or_else(|| s.title.clone()),
        };
        if sources.insert(s.key.get_ref().clone(), c).is_some() {
            cx.at(
                span.start,
                "duplicate_source",
                None,
                "source.key",
                format!("source `{}` is defined twice", s.key.get_ref()),
                None,
            );
        }
    }

    // Parameters.
    let mut params: Vec<Param> = Vec::new();
    for (pi, p) in &raw_params {
        cx.cur = *pi;
        let p = p.get_ref();
        let name = p.name.get_ref().clone();
        let exists = params.iter().any(|x| x.name == name);
        if !exists && (p.unit.is_none() || p.label_vi.is_none() || p.label_en.is_none()) {
            cx.at(
                p.name.span().start,
                "missing_field",
                None,
                "param",
                format!("new parameter `{name}` needs `unit`, `label_vi` and `label_en`"),
                None,
            );
        }
        let unit_text = p.unit.as_ref().map_or("count", |u| u.get_ref().as_str());
        let unit_start = p
            .unit
            .as_ref()
            .map_or(p.name.span().start, |u| u.span().start);
        let unit = match unit_text {
            "working_days" => ParamUnit::WorkingDays,
            "count" => ParamUnit::Count,
            "percent" => ParamUnit::Percent,
            "days" => ParamUnit::Days,
            other => {
                cx.at(
                    unit_start + 1,
                    "unknown_name",
                    None,
                    "param.unit",
                    format!("unknown unit `{other}`"),
                    nearest(other, ["working_days", "count", "percent", "days"])
                        .map(|n| format!("did you mean `{n}`?")),
                );
                ParamUnit::Count
            }
        };
        let vf = p
            .valid_from
            .as_ref()
            .and_then(|d| cx.date(d, None, "param.valid_from"))
            .or(valid_from);
        let vu = p
            .valid_until
            .as_ref()
            .and_then(|d| cx.date(d, None, "param.valid_until"));
        let citation = p
            .cite
            .as_ref()
            .and_then(|c| cite(&mut cx, &sources, c, None));
        let version = ParamVersion {
            value: p.value,
            valid_from: vf.unwrap_or(NaiveDate::MIN),
            valid_until: vu,
            default: p.default,
            citation,
        };
        match params.iter_mut().find(|x| x.name == name) {
            Some(existing) => {
                if existing.versions.iter().any(|v| {
                    overlap(
                        v.valid_from,
                        v.valid_until,
                        version.valid_from,
                        version.valid_until,
                    )
                }) {
                    cx.at(
                        p.name.span().start,
                        "overlapping_versions",
                        None,
                        "param.name",
                        format!("parameter `{name}` has two values in force at once"),
                        None,
                    );
                }
                existing.versions.push(version);
                existing.versions.sort_by_key(|v| v.valid_from);
            }
            None => params.push(Param {
                name,
                unit,
                label_vi: p.label_vi.clone().unwrap_or_default(),
                label_en: p.label_en.clone().unwrap_or_default(),
                versions: vec![version],
                defined_at: cx.srcs.get(cx.cur).map_or_else(
                    || (String::new(), 1),
                    |s| {
                        (
                            s.file.to_string(),
                            s.lines.locate(s.text, p.name.span().start).0,
                        )
                    },
                ),
            }),
        }
    }
    let param_scope: HashMap<String, (usize, Ty)> = params
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.clone(), (i, Ty::Int)))
        .collect();

    // Rules, first pass: kinds and ids, so exceptions can name any rule.
    let mut kinds: HashMap<String, RuleKind> = HashMap::new();
    let mut scopes: HashMap<String, TargetScope> = HashMap::new();
    for r in &raw_rules {
        let r = r.get_ref();
        if let Some(k) = rule_kind(r.kind.get_ref()) {
            kinds.entry(r.id.get_ref().clone()).or_insert(k);
            let f = r.scope.as_ref().map_or("", |s| s.get_ref().as_str());
            scopes
                .entry(r.id.get_ref().clone())
                .or_insert(target_scope(f, Some(k)));
        }
    }

    let mut rules: Vec<Rule> = Vec::new();
    for rs in &raw_rules {
        let r = rs.get_ref();
        cx.cur = r.src;
        cx.rule_src = r.src;
        cx.field_src = r.field_src.clone();
        let line = cx
            .srcs
            .get(r.src)
            .map_or(0, |s| s.lines.locate(s.text, rs.span().start).0);
        let id_text = r.id.get_ref().clone();
        let id = match RuleId::new(&id_text) {
            Ok(id) => id,
            Err(e) => {
                cx.at(r.id.span().start, "bad_id", None, "id", e.to_string(), None);
                continue;
            }
        };
        let Some(kind) = rule_kind(r.kind.get_ref()) else {
            let k = r.kind.get_ref();
            cx.at(
                cx.inner_start(r.kind.span()),
                "unknown_name",
                Some(&id_text),
                "kind",
                format!("unknown rule kind `{k}`"),
                nearest(
                    k,
                    ["accountability", "avoidance", "exception", "consequence"],
                )
                .map(|n| format!("did you mean `{n}`?")),
            );
            continue;
        };
        if let Some(v) = compile_rule(
            &mut cx,
            r,
            &id_text,
            kind,
            &kinds,
            &scopes,
            &sources,
            &param_scope,
            valid_from,
            line,
        ) {
            match rules.iter_mut().find(|x| x.id == id) {
                Some(existing) => {
                    if existing.kind != kind {
                        cx.at(
                            r.kind.span().start,
                            "kind_mismatch",
                            Some(&id_text),
                            "kind",
                            format!(
                                "versions of rule `{id}` must share one kind; the first is `{}`",
                                existing.kind.name()
                            ),
                            None,
                        );
                    } else if existing
                        .versions
                        .iter()
                        .any(|x| overlap(x.valid_from, x.valid_until, v.valid_from, v.valid_until))
                    {
                        cx.at(
                            r.id.span().start,
                            "overlapping_versions",
                            Some(&id_text),
                            "valid_from",
                            format!("two versions of rule `{id}` are in force at once"),
                            Some(
                                "give each version its own [valid_from, valid_until) window".into(),
                            ),
                        );
                    }
                    existing.versions.push(v);
                    existing.versions.sort_by_key(|x| x.valid_from);
                }
                None => rules.push(Rule {
                    id,
                    kind,
                    versions: vec![v],
                }),
            }
        }
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    if !cx.diags.is_empty() {
        cx.diags
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        return Err(PolicyError::Invalid(cx.diags));
    }
    let index = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    crate::engine::lean_right(&mut rules);
    let (step_width, finding_width) = crate::engine::memoise(&mut rules);
    let by_official = crate::engine::memoise_by_official(&mut rules, finding_width);
    let memo_widths = (step_width, finding_width + by_official);
    crate::engine::fold_literal_tests(&mut rules);
    crate::engine::compile_conditions(&mut rules);
    let meta = PolicyMeta {
        id: crate::intern::text(&meta_id),
        version: meta_version,
        title_vi,
        title_en,
        valid_from: valid_from.unwrap_or(NaiveDate::MIN),
        valid_until,
        content_hash: crate::intern::text(&fnv_hex(&text)),
        origin: file,
        overlays: overlay_ids,
        disabled,
    };
    let mut plan = crate::engine::Plan::new(&rules, &params);
    plan.memo_widths = memo_widths;
    plan.memo_by_official = finding_width;
    Ok(Policy {
        plan,
        meta,
        rules,
        params,
        index,
        texts: std::sync::Arc::new(texts.to_vec()),
    })
}

fn overlap(a0: NaiveDate, a1: Option<NaiveDate>, b0: NaiveDate, b1: Option<NaiveDate>) -> bool {
    a1.is_none_or(|a1| b0 < a1) && b1.is_none_or(|b1| a0 < b1)
}

fn rule_kind(s: &str) -> Option<RuleKind> {
    Some(match s {
        "accountability" => RuleKind::Accountability,
        "avoidance" => RuleKind::Avoidance,
        "exception" => RuleKind::Exception,
        "consequence" => RuleKind::Consequence,
        _ => return None,
    })
}

fn cite(
    cx: &mut Ctx<'_>,
    sources: &HashMap<String, Citation>,
    c: &RawCite,
    rule: Option<&str>,
) -> Option<Citation> {
    let key = c.source.get_ref();
    let Some(src) = sources.get(key) else {
        cx.at(
            cx.inner_start(c.source.span()),
            "unknown_source",
            rule,
            "cite.source",
            format!("unknown source `{key}`"),
            nearest(key, sources.keys().map(String::as_str))
                .map(|n| format!("did you mean `{n}`?")),
        );
        return None;
    };
    Some(Citation {
        article: c.article.clone(),
        clause: c.clause.clone(),
        point: c.point.clone(),
        verified: c.verified.unwrap_or(src.verified),
        note: c.note.clone().or_else(|| src.note.clone()),
        ..src.clone()
    })
}

#[expect(
    clippy::too_many_arguments,
    reason = "the loader's context for one rule; a struct would only rename these"
)]
fn compile_rule(
    cx: &mut Ctx<'_>,
    r: &RawRule,
    id: &str,
    kind: RuleKind,
    kinds: &HashMap<String, RuleKind>,
    target_scopes: &HashMap<String, TargetScope>,
    sources: &HashMap<String, Citation>,
    params: &HashMap<String, (usize, Ty)>,
    policy_from: Option<NaiveDate>,
    line: usize,
) -> Option<RuleVersion> {
    let before = cx.diags.len();
    cx.field("cite");
    let citation = cite(cx, sources, &r.cite, Some(id));
    cx.field("");
    let also: Vec<Citation> = r
        .also
        .iter()
        .filter_map(|c| cite(cx, sources, c, Some(id)))
        .collect();
    cx.field("valid_from");
    let valid_from = r
        .valid_from
        .as_ref()
        .and_then(|d| cx.date(d, Some(id), "valid_from"))
        .or(policy_from);
    cx.field("valid_until");
    let valid_until = r
        .valid_until
        .as_ref()
        .and_then(|d| cx.date(d, Some(id), "valid_until"));
    if let (Some(f), Some(u)) = (valid_from, valid_until)
        && u <= f
        && let Some(s) = &r.valid_until
    {
        cx.at(
            s.span().start,
            "window_reversed",
            Some(id),
            "valid_until",
            format!("the rule ends ({u}) before or when it starts ({f})"),
            None,
        );
    }
    let transition = match r.transition.as_ref().map(|s| s.get_ref().as_str()) {
        None | Some("act_date") => Transition::ActDate,
        Some("review_date") => Transition::ReviewDate,
        Some(other) => {
            if let Some(s) = &r.transition {
                cx.at(
                    cx.inner_start(s.span()),
                    "unknown_name",
                    Some(id),
                    "transition",
                    format!("unknown transition `{other}`"),
                    nearest(other, ["act_date", "review_date"])
                        .map(|n| format!("did you mean `{n}`?")),
                );
            }
            Transition::ActDate
        }
    };
    // Allowed fields per kind.
    let allowed: &[&str] = match kind {
        RuleKind::Accountability => &["when", "who", "capacity", "primary"],
        RuleKind::Avoidance => &[
            "for",
            "event",
            "when",
            "who",
            "evidence",
            "behaviour",
            "severity",
        ],
        RuleKind::Exception => &["when", "defeats", "transfers_to", "capacity"],
        RuleKind::Consequence => &[
            "when",
            "on_rules",
            "on_behaviours",
            "min_severity",
            "measure",
            "to",
            "grade_cap",
        ],
    };
    let present: [(&str, Option<usize>); 15] = [
        ("for", r.scope.as_ref().map(|s| s.span().start)),
        ("event", r.event.as_ref().map(|s| s.span().start)),
        ("who", r.who.as_ref().map(|s| s.span().start)),
        ("evidence", r.evidence.as_ref().map(|s| s.span().start)),
        ("behaviour", r.behaviour.as_ref().map(|s| s.span().start)),
        ("severity", r.severity.as_ref().map(|s| s.span().start)),
        ("capacity", r.capacity.as_ref().map(|s| s.span().start)),
        ("defeats", r.defeats.first().map(|s| s.span().start)),
        (
            "transfers_to",
            r.transfers_to.as_ref().map(|s| s.span().start),
        ),
        ("on_rules", r.on_rules.first().map(|s| s.span().start)),
        (
            "on_behaviours",
            r.on_behaviours.first().map(|s| s.span().start),
        ),
        (
            "min_severity",
            r.min_severity.as_ref().map(|s| s.span().start),
        ),
        ("measure", r.measure.as_ref().map(|s| s.span().start)),
        ("to", r.to.as_ref().map(|s| s.span().start)),
        ("grade_cap", r.grade_cap.as_ref().map(|s| s.span().start)),
    ];
    for (name, at) in present {
        if let Some(at) = at
            && !allowed.contains(&name)
        {
            cx.at(
                at,
                "field_not_allowed",
                Some(id),
                name,
                format!("a rule of kind `{}` takes no `{name}`", kind.name()),
                Some(format!("fields of this kind: {}", allowed.join(", "))),
            );
        }
    }

    let compile = |cx: &mut Ctx<'_>,
                   src: &Spanned<String>,
                   field: &str,
                   bindings: &[(&str, Ty)],
                   want: &[Ty]|
     -> Option<Cond> {
        cx.field(field);
        let base = cx.inner_start(src.span());
        let text = src.get_ref();
        let ast = match parse(text) {
            Ok(a) => a,
            Err(e) => {
                cx.at(
                    base + e.span.start,
                    "syntax",
                    Some(id),
                    field,
                    e.message,
                    None,
                );
                return None;
            }
        };
        let mut scope = VarScope::new(params.clone(), bindings);
        match check(&ast, &mut scope) {
            Ok((expr, ty)) => {
                if !want
                    .iter()
                    .any(|w| *w == ty || matches!((w, &ty), (Ty::Opt(a), b) if **a == *b))
                {
                    let wants: Vec<String> = want.iter().map(ToString::to_string).collect();
                    cx.at(
                        base,
                        "type_error",
                        Some(id),
                        field,
                        format!("`{field}` must be {}, found {ty}", wants.join(" or ")),
                        None,
                    );
                    return None;
                }
                let at = cx
                    .srcs
                    .get(cx.cur)
                    .map_or((1, 1), |s| s.lines.locate(s.text, base));
                Some(Cond::new(expr, Arc::from(text.as_str()), at))
            }
            Err(e) => {
                cx.at(
                    base + e.span.start,
                    if e.message.starts_with("unknown")
                        || e.message.contains("no field")
                        || e.message.contains("not a known")
                    {
                        "unknown_name"
                    } else {
                        "type_error"
                    },
                    Some(id),
                    field,
                    e.message,
                    e.help,
                );
                None
            }
        }
    };
    let official_out = [
        Ty::Official,
        Ty::Opt(Box::new(Ty::Official)),
        Ty::List(Box::new(Ty::Official)),
    ];
    let event_out = [
        Ty::Event,
        Ty::Opt(Box::new(Ty::Event)),
        Ty::List(Box::new(Ty::Event)),
    ];
    let required = |cx: &mut Ctx<'_>, v: &Option<Spanned<String>>, name: &str| {
        if v.is_none() {
            let at = r.id.span().start;
            cx.at(
                at,
                "missing_field",
                Some(id),
                name,
                format!("a rule of kind `{}` needs `{name}`", kind.name()),
                None,
            );
        }
    };
    fn name_of<T: Copy>(
        cx: &mut Ctx<'_>,
        v: &Option<Spanned<String>>,
        id: &str,
        field: &str,
        names: &[&str],
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        cx.field(field);
        let s = v.as_ref()?;
        let out = parse(s.get_ref());
        if out.is_none() {
            cx.at(
                cx.inner_start(s.span()),
                "unknown_name",
                Some(id),
                field,
                format!(
                    "unknown {field} `{}`; known: {}",
                    s.get_ref(),
                    names.join(", ")
                ),
                nearest(s.get_ref(), names.iter().copied()).map(|n| format!("did you mean `{n}`?")),
            );
        }
        out
    }

    let (bindings, body): (Vec<(&str, Ty)>, Option<Body>) = match kind {
        RuleKind::Accountability => {
            required(cx, &r.who, "who");
            required(cx, &r.capacity, "capacity");
            let b = vec![("step", Ty::Step)];
            let capacity = name_of(
                cx,
                &r.capacity,
                id,
                "capacity",
                Capacity::NAMES,
                Capacity::from_name,
            );
            let who = r
                .who
                .as_ref()
                .and_then(|w| compile(cx, w, "who", &b, &official_out));
            let body = match (capacity, who) {
                (Some(capacity), Some(who)) => Some(Body::Accountability {
                    capacity,
                    primary: r.primary.unwrap_or(false),
                    who,
                }),
                _ => None,
            };
            (b, body)
        }
        RuleKind::Avoidance => {
            required(cx, &r.scope, "for");
            required(cx, &r.who, "who");
            required(cx, &r.behaviour, "behaviour");
            required(cx, &r.severity, "severity");
            let scope = name_of(
                cx,
                &r.scope,
                id,
                "for",
                &["task", "step", "event"],
                |s| match s {
                    "task" => Some(Scope::Task),
                    "step" => Some(Scope::Step),
                    "event" => Some(Scope::Event),
                    _ => None,
                },
            );
            let event_kind = match &r.event {
                Some(ev) => {
                    let k = crate::model::EventKind::NAMES
                        .iter()
                        .find(|n| **n == ev.get_ref().as_str())
                        .copied();
                    if k.is_none() {
                        cx.at(
                            cx.inner_start(ev.span()),
                            "unknown_name",
                            Some(id),
                            "event",
                            format!("unknown event kind `{}`", ev.get_ref()),
                            nearest(ev.get_ref(), crate::model::EventKind::NAMES.iter().copied())
                                .map(|n| format!("did you mean `{n}`?")),
                        );
                    }
                    if scope != Some(Scope::Event) {
                        cx.at(
                            ev.span().start,
                            "field_not_allowed",
                            Some(id),
                            "event",
                            "`event` filters only rules with `for = \"event\"`".into(),
                            None,
                        );
                    }
                    k
                }
                None => None,
            };
            let b: Vec<(&str, Ty)> = match scope {
                Some(Scope::Step) => vec![("step", Ty::Step)],
                Some(Scope::Event) => vec![("e", Ty::Event)],
                _ => vec![],
            };
            let behaviour = name_of(
                cx,
                &r.behaviour,
                id,
                "behaviour",
                Behaviour::NAMES,
                Behaviour::from_name,
            );
            let severity = name_of(
                cx,
                &r.severity,
                id,
                "severity",
                Severity::NAMES,
                Severity::from_name,
            );
            let who = r
                .who
                .as_ref()
                .and_then(|w| compile(cx, w, "who", &b, &official_out));
            let evidence = r
                .evidence
                .as_ref()
                .and_then(|w| compile(cx, w, "evidence", &b, &event_out));
            let body = match (scope, behaviour, severity, who) {
                (Some(scope), Some(behaviour), Some(severity), Some(who)) => {
                    Some(Body::Avoidance {
                        scope,
                        event_kind,
                        behaviour,
                        severity,
                        who,
                        evidence,
                    })
                }
                _ => None,
            };
            (b, body)
        }
        RuleKind::Exception => {
            if r.defeats.is_empty() {
                cx.at(
                    r.id.span().start,
                    "missing_field",
                    Some(id),
                    "defeats",
                    "an exception must name the rules it defeats".into(),
                    None,
                );
            }
            required(cx, &r.when, "when");
            let mut defeats = Vec::new();
            cx.field("defeats");
            for (i, d) in r.defeats.iter().enumerate() {
                let name = d.get_ref();
                match kinds.get(name) {
                    None => cx.at(
                        cx.inner_start(d.span()),
                        "unknown_rule",
                        Some(id),
                        &format!("defeats[{i}]"),
                        format!("no rule `{name}` to defeat"),
                        nearest(name, kinds.keys().map(String::as_str))
                            .map(|n| format!("did you mean `{n}`?")),
                    ),
                    Some(RuleKind::Exception | RuleKind::Consequence) => cx.at(
                        cx.inner_start(d.span()),
                        "bad_target",
                        Some(id),
                        &format!("defeats[{i}]"),
                        format!("`{name}` is not an accountability or avoidance rule"),
                        None,
                    ),
                    Some(_) => {
                        if let Ok(rid) = RuleId::new(name) {
                            defeats.push(rid);
                        }
                    }
                }
            }
            let capacity = name_of(
                cx,
                &r.capacity,
                id,
                "capacity",
                Capacity::NAMES,
                Capacity::from_name,
            )
            .unwrap_or(Capacity::Direct);
            (
                vec![],
                Some(Body::Exception {
                    defeats,
                    when_by_scope: std::collections::BTreeMap::new(),
                    transfers_to: std::collections::BTreeMap::new(),
                    capacity,
                }),
            )
        }
        RuleKind::Consequence => {
            required(cx, &r.measure, "measure");
            let b = vec![
                ("finding", Ty::Finding),
                ("findings", Ty::List(Box::new(Ty::Finding))),
            ];
            let measure = name_of(
                cx,
                &r.measure,
                id,
                "measure",
                Measure::NAMES,
                Measure::from_name,
            );
            let min_severity = name_of(
                cx,
                &r.min_severity,
                id,
                "min_severity",
                Severity::NAMES,
                Severity::from_name,
            );
            let grade_cap = name_of(
                cx,
                &r.grade_cap,
                id,
                "grade_cap",
                Grade::NAMES,
                Grade::from_name,
            );
            let mut on_rules = Vec::new();
            for (i, d) in r.on_rules.iter().enumerate() {
                let name = d.get_ref();
                match kinds.get(name) {
                    Some(RuleKind::Avoidance) => {
                        if let Ok(rid) = RuleId::new(name) {
                            on_rules.push(rid);
                        }
                    }
                    Some(_) => cx.at(
                        cx.inner_start(d.span()),
                        "bad_target",
                        Some(id),
                        &format!("on_rules[{i}]"),
                        format!("`{name}` is not an avoidance rule"),
                        None,
                    ),
                    None => cx.at(
                        cx.inner_start(d.span()),
                        "unknown_rule",
                        Some(id),
                        &format!("on_rules[{i}]"),
                        format!("no rule `{name}`"),
                        nearest(name, kinds.keys().map(String::as_str))
                            .map(|n| format!("did you mean `{n}`?")),
                    ),
                }
            }
            let mut on_behaviours = Vec::new();
            for (i, b) in r.on_behaviours.iter().enumerate() {
                match Behaviour::from_name(b.get_ref()) {
                    Some(x) => on_behaviours.push(x),
                    None => cx.at(
                        cx.inner_start(b.span()),
                        "unknown_name",
                        Some(id),
                        &format!("on_behaviours[{i}]"),
                        format!("unknown behaviour `{}`", b.get_ref()),
                        nearest(b.get_ref(), Behaviour::NAMES.iter().copied())
                            .map(|n| format!("did you mean `{n}`?")),
                    ),
                }
            }
            if measure == Some(Measure::GradeCap) && grade_cap.is_none() {
                cx.at(
                    r.id.span().start,
                    "missing_field",
                    Some(id),
                    "grade_cap",
                    "a `grade_cap` measure needs `grade_cap`".into(),
                    None,
                );
            }
            let to =
                r.to.as_ref()
                    .and_then(|w| compile(cx, w, "to", &b, &official_out));
            let body = measure.map(|measure| Body::Consequence {
                on_rules,
                on_behaviours,
                min_severity,
                measure,
                to,
                grade_cap,
            });
            (b, body)
        }
    };
    let mut body = body;
    // Exceptions compile their condition once per target scope.
    if let Some(Body::Exception {
        defeats,
        when_by_scope,
        transfers_to,
        ..
    }) = &mut body
    {
        for d in defeats.iter() {
            let s = target_scopes
                .get(d.as_str())
                .copied()
                .unwrap_or(TargetScope::Task);
            if when_by_scope.contains_key(&s) {
                continue;
            }
            let b: Vec<(&str, Ty)> = match s {
                TargetScope::Task => vec![("", Ty::Null), ("official", Ty::Official)],
                TargetScope::Step => vec![("step", Ty::Step), ("official", Ty::Official)],
                TargetScope::Event => vec![("e", Ty::Event), ("official", Ty::Official)],
            };
            let field = format!("when (for target `{d}`)");
            if let Some(w) = &r.when
                && let Some(c) = compile(cx, w, &field, &b, &[Ty::Bool])
            {
                when_by_scope.insert(s, c);
            }
            if let Some(t) = &r.transfers_to
                && let Some(c) = compile(
                    cx,
                    t,
                    "transfers_to",
                    &b,
                    &[Ty::Official, Ty::Opt(Box::new(Ty::Official))],
                )
            {
                transfers_to.insert(s, c);
            }
        }
        if cx.diags.len() > before {
            return None;
        }
        return Some(RuleVersion {
            valid_from: valid_from.unwrap_or(NaiveDate::MIN),
            valid_until,
            label_vi: r.label_vi.clone(),
            label_en: r.label_en.clone(),
            citation: crate::intern::citation(citation?),
            also,
            when: None,
            body: body?,
            transition,
            line,
            file: cx
                .srcs
                .get(r.src)
                .map_or_else(String::new, |x| x.file.to_string()),
        });
    }
    let when = r
        .when
        .as_ref()
        .and_then(|w| compile(cx, w, "when", &bindings, &[Ty::Bool]));
    if cx.diags.len() > before {
        return None;
    }
    Some(RuleVersion {
        valid_from: valid_from.unwrap_or(NaiveDate::MIN),
        valid_until,
        label_vi: r.label_vi.clone(),
        label_en: r.label_en.clone(),
        citation: crate::intern::citation(citation?),
        also,
        when,
        body: body?,
        transition,
        line,
        file: cx
            .srcs
            .get(r.src)
            .map_or_else(String::new, |x| x.file.to_string()),
    })
}

fn target_scope(scope: &str, kind: Option<RuleKind>) -> TargetScope {
    match (kind, scope) {
        (Some(RuleKind::Accountability), _) | (_, "step") => TargetScope::Step,
        (_, "event") => TargetScope::Event,
        _ => TargetScope::Task,
    }
}

fn plain_date(v: &Datetime) -> Option<NaiveDate> {
    match (v.date, v.time) {
        (Some(d), None) => {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        }
        _ => None,
    }
}

fn apply_replace(base: &mut RawRule, r: &RawReplace, src: usize) {
    macro_rules! take {
        ($($f:ident),*) => {$(
            if let Some(v) = &r.$f {
                base.$f = Some(v.clone());
                base.field_src.insert(stringify!($f), src);
            }
        )*};
    }
    take!(
        valid_from,
        valid_until,
        when,
        who,
        evidence,
        severity,
        capacity,
        transfers_to,
        min_severity,
        measure,
        to,
        transition
    );
    if let Some(v) = &r.label_vi {
        base.label_vi = v.clone();
    }
    if let Some(v) = &r.label_en {
        base.label_en = v.clone();
    }
    if let Some(v) = r.primary {
        base.primary = Some(v);
    }
    if let Some(c) = &r.cite {
        base.cite = c.clone();
        base.field_src.insert("cite", src);
    }
    if let Some(d) = &r.defeats {
        base.defeats = d.clone();
        base.field_src.insert("defeats", src);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_columns() {
        let text = "ab\ncdé\nf";
        let li = LineIndex::new(text);
        assert_eq!(li.locate(text, 0), (1, 1));
        assert_eq!(li.locate(text, 4), (2, 2));
        assert_eq!(li.locate(text, text.len() - 1), (3, 1));
    }
}
