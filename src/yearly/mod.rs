//! The yearly cycle: grading every official under the rules in force that
//! year, heads' responsibility for their units, candidates for replacement,
//! transfer, removal and discipline (always "to be considered by the
//! competent body"), reward and the protection of Decree 73/2023, and where
//! to inspect.
//!
//! Inputs are the year's determinations (from the engine) plus what only
//! the caller knows: general-criteria scores, discipline decisions, absences,
//! unit target completion, confidence votes, innovation assessments. Every
//! outcome carries its reasons with citations. Grading thresholds are data
//! (`data/grading.toml`).
//!
//! ```
//! use accountable::{policy::Policy, sample, yearly::{YearInput, run_year}};
//! let cases = sample::corpus()?;
//! let report = run_year(&Policy::bundled_2025()?, &cases, &YearInput::new(2025))?;
//! assert!(!report.gradings.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod frameworks;
mod grade;
pub mod report;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

pub use frameworks::{Framework, FrameworkKind, Frameworks};
pub use grade::grade_official;
pub use report::render_html;

use crate::engine::{Determination, EvalError, Evaluator};
use crate::id::{OfficialId, TaskId, UnitId};
use crate::model::{EventKind, Role, ValidCase};
use crate::policy::{Behaviour, Citation, Grade, Policy};

/// A discipline decision in the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discipline {
    /// Date the decision took effect.
    pub date: NaiveDate,
    /// The form: `reprimand` (khiển trách), `warning` (cảnh cáo), `removal` (cách chức), …
    pub form: String,
    /// A party (not administrative) discipline.
    #[serde(default)]
    pub party: bool,
    /// For conduct related to public duty (Decree 335/2025).
    #[serde(default = "yes")]
    pub related_to_duty: bool,
    /// Self-detected and fully remedied (Regulation 124-QĐ/TW carve-out).
    #[serde(default)]
    pub self_detected: bool,
}

fn yes() -> bool {
    true
}

/// What the caller knows about one official for the year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OfficialInput {
    /// The official.
    pub official: Option<OfficialId>,
    /// General-criteria score, 0–30 (Decree 335/2025; Regulation 366-QĐ/TW).
    pub general_score: Option<u32>,
    /// Share of tasks that exceeded requirements, percent.
    pub exceeded_percent: Option<u32>,
    /// Failed quality checks over the year's products.
    pub quality_failures: u32,
    /// Discipline decisions.
    pub discipline: Vec<Discipline>,
    /// Months of (lawful) absence in the year.
    pub absence_months: u32,
    /// Share of low-confidence votes at a confidence vote, percent.
    pub low_confidence_percent: Option<u32>,
    /// Grades of earlier years, for the two-consecutive-years ground.
    pub previous_grades: BTreeMap<i32, Grade>,
    /// Reprimands in the current term or appointment period (before this year).
    pub reprimands_in_term: u32,
    /// All shortcomings identified earlier were remedied (Regulation 366-QĐ/TW excellent grade).
    pub shortcomings_remedied: Option<bool>,
}

/// What the caller knows about one unit for the year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UnitInput {
    /// The unit.
    pub unit: Option<UnitId>,
    /// Share of the year's planned targets and tasks completed, percent.
    pub targets_completed_percent: Option<u32>,
    /// Force majeure certified for the shortfall.
    pub force_majeure: bool,
}

/// The authorising agency's assessment of an innovation proposal (Decree 73/2023 Art. 11(4)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InnovationAssessment {
    /// The task carrying the approved proposal.
    pub task: TaskId,
    /// Implemented and assessed completed.
    pub completed: bool,
    /// Correct policy direction, clean motive, for the common good.
    #[serde(default)]
    pub clean_motive: bool,
    /// It caused damage.
    #[serde(default)]
    pub damage: bool,
}

/// What the caller supplies for a year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearInput {
    /// The year graded.
    pub year: i32,
    /// The review date (default: 31 December of the year).
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
    /// Per official.
    #[serde(default)]
    pub officials: Vec<OfficialInput>,
    /// Per unit.
    #[serde(default)]
    pub units: Vec<UnitInput>,
    /// Innovation assessments.
    #[serde(default)]
    pub innovations: Vec<InnovationAssessment>,
}

