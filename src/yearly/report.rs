//! The yearly report as one self-contained HTML page.
//!
//! [`render_html`] turns a [`YearReport`] into a single HTML5 document with
//! an inline style sheet and an inline SVG heat map: it references nothing
//! on the network (the SVG's `xmlns` is the only URI it contains) and is
//! written as well-formed, XHTML-compatible markup, so it can also be read
//! as XML. Every label comes from the two word tables below (Vietnamese by
//! default, English with [`Lang::En`]); every sentence of substance comes
//! from the report itself, with its citation. Nothing here decides
//! anything.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use chrono::NaiveDate;

use super::{
    Frameworks, Grading, HeadResponsibility, Inspection, PersonnelCandidate, Reason,
    RewardOrProtection, Stagnation, YearReport,
};
use crate::explain::Lang;
use crate::id::{OfficialId, TaskId, UnitId};
use crate::model::{Category, ValidOrganisation};
use crate::policy::{Citation, Grade};

/// Every fixed label of the page, in one language.
struct Words {
    lang: &'static str,
    title: &'static str,
    subtitle: &'static str,
    contents: &'static str,
    summary: &'static str,
    year: &'static str,
    review_date: &'static str,
    policy: &'static str,
    tasks: &'static str,
    graded: &'static str,
    party_graded: &'static str,
    grades: &'static str,
    grades_intro: &'static str,
    party_grades: &'static str,
    party_intro: &'static str,
    official: &'static str,
    category: &'static str,
    framework: &'static str,
    grade: &'static str,
    score: &'static str,
    late_tasks: &'static str,
    reasons: &'static str,
    heads: &'static str,
    heads_intro: &'static str,
    unit: &'static str,
    role: &'static str,
    grounds: &'static str,
    evidence: &'static str,
    personnel: &'static str,
    personnel_intro: &'static str,
    measure: &'static str,
    for_competent: &'static str,
    rewards: &'static str,
    rewards_intro: &'static str,
    task: &'static str,
    outcome: &'static str,
    inspect: &'static str,
    inspect_intro: &'static str,
    by_unit: &'static str,
    by_step: &'static str,
    by_field: &'static str,
    rank: &'static str,
    step: &'static str,
    field: &'static str,
    overdue: &'static str,
    findings_per_task: &'static str,
    pushed: &'static str,
    heatmap: &'static str,
    heatmap_intro: &'static str,
    legend: &'static str,
    no_tasks: &'static str,
    none: &'static str,
    unverified: &'static str,
    footer: &'static str,
    candidates: &'static str,
    heads_count: &'static str,
    protections: &'static str,
    score_formula: &'static str,
}

const VI: Words = Words {
    lang: "vi",
    title: "Báo cáo đánh giá trách nhiệm năm",
    subtitle: "Xếp loại, trách nhiệm người đứng đầu, nhân sự cần xem xét, khen thưởng và bảo vệ, nơi cần kiểm tra",
    contents: "Mục lục",
    summary: "Tóm tắt",
    year: "Năm đánh giá",
    review_date: "Ngày xét",
    policy: "Bộ quy tắc",
    tasks: "Nhiệm vụ trong năm",
    graded: "Xếp loại (Nhà nước)",
    party_graded: "Xếp loại đảng viên",
    grades: "Xếp loại cán bộ, công chức, viên chức",
    grades_intro: "Mức xếp loại theo khung đánh giá có hiệu lực trong năm, với lý do và căn cứ của từng mức.",
    party_grades: "Xếp loại đảng viên",
    party_intro: "Mức xếp loại đảng viên theo quy định của Đảng có hiệu lực trong năm.",
    official: "Cán bộ, công chức",
    category: "Đối tượng",
    framework: "Khung đánh giá",
    grade: "Mức xếp loại",
    score: "Điểm",
    late_tasks: "Trễ / nhiệm vụ",
    reasons: "Lý do và căn cứ",
    heads: "Trách nhiệm của người đứng đầu và cấp phó",
    heads_intro: "Người đứng đầu, cấp phó chịu trách nhiệm về đơn vị mình phụ trách, với căn cứ và các nhiệm vụ liên quan.",
    unit: "Đơn vị",
    role: "Chức vụ",
    grounds: "Căn cứ",
    evidence: "Nhiệm vụ làm chứng cứ",
    personnel: "Nhân sự cần xem xét",
    personnel_intro: "Các trường hợp có căn cứ để cấp có thẩm quyền xem xét; phần mềm không quyết định biện pháp nào.",
    measure: "Biện pháp",
    for_competent: "để cấp có thẩm quyền xem xét",
    rewards: "Khen thưởng và bảo vệ theo Nghị định 73/2023/NĐ-CP",
    rewards_intro: "Đề nghị khen thưởng và kết quả bảo vệ cán bộ đổi mới, sáng tạo vì lợi ích chung.",
    task: "Nhiệm vụ",
    outcome: "Kết quả",
    inspect: "Nơi cần kiểm tra",
    inspect_intro: "Xếp hạng từ nặng đến nhẹ. Điểm = % quá hạn + 25 × số phát hiện trên mỗi nhiệm vụ + % bị đẩy lên trên hoặc sang ngang.",
    by_unit: "Theo đơn vị",
    by_step: "Theo khâu",
    by_field: "Theo lĩnh vực",
    rank: "Hạng",
    step: "Khâu",
    field: "Lĩnh vực",
    overdue: "Quá hạn",
    findings_per_task: "Phát hiện / nhiệm vụ",
    pushed: "Bị đẩy",
    heatmap: "Bản đồ nhiệt: đơn vị × lĩnh vực",
    heatmap_intro: "Mỗi ô là một đơn vị trong một lĩnh vực; màu càng đỏ, điểm trì trệ càng cao. Ô trống: không có nhiệm vụ.",
    legend: "Điểm trì trệ",
    no_tasks: "không có nhiệm vụ",
    none: "Không có.",
    unverified: "[chưa xác minh]",
    footer: "Kết quả do phần mềm tính từ dữ liệu và quy tắc có trích dẫn; mọi biện pháp về nhân sự, kỷ luật, khen thưởng do cấp có thẩm quyền xem xét, quyết định. Căn cứ đánh dấu [chưa xác minh] chưa đối chiếu được với văn bản.",
    candidates: "Trường hợp cần xem xét",
    heads_count: "Người đứng đầu có trách nhiệm",
    protections: "Khen thưởng, bảo vệ",
    score_formula: "điểm",
};

