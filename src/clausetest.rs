//! Clause tests: a file format policy staff can write (TOML), a runner that
//! shows why, and coverage of every rule.
//!
//! A test file holds `[[test]]` tables. Each test names the clause (rule)
//! it encodes, gives a case — `fixture = "NAME"` (a JSON case in a
//! fixtures folder) and/or an inline `case` table — changes to it (`set`,
//! `add_events`, `remove_events`), a review date, and what must come out.
//! `[[test.rows]]` expand one test over a table: each row is merged over
//! the test (its `set`, events and `expect` replace or extend the base).
//!
//! ```toml
//! [[test]]
//! name = "hai lần gia hạn không có tiến triển / two bare extensions"
//! clause = "avoid.bare_extensions"
//! fixture = "dept-task"
//! as_of = "2025-06-30"
//! add_events = [
//!   { id = "x1", at = "2025-03-03T09:00:00+07:00", actor = "cv-an", kind = "deadline_extended", new_deadline = "2025-03-20", reason = "chờ số liệu" },
//! ]
//! [test.expect]
//! findings = [{ rule = "avoid.bare_extensions", official = "cv-an" }]
//! must_not_fire = ["avoid.upward_push"]
//! ```
//!
//! Expectations (all optional): `findings` and `defeated` (lists of
//! `{ rule, official, by?, step?, evidence? }`, standing and defeated
//! findings; `step`, a step id, and `evidence`, event ids in order, pin
//! those of the finding when given), `primary`
//! (step → official, or `"gap"` / `"overlap"`), `accountable` (step → list
//! of `"official:capacity"`, the standing entries), `consequences` (list of
//! `{ rule, official }`), `must_not_fire` and `fires` (rule ids). With
//! `mode = "exact"` (the default) findings, defeated findings, consequences
//! and accountable lists must match exactly, no more and no fewer; with
//! `mode = "contains"` the expected items must be present.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::engine::{Determination, Evaluator, Outcome};
use crate::explain::{Lang, render};
use crate::model::Case;
use crate::policy::{Cond, Policy, RuleKind};

/// Why a clause-test file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClauseTestError {
    /// Cannot read a file.
    #[error("cannot read `{file}`: {message}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        message: String,
    },
    /// The TOML does not parse, or a test is not of the expected shape.
    #[error("{file}:{line}:{column}: {message}")]
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
    /// A test is inconsistent (unknown fixture, bad path, invalid case).
    #[error("{file}: test `{test}`: {message}")]
    Test {
        /// The file.
        file: String,
        /// The test.
        test: String,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    fixtures: Option<String>,
    #[serde(default)]
    test: Vec<RawTest>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct RawTest {
    #[serde(default)]
    name: String,
    #[serde(default)]
    clause: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    fixture: Option<String>,
    #[serde(default)]
    case: Option<Json>,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    judge_by: Option<String>,
    #[serde(default)]
    set: BTreeMap<String, Json>,
    #[serde(default)]
    add_events: Vec<Json>,
    #[serde(default)]
    remove_events: Vec<String>,
    #[serde(default)]
    expect: Option<Expect>,
    #[serde(default)]
    rows: Vec<RawTest>,
}

/// One expected finding.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct ExpectFinding {
    /// The rule.
    pub rule: String,
    /// The official.
    pub official: String,
    /// For defeated findings: the exception that defeated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The step the finding is about (its id), when the test pins it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The finding's evidence (event ids, in the finding's order), when the
    /// test pins it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<String>>,
}

impl ExpectFinding {
    /// Whether finding `f` is the one expected: the same rule and official,
    /// the same step and evidence where the test gives them, and, for a
    /// defeated finding (`defeated`), the same exception where given.
    fn matches(&self, f: &crate::engine::Finding, defeated: bool) -> bool {
        f.rule.as_str() == self.rule
            && f.official.as_str() == self.official
            && self
                .step
                .as_ref()
                .is_none_or(|s| f.step.as_ref().is_some_and(|x| x.as_str() == s))
            && self.evidence.as_ref().is_none_or(|e| {
                e.len() == f.evidence.len()
                    && e.iter().zip(&f.evidence).all(|(a, b)| a == b.as_str())
            })
            && (!defeated
                || self
                    .by
                    .as_ref()
                    .is_none_or(|b| f.defeated_by.as_ref().is_some_and(|x| x.as_str() == b)))
    }
}

