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
/// read once the object ends. A key given twice, in the event or in any
/// object inside it, is an error (`duplicate field`), as it is in the task's
/// own objects: neither value is dropped unseen.
struct EventVisitor;

/// A JSON value read as [`serde_json::Value`] reads it, except that an object
/// with a key given twice is an error (a `Value` keeps the last value), so
/// that the kind's fields, read from such values, lose nothing.
struct StrictValue(serde_json::Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictValueVisitor).map(StrictValue)
    }
}

/// The visitor of [`StrictValue`].
struct StrictValueVisitor;

impl<'de> serde::de::Visitor<'de> for StrictValueVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<serde_json::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<serde_json::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<serde_json::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<serde_json::Value, E> {
        // As `serde_json::Value` reads it: a number JSON cannot hold is `null`.
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }
    fn visit_str<E>(self, v: &str) -> Result<serde_json::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<serde_json::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<serde_json::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<serde_json::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<serde_json::Value, D::Error> {
        StrictValue::deserialize(d).map(|v| v.0)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut a: A,
    ) -> Result<serde_json::Value, A::Error> {
        let mut v = Vec::with_capacity(a.size_hint().unwrap_or(0).min(64));
        while let Some(StrictValue(x)) = a.next_element()? {
            v.push(x);
        }
        Ok(serde_json::Value::Array(v))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut m: A,
    ) -> Result<serde_json::Value, A::Error> {
        let mut map = serde_json::Map::new();
        while let Some(key) = m.next_key::<String>()? {
            match map.entry(key) {
                serde_json::map::Entry::Occupied(e) => return Err(duplicate(e.key())),
                serde_json::map::Entry::Vacant(e) => {
                    e.insert(m.next_value::<StrictValue>()?.0);
                }
            }
        }
        Ok(serde_json::Value::Object(map))
    }
}

/// serde's own error for a key given twice, for a key known only at run time.
fn duplicate<E: serde::de::Error>(key: &str) -> E {
    E::custom(format_args!("duplicate field `{key}`"))
}

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
        // The optional fields may be given as `null`: whether they were given.
        let (mut step_seen, mut document_seen) = (false, false);
        while let Some(key) = m.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "id" if id.is_some() => return Err(A::Error::duplicate_field("id")),
                "id" => id = Some(m.next_value::<EventId>()?),
                "at" if at.is_some() => return Err(A::Error::duplicate_field("at")),
                "at" => at = Some(m.next_value::<Timestamp>()?.0),
                "actor" if actor.is_some() => return Err(A::Error::duplicate_field("actor")),
                "actor" => actor = Some(m.next_value::<OfficialId>()?),
                "step" if step_seen => return Err(A::Error::duplicate_field("step")),
                "step" => {
                    step_seen = true;
                    step = m.next_value::<Option<StepId>>()?;
                }
                "document" if document_seen => {
                    return Err(A::Error::duplicate_field("document"));
                }
                "document" => {
                    document_seen = true;
                    document = m.next_value::<Option<String>>()?;
                }
                _ => match rest.entry(key.into_owned()) {
                    serde_json::map::Entry::Occupied(e) => return Err(duplicate(e.key())),
                    serde_json::map::Entry::Vacant(e) => {
                        e.insert(m.next_value::<StrictValue>()?.0);
                    }
                },
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
    use super::{Event, EventKind};

    /// A meeting event whose `items` holds `item`; `extra` is put before the kind.
    fn meeting(extra: &str, item: &str) -> String {
        format!(
            r#"{{"id": "e1", "at": "2025-03-03T09:00:00+07:00", "actor": "a", {extra}
                "kind": "meeting_held", "items": [{item}], "absent_with_leave": ["b"]}}"#
        )
    }

    #[test]
    fn a_key_given_twice_anywhere_in_an_event_is_an_error() {
        let item = r#"{"title": "t", "spoke": ["a"]}"#;
        let cases = [
            ("id", meeting(r#""id": "e2","#, item)),
            ("at", meeting(r#""at": "2025-03-03T09:00:00+07:00","#, item)),
            ("actor", meeting(r#""actor": "b","#, item)),
            // The optional fields count as given even when `null`.
            ("step", meeting(r#""step": null, "step": "s1","#, item)),
            (
                "document",
                meeting(r#""document": "1/QĐ", "document": null,"#, item),
            ),
            ("kind", meeting(r#""kind": "meeting_held","#, item)),
            (
                "absent_with_leave",
                meeting(r#""absent_with_leave": [],"#, item),
            ),
            // Inside an object of the kind's fields.
            (
                "title",
                meeting("", r#"{"title": "t", "spoke": ["a"], "title": "u"}"#),
            ),
            (
                "silent",
                meeting("", r#"{"title": "t", "silent": [], "silent": ["a"]}"#),
            ),
        ];
        for (key, text) in cases {
            let e = serde_json::from_str::<Event>(&text)
                .map(|_| ())
                .unwrap_err();
            assert!(
                e.to_string().contains(&format!("duplicate field `{key}`")),
                "{key}: {e}"
            );
        }
        // Without a key given twice, the same texts are read.
        let e: Event = serde_json::from_str(&meeting(r#""step": null,"#, item)).unwrap();
        assert!(matches!(&e.kind, EventKind::MeetingHeld { items, .. } if items.len() == 1));
    }

    #[test]
    fn a_strict_value_reads_as_a_json_value_reads() {
        let texts = [
            "null",
            "true",
            "-3",
            "18446744073709551615",
            "1.5e3",
            r#""chữ""#,
            r#"[1, "a", [null, {}], {"k": [2]}]"#,
            r#"{"a": {"b": [1, {"c": false}]}, "d": -0.0}"#,
            "[]",
            "{}",
        ];
        for t in texts {
            let strict: super::StrictValue = serde_json::from_str(t).unwrap();
            let plain: serde_json::Value = serde_json::from_str(t).unwrap();
            assert_eq!(strict.0, plain, "{t}");
        }
        for t in [r#"{"a": 1, "a": 1}"#, r#"[{"b": {"c": 1, "c": 2}}]"#] {
            assert!(
                serde_json::from_str::<super::StrictValue>(t).is_err(),
                "{t}"
            );
            assert!(serde_json::from_str::<serde_json::Value>(t).is_ok(), "{t}");
        }
    }

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
