//! Type checking: syntax tree → typed, resolved tree (IR) that evaluates
//! without looking up any name.
//!
//! # Vocabulary
//! Variables: `task`, `events` (every event, in time order), `as_of` (the
//! review date), `param.NAME`; per rule, `step` (step rules), `e` (event
//! rules), `official` (in exceptions: the official a finding concerns),
//! `finding` and `findings` (in consequences).
//!
//! Fields, by type (a field that does not apply to an event's kind is
//! `none`, `false`, `0` or empty):
//! - task: `id title unit field competent_unit origin received due
//!   effective_due current_due closed late_days overdue clock_stopped_days
//!   steps stakeholders mandatory_consultees superior_approval_required
//!   new difficult unprecedented pilot incomplete_legal_basis novel
//!   assigned_by extensions apologies end published_documents` (`end`: the closing date, or the
//!   review date while open)
//! - step: `id kind index assignee deputy collective due events started
//!   completed date done` (`date`: completion date, else the task's `end`;
//!   `done`: when the step's work was done — its completion, or for an advise
//!   step the first proposal with a recommendation, for a decide step the
//!   first decision that is not only in principle)
//! - event: `id kind actor step date index to to_unit reason legal_basis
//!   addressees reply_by unit position request recommendation
//!   in_principle_only mode delegation new_deadline new_return_date
//!   answer_by superior approved_by force_majeure in_favour dissent
//!   collective documents spoke silent absent recused document items`
//!   (`items`: a meeting's agenda items, each with `title field spoke silent`)
//! - official: `id name category party_member`
//! - unit: `id name kind parent collective`
//! - delegation: `id from to mode redelegable parent valid_from valid_until`
//! - finding: `rule behaviour severity official step evidence date` (`date`: the act judged)
//!
//! Functions: `working_days(a, b)`, `add_working_days(d, n)`,
//! `head_of(u, d)`, `acting_head_of(u, d)`, `deputy_for(u, f, d)`,
//! `holds(o, role, u, d)`, `serves_in(o, u, d)`, `competent(u, f)`,
//! `within(u, ancestor)`, `superior_of(a, b)`, `delegated(o, f, d)`,
//! `len(list)`, `date("YYYY-MM-DD")`, `max(a, b)`, `min(a, b)`,
//! `is_working_day(d)`, `stopped_days(a, b)`, `is_leader(o, d)` (holds a
//! head, deputy, acting head or office head post), `head_over(o, d)` (the
//! nearest head, other than `o`, of `o`'s unit or a unit above it: the head
//! whose management scope covers `o`), `is_head(o, d)` (holds a head or
//! acting head post anywhere), `head_of_official(o, d)` (the same, but `o`
//! if `o` is that head), `deputy_over(o, f, d)` (the nearest deputy in charge
//! of field `f` in `o`'s unit or above, up to `o`'s agency, possibly `o`),
//! `managing_unit(o, d)` (the nearest unit, from `o`'s own upward, that has a
//! head or an acting head: the agency whose head answers for `o`'s work),
//! `led_unit(o, d)` (a unit `o` heads or acts as head of, else
//! `managing_unit(o, d)`: e.g. the body a meeting's chair presides over).
//!
//! `if c then a else b` chooses (both branches of one type).
//! Lists: `[x in xs where c]` filters, `[expr for x in xs where c]` maps
//! (results that are `none` are dropped), `exists`, `all`, `count`,
//! `first`, `last` quantify, `xs + ys` concatenates, `x in xs` tests membership.
//!
//! Comparisons with `none` are false, except `==` and `!=`; a field of
//! `none` is `none`.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;

use super::syntax::{Ast, BinOp, Quant, Span};
use crate::suggest::nearest;

/// A closed or open set of names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnumTy {
    /// Event kinds.
    EventKind,
    /// Step kinds (open: user-defined kinds are allowed).
    StepKind,
    /// Task origins.
    Origin,
    /// Roles.
    Role,
    /// Official categories.
    Category,
    /// Reply positions.
    ReplyPosition,
    /// Signing modes.
    SigningMode,
    /// Unit kinds.
    UnitKind,
    /// Behaviour kinds of findings.
    Behaviour,
    /// Severities of findings.
    Severity,
}

impl EnumTy {
    /// The names of the set; `None` when the set is open.
    pub fn names(self) -> Option<&'static [&'static str]> {
        Some(match self {
            EnumTy::EventKind => crate::model::EventKind::NAMES,
            EnumTy::StepKind => return None,
            EnumTy::Origin => &[
                "citizen_dossier",
                "citizen_petition",
                "superior_direction",
                "inter_agency_request",
                "subordinate_request",
                "own_plan",
            ],
            EnumTy::Role => &[
                "head",
                "deputy",
                "acting_head",
                "office_head",
                "member",
                "staff",
            ],
            EnumTy::Category => &["can_bo", "cong_chuc", "vien_chuc"],
            EnumTy::ReplyPosition => &["clear", "vague"],
            EnumTy::SigningMode => &["delegation", "kt", "tuq", "tl", "tm"],
            EnumTy::UnitKind => &[
                "party_committee",
                "peoples_committee",
                "peoples_council",
                "ministry",
                "department",
                "division",
                "commune",
                "public_service_unit",
                "one_stop_desk",
                "office",
                "other",
            ],
            EnumTy::Behaviour => crate::policy::Behaviour::NAMES,
            EnumTy::Severity => &["minor", "moderate", "serious"],
        })
    }
}

/// A type of the condition language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// true/false.
    Bool,
    /// Whole numbers (counts, working days, percentages).
    Int,
    /// A civil date.
    Date,
    /// Text.
    Str,
    /// An official.
    Official,
    /// A unit.
    Unit,
    /// A step of the task.
    Step,
    /// An event of the task.
    Event,
    /// A field of work.
    Field,
    /// A delegation.
    Delegation,
    /// A finding (in consequences).
    Finding,
    /// The task.
    Task,
    /// An agenda item of a meeting event.
    Item,
    /// A name from a set.
    Enum(EnumTy),
    /// A list.
    List(Box<Ty>),
    /// A value that may be `none`.
    Opt(Box<Ty>),
    /// The type of the literal `none`.
    Null,
}