const EN: Words = Words {
    lang: "en",
    title: "Yearly accountability report",
    subtitle: "Grades, heads' responsibility, personnel to consider, commendation and protection, where to inspect",
    contents: "Contents",
    summary: "Summary",
    year: "Year graded",
    review_date: "Review date",
    policy: "Policy",
    tasks: "Tasks of the year",
    graded: "State grades",
    party_graded: "Party grades",
    grades: "Grades of cadres, civil servants and public employees",
    grades_intro: "Each grade under the framework in force for the year, with its reasons and clauses.",
    party_grades: "Party members' grades",
    party_intro: "Party members' grades under the party regulation in force for the year.",
    official: "Official",
    category: "Category",
    framework: "Framework",
    grade: "Grade",
    score: "Score",
    late_tasks: "Late / tasks",
    reasons: "Reasons and clauses",
    heads: "Heads' and deputies' responsibility",
    heads_intro: "Heads and deputies answerable for the units they lead, with the grounds and the tasks behind them.",
    unit: "Unit",
    role: "Post",
    grounds: "Grounds",
    evidence: "Evidence tasks",
    personnel: "Personnel candidates",
    personnel_intro: "Cases with grounds for the competent body to consider; this software decides no measure.",
    measure: "Measure",
    for_competent: "for the competent body to consider",
    rewards: "Commendation and Decree 73/2023 protection",
    rewards_intro: "Proposals for commendation and the protection outcomes for officials who innovate for the common good.",
    task: "Task",
    outcome: "Outcome",
    inspect: "Where to inspect",
    inspect_intro: "Ranked worst first. Score = overdue % + 25 × findings per task + % pushed up or sideways.",
    by_unit: "By unit",
    by_step: "By step",
    by_field: "By field",
    rank: "Rank",
    step: "Step",
    field: "Field",
    overdue: "Overdue",
    findings_per_task: "Findings / task",
    pushed: "Pushed",
    heatmap: "Heat map: unit × field",
    heatmap_intro: "Each cell is one unit in one field; the redder, the higher the stagnation score. Blank: no tasks.",
    legend: "Stagnation score",
    no_tasks: "no tasks",
    none: "None.",
    unverified: "[not confirmed]",
    footer: "Computed by software from data and cited rules; every personnel, discipline or reward measure is for the competent body to consider and decide. Clauses marked [not confirmed] could not be checked against the text.",
    candidates: "Personnel cases",
    heads_count: "Heads answerable",
    protections: "Commendation, protection",
    score_formula: "score",
};