impl YearInput {
    /// An input with nothing but the year.
    pub fn new(year: i32) -> Self {
        YearInput {
            year,
            ..Default::default()
        }
    }
    /// The review date.
    pub fn review_date(&self) -> NaiveDate {
        self.as_of
            .or_else(|| NaiveDate::from_ymd_opt(self.year, 12, 31))
            .unwrap_or_default()
    }
    pub(crate) fn official(&self, id: &OfficialId) -> Option<&OfficialInput> {
        self.officials
            .iter()
            .find(|o| o.official.as_ref() == Some(id))
    }
}

/// One reason for an outcome, with its clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Stable code, e.g. `nd90.discipline`.
    pub code: String,
    /// In Vietnamese.
    pub text_vi: String,
    /// In English.
    pub text_en: String,
    /// The clause.
    pub citation: Citation,
}

/// What the year's determinations say about one official.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OfficialYear {
    /// Tasks of the year where the official was directly accountable for a step.
    pub tasks: BTreeSet<TaskId>,
    /// Of those, tasks where a lateness finding against the official stands.
    pub late_tasks: BTreeSet<TaskId>,
    /// Standing findings against the official in the year, by rule.
    pub findings: Vec<(TaskId, String, Behaviour)>,
    /// Whether the official held a leadership post during the year.
    pub leader: bool,
}

impl OfficialYear {
    /// Late tasks, percent of tasks (0 when there are none).
    pub fn late_percent(&self) -> u32 {
        if self.tasks.is_empty() {
            0
        } else {
            u32::try_from(self.late_tasks.len() * 100 / self.tasks.len()).unwrap_or(100)
        }
    }
}

/// A grade with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grading {
    /// The official.
    pub official: OfficialId,
    /// The framework applied.
    pub framework: String,
    /// The grade.
    pub grade: Grade,
    /// The score, where the framework uses points.
    pub score: Option<f64>,
    /// Why, with clauses.
    pub reasons: Vec<Reason>,
    /// Tasks counted.
    pub tasks: usize,
    /// Late tasks counted.
    pub late: usize,
}

/// A head's (or deputy's) responsibility for the unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadResponsibility {
    /// The head or deputy.
    pub official: OfficialId,
    /// The unit.
    pub unit: UnitId,
    /// The grounds.
    pub grounds: Vec<Reason>,
    /// The tasks behind them.
    pub tasks: Vec<TaskId>,
}

/// A personnel measure to be considered by the competent body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonnelCandidate {
    /// The official.
    pub official: OfficialId,
    /// `replacement_or_transfer`, `removal_from_post`, `relief_from_post`, `discipline`.
    pub measure: String,
    /// The grounds.
    pub grounds: Vec<Reason>,
}

/// Commendation, or Decree 73/2023 protection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RewardOrProtection {
    /// The official.
    pub official: OfficialId,
    /// The task, for a protection outcome.
    pub task: Option<TaskId>,
    /// `commendation`, `no_liability`, `liability_excluded`, `consider_exclusion_exemption_mitigation`, `assessment_required`, `not_protected`.
    pub outcome: String,
    /// Why.
    pub reasons: Vec<Reason>,
}

/// A ranked place to inspect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stagnation {
    /// What: a unit id, a step kind or a field.
    pub key: String,
    /// Tasks counted.
    pub tasks: usize,
    /// Overdue tasks, percent.
    pub overdue_percent: f64,
    /// Standing findings per task.
    pub findings_per_task: f64,
    /// Tasks pushed up or sideways, percent.
    pub pushed_percent: f64,
    /// A combined score (overdue% + 25 × findings per task + pushed%); higher is worse.
    pub score: f64,
    /// The tasks behind the figures (overdue, with findings, or pushed).
    pub evidence: Vec<TaskId>,
}

/// Where to inspect, ranked (worst first).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inspection {
    /// By unit.
    pub units: Vec<Stagnation>,
    /// By step kind.
    pub steps: Vec<Stagnation>,
    /// By field.
    pub fields: Vec<Stagnation>,
    /// Unit × field cells.
    pub cells: Vec<(String, String, Stagnation)>,
}

