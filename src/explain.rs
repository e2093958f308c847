//! Prose from data: a determination rendered in Vietnamese or English.
//!
//! Nothing here decides anything; every sentence is built from the rule
//! ids, citations, officials and events the determination carries.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::engine::{Determination, Outcome, StepStatus};
use crate::model::ValidCase;
use crate::policy::Policy;

/// The language of the prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Tiếng Việt (default).
    #[default]
    Vi,
    /// English.
    En,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "vi" => Ok(Lang::Vi),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language `{other}`: use `vi` or `en`")),
        }
    }
}

struct Words {
    deadline: &'static str,
    none: &'static str,
    closed: &'static str,
    open: &'static str,
    late: &'static str,
    wd: &'static str,
    steps: &'static str,
    primary: &'static str,
    gap: &'static str,
    overlap: &'static str,
    findings: &'static str,
    no_findings: &'static str,
    evidence: &'static str,
    defeated: &'static str,
    exceptions: &'static str,
    applied: &'static str,
    not_applied: &'static str,
    consequences: &'static str,
    trace: &'static str,
    fired: &'static str,
    not_fired: &'static str,
    first_false: &'static str,
    nothing: &'static str,
    not_in_force: &'static str,
    error: &'static str,
    moved: &'static str,
    ignored_after: &'static str,
    stopped: &'static str,
}

const VI: Words = Words {
    deadline: "hạn",
    none: "không có",
    closed: "hoàn thành",
    open: "chưa hoàn thành",
    late: "trễ",
    wd: "ngày làm việc",
    steps: "Trách nhiệm theo khâu",
    primary: "chính",
    gap: "KHOẢNG TRỐNG: không có người chịu trách nhiệm chính",
    overlap: "CHỒNG CHÉO: nhiều người chịu trách nhiệm chính",
    findings: "Hành vi né tránh, đùn đẩy",
    no_findings: "không phát hiện",
    evidence: "chứng cứ",
    defeated: "không xử lý vì ngoại lệ",
    exceptions: "ngoại lệ đã xét",
    applied: "áp dụng",
    not_applied: "không áp dụng, vì sai",
    consequences: "Hệ quả (do cấp có thẩm quyền xem xét)",
    trace: "Giải thích từng quy tắc",
    fired: "áp dụng",
    not_fired: "không áp dụng",
    first_false: "điều kiện sai đầu tiên",
    nothing: "không có đối tượng để xét",
    not_in_force: "không có hiệu lực vào ngày xét",
    error: "lỗi",
    moved: "chuyển trách nhiệm từ",
    ignored_after: "sự kiện sau ngày xét không được tính",
    stopped: "tạm dừng",
};

const EN: Words = Words {
    deadline: "due",
    none: "none",
    closed: "closed",
    open: "open",
    late: "late",
    wd: "working days",
    steps: "Accountability per step",
    primary: "primary",
    gap: "GAP: no primary accountable individual",
    overlap: "OVERLAP: several primary accountable individuals",
    findings: "Avoidance findings",
    no_findings: "none found",
    evidence: "evidence",
    defeated: "not pursued: exception",
    exceptions: "exceptions considered",
    applied: "applied",
    not_applied: "did not apply, false",
    consequences: "Consequences (for the competent body to consider)",
    trace: "Rule by rule",
    fired: "fired",
    not_fired: "did not fire",
    first_false: "first false part",
    nothing: "nothing to apply it to",
    not_in_force: "not in force on the dates judged",
    error: "error",
    moved: "responsibility moved from",
    ignored_after: "events after the review date not counted",
    stopped: "clock stopped",
};

fn name(case: &ValidCase, id: &crate::id::OfficialId) -> String {
    case.org()
        .official(id)
        .map_or_else(|| id.to_string(), |o| format!("{} ({id})", o.name))
}

