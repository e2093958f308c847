//! Events of a task's life.

use chrono::{DateTime, FixedOffset, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::id::{DelegationId, EventId, Field, OfficialId, StepId, UnitId};
use crate::model::org::SigningMode;

/// How clear a consulted unit's reply is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplyPosition {
    /// A clear position (agree, disagree, with reasons).
    Clear,
    /// A generic or evasive position (chung chung, không rõ chính kiến).
    Vague,
}

/// An event of a task's life: an instant, an actor, the step, and what happened.
///
/// In JSON the kind's fields sit beside the common ones:
/// `{"id": "e1", "at": "2025-03-03T09:00:00+07:00", "actor": "cv", "kind": "assigned", "to": "cv2"}`.
/// Unknown fields are rejected, for the common part and for each kind.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Event {
    /// The event's id, unique within the task.
    pub id: EventId,
    /// When it happened.
    pub at: DateTime<FixedOffset>,
    /// Who acted.
    pub actor: OfficialId,
    /// The step it belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepId>,
    /// The document that records it (số, ký hiệu văn bản), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// One participant's record at a meeting item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingItem {
    /// The agenda item.
    pub title: String,
    /// The item's field, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
    /// Who spoke on it.
    #[serde(default)]
    pub spoke: Vec<OfficialId>,
    /// Who was present and silent.
    #[serde(default)]
    pub silent: Vec<OfficialId>,
}

/// What happened in an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum EventKind {
    /// The step was assigned to an official (giao việc, phân công).
    Assigned {
        /// The assignee.
        to: OfficialId,
    },
    /// The assignee accepted it.
    Accepted,
    /// The actor declined to handle it.
    Declined {
        /// The stated reason.
        reason: String,
        /// A legal bar cited (cơ sở pháp lý), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        legal_basis: Option<String>,
    },
    /// Sent up to a superior body or official (đẩy lên cấp trên, xin ý kiến cấp trên).
    TransferredUp {
        /// The unit it was sent to.
        to_unit: UnitId,
    },
    /// Sent sideways to another unit (chuyển sang cơ quan khác).
    TransferredSideways {
        /// The unit it was sent to.
        to_unit: UnitId,
    },
    /// Returned to the sender as outside competence, in writing.
    Returned {
        /// The reasons given.
        reason: String,
        /// The legal basis cited, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        legal_basis: Option<String>,
        /// The unit it was returned to, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_unit: Option<UnitId>,
    },
    /// Opinions requested from other units (xin ý kiến, lấy ý kiến phối hợp).
    ConsultationRequested {
        /// The units asked.
        addressees: Vec<UnitId>,
        /// The reply deadline stated, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_by: Option<NaiveDate>,
    },
    /// A consulted unit replied.
    ConsultationReplied {
        /// The replying unit.
        unit: UnitId,
        /// Whether its position is clear.
        position: ReplyPosition,
        /// The request answered, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<EventId>,
    },
    /// A proposal (tờ trình, đề xuất) was submitted.
    ProposalSubmitted {
        /// Whether it recommends a solution (false: only "xin chủ trương" without options).
        #[serde(default = "yes")]
        recommendation: bool,
    },
    /// A decision was issued.
    DecisionIssued {
        /// Whether it is only an agreement in principle (đồng ý về chủ trương), with no concrete direction.
        #[serde(default)]
        in_principle_only: bool,
    },
    /// A document was signed, possibly under a delegation.
    Signed {
        /// How it was signed.
        mode: SigningMode,
        /// The delegation used, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delegation: Option<DelegationId>,
    },
    /// The deadline was extended (gia hạn).
    DeadlineExtended {
        /// The new deadline.
        new_deadline: NaiveDate,
        /// The reason given.
        reason: String,
    },
    /// An apology and a new return date were issued (phiếu xin lỗi và hẹn lại ngày trả kết quả).
    ApologyIssued {
        /// The new return date.
        new_return_date: NaiveDate,
    },
    /// A progress update was recorded.
    ProgressUpdate {
        /// What was done.
        #[serde(default)]
        note: String,
    },
    /// A superior reminded or urged (nhắc nhở, đôn đốc).
    Reminder {
        /// The official reminded, if one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<OfficialId>,
    },
    /// A subordinate asked the head for instruction on the task (kiến nghị, xin chỉ đạo).
    InstructionRequested {
        /// The official asked.
        to: OfficialId,
        /// By when an answer is needed, if stated.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer_by: Option<NaiveDate>,
    },
    /// A meeting was held on the task.
    MeetingHeld {
        /// The agenda items with who spoke and who was silent.
        items: Vec<MeetingItem>,
        /// Who was absent with leave.
        #[serde(default)]
        absent_with_leave: Vec<OfficialId>,
        /// Who recused for a recorded conflict of interest.
        #[serde(default)]
        recused: Vec<OfficialId>,
    },
    /// A collective voted.
    Vote {
        /// The collective.
        collective: UnitId,
        /// Members in favour.
        in_favour: Vec<OfficialId>,
        /// Members who recorded dissent (bảo lưu ý kiến).
        #[serde(default)]
        dissent: Vec<OfficialId>,
    },
    /// An objective obstacle or force majeure was certified by the competent level.
    ObstacleCertified {
        /// What the obstacle was.
        reason: String,
        /// Whether it is force majeure (bất khả kháng) rather than an objective obstacle.
        #[serde(default)]
        force_majeure: bool,
    },
    /// A superior ordered the actor's subordinate to act (chỉ đạo, mệnh lệnh).
    OrderGiven {
        /// The official ordered.
        to: OfficialId,
    },
    /// The actor objected in writing to a superior's order, then carried it out if the superior insisted.
    WrittenObjection {
        /// The superior who gave the order.
        superior: OfficialId,
        /// Why the order was thought unlawful.
        reason: String,
    },
    /// An innovation proposal was approved beforehand (Decree 73/2023/NĐ-CP Art. 7).
    InnovationApproved {
        /// Who approved it.
        approved_by: OfficialId,
    },
    /// The citizen was asked to supplement the dossier: the clock stops.
    SupplementRequested {
        /// The documents asked for.
        documents: Vec<String>,
    },
    /// The citizen supplied the supplement: the clock runs again.
    SupplementReceived,
    /// The task or step was completed.
    Completed,
}