/// Everything the year's cycle produces.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearReport {
    /// The year.
    pub year: i32,
    /// The review date.
    pub as_of: NaiveDate,
    /// The policy used for the determinations.
    pub policy: String,
    /// State grades (cán bộ, công chức, viên chức).
    pub gradings: Vec<Grading>,
    /// Party grades (party members).
    pub party_gradings: Vec<Grading>,
    /// Heads' responsibility.
    pub heads: Vec<HeadResponsibility>,
    /// Personnel candidates.
    pub personnel: Vec<PersonnelCandidate>,
    /// Commendation and protection.
    pub rewards: Vec<RewardOrProtection>,
    /// Where to inspect.
    pub inspection: Inspection,
    /// Tasks of the year.
    pub tasks: usize,
}

/// Why a year could not be run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum YearError {
    /// A task could not be evaluated.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The grading data is broken.
    #[error("grading frameworks: {0}")]
    Frameworks(String),
    /// A caller input is out of range.
    #[error("input for `{subject}`: {message}")]
    Input {
        /// Which official or unit.
        subject: String,
        /// What is wrong.
        message: String,
    },
}

pub(crate) fn reason(code: &str, vi: String, en: String, citation: Citation) -> Reason {
    Reason {
        code: code.into(),
        text_vi: vi,
        text_en: en,
        citation,
    }
}

pub(crate) fn cite(document: &str, verified: bool, note: Option<&str>) -> Citation {
    Citation {
        document: document.into(),
        issuer: String::new(),
        date: None,
        article: None,
        clause: None,
        point: None,
        verified,
        note: note.map(str::to_string),
    }
}

const LATENESS: &[Behaviour] = &[
    Behaviour::NonDecision,
    Behaviour::DossierStalling,
    Behaviour::Unresponsiveness,
    Behaviour::NoProposal,
    Behaviour::RiskAversion,
    Behaviour::MinimalEffort,
];

/// The year a task belongs to: its effective deadline's, or its receipt's.
fn task_year(d: &Determination) -> i32 {
    d.facts.effective_due.unwrap_or(d.facts.received).year()
}

/// Evaluates the cases as of the review date and runs the year.
///
/// # Errors
/// [`YearError`] when a task cannot be evaluated or an input is out of range.
pub fn run_year(
    policy: &Policy,
    cases: &[ValidCase],
    input: &YearInput,
) -> Result<YearReport, YearError> {
    let as_of = input.review_date();
    let ev = Evaluator::new(policy).explain(false);
    let mut dets = Vec::new();
    for c in cases {
        let d = ev.evaluate(c, as_of)?;
        dets.push((c, d));
    }
    year_from(
        policy.meta().id,
        &dets,
        input,
        &Frameworks::bundled().map_err(YearError::Frameworks)?,
    )
}

