//! Grading one official under one framework, then the unit-level rules
//! (leaders' unit factor; the cap on excellent grades).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{
    Framework, FrameworkKind, Frameworks, Grading, OfficialInput, OfficialYear, Reason, reason,
};
use crate::id::{OfficialId, UnitId};
use crate::model::ValidOrganisation;
use crate::policy::Grade;

fn label(g: Grade) -> (&'static str, &'static str) {
    (g.label_vi(), g.label_en())
}

fn band(score: f64, fw: &Framework) -> Grade {
    let at = |x: Option<u32>| f64::from(x.unwrap_or(0));
    if score >= at(fw.excellent_min) {
        Grade::Excellent
    } else if score >= at(fw.good_min) {
        Grade::Good
    } else if score >= at(fw.completed_min) {
        Grade::Completed
    } else {
        Grade::NotCompleted
    }
}

fn min_grade(a: Grade, b: Grade) -> Grade {
    // Grades are ordered best first.
    if a >= b { a } else { b }
}

/// Grades one official for `year` under `fw`; `unit_factor_percent` is the leader's unit factor where known.
pub fn grade_official(
    fw: &Framework,
    id: &OfficialId,
    f: &OfficialYear,
    oi: &OfficialInput,
    year: i32,
    unit_factor_percent: Option<u32>,
) -> Grading {
    let c = fw.citation();
    let mut reasons: Vec<Reason> = Vec::new();
    let late = f.late_percent();
    let (n, nl) = (f.tasks.len(), f.late_tasks.len());
    let mut score = None;
    let mut grade = match fw.kind {
        FrameworkKind::StateCriteria => {
            let exceeded = oi.exceeded_percent.unwrap_or(0);
            // Shares compared exactly (late × 100 against threshold × tasks), never rounded.
            let at_most =
                |pct: Option<u32>, default: u32| nl * 100 <= pct.unwrap_or(default) as usize * n;
            let g = if nl == 0 && exceeded >= fw.excellent_exceeded_percent.unwrap_or(u32::MAX) {
                Grade::Excellent
            } else if at_most(fw.good_max_late_percent, 0) {
                Grade::Good
            } else if at_most(fw.completed_max_late_percent, 0) {
                Grade::Completed
            } else if !at_most(fw.failed_min_late_percent, 100) {
                Grade::NotCompleted
            } else {
                reasons.push(reason(
                    "nd90.between_bands",
                    format!("{late}% nhiệm vụ trễ hạn: giữa ngưỡng hoàn thành ({}%) và không hoàn thành ({}%); xếp hoàn thành nhiệm vụ, cần cấp có thẩm quyền xem xét", fw.completed_max_late_percent.unwrap_or(0), fw.failed_min_late_percent.unwrap_or(0)),
                    format!("{late}% of tasks late: between the 'completed' ({}%) and 'failed' ({}%) thresholds; graded 'completed', for the competent body to review", fw.completed_max_late_percent.unwrap_or(0), fw.failed_min_late_percent.unwrap_or(0)),
                    super::cite(&fw.cite.document, false, Some("the rules seen place this share in no band")),
                ));
                Grade::Completed
            };
            let verified = match g {
                Grade::Completed => fw.completed_verified.unwrap_or(true),
                Grade::NotCompleted => fw.failed_verified.unwrap_or(true),
                _ => true,
            };
            let (vi, en) = label(g);
            reasons.push(reason(
                &format!("{}.tasks", fw.id),
                format!("{nl}/{n} nhiệm vụ trễ hạn ({late}%), {exceeded}% vượt yêu cầu: {vi}"),
                format!(
                    "{nl} of {n} tasks late ({late}%), {exceeded}% exceeding requirements: {en}"
                ),
                crate::policy::Citation {
                    verified: c.verified && verified,
                    ..c.clone()
                },
            ));
            g
        }
        FrameworkKind::Party if fw.excellent_min.is_none() => {
            // A party framework without a points scale (Regulation 124-QĐ/TW): criteria only.
            let exceeded = oi.exceeded_percent.unwrap_or(0);
            let g = if nl == 0 && exceeded >= fw.excellent_exceeded_percent.unwrap_or(u32::MAX) {
                Grade::Excellent
            } else if nl == 0 {
                Grade::Good
            } else {
                Grade::Completed
            };
            let (vi, en) = label(g);
            reasons.push(reason(
                &format!("{}.tasks", fw.id),
                format!("{nl}/{n} nhiệm vụ trễ hạn, {exceeded}% vượt yêu cầu: {vi}"),
                format!("{nl} of {n} tasks late, {exceeded}% exceeding requirements: {en}"),
                crate::policy::Citation { verified: false, note: Some("the regulation's criteria for the grades above 'failed' were not seen; on time → good, any late → completed is this model's reading".into()), ..c.clone() },
            ));
            g
        }
        FrameworkKind::StatePoints | FrameworkKind::Party => {
            let general_max = f64::from(fw.general_max.unwrap_or(30));
            let results_max = f64::from(fw.results_max.unwrap_or(70));
            let general = match oi.general_score {
                Some(s) => f64::from(s),
                None => {
                    reasons.push(reason(
                        "general.assumed",
                        format!("chưa có điểm tiêu chí chung: tạm tính tối đa {general_max}"),
                        format!("no general-criteria score supplied: the maximum {general_max} is assumed"),
                        c.clone(),
                    ));
                    general_max
                }
            };
            // Each product equally weighted; a late product loses its share of progress
            // points (one third of its results share) times the deduction.
            let per_item = if n == 0 { 0.0 } else { results_max / n as f64 };
            let late_ded = f64::from(fw.late_deduction_percent.unwrap_or(0)) / 100.0;
            let q_ded = f64::from(fw.quality_deduction_percent.unwrap_or(0)) / 100.0;
            let mut results = results_max
                - nl as f64 * per_item / 3.0 * late_ded
                - f64::from(oi.quality_failures) * per_item / 3.0 * q_ded;
            if results < 0.0 {
                results = 0.0;
            }
            if let Some(factor) = unit_factor_percent {
                results *= f64::from(factor) / 100.0;
            }
            let total = ((general + results) * 10.0).round() / 10.0;
            score = Some(total);
            let mut g = band(total, fw);
            reasons.push(reason(
                &format!("{}.score", fw.id),
                format!("điểm {total} = {general} tiêu chí chung + {:.1} kết quả ({nl}/{n} sản phẩm trễ hạn, {} lần không đạt chất lượng)", results, oi.quality_failures),
                format!("score {total} = {general} general + {:.1} results ({nl} of {n} products late, {} failed quality checks)", results, oi.quality_failures),
                crate::policy::Citation { note: Some("equal weight per product and a third of it for progress are this model's assumptions".into()), ..c.clone() },
            ));
            // Regulation 366 conditions beside the score.
            if fw.kind == FrameworkKind::Party {
                if g == Grade::Excellent
                    && (oi.exceeded_percent.unwrap_or(0)
                        < fw.excellent_exceeded_percent.unwrap_or(0)
                        || late > 0
                        || oi.shortcomings_remedied == Some(false))
                {
                    g = Grade::Good;
                    reasons.push(reason("qd366.excellent_conditions", "không đủ điều kiện hoàn thành xuất sắc (≥30% vượt, 100% đúng hạn, khắc phục 100% hạn chế)".into(), "not all conditions of 'excellent' (≥30% exceeding, 100% on time, all shortcomings remedied)".into(), c.clone()));
                }
                if g == Grade::Good && late > 0 {
                    g = Grade::Completed;
                    reasons.push(reason(
                        "qd366.good_on_time",
                        "có nhiệm vụ trễ hạn: không đủ điều kiện hoàn thành tốt".into(),
                        "a task was late: not 'good'".into(),
                        c.clone(),
                    ));
                }
                if g == Grade::Completed && late > fw.completed_max_late_percent.unwrap_or(100) {
                    g = Grade::NotCompleted;
                    reasons.push(reason(
                        "qd366.completed_late",
                        format!("{late}% nhiệm vụ trễ hạn, quá 20%"),
                        format!("{late}% of tasks late, over 20%"),
                        c.clone(),
                    ));
                }
            }
            g
        }
    };
    // Discipline in the year.
    if fw.discipline_fails == Some(true) {
        let counted: Vec<_> = oi
            .discipline
            .iter()
            .filter(|d| chrono::Datelike::year(&d.date) == year)
            .filter(|d| match fw.kind {
                FrameworkKind::StatePoints => d.related_to_duty,
                FrameworkKind::Party => !d.self_detected,
                FrameworkKind::StateCriteria => true,
            })
            .collect();
        if let Some(d) = counted.first() {
            grade = Grade::NotCompleted;
            reasons.push(reason(
                &format!("{}.discipline", fw.id),
                format!(
                    "bị kỷ luật ({}) trong năm đánh giá ({}): không hoàn thành nhiệm vụ",
                    d.form, d.date
                ),
                format!(
                    "disciplined ({}) in the year ({}): failed to complete tasks",
                    d.form, d.date
                ),
                c.clone(),
            ));
        }
    }
    // Absence of 3 to < 6 months: at most "completed".
    if let Some([lo, hi]) = fw.absence_cap_months
        && oi.absence_months >= lo
        && oi.absence_months < hi
        && grade < Grade::Completed
    {
        {
            grade = min_grade(grade, Grade::Completed);
            reasons.push(reason(
                "absence.cap",
                format!("vắng mặt {} tháng (từ 3 đến dưới 6 tháng): không xếp loại từ hoàn thành tốt trở lên", oi.absence_months),
                format!("absent {} months (3 to under 6): no grade above 'completed'", oi.absence_months),
                super::cite(&fw.cite.document, true, Some("Ministry of Home Affairs answer on absences")),
            ));
        }
    }
    Grading {
        official: id.clone(),
        framework: fw.id.clone(),
        grade,
        score,
        reasons,
        tasks: n,
        late: nl,
    }
}