const STYLE: &str = r#"
:root { --ink: #1d2430; --muted: #5f6b7a; --line: #dfe3ea; --zebra: #f6f8fb; --accent: #8e1b1b; --paper: #ffffff; }
* { box-sizing: border-box; }
body { margin: 0; background: #eef1f5; color: var(--ink); font: 15px/1.5 "Segoe UI", "Noto Sans", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 28px 32px 48px; background: var(--paper); box-shadow: 0 0 24px rgba(20, 30, 50, 0.08); }
header.top { border-bottom: 4px solid var(--accent); padding-bottom: 14px; margin-bottom: 18px; }
header.top .org { text-transform: uppercase; letter-spacing: 0.06em; font-size: 12px; color: var(--muted); font-weight: 600; }
h1 { font-size: 28px; margin: 4px 0 4px; line-height: 1.2; }
header.top p { margin: 0; color: var(--muted); }
h2 { font-size: 20px; margin: 36px 0 6px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 8px; color: var(--accent); }
p.intro { margin: 0 0 12px; color: var(--muted); }
nav.toc { font-size: 13px; margin: 0 0 8px; }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 14px; white-space: nowrap; }
nav.toc a:hover { text-decoration: underline; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--zebra); }
.card .k { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.card .v { font-size: 22px; font-weight: 700; }
.card .v.small { font-size: 15px; font-weight: 600; }
.dist { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
table { width: 100%; border-collapse: collapse; margin: 8px 0 4px; font-size: 14px; }
th { text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: 0.03em; color: var(--muted); background: #e9edf3; padding: 8px 10px; border-bottom: 2px solid #cfd6e0; }
td { padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
tbody tr:nth-child(even) td { background: var(--zebra); }
tbody tr:hover td { background: #fff6e5; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.name { font-weight: 600; }
td.fw { font-size: 13px; max-width: 210px; }
.id { color: var(--muted); font-size: 12px; font-family: "SFMono-Regular", Consolas, "Liberation Mono", monospace; }
code, .chip { font-family: "SFMono-Regular", Consolas, "Liberation Mono", monospace; font-size: 12px; background: #eef1f6; border: 1px solid var(--line); border-radius: 4px; padding: 0 5px; margin: 0 3px 3px 0; display: inline-block; }
ul.why { margin: 0; padding-left: 18px; }
ul.why li { margin: 0 0 4px; }
cite { display: block; font-style: normal; font-size: 12px; color: var(--muted); }
cite .unv { color: #a04000; font-weight: 600; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 700; white-space: nowrap; border: 1px solid transparent; }
.g-excellent { background: #dff3e4; color: #0f5a2a; border-color: #9fd8b0; }
.g-good { background: #e1ecfb; color: #123f7a; border-color: #a9c5ee; }
.g-completed { background: #fff1d6; color: #7a4a00; border-color: #f0cf8a; }
.g-not_completed { background: #fde2e1; color: #8b1a14; border-color: #f1a9a4; }
.o-commendation, .o-no_liability, .o-liability_excluded { background: #dff3e4; color: #0f5a2a; border-color: #9fd8b0; }
.o-consider_exclusion_exemption_mitigation, .o-assessment_required { background: #fff1d6; color: #7a4a00; border-color: #f0cf8a; }
.o-not_protected { background: #fde2e1; color: #8b1a14; border-color: #f1a9a4; }
.m-tag { display: inline-block; margin-top: 4px; font-size: 12px; color: #5b3b00; background: #fff7e0; border: 1px dashed #e0b64a; border-radius: 4px; padding: 1px 6px; }
.bar { position: relative; height: 8px; background: #f1f3f6; border-radius: 4px; min-width: 90px; margin-top: 4px; }
.bar span { position: absolute; left: 0; top: 0; bottom: 0; background: linear-gradient(90deg, #f3a59b, #b71c1c); border-radius: 4px; }
.none { color: var(--muted); font-style: italic; }
.heat { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; padding: 8px; background: #fff; }
.heat svg { display: block; font-family: "Segoe UI", "Noto Sans", Roboto, Arial, sans-serif; }
footer { margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--line); font-size: 12px; color: var(--muted); }
@media print { body { background: #fff; } main { box-shadow: none; padding: 0; } tbody tr:hover td { background: inherit; } }
"#;

/// Escapes text for element content and double-quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The page's context: language, words, organisation, frameworks.
struct Ctx<'a> {
    lang: Lang,
    w: &'static Words,
    org: &'a ValidOrganisation,
    frameworks: Option<Frameworks>,
    as_of: NaiveDate,
}

impl Ctx<'_> {
    fn vi(&self) -> bool {
        self.lang == Lang::Vi
    }
    fn pick<'s>(&self, vi: &'s str, en: &'s str) -> &'s str {
        if self.vi() { vi } else { en }
    }
    fn date(&self, d: NaiveDate) -> String {
        if self.vi() {
            d.format("%d/%m/%Y").to_string()
        } else {
            d.format("%Y-%m-%d").to_string()
        }
    }
    fn num(&self, x: f64, decimals: usize) -> String {
        let s = format!("{x:.decimals$}");
        if self.vi() { s.replace('.', ",") } else { s }
    }
    fn official_name(&self, id: &OfficialId) -> String {
        self.org
            .official(id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    }
    /// Name in bold, id below it.
    fn official_cell(&self, id: &OfficialId) -> String {
        format!(
            "<span class=\"name\">{}</span><br/><span class=\"id\">{}</span>",
            esc(&self.official_name(id)),
            esc(id.as_ref())
        )
    }
    fn unit_name(&self, id: &str) -> String {
        self.org
            .organisation()
            .units
            .iter()
            .find(|u| u.id.as_ref() == id)
            .map_or_else(|| id.to_string(), |u| u.name.clone())
    }
    fn unit_cell(&self, id: &str) -> String {
        format!(
            "<span class=\"name\">{}</span><br/><span class=\"id\">{}</span>",
            esc(&self.unit_name(id)),
            esc(id)
        )
    }
    fn category(&self, id: &OfficialId) -> String {
        self.org
            .official(id)
            .map(|o| match o.category {
                Category::CanBo => self.pick("cán bộ", "cadre (cán bộ)"),
                Category::CongChuc => self.pick("công chức", "civil servant (công chức)"),
                Category::VienChuc => self.pick("viên chức", "public employee (viên chức)"),
            })
            .unwrap_or_default()
            .to_string()
    }
    fn framework(&self, id: &str) -> String {
        self.frameworks
            .as_ref()
            .and_then(|f| f.framework.iter().find(|x| x.id == id))
            .map_or_else(
                || id.to_string(),
                |f| {
                    if self.vi() {
                        f.title_vi.clone()
                    } else {
                        f.title_en.clone()
                    }
                },
            )
    }
    fn grade_badge(&self, g: Grade) -> String {
        format!(
            "<span class=\"badge g-{}\">{}</span>",
            g.name(),
            esc(self.pick(g.label_vi(), g.label_en()))
        )
    }
    fn citation(&self, c: &Citation) -> String {
        let mut text = if self.vi() {
            let mut parts = Vec::new();
            if let Some(p) = &c.point {
                parts.push(format!("điểm {p}"));
            }
            if let Some(k) = &c.clause {
                parts.push(format!("khoản {k}"));
            }
            if let Some(a) = &c.article {
                parts.push(format!("Điều {a}"));
            }
            parts.push(c.document.clone());
            parts.join(" ")
        } else {
            let mut s = c.document.clone();
            if let Some(a) = &c.article {
                s.push_str(&format!(", Art. {a}"));
                if let Some(k) = &c.clause {
                    s.push_str(&format!("({k})"));
                }
                if let Some(p) = &c.point {
                    s.push_str(&format!("({p})"));
                }
            }
            s
        };
        if let Some(first) = text.get(..1) {
            text = first.to_uppercase() + text.get(1..).unwrap_or("");
        }
        let title = c
            .note
            .as_ref()
            .map(|n| format!(" title=\"{}\"", esc(n)))
            .unwrap_or_default();
        let unv = if c.verified {
            String::new()
        } else {
            format!(" <span class=\"unv\">{}</span>", esc(self.w.unverified))
        };
        format!("<cite{title}>{}{unv}</cite>", esc(&text))
    }
    fn reasons(&self, rs: &[Reason]) -> String {
        if rs.is_empty() {
            return format!("<span class=\"none\">{}</span>", esc(self.w.none));
        }
        let mut s = String::from("<ul class=\"why\">");
        for r in rs {
            let text = if self.vi() { &r.text_vi } else { &r.text_en };
            let _ = write!(
                s,
                "<li>{}{}</li>",
                esc(&capitalise(text)),
                self.citation(&r.citation)
            );
        }
        s.push_str("</ul>");
        s
    }
    fn tasks(&self, ts: &[TaskId]) -> String {
        if ts.is_empty() {
            return "<span class=\"none\">—</span>".into();
        }
        ts.iter()
            .map(|t| format!("<span class=\"chip\">{}</span>", esc(t.as_ref())))
            .collect::<Vec<_>>()
            .join(" ")
    }
    fn role_in(&self, official: &OfficialId, unit: &UnitId) -> String {
        let roles: BTreeSet<&str> = self
            .org
            .positions_of(official, self.as_of)
            .filter(|p| &p.unit == unit)
            .map(|p| self.pick(p.role.label_vi(), p.role.label_en()))
            .collect();
        if roles.is_empty() {
            // Not in post at the review date: every role ever held in the unit.
            let any: BTreeSet<&str> = self
                .org
                .organisation()
                .positions
                .iter()
                .filter(|p| &p.official == official && &p.unit == unit)
                .map(|p| self.pick(p.role.label_vi(), p.role.label_en()))
                .collect();
            return any.into_iter().collect::<Vec<_>>().join(", ");
        }
        roles.into_iter().collect::<Vec<_>>().join(", ")
    }
    fn field(&self, key: &str) -> String {
        let (vi, en) = match key {
            "land" => ("đất đai", "land"),
            "natural_resources_environment" => (
                "tài nguyên và môi trường",
                "natural resources and environment",
            ),
            "construction" => ("xây dựng", "construction"),
            "transport" => ("giao thông vận tải", "transport"),
            "bidding" => ("đấu thầu", "bidding"),
            "equipment_procurement" => ("mua sắm trang thiết bị", "equipment procurement"),
            "finance" => ("tài chính", "finance"),
            "education" => ("giáo dục", "education"),
            "administrative_reform" => ("cải cách hành chính", "administrative reform"),
            "health" => ("y tế", "health"),
            "agriculture" => ("nông nghiệp", "agriculture"),
            other => (other, other),
        };
        self.pick(vi, en).to_string()
    }
    fn step(&self, key: &str) -> String {
        let (vi, en) = match key {
            "receive" => ("tiếp nhận", "receive"),
            "advise" => ("tham mưu, đề xuất", "advise and propose"),
            "appraise" => ("thẩm định", "appraise"),
            "consult" => ("lấy ý kiến", "consult"),
            "decide" => ("quyết định", "decide"),
            "implement" => ("tổ chức thực hiện", "implement"),
            "report" => ("báo cáo", "report"),
            "return_result" => ("trả kết quả", "return the result"),
            other => (other, other),
        };
        self.pick(vi, en).to_string()
    }
    fn measure(&self, key: &str) -> String {
        let (vi, en) = match key {
            "replacement_or_transfer" => (
                "xem xét thay thế hoặc điều chuyển",
                "replacement or transfer",
            ),
            "removal_from_post" => ("xem xét miễn nhiệm", "removal from post (dismissal)"),
            "relief_from_post" => ("xem xét cho thôi giữ chức vụ", "relief from post"),
            "discipline" => ("xem xét xử lý kỷ luật", "discipline"),
            other => (other, other),
        };
        self.pick(vi, en).to_string()
    }
    fn outcome(&self, key: &str) -> String {
        let (vi, en) = match key {
            "commendation" => ("đề nghị khen thưởng", "proposed for commendation"),
            "no_liability" => ("không bị xem xét trách nhiệm", "no liability"),
            "liability_excluded" => ("loại trừ trách nhiệm", "liability excluded"),
            "consider_exclusion_exemption_mitigation" => (
                "xem xét loại trừ, miễn hoặc giảm nhẹ trách nhiệm",
                "consider exclusion, exemption or mitigation",
            ),
            "assessment_required" => (
                "cần cơ quan cho phép đánh giá kết quả",
                "assessment by the authorising agency required",
            ),
            "not_protected" => ("không thuộc diện được bảo vệ", "not protected"),
            other => (other, other),
        };
        format!(
            "<span class=\"badge o-{}\">{}</span>",
            esc(key),
            esc(self.pick(vi, en))
        )
    }
}

fn capitalise(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(c) => c.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// Renders the year's report as one self-contained HTML5 page (Vietnamese
/// by default, English with [`Lang::En`]).
///
/// The page holds a summary, the state and party grades with their reasons
/// and citations (unconfirmed citations marked `[chưa xác minh]` /
/// `[not confirmed]`), heads' and deputies' responsibility, personnel
/// candidates (each for the competent body to consider), commendation and
/// Decree 73/2023 protection outcomes, the ranked places to inspect and a
/// unit × field heat map as inline SVG. It references nothing on the
/// network and is well-formed XML.
pub fn render_html(report: &YearReport, org: &ValidOrganisation, lang: Lang) -> String {
    let w: &'static Words = if lang == Lang::Vi { &VI } else { &EN };
    let cx = Ctx {
        lang,
        w,
        org,
        frameworks: Frameworks::bundled().ok(),
        as_of: report.as_of,
    };
    let mut s = String::with_capacity(64 * 1024);
    let title = format!("{} {}", w.title, report.year);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        w.lang,
        esc(&title)
    );
    // Header.
    let top = org
        .organisation()
        .units
        .iter()
        .find(|u| u.parent.is_none() && u.kind == crate::model::UnitKind::PeoplesCommittee)
        .or_else(|| org.organisation().units.iter().find(|u| u.parent.is_none()))
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let _ = write!(
        s,
        "<header class=\"top\">\n<div class=\"org\">{}</div>\n<h1>{}</h1>\n<p>{}</p>\n</header>\n",
        esc(&top),
        esc(&title),
        esc(w.subtitle)
    );
    // Contents.
    let sections = [
        ("summary", w.summary),
        ("grades", w.grades),
        ("party", w.party_grades),
        ("heads", w.heads),
        ("personnel", w.personnel),
        ("rewards", w.rewards),
        ("inspect", w.inspect),
        ("heatmap", w.heatmap),
    ];
    let _ = write!(s, "<nav class=\"toc\" aria-label=\"{}\">", esc(w.contents));
    for (id, label) in sections {
        let _ = write!(s, "<a href=\"#{id}\">{}</a> ", esc(label));
    }
    s.push_str("</nav>\n");
    summary(&mut s, &cx, report);
    gradings(
        &mut s,
        &cx,
        "grades",
        w.grades,
        w.grades_intro,
        &report.gradings,
    );
    gradings(
        &mut s,
        &cx,
        "party",
        w.party_grades,
        w.party_intro,
        &report.party_gradings,
    );
    heads(&mut s, &cx, &report.heads);
    personnel(&mut s, &cx, &report.personnel);
    rewards(&mut s, &cx, &report.rewards);
    inspection(&mut s, &cx, &report.inspection);
    heatmap(&mut s, &cx, &report.inspection);
    let _ = write!(
        s,
        "<footer><p>{}</p><p>{} {} · {} {} · {} <code>{}</code></p></footer>\n</main>\n</body>\n</html>\n",
        esc(w.footer),
        esc(w.year),
        report.year,
        esc(w.review_date),
        esc(&cx.date(report.as_of)),
        esc(w.policy),
        esc(&report.policy)
    );
    s
}

fn distribution(cx: &Ctx<'_>, gs: &[Grading]) -> String {
    let mut counts: BTreeMap<Grade, usize> = BTreeMap::new();
    for g in gs {
        *counts.entry(g.grade).or_default() += 1;
    }
    let mut s = String::from("<div class=\"dist\">");
    for (g, n) in counts {
        let _ = write!(
            s,
            "<span class=\"badge g-{}\">{} · {n}</span>",
            g.name(),
            esc(cx.pick(g.label_vi(), g.label_en()))
        );
    }
    s.push_str("</div>");
    s
}

fn summary(s: &mut String, cx: &Ctx<'_>, r: &YearReport) {
    let w = cx.w;
    let _ = write!(
        s,
        "<section id=\"summary\">\n<h2>{}</h2>\n<div class=\"cards\">",
        esc(w.summary)
    );
    let card = |s: &mut String, k: &str, v: &str, small: bool| {
        let _ = write!(
            s,
            "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v{}\">{}</div></div>",
            esc(k),
            if small { " small" } else { "" },
            esc(v)
        );
    };
    card(s, w.year, &r.year.to_string(), false);
    card(s, w.review_date, &cx.date(r.as_of), false);
    card(s, w.policy, &r.policy, true);
    card(s, w.tasks, &r.tasks.to_string(), false);
    card(s, w.heads_count, &r.heads.len().to_string(), false);
    card(s, w.candidates, &r.personnel.len().to_string(), false);
    card(s, w.protections, &r.rewards.len().to_string(), false);
    s.push_str("</div>\n<div class=\"cards\">");
    let _ = write!(
        s,
        "<div class=\"card\"><div class=\"k\">{} ({})</div>{}</div>",
        esc(w.graded),
        r.gradings.len(),
        distribution(cx, &r.gradings)
    );
    let _ = write!(
        s,
        "<div class=\"card\"><div class=\"k\">{} ({})</div>{}</div>",
        esc(w.party_graded),
        r.party_gradings.len(),
        distribution(cx, &r.party_gradings)
    );
    s.push_str("</div>\n</section>\n");
}

fn section_head(s: &mut String, id: &str, title: &str, intro: &str) {
    let _ = write!(
        s,
        "<section id=\"{id}\">\n<h2>{}</h2>\n<p class=\"intro\">{}</p>\n",
        esc(title),
        esc(intro)
    );
}

fn none(s: &mut String, cx: &Ctx<'_>) {
    let _ = write!(s, "<p class=\"none\">{}</p>\n</section>\n", esc(cx.w.none));
}

fn gradings(s: &mut String, cx: &Ctx<'_>, id: &str, title: &str, intro: &str, gs: &[Grading]) {
    let w = cx.w;
    section_head(s, id, title, intro);
    if gs.is_empty() {
        none(s, cx);
        return;
    }
    let _ = write!(
        s,
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        esc(w.official),
        esc(w.category),
        esc(w.framework),
        esc(w.grade),
        esc(w.score),
        esc(w.late_tasks),
        esc(w.reasons)
    );
    for g in gs {
        let score = g.score.map_or_else(|| "—".to_string(), |x| cx.num(x, 1));
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"fw\">{}<br/><span class=\"id\">{}</span></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} / {}</td><td>{}</td></tr>",
            cx.official_cell(&g.official),
            esc(&cx.category(&g.official)),
            esc(&cx.framework(&g.framework)),
            esc(&g.framework),
            cx.grade_badge(g.grade),
            esc(&score),
            g.late,
            g.tasks,
            cx.reasons(&g.reasons)
        );
    }
    s.push_str("</tbody>\n</table>\n</section>\n");
}

fn heads(s: &mut String, cx: &Ctx<'_>, hs: &[HeadResponsibility]) {
    let w = cx.w;
    section_head(s, "heads", w.heads, w.heads_intro);
    if hs.is_empty() {
        none(s, cx);
        return;
    }
    let _ = write!(
        s,
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        esc(w.official),
        esc(w.role),
        esc(w.unit),
        esc(w.grounds),
        esc(w.evidence)
    );
    for h in hs {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            cx.official_cell(&h.official),
            esc(&cx.role_in(&h.official, &h.unit)),
            cx.unit_cell(h.unit.as_ref()),
            cx.reasons(&h.grounds),
            cx.tasks(&h.tasks)
        );
    }
    s.push_str("</tbody>\n</table>\n</section>\n");
}

fn personnel(s: &mut String, cx: &Ctx<'_>, ps: &[PersonnelCandidate]) {
    let w = cx.w;
    section_head(s, "personnel", w.personnel, w.personnel_intro);
    if ps.is_empty() {
        none(s, cx);
        return;
    }
    let _ = write!(
        s,
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        esc(w.official),
        esc(w.measure),
        esc(w.grounds)
    );
    for p in ps {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td><span class=\"name\">{}</span><br/><span class=\"m-tag\">{}</span></td><td>{}</td></tr>",
            cx.official_cell(&p.official),
            esc(&cx.measure(&p.measure)),
            esc(w.for_competent),
            cx.reasons(&p.grounds)
        );
    }
    s.push_str("</tbody>\n</table>\n</section>\n");
}

fn rewards(s: &mut String, cx: &Ctx<'_>, rs: &[RewardOrProtection]) {
    let w = cx.w;
    section_head(s, "rewards", w.rewards, w.rewards_intro);
    if rs.is_empty() {
        none(s, cx);
        return;
    }
    let _ = write!(
        s,
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        esc(w.official),
        esc(w.task),
        esc(w.outcome),
        esc(w.reasons)
    );
    for r in rs {
        let task = r
            .task
            .as_ref()
            .map_or_else(|| "—".to_string(), |t| cx.tasks(std::slice::from_ref(t)));
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{task}</td><td>{}</td><td>{}</td></tr>",
            cx.official_cell(&r.official),
            cx.outcome(&r.outcome),
            cx.reasons(&r.reasons)
        );
    }
    s.push_str("</tbody>\n</table>\n</section>\n");
}

/// What a ranked key is: a unit, a step kind or a field.
#[derive(Clone, Copy)]
enum KeyKind {
    Unit,
    Step,
    Field,
}

fn ranked(s: &mut String, cx: &Ctx<'_>, title: &str, kind: KeyKind, rows: &[Stagnation]) {
    let w = cx.w;
    let _ = writeln!(s, "<h3>{}</h3>", esc(title));
    if rows.is_empty() {
        let _ = writeln!(s, "<p class=\"none\">{}</p>", esc(w.none));
        return;
    }
    let head = match kind {
        KeyKind::Unit => w.unit,
        KeyKind::Step => w.step,
        KeyKind::Field => w.field,
    };
    let max = rows
        .iter()
        .map(|r| r.score)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let _ = write!(
        s,
        "<table>\n<thead><tr><th class=\"num\">{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        esc(w.rank),
        esc(head),
        esc(w.tasks),
        esc(w.overdue),
        esc(w.findings_per_task),
        esc(w.pushed),
        esc(w.score),
        esc(w.evidence)
    );
    for (i, r) in rows.iter().enumerate() {
        let label = match kind {
            KeyKind::Unit => cx.unit_cell(&r.key),
            KeyKind::Step => format!(
                "<span class=\"name\">{}</span><br/><span class=\"id\">{}</span>",
                esc(&capitalise(&cx.step(&r.key))),
                esc(&r.key)
            ),
            KeyKind::Field => format!(
                "<span class=\"name\">{}</span><br/><span class=\"id\">{}</span>",
                esc(&capitalise(&cx.field(&r.key))),
                esc(&r.key)
            ),
        };
        let width = (r.score / max * 100.0).clamp(0.0, 100.0);
        let _ = writeln!(
            s,
            "<tr><td class=\"num\">{}</td><td>{label}</td><td class=\"num\">{}</td><td class=\"num\">{}%</td><td class=\"num\">{}</td><td class=\"num\">{}%</td><td class=\"num\">{}<div class=\"bar\"><span style=\"width:{width:.0}%\"></span></div></td><td>{}</td></tr>",
            i + 1,
            r.tasks,
            cx.num(r.overdue_percent, 0),
            cx.num(r.findings_per_task, 2),
            cx.num(r.pushed_percent, 0),
            cx.num(r.score, 1),
            cx.tasks(&r.evidence)
        );
    }
    s.push_str("</tbody>\n</table>\n");
}

fn inspection(s: &mut String, cx: &Ctx<'_>, ins: &Inspection) {
    let w = cx.w;
    section_head(s, "inspect", w.inspect, w.inspect_intro);
    ranked(s, cx, w.by_unit, KeyKind::Unit, &ins.units);
    ranked(s, cx, w.by_step, KeyKind::Step, &ins.steps);
    ranked(s, cx, w.by_field, KeyKind::Field, &ins.fields);
    s.push_str("</section>\n");
}

/// Shortens a label to `max` characters with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// White (score 0) to deep red (score `max` and above).
fn heat_colour(score: f64, max: f64) -> (String, bool) {
    let t = if max > 0.0 {
        (score / max).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |from: f64, to: f64| (from + (to - from) * t).round().clamp(0.0, 255.0) as u8;
    let (r, g, b) = (mix(255.0, 183.0), mix(255.0, 28.0), mix(255.0, 28.0));
    (format!("#{r:02x}{g:02x}{b:02x}"), t > 0.55)
}

fn heatmap(s: &mut String, cx: &Ctx<'_>, ins: &Inspection) {
    let w = cx.w;
    section_head(s, "heatmap", w.heatmap, w.heatmap_intro);
    if ins.cells.is_empty() {
        none(s, cx);
        return;
    }
    // Rows: units, worst first (the unit ranking); columns: fields, worst first.
    let in_cells_u: BTreeSet<&str> = ins.cells.iter().map(|c| c.0.as_str()).collect();
    let in_cells_f: BTreeSet<&str> = ins.cells.iter().map(|c| c.1.as_str()).collect();
    let mut units: Vec<&str> = ins
        .units
        .iter()
        .map(|u| u.key.as_str())
        .filter(|k| in_cells_u.contains(k))
        .collect();
    for u in &in_cells_u {
        if !units.contains(u) {
            units.push(u);
        }
    }
    let mut fields: Vec<&str> = ins
        .fields
        .iter()
        .map(|f| f.key.as_str())
        .filter(|k| in_cells_f.contains(k))
        .collect();
    for f in &in_cells_f {
        if !fields.contains(f) {
            fields.push(f);
        }
    }
    let top_score = ins.cells.iter().map(|c| c.2.score).fold(0.0_f64, f64::max);
    // The scale: 0 to at least 100, in steps of 25 up to 100 and of 50 beyond.
    let step = if top_score <= 100.0 { 25.0 } else { 50.0 };
    let ticks = (top_score.max(100.0) / step).ceil().clamp(1.0, 40.0);
    let scale_max = ticks * step;
    let (left, top, cw, ch) = (290.0_f64, 150.0_f64, 96.0_f64, 44.0_f64);
    let grid_w = cw * fields.len() as f64;
    let grid_h = ch * units.len() as f64;
    let legend_y = top + grid_h + 34.0;
    let width = (left + grid_w + 40.0).max(left + 360.0);
    let height = legend_y + 56.0;
    let _ = write!(
        s,
        "<div class=\"heat\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"{}\">\n<title>{}</title>\n",
        esc(w.heatmap),
        esc(w.heatmap)
    );
    s.push_str("<defs><linearGradient id=\"heat-scale\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\"><stop offset=\"0\" stop-color=\"#ffffff\"/><stop offset=\"1\" stop-color=\"#b71c1c\"/></linearGradient></defs>\n");
    // Column labels, slanted.
    for (j, f) in fields.iter().enumerate() {
        let x = left + cw * j as f64 + cw / 2.0;
        let y = top - 10.0;
        let label = capitalise(&cx.field(f));
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" transform=\"rotate(-35 {x:.1} {y:.1})\" font-size=\"12\" fill=\"#1d2430\"><title>{}</title>{}</text>",
            esc(&format!("{label} ({f})")),
            esc(&shorten(&label, 26))
        );
    }
    // Row labels.
    for (i, u) in units.iter().enumerate() {
        let y = top + ch * i as f64 + ch / 2.0 + 4.0;
        let name = cx.unit_name(u);
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{y:.1}\" text-anchor=\"end\" font-size=\"12\" fill=\"#1d2430\"><title>{}</title>{}</text>",
            left - 10.0,
            esc(&format!("{name} ({u})")),
            esc(&shorten(&name, 40))
        );
    }
    // Empty grid positions: a faint outline, no rect (one rect per cell with tasks).
    for (i, u) in units.iter().enumerate() {
        for (j, f) in fields.iter().enumerate() {
            if ins.cells.iter().any(|c| c.0 == *u && c.1 == *f) {
                continue;
            }
            let (x, y) = (left + cw * j as f64, top + ch * i as f64);
            let _ = writeln!(
                s,
                "<path d=\"M{:.1} {:.1}h{:.1}v{:.1}h-{:.1}z\" fill=\"#fafbfc\" stroke=\"#e6e9ee\" stroke-dasharray=\"3 3\"><title>{}</title></path>",
                x + 1.0,
                y + 1.0,
                cw - 2.0,
                ch - 2.0,
                cw - 2.0,
                esc(&format!(
                    "{} × {}: {}",
                    cx.unit_name(u),
                    cx.field(f),
                    w.no_tasks
                ))
            );
        }
    }
    // The cells.
    for (u, f, st) in &ins.cells {
        let (Some(i), Some(j)) = (
            units.iter().position(|x| x == u),
            fields.iter().position(|x| x == f),
        ) else {
            continue;
        };
        let (x, y) = (left + cw * j as f64, top + ch * i as f64);
        let (fill, dark) = heat_colour(st.score, scale_max);
        let ink = if dark { "#ffffff" } else { "#1d2430" };
        let evidence = st
            .evidence
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let tip = format!(
            "{} × {}\n{} {} · {} {} · {} {}% · {} {} · {} {}%{}",
            cx.unit_name(u),
            cx.field(f),
            w.score_formula,
            cx.num(st.score, 1),
            st.tasks,
            w.tasks.to_lowercase(),
            w.overdue.to_lowercase(),
            cx.num(st.overdue_percent, 0),
            w.findings_per_task.to_lowercase(),
            cx.num(st.findings_per_task, 2),
            w.pushed.to_lowercase(),
            cx.num(st.pushed_percent, 0),
            if evidence.is_empty() {
                String::new()
            } else {
                format!("\n{}: {evidence}", w.evidence)
            }
        );
        let _ = writeln!(
            s,
            "<g class=\"cell\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"4\" fill=\"{fill}\" stroke=\"#c9ced6\"><title>{}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"700\" fill=\"{ink}\">{}</text></g>",
            x + 1.0,
            y + 1.0,
            cw - 2.0,
            ch - 2.0,
            esc(&tip),
            x + cw / 2.0,
            y + ch / 2.0 + 5.0,
            esc(&cx.num(st.score, 0))
        );
    }
    // Legend: a gradient bar with ticks (paths, not rects).
    let (lx, lw) = (left, 300.0_f64);
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\" fill=\"#5f6b7a\">{}</text>",
        lx - 10.0,
        legend_y + 11.0,
        esc(w.legend)
    );
    let _ = writeln!(
        s,
        "<path d=\"M{lx:.1} {legend_y:.1}h{lw:.1}v14h-{lw:.1}z\" fill=\"url(#heat-scale)\" stroke=\"#c9ced6\"/>"
    );
    let n_ticks = ticks as u32;
    for k in 0..=n_ticks {
        let v = step * f64::from(k);
        let x = lx + lw * f64::from(k) / f64::from(n_ticks.max(1));
        let _ = writeln!(
            s,
            "<path d=\"M{x:.1} {:.1}v5\" stroke=\"#5f6b7a\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#5f6b7a\">{}</text>",
            legend_y + 14.0,
            legend_y + 32.0,
            esc(&cx.num(v, 0))
        );
    }
    s.push_str("</svg>\n</div>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::{esc, heat_colour, shorten};

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("a & <b> \"c\" 'd'"),
            "a &amp; &lt;b&gt; &quot;c&quot; &#39;d&#39;"
        );
    }

    #[test]
    fn colours_run_white_to_red() {
        assert_eq!(heat_colour(0.0, 100.0).0, "#ffffff");
        assert_eq!(heat_colour(100.0, 100.0).0, "#b71c1c");
        assert_eq!(heat_colour(500.0, 100.0).0, "#b71c1c");
        assert!(heat_colour(90.0, 100.0).1);
    }

    #[test]
    fn shortens_with_an_ellipsis() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