/// Runs the year over determinations already made (each with its case).
///
/// # Errors
/// [`YearError::Input`] for an out-of-range input.
pub fn year_from(
    policy: &str,
    dets: &[(&ValidCase, Determination)],
    input: &YearInput,
    frameworks: &Frameworks,
) -> Result<YearReport, YearError> {
    for o in &input.officials {
        if o.general_score.is_some_and(|s| s > 30) {
            return Err(YearError::Input {
                subject: o
                    .official
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                message: "general_score is out of 0–30".into(),
            });
        }
    }
    let year = input.year;
    let as_of = input.review_date();
    let in_year: Vec<&(&ValidCase, Determination)> =
        dets.iter().filter(|(_, d)| task_year(d) == year).collect();
    let Some(org) = dets.first().map(|(c, _)| c.org_arc().clone()) else {
        return Ok(YearReport {
            year,
            as_of,
            policy: policy.into(),
            gradings: vec![],
            party_gradings: vec![],
            heads: vec![],
            personnel: vec![],
            rewards: vec![],
            inspection: Inspection::default(),
            tasks: 0,
        });
    };
    // Per official facts.
    let year_start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let mut facts: BTreeMap<OfficialId, OfficialYear> = BTreeMap::new();
    for o in &org.organisation().officials {
        let leader = org.organisation().positions.iter().any(|p| {
            p.official == o.id
                && matches!(
                    p.role,
                    Role::Head | Role::Deputy | Role::ActingHead | Role::OfficeHead
                )
                && p.from <= as_of
                && p.until.is_none_or(|u| u > year_start)
        });
        let active = org.organisation().positions.iter().any(|p| {
            p.official == o.id && p.from <= as_of && p.until.is_none_or(|u| u > year_start)
        });
        if active {
            facts.insert(
                o.id.clone(),
                OfficialYear {
                    leader,
                    ..Default::default()
                },
            );
        }
    }
    for (case, d) in &in_year {
        let tid = case.task().id.clone();
        for s in &d.steps {
            for a in s
                .accountable
                .iter()
                .filter(|a| a.defeated_by.is_none() && a.primary)
            {
                if let Some(f) = facts.get_mut(&a.official) {
                    f.tasks.insert(tid.clone());
                }
            }
        }
        for f in d.standing() {
            if let Some(x) = facts.get_mut(&f.official) {
                x.findings
                    .push((tid.clone(), f.rule.to_string(), f.behaviour));
                if LATENESS.contains(&f.behaviour) {
                    x.tasks.insert(tid.clone());
                    x.late_tasks.insert(tid.clone());
                }
            }
        }
    }
    // Grading.
    let mut gradings = Vec::new();
    let mut party_gradings = Vec::new();
    for (id, f) in &facts {
        let Some(official) = org.official(id) else {
            continue;
        };
        let oi = input.official(id).cloned().unwrap_or_default();
        if let Some(fw) = frameworks.state_for(year, official.category) {
            gradings.push(grade_official(fw, id, f, &oi, year, None));
        }
        if official.party_member
            && let Some(fw) = frameworks.party_for(year)
        {
            party_gradings.push(grade_official(fw, id, f, &oi, year, None));
        }
    }
    grade::apply_leader_factor(&mut gradings, input, &facts, &org, as_of, frameworks, year);
    grade::apply_cap(&mut gradings, &org, as_of, frameworks, year);
    grade::apply_party_unit_ground(&mut party_gradings, input, &org, as_of, frameworks);
    grade::apply_cap(&mut party_gradings, &org, as_of, frameworks, year);

    let heads = heads_responsibility(&in_year, &org, input, as_of);
    let personnel = personnel(&facts, &gradings, &heads, input, &org, as_of, year);
    let rewards = rewards(&in_year, &gradings, input);
    let inspection = inspection(&in_year);
    Ok(YearReport {
        year,
        as_of,
        policy: policy.into(),
        gradings,
        party_gradings,
        heads,
        personnel,
        rewards,
        inspection,
        tasks: in_year.len(),
    })
}