/// Decree 335/2025: a leader's results count at 50% when any civil servant they manage is graded 'failed'.
pub(crate) fn apply_leader_factor(
    gradings: &mut [Grading],
    input: &super::YearInput,
    facts: &BTreeMap<OfficialId, OfficialYear>,
    org: &ValidOrganisation,
    as_of: NaiveDate,
    frameworks: &Frameworks,
    year: i32,
) {
    let failed: Vec<OfficialId> = gradings
        .iter()
        .filter(|g| g.grade == Grade::NotCompleted)
        .map(|g| g.official.clone())
        .collect();
    for g in gradings.iter_mut() {
        let Some(fw) = frameworks
            .framework
            .iter()
            .find(|f| f.id == g.framework && f.kind == FrameworkKind::StatePoints)
        else {
            continue;
        };
        let Some(factor) = fw.leader_unit_factor_any_failed_percent else {
            continue;
        };
        let managed_failed: Vec<&OfficialId> = failed
            .iter()
            .filter(|o| *o != &g.official && org.head_over(o, as_of) == Some(&g.official))
            .collect();
        if managed_failed.is_empty() {
            continue;
        }
        let Some(f) = facts.get(&g.official) else {
            continue;
        };
        let oi = input.official(&g.official).cloned().unwrap_or_default();
        let re = grade_official(fw, &g.official, f, &oi, year, Some(factor));
        // The factor only lowers: take the re-graded score, and the grade if worse.
        g.score = re.score;
        if re.grade > g.grade {
            g.grade = re.grade;
        }
        g.reasons.push(reason(
            "nd335.unit_factor",
            format!("công chức thuộc quyền quản lý xếp loại không hoàn thành nhiệm vụ ({}): kết quả của đơn vị tính {factor}%", managed_failed.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(", ")),
            format!("a civil servant they manage was graded 'failed' ({}): the unit's results count at {factor}%", managed_failed.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(", ")),
            fw.citation(),
        ));
    }
}