/// A finding as a diff line names it: rule and official, then its step and
/// its evidence when given (the caller gives them when the test pins them,
/// so that a line shows what was compared), then, for a defeated finding,
/// the exception that defeated it.
fn finding_label(
    rule: &str,
    official: &str,
    step: Option<&str>,
    evidence: Option<&[&str]>,
    by: Option<&str>,
) -> String {
    let mut s = format!("{rule} for {official}");
    if let Some(st) = step {
        let _ = write!(s, " at {st}");
    }
    if let Some(ev) = evidence {
        let _ = write!(s, " on evidence [{}]", ev.join(", "));
    }
    if let Some(b) = by {
        let _ = write!(s, " defeated by {b}");
    }
    s
}

/// Compares expected findings with the findings of a determination
/// (standing ones, or defeated ones when `defeated`): an expected finding
/// that no finding matches is a `-` line; in exact mode, a finding that no
/// expected one matches is a `+` line, named with the step and evidence when
/// some expected finding pins them.
fn compare_findings(
    diff: &mut Vec<String>,
    what: &str,
    want: &[ExpectFinding],
    got: &[&crate::engine::Finding],
    defeated: bool,
    exact: bool,
) {
    for w in want {
        if !got.iter().any(|f| w.matches(f, defeated)) {
            let ev: Option<Vec<&str>> = w
                .evidence
                .as_ref()
                .map(|e| e.iter().map(String::as_str).collect());
            let by = defeated.then(|| w.by.as_deref().unwrap_or("?"));
            let label = finding_label(&w.rule, &w.official, w.step.as_deref(), ev.as_deref(), by);
            diff.push(format!("- expected {what} {label}"));
        }
    }
    if !exact {
        return;
    }
    let pins_step = want.iter().any(|w| w.step.is_some());
    let pins_evidence = want.iter().any(|w| w.evidence.is_some());
    for f in got {
        if !want.iter().any(|w| w.matches(f, defeated)) {
            let step = pins_step.then(|| f.step.as_ref().map_or("no step", |s| s.as_str()));
            let ev: Option<Vec<&str>> =
                pins_evidence.then(|| f.evidence.iter().map(|e| e.as_str()).collect());
            let by = defeated.then(|| f.defeated_by.as_ref().map_or("", |b| b.as_str()));
            let label = finding_label(
                f.rule.as_str(),
                f.official.as_str(),
                step,
                ev.as_deref(),
                by,
            );
            diff.push(format!("+ unexpected {what} {label}"));
        }
    }
}

/// One expected consequence.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct ExpectConsequence {
    /// The rule.
    pub rule: String,
    /// The official.
    pub official: String,
}

/// What a test expects.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `exact` (default) or `contains`.
    #[serde(default)]
    pub mode: Option<String>,
    /// Standing findings.
    #[serde(default)]
    pub findings: Option<Vec<ExpectFinding>>,
    /// Defeated findings.
    #[serde(default)]
    pub defeated: Option<Vec<ExpectFinding>>,
    /// Step → primary official, `gap` or `overlap`.
    #[serde(default)]
    pub primary: Option<BTreeMap<String, String>>,
    /// Step → standing entries as `official:capacity`.
    #[serde(default)]
    pub accountable: Option<BTreeMap<String, Vec<String>>>,
    /// Consequences.
    #[serde(default)]
    pub consequences: Option<Vec<ExpectConsequence>>,
    /// Rules that must produce nothing.
    #[serde(default)]
    pub must_not_fire: Vec<String>,
    /// Rules that must produce something.
    #[serde(default)]
    pub fires: Vec<String>,
}