fn heads_responsibility(
    dets: &[&(&ValidCase, Determination)],
    org: &crate::model::ValidOrganisation,
    input: &YearInput,
    as_of: NaiveDate,
) -> Vec<HeadResponsibility> {
    let nd157 = |case: &str| cite("Nghị định 157/2007/NĐ-CP, Điều 10", true, Some(case));
    let mut by_head: BTreeMap<(OfficialId, UnitId), (Vec<Reason>, BTreeSet<TaskId>)> =
        BTreeMap::new();
    let mut add = |h: OfficialId,
                   u: UnitId,
                   code: &str,
                   vi: String,
                   en: String,
                   c: Citation,
                   t: Option<TaskId>| {
        let e = by_head.entry((h, u)).or_default();
        if !e.0.iter().any(|r| r.code == code) {
            e.0.push(reason(code, vi, en, c));
        }
        if let Some(t) = t {
            e.1.insert(t);
        }
    };
    for (case, d) in dets {
        let task = case.task();
        let tid = task.id.clone();
        for f in d.standing() {
            let (code, vi, en, which) = match f.behaviour {
                Behaviour::VagueDirection => (
                    "nd157.unassigned",
                    "không phân công hoặc phân công không rõ, chỉ đạo chung chung",
                    "tasks not assigned, or unclearly, or generic direction",
                    "not assigning tasks or assigning them unclearly",
                ),
                Behaviour::NoFollowUp => (
                    "nd157.no_checking",
                    "không kiểm tra, đôn đốc cấp dưới",
                    "subordinates not checked or urged",
                    "not checking or urging subordinates",
                ),
                Behaviour::UnresolvedSubordinateRequest => (
                    "nd157.requests",
                    "không kịp thời giải quyết kiến nghị của cấp dưới",
                    "subordinates' requests not resolved in time",
                    "a subordinate's request not resolved in time",
                ),
                b if LATENESS.contains(&b) => (
                    "nd157.late",
                    "nhiệm vụ được giao không hoàn thành đúng thời hạn",
                    "assigned tasks not done on time",
                    "not meeting the deadlines of assigned tasks",
                ),
                _ => continue,
            };
            // The head answerable: the official themself if a head, else the head over them.
            let head = if org
                .positions_of(&f.official, f.act_date)
                .any(|p| matches!(p.role, Role::Head | Role::ActingHead))
            {
                Some(f.official.clone())
            } else {
                org.head_over(&f.official, f.act_date).cloned()
            };
            let Some(h) = head else { continue };
            // The unit the head leads that covers the official's work.
            let official_unit = org
                .managing_unit(&f.official, f.act_date)
                .cloned()
                .unwrap_or_else(|| task.unit.clone());
            let unit = org
                .positions_of(&h, f.act_date)
                .filter(|p| {
                    matches!(p.role, Role::Head | Role::ActingHead)
                        && org.within(&official_unit, &p.unit)
                })
                .map(|p| p.unit.clone())
                .next()
                .unwrap_or(official_unit);
            add(
                h,
                unit,
                code,
                vi.to_string(),
                en.to_string(),
                nd157(which),
                Some(tid.clone()),
            );
        }
    }
    // Regulation 377-QĐ/TW (from 8/10/2025): the unit completes < 70% of the year's targets.
    let qd377_in_force = as_of >= NaiveDate::from_ymd_opt(2025, 10, 8).unwrap_or_default();
    for u in input.units.iter().filter(|_| qd377_in_force) {
        let (Some(unit), Some(pct)) = (&u.unit, u.targets_completed_percent) else {
            continue;
        };
        if pct >= 70 {
            continue;
        }
        let Some(h) = org
            .head_of(unit, as_of)
            .or_else(|| org.holder(unit, Role::ActingHead, as_of))
        else {
            continue;
        };
        let since = org
            .positions_of(h, as_of)
            .filter(|p| &p.unit == unit)
            .map(|p| p.from)
            .min();
        let tenure_short = since.is_some_and(|s| (as_of - s).num_days() < 365);
        if u.force_majeure || tenure_short {
            continue;
        }
        add(
            h.clone(),
            unit.clone(),
            "qd377.targets",
            format!("đơn vị hoàn thành {pct}% chỉ tiêu, nhiệm vụ năm (dưới 70%)"),
            format!("the unit completed {pct}% of the year's targets (under 70%)"),
            cite(
                "Quy định 377-QĐ/TW, Điều 48",
                false,
                Some(
                    "ground 1 of relief from post; except force majeure or under one year in post; article reported by one site",
                ),
            ),
            None,
        );
    }
    by_head
        .into_iter()
        .map(|((official, unit), (grounds, tasks))| HeadResponsibility {
            official,
            unit,
            grounds,
            tasks: tasks.into_iter().collect(),
        })
        .collect()
}