impl Ty {
    fn base(&self) -> &Ty {
        match self {
            Ty::Opt(t) => t,
            t => t,
        }
    }
    fn opt(t: Ty) -> Ty {
        match t {
            Ty::Opt(_) | Ty::Null | Ty::Bool | Ty::List(_) => t,
            t => Ty::Opt(Box::new(t)),
        }
    }
    fn is_opt(&self) -> bool {
        matches!(self, Ty::Opt(_) | Ty::Null)
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Date => f.write_str("date"),
            Ty::Str => f.write_str("string"),
            Ty::Official => f.write_str("official"),
            Ty::Unit => f.write_str("unit"),
            Ty::Step => f.write_str("step"),
            Ty::Event => f.write_str("event"),
            Ty::Field => f.write_str("field"),
            Ty::Delegation => f.write_str("delegation"),
            Ty::Finding => f.write_str("finding"),
            Ty::Task => f.write_str("task"),
            Ty::Item => f.write_str("meeting item"),
            Ty::Enum(e) => write!(f, "{e:?}"),
            Ty::List(t) => write!(f, "list of {t}"),
            Ty::Opt(t) => write!(f, "{t} or none"),
            Ty::Null => f.write_str("none"),
        }
    }
}

/// Field accessors, resolved at load time.
#[expect(
    missing_docs,
    reason = "variants are the names of the vocabulary documented at the top of this module"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum F {
    // task
    TId,
    TTitle,
    TUnit,
    TField,
    TCompetentUnit,
    TOrigin,
    TReceived,
    TDue,
    TEffectiveDue,
    TCurrentDue,
    TClosed,
    TLateDays,
    TOverdue,
    TStoppedDays,
    TSteps,
    TStakeholders,
    TMandatory,
    TSuperiorApproval,
    TNew,
    TDifficult,
    TUnprecedented,
    TPilot,
    TIncompleteLegal,
    TNovel,
    TAssignedBy,
    TExtensions,
    TApologies,
    TEnd,
    TPublished,
    // step
    SId,
    SKind,
    SIndex,
    SAssignee,
    SDeputy,
    SCollective,
    SDue,
    SEvents,
    SStarted,
    SCompleted,
    SDate,
    SDone,
    // event
    EId,
    EKind,
    EActor,
    EStep,
    EDate,
    EIndex,
    ETo,
    EToUnit,
    EReason,
    ELegalBasis,
    EAddressees,
    EReplyBy,
    EUnit,
    EPosition,
    ERequest,
    ERecommendation,
    EInPrincipleOnly,
    EMode,
    EDelegation,
    ENewDeadline,
    ENewReturnDate,
    EAnswerBy,
    ESuperior,
    EApprovedBy,
    EForceMajeure,
    EInFavour,
    EDissent,
    ECollective,
    EDocuments,
    ESpoke,
    ESilent,
    EAbsent,
    ERecused,
    EDocument,
    // official
    OId,
    OName,
    OCategory,
    OPartyMember,
    // unit
    UId,
    UName,
    UKind,
    UParent,
    UCollective,
    // delegation
    DId,
    DFrom,
    DTo,
    DMode,
    DRedelegable,
    DParent,
    DValidFrom,
    DValidUntil,
    // finding
    FRule,
    FBehaviour,
    FSeverity,
    FOfficial,
    FStep,
    FEvidence,
    FDate,
    // meeting item
    ITitle,
    IField,
    ISpoke,
    ISilent,
    EItems,
}

