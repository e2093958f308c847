//! The organisation: units, officials, the positions they hold, delegations.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::id::{DelegationId, Field, OfficialId, UnitId};

/// What kind of body a unit is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UnitKind {
    /// Cấp ủy: a party committee or its standing committee.
    PartyCommittee,
    /// Ủy ban nhân dân: a people's committee.
    PeoplesCommittee,
    /// Hội đồng nhân dân: a people's council.
    PeoplesCouncil,
    /// Bộ: a ministry.
    Ministry,
    /// Sở, ban, ngành: a specialised department.
    Department,
    /// Phòng: a division inside a department or committee.
    Division,
    /// Xã, phường: a commune-level locality.
    Commune,
    /// Đơn vị sự nghiệp công lập: a public-service unit.
    PublicServiceUnit,
    /// Bộ phận Một cửa: a one-stop desk.
    OneStopDesk,
    /// Văn phòng: an office (chief of office signs TL.).
    Office,
    /// Any other body.
    Other,
}

/// A unit: cơ quan, đơn vị, địa phương or cấp ủy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// The unit's id.
    pub id: UnitId,
    /// Its name, as written in documents.
    pub name: String,
    /// What kind of body it is.
    pub kind: UnitKind,
    /// The unit it belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<UnitId>,
    /// The fields (lĩnh vực) this unit is competent for (thẩm quyền).
    #[serde(default)]
    pub competence: Vec<Field>,
    /// Whether it decides some matters as a collective (tập thể lãnh đạo).
    #[serde(default)]
    pub collective: bool,
}

/// Cán bộ, công chức or viên chức.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Cán bộ: elected or appointed for a term.
    CanBo,
    /// Công chức: civil servant in a job position.
    CongChuc,
    /// Viên chức: public employee of a public-service unit.
    VienChuc,
}

impl Category {
    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Category::CanBo => "cán bộ",
            Category::CongChuc => "công chức",
            Category::VienChuc => "viên chức",
        }
    }
}

/// An official.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Official {
    /// The official's id.
    pub id: OfficialId,
    /// Full name.
    pub name: String,
    /// Cán bộ, công chức or viên chức.
    pub category: Category,
    /// Đảng viên: a party member.
    #[serde(default)]
    pub party_member: bool,
    /// Fields of expertise.
    #[serde(default)]
    pub expertise: Vec<Field>,
}

/// The role held in a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Người đứng đầu: the head of the unit.
    Head,
    /// Cấp phó: a deputy head, in charge of the position's fields.
    Deputy,
    /// Quyền / phụ trách: an acting head, while the head's post is vacant or the head is away.
    ActingHead,
    /// Trưởng phòng, chánh văn phòng: head of an internal office or division of the unit.
    OfficeHead,
    /// Ủy viên: a member of the unit's collective (committee member).
    Member,
    /// Chuyên viên: staff.
    Staff,
}

impl Role {
    /// The Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Head => "người đứng đầu",
            Role::Deputy => "cấp phó",
            Role::ActingHead => "quyền người đứng đầu",
            Role::OfficeHead => "trưởng bộ phận",
            Role::Member => "ủy viên",
            Role::Staff => "chuyên viên",
        }
    }
    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Role::Head => "head",
            Role::Deputy => "deputy head",
            Role::ActingHead => "acting head",
            Role::OfficeHead => "office head",
            Role::Member => "member",
            Role::Staff => "staff",
        }
    }
}

/// A dated position: an official holds a role in a unit over `[from, until)`.
///
/// One official may hold several positions at once (a party post and a state post).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// Who holds it.
    pub official: OfficialId,
    /// In which unit.
    pub unit: UnitId,
    /// Which role.
    pub role: Role,
    /// For a deputy: the fields assigned to them (phân công lĩnh vực).
    #[serde(default)]
    pub fields: Vec<Field>,
    /// First day held.
    pub from: NaiveDate,
    /// First day no longer held (exclusive); open-ended when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// The appointing document, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

impl Position {
    /// Whether the position is held on `date` (half-open window).
    pub fn held_on(&self, date: NaiveDate) -> bool {
        self.from <= date && self.until.is_none_or(|u| date < u)
    }
}

/// How a delegate signs (Decree 30/2020 Art. 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SigningMode {
    /// Ủy quyền: a general delegation of authority in writing.
    Delegation,
    /// KT. (ký thay): a deputy signs for the head.
    Kt,
    /// TUQ. (thừa ủy quyền): an internal unit's head signs by the head's written authority.
    Tuq,
    /// TL. (thừa lệnh): signed by order (chief of office).
    Tl,
    /// TM. (thay mặt): the head signs on behalf of the collective.
    Tm,
}

impl SigningMode {
    /// The abbreviation written on documents.
    pub fn label(self) -> &'static str {
        match self {
            SigningMode::Delegation => "ủy quyền",
            SigningMode::Kt => "KT.",
            SigningMode::Tuq => "TUQ.",
            SigningMode::Tl => "TL.",
            SigningMode::Tm => "TM.",
        }
    }
}

/// A delegation of authority (ủy quyền) from one official to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    /// The delegation's id.
    pub id: DelegationId,
    /// The delegator.
    pub from: OfficialId,
    /// The delegate.
    pub to: OfficialId,
    /// How the delegate signs.
    pub mode: SigningMode,
    /// The fields covered; empty means every field of the delegator.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// First day no longer in force (exclusive); a delegation must be time-bound, so this is required.
    pub valid_until: NaiveDate,
    /// Whether the delegate may delegate it again (by default not: Decree 30/2020 Art. 13).
    #[serde(default)]
    pub redelegable: bool,
    /// The delegation this one was re-delegated from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<DelegationId>,
    /// The written instrument, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

impl Delegation {
    /// Whether the delegation is in force on `date`.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && date < self.valid_until
    }
    /// Whether it covers `field` (an empty list covers all).
    pub fn covers(&self, field: &Field) -> bool {
        self.fields.is_empty() || self.fields.contains(field)
    }
}

/// An organisation snapshot: units, officials, positions and delegations.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// The units.
    pub units: Vec<Unit>,
    /// The officials.
    pub officials: Vec<Official>,
    /// Who holds which role where, when.
    #[serde(default)]
    pub positions: Vec<Position>,
    /// Delegations of authority.
    #[serde(default)]
    pub delegations: Vec<Delegation>,
}