fn personnel(
    facts: &BTreeMap<OfficialId, OfficialYear>,
    gradings: &[Grading],
    heads: &[HeadResponsibility],
    input: &YearInput,
    org: &crate::model::ValidOrganisation,
    as_of: NaiveDate,
    year: i32,
) -> Vec<PersonnelCandidate> {
    let mut out = Vec::new();
    let qd377_from = NaiveDate::from_ymd_opt(2025, 10, 8).unwrap_or_default();
    for (id, f) in facts {
        let oi = input.official(id).cloned().unwrap_or_default();
        let mut replace = Vec::new();
        let avoid: Vec<&(TaskId, String, Behaviour)> = f
            .findings
            .iter()
            .filter(|x| x.1.starts_with("avoid."))
            .collect();
        if avoid.len() >= 3 {
            replace.push(reason(
                "cd280.replace",
                format!("{} hành vi né tránh, đùn đẩy trong năm", avoid.len()),
                format!("{} avoidance findings in the year", avoid.len()),
                cite("Công điện 280/CĐ-TTg", false, Some("replace or reassign officials who avoid, push work away or dare not act; the count of 3 is a default")),
            ));
        }
        if !replace.is_empty() {
            out.push(PersonnelCandidate {
                official: id.clone(),
                measure: "replacement_or_transfer".into(),
                grounds: replace,
            });
        }
        if !f.leader {
            continue;
        }
        let mut removal = Vec::new();
        let this_grade = gradings.iter().find(|g| &g.official == id).map(|g| g.grade);
        if this_grade == Some(Grade::NotCompleted)
            && oi.previous_grades.get(&(year - 1)) == Some(&Grade::NotCompleted)
        {
            removal.push(reason(
                "qd41.two_years",
                "hai năm liên tiếp xếp loại không hoàn thành nhiệm vụ".into(),
                "graded 'failed to complete tasks' two years running".into(),
                cite("Quy định 41-QĐ/TW", true, Some("ground for dismissal (miễn nhiệm); replaced by Regulation 377-QĐ/TW from 8/10/2025, whose dismissal grounds were not seen")),
            ));
        }
        let reprimands = oi.reprimands_in_term
            + u32::try_from(
                oi.discipline
                    .iter()
                    .filter(|d| d.form == "reprimand")
                    .count(),
            )
            .unwrap_or(0);
        if reprimands >= 2 {
            removal.push(reason(
                "qd41.reprimands",
                format!("bị khiển trách {reprimands} lần trong nhiệm kỳ"),
                format!("reprimanded {reprimands} times in the term"),
                cite(
                    "Quy định 41-QĐ/TW",
                    true,
                    Some("reprimanded twice or more within one term"),
                ),
            ));
        }
        if oi.low_confidence_percent.is_some_and(|p| p * 3 > 200) {
            removal.push(reason(
                "qd41.confidence",
                "trên 2/3 phiếu tín nhiệm thấp".into(),
                "more than two thirds low-confidence votes".into(),
                cite("Quy định 41-QĐ/TW", true, None),
            ));
        }
        if !removal.is_empty() {
            if as_of >= qd377_from {
                for r in &mut removal {
                    r.citation.note = Some(format!(
                        "{} Judged on {as_of}, after Regulation 41 was replaced: to be weighed under Regulation 377-QĐ/TW.",
                        r.citation.note.clone().unwrap_or_default()
                    ));
                }
            }
            out.push(PersonnelCandidate {
                official: id.clone(),
                measure: "removal_from_post".into(),
                grounds: removal,
            });
        }
        // Regulation 377: relief from post.
        if as_of >= qd377_from {
            let mut relief = Vec::new();
            for h in heads.iter().filter(|h| &h.official == id) {
                for g in h.grounds.iter().filter(|g| g.code == "qd377.targets") {
                    relief.push(g.clone());
                }
            }
            let unresponsive = f
                .findings
                .iter()
                .filter(|x| x.2 == Behaviour::Unresponsiveness)
                .count();
            if unresponsive > 0 {
                relief.push(reason(
                    "qd377.unresponsive",
                    format!("{unresponsive} kiến nghị của người dân, doanh nghiệp thuộc thẩm quyền không được giải quyết kịp thời"),
                    format!("{unresponsive} citizens' or businesses' requests within competence not resolved in time"),
                    cite("Quy định 377-QĐ/TW, Điều 48", false, Some("ground 3 also needs a conclusion of public outrage and harm to the unit's prestige")),
                ));
            }
            if !relief.is_empty() {
                out.push(PersonnelCandidate {
                    official: id.clone(),
                    measure: "relief_from_post".into(),
                    grounds: relief,
                });
            }
        }
        let _ = org;
    }
    // Discipline candidates: serious standing findings.
    for (id, f) in facts {
        let serious: Vec<&(TaskId, String, Behaviour)> = f
            .findings
            .iter()
            .filter(|x| matches!(x.2, Behaviour::SidewaysPush) && x.1 == "avoid.ping_pong")
            .collect();
        if !serious.is_empty() {
            let doc = if as_of >= NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default() {
                "Nghị định 172/2025/NĐ-CP"
            } else {
                "Nghị định 112/2020/NĐ-CP"
            };
            out.push(PersonnelCandidate {
                official: id.clone(),
                measure: "discipline".into(),
                grounds: vec![reason(
                    "discipline.serious",
                    format!("{} hành vi nghiêm trọng (đùn đẩy qua lại)", serious.len()),
                    format!("{} serious findings (work bounced between agencies)", serious.len()),
                    cite(doc, true, Some("to be considered by the competent body; never a decision of this software")),
                )],
            });
        }
    }
    out
}