/// A field: its name, accessor and type.
type FieldDef = (&'static str, F, fn() -> Ty);

fn field_table(base: &Ty) -> &'static [FieldDef] {
    use Ty as T;
    fn b() -> Ty {
        Ty::Bool
    }
    fn i() -> Ty {
        Ty::Int
    }
    fn d() -> Ty {
        Ty::Date
    }
    fn od() -> Ty {
        Ty::Opt(Box::new(Ty::Date))
    }
    fn s() -> Ty {
        Ty::Str
    }
    fn os() -> Ty {
        Ty::Opt(Box::new(Ty::Str))
    }
    fn o() -> Ty {
        Ty::Official
    }
    fn oo() -> Ty {
        Ty::Opt(Box::new(Ty::Official))
    }
    fn lo() -> Ty {
        Ty::List(Box::new(Ty::Official))
    }
    fn u() -> Ty {
        Ty::Unit
    }
    fn ou() -> Ty {
        Ty::Opt(Box::new(Ty::Unit))
    }
    fn lu() -> Ty {
        Ty::List(Box::new(Ty::Unit))
    }
    fn f() -> Ty {
        Ty::Field
    }
    fn ls() -> Ty {
        Ty::List(Box::new(Ty::Step))
    }
    fn le() -> Ty {
        Ty::List(Box::new(Ty::Event))
    }
    fn lstr() -> Ty {
        Ty::List(Box::new(Ty::Str))
    }
    fn ostep() -> Ty {
        Ty::Opt(Box::new(Ty::Step))
    }
    fn oev() -> Ty {
        Ty::Opt(Box::new(Ty::Event))
    }
    fn odel() -> Ty {
        Ty::Opt(Box::new(Ty::Delegation))
    }
    fn origin() -> Ty {
        Ty::Enum(EnumTy::Origin)
    }
    fn ekind() -> Ty {
        Ty::Enum(EnumTy::EventKind)
    }
    fn skind() -> Ty {
        Ty::Enum(EnumTy::StepKind)
    }
    fn pos() -> Ty {
        Ty::Opt(Box::new(Ty::Enum(EnumTy::ReplyPosition)))
    }
    fn mode() -> Ty {
        Ty::Opt(Box::new(Ty::Enum(EnumTy::SigningMode)))
    }
    fn dmode() -> Ty {
        Ty::Enum(EnumTy::SigningMode)
    }
    fn cat() -> Ty {
        Ty::Enum(EnumTy::Category)
    }
    fn ukind() -> Ty {
        Ty::Enum(EnumTy::UnitKind)
    }
    fn beh() -> Ty {
        Ty::Enum(EnumTy::Behaviour)
    }
    fn sev() -> Ty {
        Ty::Enum(EnumTy::Severity)
    }
    fn litem() -> Ty {
        Ty::List(Box::new(Ty::Item))
    }
    fn of() -> Ty {
        Ty::Opt(Box::new(Ty::Field))
    }
    fn del() -> Ty {
        Ty::Delegation
    }
    match base {
        T::Task => &[
            ("id", F::TId, s),
            ("title", F::TTitle, s),
            ("unit", F::TUnit, u),
            ("field", F::TField, f),
            ("competent_unit", F::TCompetentUnit, u),
            ("origin", F::TOrigin, origin),
            ("received", F::TReceived, d),
            ("due", F::TDue, od),
            ("effective_due", F::TEffectiveDue, od),
            ("current_due", F::TCurrentDue, od),
            ("closed", F::TClosed, od),
            ("late_days", F::TLateDays, i),
            ("overdue", F::TOverdue, b),
            ("clock_stopped_days", F::TStoppedDays, i),
            ("steps", F::TSteps, ls),
            ("stakeholders", F::TStakeholders, lu),
            ("mandatory_consultees", F::TMandatory, lu),
            ("superior_approval_required", F::TSuperiorApproval, b),
            ("new", F::TNew, b),
            ("difficult", F::TDifficult, b),
            ("unprecedented", F::TUnprecedented, b),
            ("pilot", F::TPilot, b),
            ("incomplete_legal_basis", F::TIncompleteLegal, b),
            ("novel", F::TNovel, b),
            ("assigned_by", F::TAssignedBy, oo),
            ("extensions", F::TExtensions, i),
            ("apologies", F::TApologies, i),
            ("end", F::TEnd, d),
            ("published_documents", F::TPublished, lstr),
        ],
        T::Step => &[
            ("id", F::SId, s),
            ("kind", F::SKind, skind),
            ("index", F::SIndex, i),
            ("assignee", F::SAssignee, oo),
            ("deputy", F::SDeputy, oo),
            ("collective", F::SCollective, ou),
            ("due", F::SDue, od),
            ("events", F::SEvents, le),
            ("started", F::SStarted, od),
            ("completed", F::SCompleted, od),
            ("date", F::SDate, d),
            ("done", F::SDone, od),
        ],
        T::Event => &[
            ("id", F::EId, s),
            ("kind", F::EKind, ekind),
            ("actor", F::EActor, o),
            ("step", F::EStep, ostep),
            ("date", F::EDate, d),
            ("index", F::EIndex, i),
            ("to", F::ETo, oo),
            ("to_unit", F::EToUnit, ou),
            ("reason", F::EReason, os),
            ("legal_basis", F::ELegalBasis, os),
            ("addressees", F::EAddressees, lu),
            ("reply_by", F::EReplyBy, od),
            ("unit", F::EUnit, ou),
            ("position", F::EPosition, pos),
            ("request", F::ERequest, oev),
            ("recommendation", F::ERecommendation, b),
            ("in_principle_only", F::EInPrincipleOnly, b),
            ("mode", F::EMode, mode),
            ("delegation", F::EDelegation, odel),
            ("new_deadline", F::ENewDeadline, od),
            ("new_return_date", F::ENewReturnDate, od),
            ("answer_by", F::EAnswerBy, od),
            ("superior", F::ESuperior, oo),
            ("approved_by", F::EApprovedBy, oo),
            ("force_majeure", F::EForceMajeure, b),
            ("in_favour", F::EInFavour, lo),
            ("dissent", F::EDissent, lo),
            ("collective", F::ECollective, ou),
            ("documents", F::EDocuments, lstr),
            ("spoke", F::ESpoke, lo),
            ("silent", F::ESilent, lo),
            ("absent", F::EAbsent, lo),
            ("recused", F::ERecused, lo),
            ("document", F::EDocument, os),
            ("items", F::EItems, litem),
        ],
        T::Official => &[
            ("id", F::OId, s),
            ("name", F::OName, s),
            ("category", F::OCategory, cat),
            ("party_member", F::OPartyMember, b),
        ],
        T::Unit => &[
            ("id", F::UId, s),
            ("name", F::UName, s),
            ("kind", F::UKind, ukind),
            ("parent", F::UParent, ou),
            ("collective", F::UCollective, b),
        ],
        T::Delegation => &[
            ("id", F::DId, s),
            ("from", F::DFrom, o),
            ("to", F::DTo, o),
            ("mode", F::DMode, dmode),
            ("redelegable", F::DRedelegable, b),
            ("parent", F::DParent, odel),
            ("valid_from", F::DValidFrom, d),
            ("valid_until", F::DValidUntil, d),
        ],
        T::Finding => &[
            ("rule", F::FRule, s),
            ("behaviour", F::FBehaviour, beh),
            ("severity", F::FSeverity, sev),
            ("official", F::FOfficial, o),
            ("step", F::FStep, ostep),
            ("evidence", F::FEvidence, le),
            ("date", F::FDate, d),
        ],
        T::Item => &[
            ("title", F::ITitle, s),
            ("field", F::IField, of),
            ("spoke", F::ISpoke, lo),
            ("silent", F::ISilent, lo),
        ],
        _ => {
            let _ = del;
            &[]
        }
    }
}

/// Built-in functions.
#[expect(
    missing_docs,
    reason = "variants are the names of the vocabulary documented at the top of this module"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    WorkingDays,
    AddWorkingDays,
    HeadOf,
    ActingHeadOf,
    DeputyFor,
    Holds,
    ServesIn,
    Competent,
    Within,
    SuperiorOf,
    Delegated,
    Len,
    Max,
    Min,
    IsWorkingDay,
    StoppedDays,
    IsLeader,
    HeadOver,
    IsHead,
    HeadOfOfficial,
    DeputyOver,
    ManagingUnit,
    LedUnit,
}