fn yes() -> bool {
    true
}

impl EventKind {
    /// The stable name of the kind, as written in files and policies.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Assigned { .. } => "assigned",
            EventKind::Accepted => "accepted",
            EventKind::Declined { .. } => "declined",
            EventKind::TransferredUp { .. } => "transferred_up",
            EventKind::TransferredSideways { .. } => "transferred_sideways",
            EventKind::Returned { .. } => "returned",
            EventKind::ConsultationRequested { .. } => "consultation_requested",
            EventKind::ConsultationReplied { .. } => "consultation_replied",
            EventKind::ProposalSubmitted { .. } => "proposal_submitted",
            EventKind::DecisionIssued { .. } => "decision_issued",
            EventKind::Signed { .. } => "signed",
            EventKind::DeadlineExtended { .. } => "deadline_extended",
            EventKind::ApologyIssued { .. } => "apology_issued",
            EventKind::ProgressUpdate { .. } => "progress_update",
            EventKind::Reminder { .. } => "reminder",
            EventKind::InstructionRequested { .. } => "instruction_requested",
            EventKind::MeetingHeld { .. } => "meeting_held",
            EventKind::Vote { .. } => "vote",
            EventKind::ObstacleCertified { .. } => "obstacle_certified",
            EventKind::OrderGiven { .. } => "order_given",
            EventKind::WrittenObjection { .. } => "written_objection",
            EventKind::InnovationApproved { .. } => "innovation_approved",
            EventKind::SupplementRequested { .. } => "supplement_requested",
            EventKind::SupplementReceived => "supplement_received",
            EventKind::Completed => "completed",
        }
    }

    /// The position of the kind in [`EventKind::NAMES`] (declaration order).
    pub fn index(&self) -> usize {
        match self {
            EventKind::Assigned { .. } => 0,
            EventKind::Accepted => 1,
            EventKind::Declined { .. } => 2,
            EventKind::TransferredUp { .. } => 3,
            EventKind::TransferredSideways { .. } => 4,
            EventKind::Returned { .. } => 5,
            EventKind::ConsultationRequested { .. } => 6,
            EventKind::ConsultationReplied { .. } => 7,
            EventKind::ProposalSubmitted { .. } => 8,
            EventKind::DecisionIssued { .. } => 9,
            EventKind::Signed { .. } => 10,
            EventKind::DeadlineExtended { .. } => 11,
            EventKind::ApologyIssued { .. } => 12,
            EventKind::ProgressUpdate { .. } => 13,
            EventKind::Reminder { .. } => 14,
            EventKind::InstructionRequested { .. } => 15,
            EventKind::MeetingHeld { .. } => 16,
            EventKind::Vote { .. } => 17,
            EventKind::ObstacleCertified { .. } => 18,
            EventKind::OrderGiven { .. } => 19,
            EventKind::WrittenObjection { .. } => 20,
            EventKind::InnovationApproved { .. } => 21,
            EventKind::SupplementRequested { .. } => 22,
            EventKind::SupplementReceived => 23,
            EventKind::Completed => 24,
        }
    }

    /// The position in [`EventKind::NAMES`] of a kind name, if it is one.
    pub fn index_of(name: &str) -> Option<usize> {
        Self::NAMES.iter().position(|n| *n == name)
    }

    /// Every kind name, in declaration order.
    pub const NAMES: &'static [&'static str] = &[
        "assigned",
        "accepted",
        "declined",
        "transferred_up",
        "transferred_sideways",
        "returned",
        "consultation_requested",
        "consultation_replied",
        "proposal_submitted",
        "decision_issued",
        "signed",
        "deadline_extended",
        "apology_issued",
        "progress_update",
        "reminder",
        "instruction_requested",
        "meeting_held",
        "vote",
        "obstacle_certified",
        "order_given",
        "written_objection",
        "innovation_approved",
        "supplement_requested",
        "supplement_received",
        "completed",
    ];
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EventVisitor)
    }
}

