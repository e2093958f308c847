//! Tasks and their steps (khâu).

use chrono::{DateTime, FixedOffset, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::id::{Field, OfficialId, StepId, TaskId, UnitId};

/// Where a task came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A citizen's or business's dossier (hồ sơ thủ tục hành chính).
    CitizenDossier,
    /// A citizen's or business's petition or complaint (kiến nghị, phản ánh).
    CitizenPetition,
    /// A superior's direction (chỉ đạo của cấp trên).
    SuperiorDirection,
    /// A request from another agency (đề nghị của cơ quan khác).
    InterAgencyRequest,
    /// A subordinate's request for instruction (kiến nghị của cấp dưới).
    SubordinateRequest,
    /// The unit's own plan (kế hoạch).
    OwnPlan,
}

/// Flags that mark a task as harder than routine work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TaskFlags {
    /// Việc mới.
    pub new: bool,
    /// Việc khó.
    pub difficult: bool,
    /// Chưa có tiền lệ.
    pub unprecedented: bool,
    /// Thí điểm.
    pub pilot: bool,
    /// Thiếu cơ sở pháp lý, or the legal basis is incomplete.
    pub incomplete_legal_basis: bool,
}

impl TaskFlags {
    /// Whether any flag is set (the task is not routine).
    pub fn any(&self) -> bool {
        self.new
            || self.difficult
            || self.unprecedented
            || self.pilot
            || self.incomplete_legal_basis
    }
}

/// A deadline: a date, or a number of working days from receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    /// The task must be done by the end of this date.
    Date(NaiveDate),
    /// The task must be done within this many working days after receipt
    /// (the day of receipt is not counted: Civil Code 2015 Art. 147).
    WorkingDays(u32),
}

/// The kind of a step.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Tiếp nhận: receive.
    Receive,
    /// Tham mưu, đề xuất: advise and propose.
    Advise,
    /// Thẩm định: appraise.
    Appraise,
    /// Lấy ý kiến: consult.
    Consult,
    /// Quyết định: decide.
    Decide,
    /// Tổ chức thực hiện: implement.
    Implement,
    /// Báo cáo: report.
    Report,
    /// Trả kết quả: return the result.
    ReturnResult,
    /// A user-defined step kind.
    Other(String),
}

impl StepKind {
    /// The stable name used in policies and files.
    pub fn name(&self) -> &str {
        match self {
            StepKind::Other(s) => s,
            k => k.builtin_name().unwrap_or_default(),
        }
    }
    /// The name of a built-in kind (`None` for [`StepKind::Other`]).
    pub fn builtin_name(&self) -> Option<&'static str> {
        self.builtin_name_ref().copied()
    }
    /// [`StepKind::builtin_name`], by reference to a static string (for
    /// the evaluator's values, which name a text by one thin reference).
    pub(crate) fn builtin_name_ref(&self) -> Option<&'static &'static str> {
        Some(match self {
            StepKind::Receive => &"receive",
            StepKind::Advise => &"advise",
            StepKind::Appraise => &"appraise",
            StepKind::Consult => &"consult",
            StepKind::Decide => &"decide",
            StepKind::Implement => &"implement",
            StepKind::Report => &"report",
            StepKind::ReturnResult => &"return_result",
            StepKind::Other(_) => return None,
        })
    }
    /// The Vietnamese label.
    pub fn label_vi(&self) -> &str {
        match self {
            StepKind::Receive => "tiếp nhận",
            StepKind::Advise => "tham mưu, đề xuất",
            StepKind::Appraise => "thẩm định",
            StepKind::Consult => "lấy ý kiến",
            StepKind::Decide => "quyết định",
            StepKind::Implement => "tổ chức thực hiện",
            StepKind::Report => "báo cáo",
            StepKind::ReturnResult => "trả kết quả",
            StepKind::Other(s) => s,
        }
    }
}

/// A step (khâu) of a task with its assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The step's id, unique within the task.
    pub id: StepId,
    /// What kind of step.
    pub kind: StepKind,
    /// The individual assigned (cá nhân được phân công), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<OfficialId>,
    /// The deputy head in charge of the field (cấp phó phụ trách), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deputy: Option<OfficialId>,
    /// The collective that decides this step (tập thể), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collective: Option<UnitId>,
    /// The step's own deadline, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
}

/// Legal facts about a task that rules may test.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LegalRequirements {
    /// A law requires the superior's approval or appraisal; the value cites it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superior_approval: Option<String>,
    /// Units whose consultation or agreement a specialised law mandates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mandatory_consultees: Vec<UnitId>,
    /// Documents the published procedure lists (for citizen dossiers); empty when unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub published_documents: Vec<String>,
}

/// A task (nhiệm vụ, hồ sơ, việc).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// The task's id.
    pub id: TaskId,
    /// A short title.
    pub title: String,
    /// The unit that owns the task (chủ trì).
    pub unit: UnitId,
    /// The field of work.
    pub field: Field,
    /// New, difficult, unprecedented, pilot, incomplete legal basis.
    #[serde(default)]
    pub flags: TaskFlags,
    /// The unit whose legal competence covers the task.
    pub competent_unit: UnitId,
    /// Where the task came from.
    pub origin: Origin,
    /// When the task was received (with offset; Vietnam is UTC+07:00).
    #[serde(deserialize_with = "crate::time::deserialize_timestamp")]
    pub received: DateTime<FixedOffset>,
    /// When it must be done, if a deadline was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    /// Units that may be consulted (đơn vị liên quan).
    #[serde(default)]
    pub stakeholders: Vec<UnitId>,
    /// Legal requirements that bear on the task.
    #[serde(default)]
    pub legal: LegalRequirements,
    /// The assigning document's number, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Who assigned the task (the head or deputy who signed the assignment), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_by: Option<OfficialId>,
}