fn func_sig(name: &str) -> Option<(Func, Vec<Ty>, Ty)> {
    use Ty::*;
    let opt = |t: Ty| Ty::Opt(Box::new(t));
    Some(match name {
        "working_days" => (Func::WorkingDays, vec![Date, Date], Int),
        "add_working_days" => (Func::AddWorkingDays, vec![Date, Int], Date),
        "head_of" => (Func::HeadOf, vec![Unit, Date], opt(Official)),
        "acting_head_of" => (Func::ActingHeadOf, vec![Unit, Date], opt(Official)),
        "deputy_for" => (Func::DeputyFor, vec![Unit, Field, Date], opt(Official)),
        "holds" => (
            Func::Holds,
            vec![Official, Enum(EnumTy::Role), Unit, Date],
            Bool,
        ),
        "serves_in" => (Func::ServesIn, vec![Official, Unit, Date], Bool),
        "competent" => (Func::Competent, vec![Unit, Field], Bool),
        "within" => (Func::Within, vec![Unit, Unit], Bool),
        "superior_of" => (Func::SuperiorOf, vec![Unit, Unit], Bool),
        "delegated" => (Func::Delegated, vec![Official, Field, Date], Bool),
        "max" => (Func::Max, vec![Int, Int], Int),
        "min" => (Func::Min, vec![Int, Int], Int),
        "is_working_day" => (Func::IsWorkingDay, vec![Date], Bool),
        "stopped_days" => (Func::StoppedDays, vec![Date, Date], Int),
        "is_leader" => (Func::IsLeader, vec![Official, Date], Bool),
        "head_over" => (Func::HeadOver, vec![Official, Date], opt(Official)),
        "is_head" => (Func::IsHead, vec![Official, Date], Bool),
        "head_of_official" => (Func::HeadOfOfficial, vec![Official, Date], opt(Official)),
        "deputy_over" => (Func::DeputyOver, vec![Official, Field, Date], opt(Official)),
        "managing_unit" => (Func::ManagingUnit, vec![Official, Date], opt(Unit)),
        "led_unit" => (Func::LedUnit, vec![Official, Date], opt(Unit)),
        _ => return None,
    })
}

const FUNC_NAMES: &[&str] = &[
    "working_days",
    "add_working_days",
    "head_of",
    "acting_head_of",
    "deputy_for",
    "holds",
    "serves_in",
    "competent",
    "within",
    "superior_of",
    "delegated",
    "len",
    "max",
    "min",
    "is_working_day",
    "stopped_days",
    "is_leader",
    "head_over",
    "is_head",
    "head_of_official",
    "deputy_over",
    "managing_unit",
    "led_unit",
    "last",
    "if",
    "date",
    "exists",
    "all",
    "count",
    "first",
];

/// Comparison operators.
#[expect(
    missing_docs,
    reason = "variants are the names of the vocabulary documented at the top of this module"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// `none`.
    None,
    /// Boolean.
    Bool(bool),
    /// Integer.
    Int(i64),
    /// Date.
    Date(NaiveDate),
    /// String or name.
    Str(Box<str>),
}

/// A typed, resolved node.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// The node.
    pub node: Node,
    /// Its span in the condition text.
    pub span: Span,
}