fn rewards(
    dets: &[&(&ValidCase, Determination)],
    gradings: &[Grading],
    input: &YearInput,
) -> Vec<RewardOrProtection> {
    let mut out = Vec::new();
    for g in gradings.iter().filter(|g| g.grade == Grade::Excellent) {
        out.push(RewardOrProtection {
            official: g.official.clone(),
            task: None,
            outcome: "commendation".into(),
            reasons: vec![reason(
                "kl14.reward",
                "hoàn thành xuất sắc nhiệm vụ: đề nghị khen thưởng".into(),
                "graded excellent: proposed for commendation".into(),
                cite(
                    "Kết luận 14-KL/TW",
                    true,
                    Some("reward and prioritise dynamic, creative officials"),
                ),
            )],
        });
    }
    // Decree 73/2023 Art. 11: protection outcomes for proposals approved beforehand.
    for (case, d) in dets {
        for e in case.events() {
            let EventKind::InnovationApproved { .. } = &e.kind else {
                continue;
            };
            let task = case.task();
            // The proposer: the event's actor, unless that is the approver recording it;
            // then the assignee of the task's first step.
            let EventKind::InnovationApproved { approved_by } = &e.kind else {
                continue;
            };
            let proposer = if &e.actor == approved_by {
                task.steps
                    .first()
                    .and_then(|s| s.assignee.clone())
                    .unwrap_or_else(|| e.actor.clone())
            } else {
                e.actor.clone()
            };
            let leader = case
                .org()
                .positions_of(&proposer, crate::time::vn_date(&e.at))
                .any(|p| {
                    matches!(
                        p.role,
                        Role::Head | Role::Deputy | Role::ActingHead | Role::OfficeHead
                    )
                });
            let art11 = |note: &str| cite("Nghị định 73/2023/NĐ-CP, Điều 11", true, Some(note));
            let (outcome, why) = if !leader {
                (
                    "not_protected",
                    reason(
                        "nd73.subject",
                        "người đề xuất không thuộc đối tượng lãnh đạo, quản lý được bảo vệ".into(),
                        "the proposer is not a leader or manager, the protected subject".into(),
                        cite("Nghị định 73/2023/NĐ-CP, Điều 2", true, None),
                    ),
                )
            } else {
                match input.innovations.iter().find(|a| a.task == task.id) {
                    Some(a) if a.completed => ("no_liability", reason("nd73.completed", "đề xuất được thực hiện và đánh giá hoàn thành: không bị xem xét trách nhiệm".into(), "implemented and assessed completed: no liability".into(), art11("outcome 1"))),
                    Some(a) if a.clean_motive && a.damage => ("consider_exclusion_exemption_mitigation", reason("nd73.damage", "chưa hoàn thành, gây thiệt hại, động cơ trong sáng: xem xét loại trừ, miễn hoặc giảm nhẹ trách nhiệm".into(), "not completed and caused damage, with a clean motive: consider exclusion, exemption or mitigation".into(), art11("outcome 3"))),
                    Some(a) if a.clean_motive => ("liability_excluded", reason("nd73.partial", "chưa hoàn thành hoặc hoàn thành một phần, động cơ trong sáng, vì lợi ích chung: loại trừ trách nhiệm".into(), "not or partly completed, clean motive, for the common good: liability excluded".into(), art11("outcome 2"))),
                    Some(_) => ("not_protected", reason("nd73.assessed_negative", "cơ quan có thẩm quyền không đánh giá là đúng chủ trương, động cơ trong sáng".into(), "the authorising agency did not assess a correct direction and clean motive".into(), art11("outcomes 2–3 need that assessment"))),
                    None if d.facts.closed.is_some() && d.facts.late_days == 0 => ("no_liability", reason("nd73.completed_on_time", "hoàn thành đúng hạn (chưa có đánh giá chính thức của cơ quan cho phép)".into(), "completed on time (no formal assessment by the authorising agency yet)".into(), art11("outcome 1; Art. 11(4) requires the authorising agency to assess"))),
                    None => ("assessment_required", reason("nd73.assess", "cơ quan, người đứng đầu đã cho phép phải kịp thời đánh giá kết quả, xác định nguyên nhân khách quan, chủ quan".into(), "the authorising agency and head must promptly assess the result and identify objective and subjective causes".into(), art11("Art. 11(4)"))),
                }
            };
            out.push(RewardOrProtection {
                official: proposer,
                task: Some(task.id.clone()),
                outcome: outcome.into(),
                reasons: vec![why],
            });
        }
    }
    out
}