/// A timestamp read by [`crate::time::parse_timestamp`], as chrono reads it.
struct Timestamp(DateTime<FixedOffset>);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::time::deserialize_timestamp(d).map(Timestamp)
    }
}

/// Reads an event's common fields as they come, typed, and keeps the others
/// (the kind and its fields) as JSON values, from which its [`EventKind`] is
/// read once the object ends. As with a JSON object read whole, a key given
/// twice keeps its last value.
struct EventVisitor;

impl<'de> serde::de::Visitor<'de> for EventVisitor {
    type Value = Event;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Event, A::Error> {
        use serde::de::Error;
        let (mut id, mut at, mut actor) = (None, None, None);
        let (mut step, mut document) = (None, None);
        let mut rest = serde_json::Map::new();
        while let Some(key) = m.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "id" => id = Some(m.next_value::<EventId>()?),
                "at" => at = Some(m.next_value::<Timestamp>()?.0),
                "actor" => actor = Some(m.next_value::<OfficialId>()?),
                "step" => step = m.next_value::<Option<StepId>>()?,
                "document" => document = m.next_value::<Option<String>>()?,
                _ => {
                    let v: serde_json::Value = m.next_value()?;
                    rest.insert(key.into_owned(), v);
                }
            }
        }
        let id = id.ok_or_else(|| A::Error::missing_field("id"))?;
        let at = at.ok_or_else(|| A::Error::missing_field("at"))?;
        let actor = actor.ok_or_else(|| A::Error::missing_field("actor"))?;
        // Unit kinds take no field besides `kind` (serde would ignore extras).
        let extra = rest.keys().find(|k| k.as_str() != "kind");
        if let (Some(serde_json::Value::String(k)), Some(first)) = (rest.get("kind"), extra)
            && matches!(k.as_str(), "accepted" | "supplement_received" | "completed")
        {
            return Err(A::Error::custom(format!(
                "event `{id}`: unknown field `{first}`: a `{k}` event has no fields of its own"
            )));
        }
        let kind: EventKind = serde_json::from_value(serde_json::Value::Object(rest))
            .map_err(|e| A::Error::custom(format!("event `{id}`: {e}")))?;
        Ok(Event {
            id,
            at,
            actor,
            step,
            document,
            kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::EventKind;

    #[test]
    fn index_matches_names_for_every_kind_in_the_sample() {
        let mut seen = [false; EventKind::NAMES.len()];
        for case in crate::sample::corpus().unwrap_or_default() {
            for e in case.events() {
                let i = e.kind.index();
                assert_eq!(EventKind::NAMES.get(i), Some(&e.kind.name()));
                assert_eq!(EventKind::index_of(e.kind.name()), Some(i));
                if let Some(s) = seen.get_mut(i) {
                    *s = true;
                }
            }
        }
        assert!(seen.iter().filter(|s| **s).count() >= 20, "{seen:?}");
        assert_eq!(EventKind::index_of("no_such_kind"), None);
    }
}