/// The resolved forms.
///
/// Non-exhaustive: the engine's load-time rewrites add forms of their own
/// (as [`Node::KindEvents`] and [`Node::Memo`] were added), and a new form
/// should not break code outside the crate that reads the tree.
#[expect(
    missing_docs,
    reason = "variants are the names of the vocabulary documented at the top of this module"
)]
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Node {
    Lit(Lit),
    Var(usize),
    Param(usize),
    Field(Box<Expr>, F),
    Call(Func, Vec<Expr>),
    Len(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Cmp, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    DateAdd(Box<Expr>, Box<Expr>, bool),
    Concat(Box<Expr>, Box<Expr>),
    List(Vec<Expr>),
    Quant(Quant, usize, Box<Expr>, Option<Box<Expr>>),
    Map(Box<Expr>, usize, Box<Expr>, Option<Box<Expr>>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// The events of one kind (an index into `EventKind::NAMES`), in event
    /// order: the source of `x in events where x.kind == "K" and …`, set by
    /// `kind_source` so that the quantifier walks only those events. The
    /// condition still tests the kind, so the result is the same.
    KindEvents(usize),
    /// The events of one kind (`.1`, an index into `EventKind::NAMES`) of
    /// the step `.0`, in event order: the source of `x in s.events where
    /// x.kind == "K" and …`, set by `kind_source` as [`Node::KindEvents`]
    /// is for `events`. The condition still tests the kind, so the result
    /// is the same.
    StepKindEvents(Box<Expr>, usize),
    /// A sub-expression that occurs more than once in the conditions of the
    /// rules bound to a step, and depends only on the task, the events, the
    /// review date, the step and parameters: its value is computed once per
    /// step and shared (slot `.0` of the evaluation's memo). Set at load by
    /// `engine::plan::memoise`; the result is the same as evaluating `.1`.
    Memo(usize, Box<Expr>),
    /// `x.f == lit` (`.2` true) or `x.f != lit` (`.2` false), where `lit` is
    /// text (`.3` is `Some`) or `none` (`.3` is `None`): a field `.1` of the
    /// variable in slot `.0` compared with a literal, kept with the
    /// comparison it stands for (`.4`), which the static checks read in its
    /// place. Set at load, after the other rewrites, by
    /// `engine::plan::fold_literal_tests`, so that the interpreter compares
    /// without the general comparison; the result is the same as
    /// evaluating `.4`.
    FieldIs(usize, F, bool, Option<&'static str>, Box<Expr>),
}

impl Node {
    /// The direct sub-expressions, in evaluation order.
    pub(crate) fn children(&self) -> Vec<&Expr> {
        match self {
            Node::Lit(_) | Node::Var(_) | Node::Param(_) | Node::KindEvents(_) => Vec::new(),
            Node::Field(a, _)
            | Node::Len(a)
            | Node::Not(a)
            | Node::Memo(_, a)
            | Node::StepKindEvents(a, _)
            | Node::FieldIs(.., a) => vec![a],
            Node::Call(_, xs) | Node::List(xs) => xs.iter().collect(),
            Node::And(a, b)
            | Node::Or(a, b)
            | Node::Cmp(_, a, b)
            | Node::In(a, b)
            | Node::Add(a, b)
            | Node::Sub(a, b)
            | Node::DateAdd(a, b, _)
            | Node::Concat(a, b) => vec![a, b],
            Node::Quant(_, _, src, cond) => {
                std::iter::once(&**src).chain(cond.as_deref()).collect()
            }
            Node::Map(head, _, src, cond) => [&**src]
                .into_iter()
                .chain(cond.as_deref())
                .chain([&**head])
                .collect(),
            Node::If(c, a, b) => vec![c, a, b],
        }
    }

    /// The direct sub-expressions, mutable, in the order of [`Node::children`].
    pub(crate) fn children_mut(&mut self) -> Vec<&mut Expr> {
        match self {
            Node::Lit(_) | Node::Var(_) | Node::Param(_) | Node::KindEvents(_) => Vec::new(),
            Node::Field(a, _)
            | Node::Len(a)
            | Node::Not(a)
            | Node::Memo(_, a)
            | Node::StepKindEvents(a, _)
            | Node::FieldIs(.., a) => vec![a],
            Node::Call(_, xs) | Node::List(xs) => xs.iter_mut().collect(),
            Node::And(a, b)
            | Node::Or(a, b)
            | Node::Cmp(_, a, b)
            | Node::In(a, b)
            | Node::Add(a, b)
            | Node::Sub(a, b)
            | Node::DateAdd(a, b, _)
            | Node::Concat(a, b) => vec![a, b],
            Node::Quant(_, _, src, cond) => std::iter::once(&mut **src)
                .chain(cond.as_deref_mut())
                .collect(),
            Node::Map(head, _, src, cond) => [&mut **src]
                .into_iter()
                .chain(cond.as_deref_mut())
                .chain([&mut **head])
                .collect(),
            Node::If(c, a, b) => vec![c, a, b],
        }
    }
}

/// For a quantifier `q` (a map when `None`) over `events`, or over the
/// events of a step (`s.events`), whose condition's leftmost conjunct is
/// `x.kind == "K"` on its own variable `x` (slot `var`): the source narrowed
/// to the events of kind K ([`Node::KindEvents`], [`Node::StepKindEvents`]).
/// Any other source is returned unchanged, and so is the source of `all`:
/// the other forms skip the items their condition rejects, but `all` is
/// false on any of them, so leaving out the events of other kinds would
/// change it.
pub(crate) fn kind_source(q: Option<Quant>, src: Expr, var: usize, cond: Option<&Expr>) -> Expr {
    if q == Some(Quant::All) {
        return src;
    }
    let over_events = matches!(src.node, Node::Var(slot::EVENTS));
    let over_step = matches!(src.node, Node::Field(_, F::SEvents));
    if !(over_events || over_step) {
        return src;
    }
    let Some(mut first) = cond else { return src };
    while let Node::And(a, _) = &first.node {
        first = a;
    }
    let Node::Cmp(Cmp::Eq, l, r) = &first.node else {
        return src;
    };
    let (Node::Field(b, F::EKind), Node::Lit(Lit::Str(k))) = (&l.node, &r.node) else {
        return src;
    };
    let ix = match (&b.node, crate::model::EventKind::index_of(k)) {
        (Node::Var(v), Some(ix)) if *v == var => ix,
        _ => return src,
    };
    let span = src.span;
    match src.node {
        Node::Field(step, F::SEvents) => Expr {
            node: Node::StepKindEvents(step, ix),
            span,
        },
        _ => Expr {
            node: Node::KindEvents(ix),
            span,
        },
    }
}

/// A type error or unknown name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    /// Where.
    pub span: Span,
    /// What.
    pub message: String,
    /// A suggestion.
    pub help: Option<String>,
}

/// The names in scope while checking: variables with their slots and types, and parameters.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    vars: Vec<(String, Ty)>,
    params: HashMap<String, (usize, Ty)>,
}

/// Slots of the fixed variables; bindings take the next slots.
pub mod slot {
    /// `task`
    pub const TASK: usize = 0;
    /// `events`
    pub const EVENTS: usize = 1;
    /// `as_of`
    pub const AS_OF: usize = 2;
    /// The rule's binding: `step`, `e`, or `finding`.
    pub const BINDING: usize = 3;
    /// The second binding: `official` (exceptions) or `findings` (consequences).
    pub const BINDING2: usize = 4;
    /// The first slot for quantifier variables.
    pub const FIRST_LOCAL: usize = 5;
}

impl Scope {
    /// A scope with the global variables and the given binding variables (in slots 3 and 4).
    pub fn new(params: HashMap<String, (usize, Ty)>, bindings: &[(&str, Ty)]) -> Scope {
        let mut vars = vec![
            ("task".to_string(), Ty::Task),
            ("events".to_string(), Ty::List(Box::new(Ty::Event))),
            ("as_of".to_string(), Ty::Date),
        ];
        for slot_no in 0..2 {
            match bindings.get(slot_no) {
                Some((n, t)) => vars.push(((*n).to_string(), t.clone())),
                None => vars.push((String::new(), Ty::Null)),
            }
        }
        Scope { vars, params }
    }
    fn lookup(&self, name: &str) -> Option<(usize, &Ty)> {
        self.vars
            .iter()
            .enumerate()
            .rev()
            .find(|(_, (n, _))| n == name)
            .map(|(i, (_, t))| (i, t))
    }
}

/// Checks `ast` in `scope` and requires its type to be accepted by `want`.
///
/// # Errors
/// [`CheckError`] on an unknown name or a type mismatch.
pub fn check(ast: &Ast, scope: &mut Scope) -> Result<(Expr, Ty), CheckError> {
    let mut c = Checker {
        scope,
        max_slot: slot::FIRST_LOCAL,
    };
    c.expr(ast)
}

struct Checker<'s> {
    scope: &'s mut Scope,
    max_slot: usize,
}

fn err<T>(span: Span, message: String) -> Result<T, CheckError> {
    Err(CheckError {
        span,
        message,
        help: None,
    })
}

fn compatible(want: &Ty, got: &Ty) -> bool {
    want == got || want == got.base() || matches!(got, Ty::Null) && want.is_opt()
}