/// A test ready to run: a case, a date and expectations.
#[derive(Debug, Clone)]
pub struct ClauseTest {
    /// The file it came from.
    pub file: String,
    /// Its name (with the row's name for table rows).
    pub name: String,
    /// The clause (rule id) it encodes.
    pub clause: Option<String>,
    /// The case, as JSON.
    pub case: Json,
    /// The review date.
    pub as_of: NaiveDate,
    /// Judge by the review date instead of the act date.
    pub judge_by_review: bool,
    /// Expectations.
    pub expect: Expect,
}

/// Converts TOML to JSON; datetimes become their text.
fn toml_to_json(v: toml::Value) -> Json {
    match v {
        toml::Value::String(s) => Json::String(s),
        toml::Value::Integer(i) => Json::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
        toml::Value::Boolean(b) => Json::Bool(b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(a) => Json::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Json::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

fn merge(mut base: RawTest, row: RawTest) -> RawTest {
    base.name = if row.name.is_empty() {
        base.name
    } else {
        format!("{} / {}", base.name, row.name)
    };
    if row.fixture.is_some() {
        base.fixture = row.fixture;
    }
    if row.case.is_some() {
        base.case = row.case;
    }
    if row.as_of.is_some() {
        base.as_of = row.as_of;
    }
    if row.judge_by.is_some() {
        base.judge_by = row.judge_by;
    }
    base.set.extend(row.set);
    base.add_events.extend(row.add_events);
    base.remove_events.extend(row.remove_events);
    if row.expect.is_some() {
        base.expect = row.expect;
    }
    base.rows = Vec::new();
    base
}

/// Sets the value at a dotted path (`task.flags.new`, `task.steps[1].assignee`, `events[2].at`).
fn set_path(root: &mut Json, path: &str, value: Json) -> Result<(), String> {
    let mut cur = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let (key, idx) = match part.split_once('[') {
            Some((k, rest)) => (
                k,
                Some(
                    rest.trim_end_matches(']')
                        .parse::<usize>()
                        .map_err(|_| format!("bad index in `{path}`"))?,
                ),
            ),
            None => (*part, None),
        };
        if !key.is_empty() {
            let obj = cur
                .as_object_mut()
                .ok_or(format!("`{path}`: `{key}` is not inside an object"))?;
            if last && idx.is_none() {
                obj.insert(key.to_string(), value);
                return Ok(());
            }
            cur = obj
                .entry(key.to_string())
                .or_insert_with(|| Json::Object(Default::default()));
        }
        if let Some(n) = idx {
            let arr = cur
                .as_array_mut()
                .ok_or(format!("`{path}`: `{key}` is not a list"))?;
            let slot = arr.get_mut(n).ok_or(format!("`{path}`: no item {n}"))?;
            if last {
                *slot = value;
                return Ok(());
            }
            cur = slot;
        }
    }
    Ok(())
}

/// Loads the tests of one file; fixtures are looked up in `fixture_dirs`, then beside the file.
///
/// # Errors
/// [`ClauseTestError`] naming the file and, for TOML errors, the line and column.
pub fn load_file(
    path: &Path,
    fixture_dirs: &[PathBuf],
) -> Result<Vec<ClauseTest>, ClauseTestError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ClauseTestError::Io {
        file: file.clone(),
        message: e.to_string(),
    })?;
    let mut dirs: Vec<PathBuf> = fixture_dirs.to_vec();
    let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_str(&text, &file, &parent, &mut dirs)
}