/// The cap: excellent grades at most a share of good grades in the same unit.
pub(crate) fn apply_cap(
    gradings: &mut [Grading],
    org: &ValidOrganisation,
    as_of: NaiveDate,
    frameworks: &Frameworks,
    year: i32,
) {
    let _ = year;
    let mut by_unit: BTreeMap<(String, UnitId), Vec<usize>> = BTreeMap::new();
    for (i, g) in gradings.iter().enumerate() {
        let unit = org.managing_unit(&g.official, as_of).cloned();
        if let Some(u) = unit {
            by_unit.entry((g.framework.clone(), u)).or_default().push(i);
        }
    }
    for ((fwid, unit), idx) in by_unit {
        let Some(fw) = frameworks.framework.iter().find(|f| f.id == fwid) else {
            continue;
        };
        let Some(cap) = fw.excellent_cap_percent_of_good else {
            continue;
        };
        let good = idx
            .iter()
            .filter(|&&i| gradings.get(i).is_some_and(|g| g.grade == Grade::Good))
            .count();
        // After lowering, the excellent grades must be at most cap% of the good
        // ones (which then include those lowered): k <= cap/100 × (good + E − k).
        let e_count = idx
            .iter()
            .filter(|&&i| gradings.get(i).is_some_and(|g| g.grade == Grade::Excellent))
            .count();
        let allowed = (good + e_count) * cap as usize / (100 + cap as usize);
        let mut excellent: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| gradings.get(i).is_some_and(|g| g.grade == Grade::Excellent))
            .collect();
        if excellent.len() <= allowed {
            continue;
        }
        // Keep the best (highest score, then fewest late tasks, then id); lower the rest.
        excellent.sort_by(|&a, &b| {
            let k = |i: usize| {
                gradings.get(i).map(|g| {
                    (
                        std::cmp::Reverse((g.score.unwrap_or(0.0) * 10.0) as i64),
                        g.late,
                        g.official.clone(),
                    )
                })
            };
            k(a).cmp(&k(b))
        });
        for &i in excellent.iter().skip(allowed) {
            if let Some(g) = gradings.get_mut(i) {
                g.grade = Grade::Good;
                g.reasons.push(reason(
                    "cap.excellent",
                    format!("tỷ lệ hoàn thành xuất sắc trong {unit} vượt {cap}% số hoàn thành tốt ({good}): xếp hoàn thành tốt"),
                    format!("excellent grades in {unit} exceed {cap}% of the good grades ({good}): graded good"),
                    fw.citation(),
                ));
            }
        }
    }
}