/// Renders a determination as prose; `full` adds the rule-by-rule trace.
pub fn render(
    d: &Determination,
    policy: &Policy,
    case: &ValidCase,
    lang: Lang,
    full: bool,
) -> String {
    let w = if lang == Lang::Vi { &VI } else { &EN };
    let mut s = String::new();
    let task = case.task();
    let unit = case
        .org()
        .unit(&task.unit)
        .map_or(task.unit.to_string(), |u| u.name.clone());
    let label = |id: &crate::id::RuleId| {
        policy
            .rule(id)
            .and_then(|r| r.versions.first())
            .map(|v| {
                if lang == Lang::Vi {
                    v.label_vi.clone()
                } else {
                    v.label_en.clone()
                }
            })
            .unwrap_or_default()
    };
    let cite = |c: &crate::policy::Citation| {
        if lang == Lang::Vi {
            c.render_vi()
        } else {
            c.render_en()
        }
    };
    let _ = writeln!(
        s,
        "== {} — {} — {unit} [{}]",
        task.id, task.title, task.field
    );
    let f = &d.facts;
    let _ = write!(
        s,
        "   {}: {}",
        w.deadline,
        f.effective_due
            .map_or_else(|| w.none.to_string(), |x| x.to_string())
    );
    match f.closed {
        Some(c) => {
            let _ = write!(s, "; {}: {c}", w.closed);
        }
        None => {
            let _ = write!(s, "; {}", w.open);
        }
    }
    if f.late_days > 0 {
        let _ = write!(s, "; {}: {} {}", w.late, f.late_days, w.wd);
    }
    if f.clock_stopped_days > 0 {
        let _ = write!(s, "; {}: {} {}", w.stopped, f.clock_stopped_days, w.wd);
    }
    if f.events_after_as_of > 0 {
        let _ = write!(s, "; {} {}", f.events_after_as_of, w.ignored_after);
    }
    s.push('\n');
    let _ = writeln!(s, "   {}:", w.steps);
    for st in &d.steps {
        let kind = task
            .steps
            .iter()
            .find(|x| x.id == st.step)
            .map(|x| {
                if lang == Lang::Vi {
                    x.kind.label_vi().to_string()
                } else {
                    x.kind.name().replace('_', " ")
                }
            })
            .unwrap_or_default();
        let _ = writeln!(s, "   - {} ({kind}):", st.step);
        for a in st.accountable.iter().filter(|a| a.defeated_by.is_none()) {
            let cap = if lang == Lang::Vi {
                a.capacity.label_vi()
            } else {
                a.capacity.label_en()
            };
            let prim = if a.primary {
                format!(", {}", w.primary)
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "       {} — {cap}{prim} — {} — {}",
                name(case, &a.official),
                a.rule,
                cite(a.citation)
            );
        }
        for a in st.accountable.iter().filter(|a| a.defeated_by.is_some()) {
            let _ = writeln!(
                s,
                "       ({}: {} — {} {})",
                name(case, &a.official),
                a.rule,
                w.defeated,
                a.defeated_by
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            );
        }
        match st.status {
            StepStatus::Gap => {
                let _ = writeln!(s, "       ⚠ {}", w.gap);
            }
            StepStatus::Overlap => {
                let _ = writeln!(s, "       ⚠ {}", w.overlap);
            }
            StepStatus::Ok => {}
        }
    }
    let _ = writeln!(s, "   {}:", w.findings);
    if d.findings.is_empty() {
        let _ = writeln!(s, "     {}", w.no_findings);
    }
    for x in &d.findings {
        let beh = if lang == Lang::Vi {
            x.behaviour.label_vi()
        } else {
            x.behaviour.label_en()
        };
        let sev = if lang == Lang::Vi {
            x.severity.label_vi()
        } else {
            x.severity.label_en()
        };
        let ev: Vec<String> = x.evidence.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            s,
            "   - {} [{beh}] {} — {sev} — {}: {} — {}{}",
            x.id,
            name(case, &x.official),
            x.rule,
            label(&x.rule),
            cite(x.citation),
            if ev.is_empty() {
                String::new()
            } else {
                format!(" — {}: {}", w.evidence, ev.join(", "))
            }
        );
        if let Some((xr, orig)) = &x.moved_from {
            let _ = writeln!(s, "       {} {orig} ({xr})", w.moved);
        }
        if let Some(by) = &x.defeated_by {
            let _ = writeln!(s, "       → {} {by}: {}", w.defeated, label(by));
        }
        if full {
            for c in &x.exceptions {
                let _ = writeln!(
                    s,
                    "       {}: {} — {}{}",
                    w.exceptions,
                    c.rule,
                    if c.applied { w.applied } else { w.not_applied },
                    c.first_false
                        .as_ref()
                        .map(|f| format!(" `{f}`"))
                        .unwrap_or_default()
                );
            }
        }
    }
    if !d.consequences.is_empty() {
        let _ = writeln!(s, "   {}:", w.consequences);
        for c in &d.consequences {
            let m = if lang == Lang::Vi {
                c.measure.label_vi()
            } else {
                c.measure.label_en()
            };
            let cap = c
                .grade_cap
                .map(|g| {
                    format!(
                        " «{}»",
                        if lang == Lang::Vi {
                            g.label_vi()
                        } else {
                            g.label_en()
                        }
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "   - {m}{cap}: {} ({}) — {} — {}",
                name(case, &c.official),
                c.because.join(", "),
                c.rule,
                cite(c.citation)
            );
        }
    }
    if full && !d.trace.is_empty() {
        let _ = writeln!(s, "   {}:", w.trace);
        for t in &d.trace {
            let what = match &t.outcome {
                Outcome::Fired { count } => format!("{} ×{count}", w.fired),
                Outcome::NotFired { first_false, .. } => match first_false {
                    Some(f) => format!("{} — {}: `{f}`", w.not_fired, w.first_false),
                    None => w.not_fired.to_string(),
                },
                Outcome::NothingToBind => w.nothing.to_string(),
                Outcome::NotInForce => w.not_in_force.to_string(),
                Outcome::Error { message } => format!("{}: {message}", w.error),
            };
            let _ = writeln!(s, "   - {}: {what}", t.rule);
        }
    }
    s
}