impl Checker<'_> {
    fn expr(&mut self, ast: &Ast) -> Result<(Expr, Ty), CheckError> {
        let span = ast.span();
        let mk = |node: Node| Expr { node, span };
        Ok(match ast {
            Ast::Int(n, _) => (mk(Node::Lit(Lit::Int(*n))), Ty::Int),
            Ast::Bool(b, _) => (mk(Node::Lit(Lit::Bool(*b))), Ty::Bool),
            Ast::None(_) => (mk(Node::Lit(Lit::None)), Ty::Null),
            Ast::Str(s, _) => (mk(Node::Lit(Lit::Str(s.as_str().into()))), Ty::Str),
            Ast::Var(name, _) => {
                if name == "param" {
                    return err(span, "`param` needs a parameter name: `param.NAME`".into());
                }
                match self.scope.lookup(name) {
                    Some((slot_no, t)) if !name.is_empty() => (mk(Node::Var(slot_no)), t.clone()),
                    _ => {
                        let names: Vec<&str> = self
                            .scope
                            .vars
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .filter(|n| !n.is_empty())
                            .collect();
                        return Err(CheckError {
                            span,
                            message: format!(
                                "unknown name `{name}`; in scope: {}",
                                names.join(", ")
                            ),
                            help: nearest(name, names.iter().copied())
                                .map(|n| format!("did you mean `{n}`?")),
                        });
                    }
                }
            }
            Ast::Field(base, name, _) => {
                if let Ast::Var(v, _) = base.as_ref()
                    && v == "param"
                {
                    return match self.scope.params.get(name) {
                        Some((i, t)) => Ok((mk(Node::Param(*i)), t.clone())),
                        None => Err(CheckError {
                            span,
                            message: format!("unknown parameter `{name}`"),
                            help: nearest(name, self.scope.params.keys().map(String::as_str))
                                .map(|n| format!("did you mean `param.{n}`?")),
                        }),
                    };
                }
                let (b, bt) = self.expr(base)?;
                let table = field_table(bt.base());
                match table.iter().find(|(n, _, _)| n == name) {
                    Some((_, f, ty)) => {
                        let t = ty();
                        let t = if bt.is_opt() { Ty::opt(t) } else { t };
                        (mk(Node::Field(Box::new(b), *f)), t)
                    }
                    None if table.is_empty() => {
                        return err(span, format!("a value of type {bt} has no fields"));
                    }
                    None => {
                        return Err(CheckError {
                            span,
                            message: format!(
                                "{} has no field `{name}`; its fields: {}",
                                bt.base(),
                                table
                                    .iter()
                                    .map(|(n, _, _)| *n)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            help: nearest(name, table.iter().map(|(n, _, _)| *n))
                                .map(|n| format!("did you mean `{n}`?")),
                        });
                    }
                }
            }
            Ast::Call(name, args, _) => self.call(name, args, span)?,
            Ast::Not(a, _) => {
                let (x, t) = self.expr(a)?;
                self.want(&Ty::Bool, &t, a.span())?;
                (mk(Node::Not(Box::new(x))), Ty::Bool)
            }
            Ast::Bin(op, l, r, _) => self.bin(*op, l, r, span)?,
            Ast::List(items, _) => {
                let mut out = Vec::new();
                let mut ty: Option<Ty> = None;
                for it in items {
                    let (x, t) = self.expr(it)?;
                    let t = t.base().clone();
                    if let Some(prev) = &ty
                        && *prev != t
                    {
                        return err(
                            it.span(),
                            format!("list items must have one type: {prev} then {t}"),
                        );
                    }
                    ty = Some(t);
                    out.push(x);
                }
                (
                    mk(Node::List(out)),
                    Ty::List(Box::new(ty.unwrap_or(Ty::Null))),
                )
            }
            Ast::Map(head, var, src, cond, _) => {
                let (s, st) = self.expr(src)?;
                let Ty::List(item) = st.base().clone() else {
                    return err(
                        src.span(),
                        format!("`for {var} in …` needs a list, found {st}"),
                    );
                };
                let slot_no = self.scope.vars.len();
                self.scope.vars.push((var.clone(), (*item).clone()));
                let res = (|| {
                    let c = match cond {
                        Some(c) => {
                            let (cx, ct) = self.expr(c)?;
                            self.want(&Ty::Bool, &ct, c.span())?;
                            Some(Box::new(cx))
                        }
                        None => None,
                    };
                    let (h, ht) = self.expr(head)?;
                    Ok((c, h, ht))
                })();
                self.scope.vars.pop();
                let (c, h, ht) = res?;
                (
                    mk(Node::Map(
                        Box::new(h),
                        slot_no,
                        Box::new(kind_source(None, s, slot_no, c.as_deref())),
                        c,
                    )),
                    Ty::List(Box::new(ht.base().clone())),
                )
            }
            Ast::If(cond, a, b, _) => {
                let (cx, ct) = self.expr(cond)?;
                self.want(&Ty::Bool, &ct, cond.span())?;
                let (ax, at) = self.expr(a)?;
                let (bx, bt) = self.expr(b)?;
                let ty = match (&at, &bt) {
                    (Ty::Null, t) | (t, Ty::Null) => Ty::opt(t.clone()),
                    (x, y) if x.base() == y.base() => {
                        if x.is_opt() || y.is_opt() {
                            Ty::opt(x.base().clone())
                        } else {
                            x.clone()
                        }
                    }
                    (Ty::List(_), Ty::List(_)) => at.clone(),
                    _ => {
                        return err(
                            span,
                            format!("`if` branches must have one type: {at} and {bt}"),
                        );
                    }
                };
                (mk(Node::If(Box::new(cx), Box::new(ax), Box::new(bx))), ty)
            }
            Ast::Quant(q, var, src, cond, _) => {
                let (s, st) = self.expr(src)?;
                let Ty::List(item) = st.base().clone() else {
                    return err(src.span(), format!("`{var} in …` needs a list, found {st}"));
                };
                let slot_no = self.scope.vars.len();
                self.scope.vars.push((var.clone(), (*item).clone()));
                self.max_slot = self.max_slot.max(slot_no + 1);
                let c = match cond {
                    Some(c) => {
                        let r = self.expr(c);
                        let (cx, ct) = match r {
                            Ok(v) => v,
                            Err(e) => {
                                self.scope.vars.pop();
                                return Err(e);
                            }
                        };
                        if let Err(e) = self.want(&Ty::Bool, &ct, c.span()) {
                            self.scope.vars.pop();
                            return Err(e);
                        }
                        Some(Box::new(cx))
                    }
                    None => None,
                };
                self.scope.vars.pop();
                if matches!(q, Quant::All) && c.is_none() {
                    return err(
                        span,
                        "`all(x in xs where c)` needs a `where` condition".into(),
                    );
                }
                let ty = match q {
                    Quant::Exists | Quant::All => Ty::Bool,
                    Quant::Count => Ty::Int,
                    Quant::First | Quant::Last => Ty::opt((*item).clone()),
                    Quant::Filter => Ty::List(item),
                };
                let s = kind_source(Some(*q), s, slot_no, c.as_deref());
                (mk(Node::Quant(*q, slot_no, Box::new(s), c)), ty)
            }
        })
    }

    fn want(&self, want: &Ty, got: &Ty, span: Span) -> Result<(), CheckError> {
        if compatible(want, got) {
            Ok(())
        } else {
            err(span, format!("expected {want}, found {got}"))
        }
    }

    fn call(&mut self, name: &str, args: &[Ast], span: Span) -> Result<(Expr, Ty), CheckError> {
        let mk = |node: Node| Expr { node, span };
        if name == "date" {
            if let [Ast::Str(s, sp)] = args {
                return match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    Ok(d) => Ok((mk(Node::Lit(Lit::Date(d))), Ty::Date)),
                    Err(_) => err(*sp, format!("`{s}` is not a date of the form YYYY-MM-DD")),
                };
            }
            return err(
                span,
                "`date` takes one string literal, e.g. date(\"2025-07-01\")".into(),
            );
        }
        if name == "len" {
            let [a] = args else {
                return err(span, "`len` takes one list".into());
            };
            let (x, t) = self.expr(a)?;
            if !matches!(t.base(), Ty::List(_)) {
                return err(a.span(), format!("`len` needs a list, found {t}"));
            }
            return Ok((mk(Node::Len(Box::new(x))), Ty::Int));
        }
        let Some((f, params, ret)) = func_sig(name) else {
            return Err(CheckError {
                span,
                message: format!("unknown function `{name}`"),
                help: nearest(name, FUNC_NAMES.iter().copied())
                    .map(|n| format!("did you mean `{n}`?")),
            });
        };
        if args.len() != params.len() {
            return err(
                span,
                format!(
                    "`{name}` takes {} argument(s), {} given",
                    params.len(),
                    args.len()
                ),
            );
        }
        let mut out = Vec::new();
        let mut any_opt = false;
        for (a, p) in args.iter().zip(&params) {
            let (x, t) = self.expr(a)?;
            if let (Ty::Enum(e), Ast::Str(s, sp)) = (p, a) {
                self.check_name(*e, s, *sp)?;
            } else {
                self.want(p, &t, a.span())?;
            }
            any_opt |= t.is_opt();
            out.push(x);
        }
        let ret = if any_opt { Ty::opt(ret) } else { ret };
        Ok((mk(Node::Call(f, out)), ret))
    }

    fn check_name(&self, e: EnumTy, s: &str, span: Span) -> Result<(), CheckError> {
        if let Some(names) = e.names()
            && !names.contains(&s)
        {
            return Err(CheckError {
                span,
                message: format!(
                    "`{s}` is not a known {e:?} name; known: {}",
                    names.join(", ")
                ),
                help: nearest(s, names.iter().copied()).map(|n| format!("did you mean `{n}`?")),
            });
        }
        Ok(())
    }

    fn bin(&mut self, op: BinOp, l: &Ast, r: &Ast, span: Span) -> Result<(Expr, Ty), CheckError> {
        let mk = |node: Node| Expr { node, span };
        let (lx, lt) = self.expr(l)?;
        let (rx, rt) = self.expr(r)?;
        let (bl, br) = (Box::new(lx), Box::new(rx));
        Ok(match op {
            BinOp::And | BinOp::Or => {
                self.want(&Ty::Bool, &lt, l.span())?;
                self.want(&Ty::Bool, &rt, r.span())?;
                (
                    mk(if op == BinOp::And {
                        Node::And(bl, br)
                    } else {
                        Node::Or(bl, br)
                    }),
                    Ty::Bool,
                )
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let cmp = match op {
                    BinOp::Eq => Cmp::Eq,
                    BinOp::Ne => Cmp::Ne,
                    BinOp::Lt => Cmp::Lt,
                    BinOp::Le => Cmp::Le,
                    BinOp::Gt => Cmp::Gt,
                    _ => Cmp::Ge,
                };
                let (a, b) = (lt.base(), rt.base());
                let ordered = matches!(cmp, Cmp::Lt | Cmp::Le | Cmp::Gt | Cmp::Ge);
                match (a, b) {
                    (Ty::Enum(e), Ty::Str) => {
                        if let Ast::Str(s, sp) = r {
                            self.check_name(*e, s, *sp)?;
                        }
                    }
                    (Ty::Str, Ty::Enum(e)) => {
                        if let Ast::Str(s, sp) = l {
                            self.check_name(*e, s, *sp)?;
                        }
                    }
                    (Ty::Null, _) | (_, Ty::Null) if !ordered => {}
                    (Ty::Field, Ty::Str) | (Ty::Str, Ty::Field) => {}
                    (x, y) if x == y => {}
                    _ => return err(span, format!("cannot compare {lt} with {rt}")),
                }
                if ordered && !matches!(a, Ty::Int | Ty::Date) {
                    return err(span, format!("`<`, `>` compare numbers or dates, not {lt}"));
                }
                (mk(Node::Cmp(cmp, bl, br)), Ty::Bool)
            }
            BinOp::In => {
                let Ty::List(item) = rt.base() else {
                    return err(
                        r.span(),
                        format!("`in` needs a list on its right, found {rt}"),
                    );
                };
                let ok = compatible(item, &lt)
                    || matches!(**item, Ty::Null)
                    || matches!(
                        (item.as_ref(), lt.base()),
                        (Ty::Field, Ty::Str) | (Ty::Str, Ty::Field)
                    );
                if !ok {
                    if let (Ty::Str, Ty::Enum(e)) = (item.as_ref(), lt.base()) {
                        if let Ast::List(items, _) = r {
                            for it in items {
                                if let Ast::Str(s, sp) = it {
                                    self.check_name(*e, s, *sp)?;
                                }
                            }
                        }
                    } else {
                        return err(span, format!("cannot look for {lt} in a {rt}"));
                    }
                }
                (mk(Node::In(bl, br)), Ty::Bool)
            }
            BinOp::Add | BinOp::Sub => match (lt.base(), rt.base()) {
                (Ty::Int, Ty::Int) => (
                    mk(if op == BinOp::Add {
                        Node::Add(bl, br)
                    } else {
                        Node::Sub(bl, br)
                    }),
                    Ty::Int,
                ),
                (Ty::Date, Ty::Int) => (
                    mk(Node::DateAdd(bl, br, op == BinOp::Add)),
                    Ty::opt(Ty::Date),
                ),
                (Ty::List(a), Ty::List(b)) if op == BinOp::Add && (a == b || **b == Ty::Null) => {
                    (mk(Node::Concat(bl, br)), lt.base().clone())
                }
                _ => {
                    return err(
                        span,
                        format!(
                            "cannot apply `{}` to {lt} and {rt}",
                            if op == BinOp::Add { "+" } else { "-" }
                        ),
                    );
                }
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::syntax::parse;
    use super::*;

    fn chk(src: &str, bindings: &[(&str, Ty)]) -> Result<Ty, CheckError> {
        let mut params = HashMap::new();
        params.insert("max_extensions".to_string(), (0, Ty::Int));
        let mut scope = Scope::new(params, bindings);
        check(&parse(src).unwrap(), &mut scope).map(|(_, t)| t)
    }

    #[test]
    fn types_common_conditions() {
        let step = [("step", Ty::Step)];
        assert_eq!(
            chk(
                "count(x in step.events where x.kind == \"deadline_extended\") >= param.max_extensions",
                &step
            ),
            Ok(Ty::Bool)
        );
        assert_eq!(
            chk("head_of(task.unit, as_of)", &[]),
            Ok(Ty::Opt(Box::new(Ty::Official)))
        );
        assert_eq!(
            chk("[x in events where x.kind == \"completed\"]", &[]),
            Ok(Ty::List(Box::new(Ty::Event)))
        );
        assert_eq!(
            chk("task.field in [\"land\", \"construction\"]", &[]),
            Ok(Ty::Bool)
        );
    }

    /// The sources of the quantifiers and maps of `src`, outermost first,
    /// checked with a step bound.
    fn sources_of(src: &str) -> Vec<Node> {
        fn walk(e: &Expr, out: &mut Vec<Node>) {
            if let Node::Quant(_, _, s, _) | Node::Map(_, _, s, _) = &e.node {
                out.push(s.node.clone());
            }
            e.node.children().into_iter().for_each(|c| walk(c, out));
        }
        let mut scope = Scope::new(HashMap::new(), &[("step", Ty::Step)]);
        let (e, _) = check(&parse(src).unwrap(), &mut scope).unwrap();
        let mut out = Vec::new();
        walk(&e, &mut out);
        out
    }

    #[test]
    fn sources_with_a_leading_kind_test_are_narrowed_to_that_kind() {
        let signed = crate::model::EventKind::index_of("signed").unwrap();
        let step_var = |n: &Node| matches!(n, Node::StepKindEvents(b, k) if *k == signed && matches!(b.node, Node::Var(slot::BINDING)));
        let outer = |src: &str| sources_of(src).into_iter().next().unwrap();
        for q in ["exists", "count", "first", "last"] {
            let n = outer(&format!(
                "{q}(x in step.events where x.kind == \"signed\" and x.delegation != none)"
            ));
            assert!(step_var(&n), "{q}: {n:?}");
            let n = outer(&format!("{q}(x in events where x.kind == \"signed\")"));
            assert_eq!(n, Node::KindEvents(signed), "{q}");
        }
        assert!(step_var(&outer(
            "[x in step.events where x.kind == \"signed\"]"
        )));
        assert!(step_var(&outer(
            "[x.date for x in step.events where x.kind == \"signed\"]"
        )));
        // Not narrowed: `all`, a kind test that is not the first, and (the
        // inner quantifier) a kind test on another quantifier's variable.
        for src in [
            "all(x in step.events where x.kind == \"signed\")",
            "all(x in events where x.kind == \"signed\")",
            "exists(x in step.events where x.delegation != none and x.kind == \"signed\")",
            "exists(x in events where exists(y in step.events where x.kind == \"signed\"))",
        ] {
            for n in sources_of(src) {
                assert!(
                    matches!(n, Node::Field(_, F::SEvents) | Node::Var(slot::EVENTS)),
                    "{src}: {n:?}"
                );
            }
        }
    }

    #[test]
    fn rejects_unknown_names_with_suggestions() {
        let e = chk("task.feild == \"land\"", &[]).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `field`?"));
        let e = chk("exists(x in events where x.kind == \"transfered_up\")", &[]).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `transferred_up`?"));
        let e = chk("param.max_extension > 1", &[]).unwrap_err();
        assert_eq!(
            e.help.as_deref(),
            Some("did you mean `param.max_extensions`?")
        );
        let e = chk("stpe.kind == \"advise\"", &[("step", Ty::Step)]).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `step`?"));
    }

    #[test]
    fn rejects_type_errors() {
        assert!(chk("task.late_days and true", &[]).is_err());
        assert!(chk("task.unit < task.competent_unit", &[]).is_err());
        assert!(chk("working_days(task.received)", &[]).is_err());
        assert!(chk("x.kind == \"completed\"", &[]).is_err());
    }
}