/// Regulation 124-QĐ/TW: a leader whose unit completes fewer than the
/// threshold share of its targets (no force majeure) fails.
pub(crate) fn apply_party_unit_ground(
    gradings: &mut [Grading],
    input: &super::YearInput,
    org: &ValidOrganisation,
    as_of: NaiveDate,
    frameworks: &Frameworks,
) {
    for g in gradings.iter_mut() {
        let Some(fw) = frameworks.framework.iter().find(|f| f.id == g.framework) else {
            continue;
        };
        let Some(min) = fw.failed_max_targets_percent else {
            continue;
        };
        for u in &input.units {
            let (Some(unit), Some(pct)) = (&u.unit, u.targets_completed_percent) else {
                continue;
            };
            if pct >= min || u.force_majeure {
                continue;
            }
            let head = org
                .head_of(unit, as_of)
                .or_else(|| org.holder(unit, crate::model::Role::ActingHead, as_of));
            if head == Some(&g.official) {
                g.grade = Grade::NotCompleted;
                g.reasons.push(reason(
                    &format!("{}.unit_targets", fw.id),
                    format!("đơn vị do mình lãnh đạo ({unit}) hoàn thành {pct}% chỉ tiêu, dưới {min}%: không hoàn thành nhiệm vụ"),
                    format!("the unit led ({unit}) completed {pct}% of its targets, under {min}%: failed to complete tasks"),
                    fw.citation(),
                ));
            }
        }
    }
}