/// Loads tests from TOML text; `base` is the folder relative paths start from.
///
/// # Errors
/// As [`load_file`].
pub fn load_str(
    text: &str,
    file: &str,
    base: &Path,
    dirs: &mut Vec<PathBuf>,
) -> Result<Vec<ClauseTest>, ClauseTestError> {
    let lines = crate::policy::LineIndexPub::new(text);
    let value: toml::Value = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| lines.locate(text, s.start));
        ClauseTestError::Syntax {
            file: file.to_string(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    let raw: RawFile =
        serde_json::from_value(toml_to_json(value)).map_err(|e| ClauseTestError::Syntax {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: e.to_string(),
        })?;
    if let Some(f) = &raw.fixtures {
        dirs.insert(0, base.join(f));
    }
    dirs.push(base.join("fixtures"));
    if let Some(p) = base.parent() {
        dirs.push(p.join("fixtures"));
    }
    let mut out = Vec::new();
    for t in raw.test {
        let expanded: Vec<RawTest> = if t.rows.is_empty() {
            vec![t]
        } else {
            let base_t = RawTest {
                rows: Vec::new(),
                ..t.clone()
            };
            t.rows
                .into_iter()
                .map(|r| merge(base_t.clone(), r))
                .collect()
        };
        for t in expanded {
            out.push(build(t, file, dirs)?);
        }
    }
    Ok(out)
}

fn build(t: RawTest, file: &str, dirs: &[PathBuf]) -> Result<ClauseTest, ClauseTestError> {
    let err = |m: String| ClauseTestError::Test {
        file: file.to_string(),
        test: t.name.clone(),
        message: m,
    };
    let mut case = match (&t.fixture, &t.case) {
        (Some(name), _) => {
            let found = dirs
                .iter()
                .map(|d| d.join(format!("{name}.json")))
                .find(|p| p.exists());
            let p = found.ok_or_else(|| {
                err(format!(
                    "no fixture `{name}.json` in {}",
                    dirs.iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            let text = std::fs::read_to_string(&p)
                .map_err(|e| err(format!("cannot read fixture `{}`: {e}", p.display())))?;
            let mut v: Json = serde_json::from_str(&text)
                .map_err(|e| err(format!("fixture `{}`: {e}", p.display())))?;
            if let (Some(Json::Object(inline)), Json::Object(obj)) = (&t.case, &mut v) {
                for (k, val) in inline {
                    obj.insert(k.clone(), val.clone());
                }
            }
            v
        }
        (None, Some(c)) => c.clone(),
        (None, None) => return Err(err("a test needs `fixture` or `case`".into())),
    };
    for (path, value) in &t.set {
        set_path(&mut case, path, value.clone()).map_err(err)?;
    }
    if !t.remove_events.is_empty()
        && let Some(Json::Array(evs)) = case.get_mut("events")
    {
        let before = evs.len();
        evs.retain(|e| {
            !t.remove_events
                .iter()
                .any(|id| e.get("id").and_then(Json::as_str) == Some(id))
        });
        if before - evs.len() != t.remove_events.len() {
            return Err(err(format!(
                "remove_events: some of {:?} are not in the case",
                t.remove_events
            )));
        }
    }
    if !t.add_events.is_empty() {
        let evs = case
            .as_object_mut()
            .ok_or_else(|| err("the case is not an object".into()))?
            .entry("events")
            .or_insert(Json::Array(Vec::new()));
        if let Json::Array(a) = evs {
            a.extend(t.add_events.iter().cloned());
            // Keep time order: added events slot in by instant (stable).
            a.sort_by(|x, y| {
                let k = |e: &Json| {
                    e.get("at")
                        .and_then(Json::as_str)
                        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                };
                k(x).cmp(&k(y))
            });
        }
    }
    let as_of = t
        .as_of
        .as_deref()
        .ok_or_else(|| err("a test needs `as_of`".into()))?;
    let as_of: NaiveDate = as_of
        .get(..10)
        .unwrap_or(as_of)
        .parse()
        .map_err(|_| err(format!("`as_of` = `{as_of}` is not a date")))?;
    let judge_by_review = match t.judge_by.as_deref() {
        None | Some("act") => false,
        Some("review") => true,
        Some(o) => return Err(err(format!("judge_by `{o}`: use `act` or `review`"))),
    };
    Ok(ClauseTest {
        file: file.to_string(),
        name: t.name.clone(),
        clause: t.clause.clone(),
        case,
        as_of,
        judge_by_review,
        expect: t.expect.clone().unwrap_or_default(),
    })
}

/// Loads every `*.toml` test file under `dir` (recursively, sorted), skipping `fixtures` folders.
///
/// # Errors
/// The first file that fails to load.
pub fn load_dir(dir: &Path) -> Result<Vec<ClauseTest>, ClauseTestError> {
    let mut files = Vec::new();
    collect(dir, &mut files).map_err(|e| ClauseTestError::Io {
        file: dir.display().to_string(),
        message: e.to_string(),
    })?;
    files.sort();
    let mut out = Vec::new();
    for f in files {
        out.extend(load_file(&f, &[])?);
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "fixtures") {
                collect(&p, out)?;
            }
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
    Ok(())
}

/// The result of one test.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    /// The file.
    pub file: String,
    /// The test's name.
    pub name: String,
    /// The clause it encodes.
    pub clause: Option<String>,
    /// Whether it passed.
    pub passed: bool,
    /// What differed: `- expected …` and `+ unexpected …` lines, each naming the rule.
    pub diff: Vec<String>,
    /// The explanation of the actual decision (on failure).
    pub explanation: String,
    /// Rules that produced something.
    pub fired: Vec<String>,
}

/// Coverage of a policy by a test run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    /// Rules that fired (or, for exceptions, applied) in some test.
    pub fired: BTreeSet<String>,
    /// Rules some test showed not firing when they might have.
    pub held: BTreeSet<String>,
    /// Rules with both.
    pub covered: BTreeSet<String>,
    /// Rules never exercised both ways.
    pub uncovered: Vec<String>,
    /// Parameters read by exercised rules.
    pub params: BTreeSet<String>,
    /// Parameters no exercised rule reads.
    pub params_unused: Vec<String>,
    /// Rule coverage, percent.
    pub percent: f64,
}

/// The result of a run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Per test.
    pub results: Vec<TestResult>,
    /// Coverage.
    pub coverage: Coverage,
}

impl RunReport {
    /// Number of failed tests.
    pub fn failed(&self) -> usize {
        self.results.iter().filter(|r| !r.passed).count()
    }
}

fn outputs(d: &Determination) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    for st in &d.steps {
        for a in &st.accountable {
            s.insert(a.rule.to_string());
            if let Some(x) = &a.defeated_by {
                s.insert(x.to_string());
            }
        }
    }
    for f in &d.findings {
        s.insert(f.rule.to_string());
        if let Some(x) = &f.defeated_by {
            s.insert(x.to_string());
        }
    }
    for c in &d.consequences {
        s.insert(c.rule.to_string());
    }
    s
}

/// Runs one test against a policy.
pub fn run_test(policy: &Policy, t: &ClauseTest) -> (TestResult, Option<Determination>) {
    let mut diff = Vec::new();
    let fail = |msg: String| TestResult {
        file: t.file.clone(),
        name: t.name.clone(),
        clause: t.clause.clone(),
        passed: false,
        diff: vec![msg],
        explanation: String::new(),
        fired: Vec::new(),
    };
    let case: Case = match serde_json::from_value(t.case.clone()) {
        Ok(c) => c,
        Err(e) => return (fail(format!("! the case does not parse: {e}")), None),
    };
    let case = match case.validate() {
        Ok(c) => c,
        Err(e) => return (fail(format!("! the case is invalid: {e}")), None),
    };
    let mut ev = Evaluator::new(policy);
    if t.judge_by_review {
        ev = ev.judge_by(crate::engine::JudgeBy::ReviewDate);
    }
    let d = match ev.evaluate(&case, t.as_of) {
        Ok(d) => d,
        Err(e) => return (fail(format!("! evaluation failed: {e}")), None),
    };
    let x = &t.expect;
    let exact = x.mode.as_deref() != Some("contains");
    let fired = outputs(&d);
    let compare = |diff: &mut Vec<String>, what: &str, want: &[String], got: &[String]| {
        for w in want {
            if !got.contains(w) {
                diff.push(format!("- expected {what} {w}"));
            }
        }
        if exact {
            for g in got {
                if !want.contains(g) {
                    diff.push(format!("+ unexpected {what} {g}"));
                }
            }
        }
    };
    if let Some(want) = &x.findings {
        let got: Vec<&crate::engine::Finding> = d.standing().collect();
        compare_findings(&mut diff, "finding", want, &got, false, exact);
    }
    if let Some(want) = &x.defeated {
        let got: Vec<&crate::engine::Finding> = d.findings.iter().filter(|f| !f.stands()).collect();
        compare_findings(&mut diff, "defeated finding", want, &got, true, exact);
    }
    if let Some(want) = &x.consequences {
        let want: Vec<String> = want
            .iter()
            .map(|c| format!("{} for {}", c.rule, c.official))
            .collect();
        let got: Vec<String> = d
            .consequences
            .iter()
            .map(|c| format!("{} for {}", c.rule, c.official))
            .collect();
        compare(&mut diff, "consequence", &want, &got);
    }
    if let Some(want) = &x.primary {
        for (step, who) in want {
            match d.steps.iter().find(|s| s.step.as_str() == step) {
                None => diff.push(format!(
                    "- expected step {step}, which the task does not have"
                )),
                Some(s) => {
                    let p = s.primaries();
                    let got = match p.as_slice() {
                        [] => "gap".to_string(),
                        [one] => one.to_string(),
                        _ => "overlap".to_string(),
                    };
                    if &got != who {
                        diff.push(format!(
                            "- expected primary at {step}: {who}; got {got} (rules: {})",
                            s.accountable
                                .iter()
                                .filter(|a| a.primary && a.defeated_by.is_none())
                                .map(|a| a.rule.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
            }
        }
    }
    if let Some(want) = &x.accountable {
        for (step, entries) in want {
            match d.steps.iter().find(|s| s.step.as_str() == step) {
                None => diff.push(format!(
                    "- expected step {step}, which the task does not have"
                )),
                Some(s) => {
                    let got: Vec<String> = s
                        .accountable
                        .iter()
                        .filter(|a| a.defeated_by.is_none())
                        .map(|a| format!("{}:{}", a.official, a.capacity.name()))
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    compare(&mut diff, &format!("accountable at {step}"), entries, &got);
                }
            }
        }
    }
    for r in &x.must_not_fire {
        if policy
            .rule(&match crate::id::RuleId::new(r) {
                Ok(id) => id,
                Err(_) => {
                    diff.push(format!("! must_not_fire names a bad rule id `{r}`"));
                    continue;
                }
            })
            .is_none()
        {
            diff.push(format!(
                "! must_not_fire names `{r}`, which the policy does not have"
            ));
        } else if fired.contains(r) {
            diff.push(format!("+ rule {r} fired but must not"));
        }
    }
    for r in &x.fires {
        if !fired.contains(r) {
            let why = d
                .trace
                .iter()
                .find(|t| t.rule.as_str() == r)
                .map(|t| match &t.outcome {
                    Outcome::NotFired {
                        first_false: Some(f),
                        ..
                    } => format!(" (first false part: `{f}`)"),
                    Outcome::NotInForce => " (not in force)".to_string(),
                    Outcome::NothingToBind => " (nothing to bind)".to_string(),
                    _ => String::new(),
                })
                .unwrap_or_default();
            diff.push(format!("- expected rule {r} to fire{why}"));
        }
    }
    let passed = diff.is_empty();
    let explanation = if passed {
        String::new()
    } else {
        render(&d, policy, &case, Lang::En, true)
    };
    (
        TestResult {
            file: t.file.clone(),
            name: t.name.clone(),
            clause: t.clause.clone(),
            passed,
            diff,
            explanation,
            fired: fired.iter().cloned().collect(),
        },
        Some(d),
    )
}

fn cond_params(c: &Cond, policy: &Policy, out: &mut BTreeSet<String>) {
    fn walk(e: &crate::policy::expr::Expr, policy: &Policy, out: &mut BTreeSet<String>) {
        use crate::policy::expr::check::Node;
        if let Node::Param(i) = &e.node
            && let Some(p) = policy.params().get(*i)
        {
            out.insert(p.name.clone());
        }
        for c in e.node.children() {
            walk(c, policy, out);
        }
    }
    walk(&c.expr, policy, out);
}

/// The parameters a rule reads, in any version.
pub fn rule_params(policy: &Policy, rule: &crate::policy::Rule) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for v in &rule.versions {
        for c in v.conds() {
            cond_params(c, policy, &mut out);
        }
    }
    out
}

/// Runs tests against a policy and measures coverage.
pub fn run(policy: &Policy, tests: &[ClauseTest]) -> RunReport {
    let mut results = Vec::new();
    let mut cov = Coverage::default();
    for t in tests {
        let (r, d) = run_test(policy, t);
        if let Some(d) = &d
            && r.passed
        {
            for f in &r.fired {
                cov.fired.insert(f.clone());
            }
            // A rule is shown holding back when a passing test names it in
            // must_not_fire, or encodes it as its clause and it did not fire.
            for m in &t.expect.must_not_fire {
                cov.held.insert(m.clone());
            }
            if let Some(c) = &t.clause
                && !r.fired.contains(c)
            {
                cov.held.insert(c.clone());
            }
            // Exceptions considered but not applied also count as held.
            for f in &d.findings {
                for x in &f.exceptions {
                    if !x.applied && t.clause.as_deref() == Some(x.rule.as_str()) {
                        cov.held.insert(x.rule.to_string());
                    }
                }
            }
        }
        results.push(r);
    }
    let total = policy.rules().len();
    for rule in policy.rules() {
        let id = rule.id.to_string();
        if cov.fired.contains(&id) && cov.held.contains(&id) {
            cov.covered.insert(id.clone());
            cov.params.extend(rule_params(policy, rule));
        } else {
            cov.uncovered.push(id);
        }
    }
    cov.params_unused = policy
        .params()
        .iter()
        .map(|p| p.name.clone())
        .filter(|p| !cov.params.contains(p))
        .collect();
    cov.percent = if total == 0 {
        100.0
    } else {
        100.0 * cov.covered.len() as f64 / total as f64
    };
    let _ = RuleKind::Exception;
    RunReport {
        results,
        coverage: cov,
    }
}

/// Renders a run as text: one line per test, diffs and explanations for failures, coverage last.
pub fn render_report(r: &RunReport) -> String {
    let mut s = String::new();
    for t in &r.results {
        let _ = writeln!(
            s,
            "{} {} :: {}",
            if t.passed { "ok  " } else { "FAIL" },
            t.file,
            t.name
        );
        if !t.passed {
            for d in &t.diff {
                let _ = writeln!(s, "     {d}");
            }
            for line in t.explanation.lines() {
                let _ = writeln!(s, "     | {line}");
            }
        }
    }
    let c = &r.coverage;
    if !c.uncovered.is_empty() {
        let _ = writeln!(
            s,
            "rules not exercised both firing and not firing: {}",
            c.uncovered.join(", ")
        );
    }
    if !c.params_unused.is_empty() {
        let _ = writeln!(
            s,
            "parameters not exercised: {}",
            c.params_unused.join(", ")
        );
    }
    let passed = r.results.len() - r.failed();
    let _ = writeln!(s, "{passed} passed, {} failed", r.failed());
    let _ = writeln!(
        s,
        "rule coverage: {:.1}% ({} of {} rules)",
        c.percent,
        c.covered.len(),
        c.covered.len() + c.uncovered.len()
    );
    s
}