fn stagnation(key: String, items: &[(&ValidCase, &Determination)]) -> Stagnation {
    let n = items.len();
    let mut overdue = 0usize;
    let mut findings = 0usize;
    let mut pushed = 0usize;
    let mut evidence = BTreeSet::new();
    for (c, d) in items {
        let late = d.facts.late_days > 0;
        let f = d.standing().count();
        let p = c.events().iter().any(|e| {
            matches!(
                e.kind,
                EventKind::TransferredUp { .. } | EventKind::TransferredSideways { .. }
            )
        });
        overdue += usize::from(late);
        findings += f;
        pushed += usize::from(p);
        if late || f > 0 || p {
            evidence.insert(c.task().id.clone());
        }
    }
    let pct = |x: usize| {
        if n == 0 {
            0.0
        } else {
            100.0 * x as f64 / n as f64
        }
    };
    let fpt = if n == 0 {
        0.0
    } else {
        findings as f64 / n as f64
    };
    let (o, p) = (pct(overdue), pct(pushed));
    Stagnation {
        key,
        tasks: n,
        overdue_percent: o,
        findings_per_task: fpt,
        pushed_percent: p,
        score: o + 25.0 * fpt + p,
        evidence: evidence.into_iter().collect(),
    }
}

fn inspection(dets: &[&(&ValidCase, Determination)]) -> Inspection {
    let mut by_unit: BTreeMap<String, Vec<(&ValidCase, &Determination)>> = BTreeMap::new();
    let mut by_field: BTreeMap<String, Vec<(&ValidCase, &Determination)>> = BTreeMap::new();
    let mut by_cell: BTreeMap<(String, String), Vec<(&ValidCase, &Determination)>> =
        BTreeMap::new();
    let mut by_step: BTreeMap<String, (usize, usize, usize, usize, BTreeSet<TaskId>)> =
        BTreeMap::new();
    for (c, d) in dets {
        let (u, f) = (c.task().unit.to_string(), c.task().field.to_string());
        by_unit.entry(u.clone()).or_default().push((c, d));
        by_field.entry(f.clone()).or_default().push((c, d));
        by_cell.entry((u, f)).or_default().push((c, d));
        for (i, s) in c.task().steps.iter().enumerate() {
            let e = by_step.entry(s.kind.name().to_string()).or_default();
            e.0 += 1;
            let late = d.facts.effective_due.is_some_and(|due| {
                d.steps.get(i).is_some()
                    && d.findings.iter().any(|f| {
                        f.stands()
                            && f.step.as_ref() == Some(&s.id)
                            && LATENESS.contains(&f.behaviour)
                    })
                    && due <= d.as_of
            });
            e.1 += usize::from(late);
            let nf = d
                .standing()
                .filter(|f| f.step.as_ref() == Some(&s.id))
                .count();
            e.2 += nf;
            let pushed = c.events().iter().any(|ev| {
                ev.step.as_ref() == Some(&s.id)
                    && matches!(
                        ev.kind,
                        EventKind::TransferredUp { .. } | EventKind::TransferredSideways { .. }
                    )
            });
            e.3 += usize::from(pushed);
            if late || nf > 0 || pushed {
                e.4.insert(c.task().id.clone());
            }
        }
    }
    let rank = |mut v: Vec<Stagnation>| {
        v.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.key.cmp(&b.key)));
        v
    };
    let steps = by_step
        .into_iter()
        .map(|(k, (n, late, f, p, ev))| {
            let pct = |x: usize| {
                if n == 0 {
                    0.0
                } else {
                    100.0 * x as f64 / n as f64
                }
            };
            let fpt = if n == 0 { 0.0 } else { f as f64 / n as f64 };
            Stagnation {
                key: k,
                tasks: n,
                overdue_percent: pct(late),
                findings_per_task: fpt,
                pushed_percent: pct(p),
                score: pct(late) + 25.0 * fpt + pct(p),
                evidence: ev.into_iter().collect(),
            }
        })
        .collect();
    Inspection {
        units: rank(
            by_unit
                .into_iter()
                .map(|(k, v)| stagnation(k, &v))
                .collect(),
        ),
        fields: rank(
            by_field
                .into_iter()
                .map(|(k, v)| stagnation(k, &v))
                .collect(),
        ),
        steps: rank(steps),
        cells: by_cell
            .into_iter()
            .map(|((u, f), v)| (u.clone(), f.clone(), stagnation(format!("{u} × {f}"), &v)))
            .collect(),
    }
}
