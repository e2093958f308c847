//! Unit tests of every validation rule.
//!
//! Test-only: the parent includes this file under `#[cfg(test)]`; the
//! attribute below repeats it so that `unwrap` here is visibly test code.

#[cfg(test)]
use super::*;

use chrono::{DateTime, FixedOffset};

use crate::id::{EventId, TaskId};
use crate::model::{
    Case, Category, LegalRequirements, MeetingItem, Origin, ReplyPosition, SigningMode, StepKind,
    TaskFlags, UnitKind,
};

// ---------------------------------------------------------------------------
// Small constructors.
// ---------------------------------------------------------------------------

fn uid(s: &str) -> UnitId {
    UnitId::new(s).unwrap()
}
fn oid(s: &str) -> OfficialId {
    OfficialId::new(s).unwrap()
}
fn did(s: &str) -> DelegationId {
    DelegationId::new(s).unwrap()
}
fn sid(s: &str) -> StepId {
    StepId::new(s).unwrap()
}
fn eid(s: &str) -> EventId {
    EventId::new(s).unwrap()
}
fn fld(s: &str) -> Field {
    Field::new(s).unwrap()
}
fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}
fn ts(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn unit(id: &str, kind: UnitKind, parent: Option<&str>) -> Unit {
    Unit {
        id: uid(id),
        name: id.to_uppercase(),
        kind,
        parent: parent.map(uid),
        competence: vec![],
        collective: false,
    }
}

fn official(id: &str) -> Official {
    Official {
        id: oid(id),
        name: id.to_uppercase(),
        category: Category::CongChuc,
        party_member: false,
        expertise: vec![],
    }
}

/// A position held from 2020-01-01, open-ended; a deputy gets the field `land`.
fn pos(official: &str, unit: &str, role: Role) -> Position {
    Position {
        official: oid(official),
        unit: uid(unit),
        role,
        fields: if role == Role::Deputy {
            vec![fld("land")]
        } else {
            vec![]
        },
        from: day("2020-01-01"),
        until: None,
        document: None,
    }
}

/// A delegation of every field, in force over 2025.
fn deleg(id: &str, from: &str, to: &str) -> Delegation {
    Delegation {
        id: did(id),
        from: oid(from),
        to: oid(to),
        mode: SigningMode::Delegation,
        fields: vec![],
        valid_from: day("2025-01-01"),
        valid_until: day("2026-01-01"),
        redelegable: false,
        parent: None,
        document: None,
    }
}

/// The province committee `ubnd` over a department `so` (with its division
/// `phong`), a department `sxd` and a commune `xa`.
///
/// Indices: units ubnd 0, so 1, phong 2, sxd 3, xa 4; positions
/// chu-tich 0, uv 1, giam-doc 2, pho-gd 3, truong-phong 4, cv-a 5, cv-b 6, cv-c 7.
fn org() -> Organisation {
    let mut so = unit("so", UnitKind::Department, Some("ubnd"));
    so.competence = vec![fld("land")];
    let mut ubnd = unit("ubnd", UnitKind::PeoplesCommittee, None);
    ubnd.collective = true;
    Organisation {
        units: vec![
            ubnd,
            so,
            unit("phong", UnitKind::Division, Some("so")),
            unit("sxd", UnitKind::Department, Some("ubnd")),
            unit("xa", UnitKind::Commune, Some("ubnd")),
        ],
        officials: [
            "chu-tich",
            "uv",
            "giam-doc",
            "pho-gd",
            "truong-phong",
            "cv-a",
            "cv-b",
            "cv-c",
        ]
        .into_iter()
        .map(official)
        .collect(),
        positions: vec![
            pos("chu-tich", "ubnd", Role::Head),
            pos("uv", "ubnd", Role::Member),
            pos("giam-doc", "so", Role::Head),
            pos("pho-gd", "so", Role::Deputy),
            pos("truong-phong", "phong", Role::OfficeHead),
            pos("cv-a", "phong", Role::Staff),
            pos("cv-b", "sxd", Role::Staff),
            pos("cv-c", "xa", Role::Staff),
        ],
        delegations: vec![],
    }
}

fn valid_org(o: Organisation) -> Arc<ValidOrganisation> {
    Arc::new(ValidOrganisation::new(o).unwrap())
}

fn org_err(o: Organisation) -> ValidationError {
    ValidOrganisation::new(o).unwrap_err()
}

fn step(id: &str, kind: StepKind, assignee: Option<&str>) -> Step {
    Step {
        id: sid(id),
        kind,
        assignee: assignee.map(oid),
        deputy: None,
        collective: None,
        due: None,
    }
}

/// A land task of `so`, received 2025-03-03 08:00 (Vietnam), with a receive
/// step for `cv-a` and a decide step for `giam-doc` (deputy `pho-gd`).
fn task() -> Task {
    let mut decide = step("s2", StepKind::Decide, Some("giam-doc"));
    decide.deputy = Some(oid("pho-gd"));
    Task {
        id: TaskId::new("t-1").unwrap(),
        title: "Cấp giấy chứng nhận".into(),
        unit: uid("so"),
        field: fld("land"),
        flags: TaskFlags::default(),
        competent_unit: uid("so"),
        origin: Origin::CitizenDossier,
        received: ts("2025-03-03T08:00:00+07:00"),
        deadline: None,
        stakeholders: vec![],
        legal: LegalRequirements::default(),
        document: None,
        steps: vec![step("s1", StepKind::Receive, Some("cv-a")), decide],
        assigned_by: None,
    }
}

fn ev(id: &str, at: &str, actor: &str, kind: EventKind) -> Event {
    Event {
        id: eid(id),
        at: ts(at),
        actor: oid(actor),
        step: None,
        document: None,
        kind,
    }
}

fn on_step(mut e: Event, s: &str) -> Event {
    e.step = Some(sid(s));
    e
}

fn case_with(
    o: Organisation,
    task: Task,
    events: Vec<Event>,
) -> Result<ValidCase, ValidationError> {
    ValidCase::new(valid_org(o), TaskRecord { task, events })
}

fn case(task: Task, events: Vec<Event>) -> Result<ValidCase, ValidationError> {
    case_with(org(), task, events)
}

fn case_err(task: Task, events: Vec<Event>) -> ValidationError {
    case(task, events).unwrap_err()
}

/// Asserts the error holds exactly one problem, with this code and path.
#[track_caller]
fn only(err: &ValidationError, code: ProblemCode, path: &str) -> Problem {
    assert_eq!(
        err.problems.len(),
        1,
        "expected one problem, got: {:#?}",
        err.problems
    );
    let p = err.problems[0].clone();
    assert_eq!((p.code, p.path.as_str()), (code, path), "{p}");
    p
}

/// The (code, path) pairs, sorted, for order-independent comparison.
fn codes(err: &ValidationError) -> Vec<(&'static str, String)> {
    let mut v: Vec<_> = err
        .problems
        .iter()
        .map(|p| (p.code.as_str(), p.path.clone()))
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------
// The baseline is valid.
// ---------------------------------------------------------------------------

#[test]
fn each_events_step_is_found_once_while_validating() {
    // Events on the second step, on none, and on the first, out of step order.
    let events = vec![
        on_step(
            ev(
                "e1",
                "2025-03-03T09:00:00+07:00",
                "giam-doc",
                EventKind::Assigned { to: oid("cv-a") },
            ),
            "s2",
        ),
        ev(
            "e2",
            "2025-03-04T09:00:00+07:00",
            "cv-a",
            EventKind::Accepted,
        ),
        on_step(
            ev(
                "e3",
                "2025-03-05T09:00:00+07:00",
                "cv-a",
                EventKind::Accepted,
            ),
            "s1",
        ),
    ];
    let c = case(task(), events).unwrap();
    let by_id: Vec<Option<usize>> = c
        .events()
        .iter()
        .map(|e| e.step.as_ref().and_then(|s| c.step_index(s)))
        .collect();
    let read: Vec<Option<usize>> = (0..c.events().len()).map(|i| c.event_step(i)).collect();
    assert_eq!(read, vec![Some(1), None, Some(0)]);
    assert_eq!(read, by_id);
}

#[test]
fn each_events_date_in_vietnam_is_found_once_while_validating() {
    // The same instants written in Vietnam time, in UTC and at UTC−5: the
    // dates are Vietnam's whatever the offset the time was written in.
    let events = vec![
        ev(
            "e1",
            "2025-03-03T23:30:00+07:00",
            "cv-a",
            EventKind::Accepted,
        ),
        ev("e2", "2025-03-03T17:30:00Z", "cv-a", EventKind::Accepted),
        ev(
            "e3",
            "2025-03-04T06:00:00-05:00",
            "cv-a",
            EventKind::Accepted,
        ),
    ];
    let c = case(task(), events).unwrap();
    assert_eq!(
        c.event_dates(),
        &[day("2025-03-03"), day("2025-03-04"), day("2025-03-04")]
    );
    for (e, d) in c.events().iter().zip(c.event_dates()) {
        assert_eq!(*d, vn_date(&e.at));
    }
}

#[test]
fn baseline_case_is_valid() {
    let events = vec![
        on_step(
            ev(
                "e1",
                "2025-03-03T09:00:00+07:00",
                "giam-doc",
                EventKind::Assigned { to: oid("cv-a") },
            ),
            "s1",
        ),
        on_step(
            ev(
                "e2",
                "2025-03-04T09:00:00+07:00",
                "cv-a",
                EventKind::Accepted,
            ),
            "s1",
        ),
    ];
    let c = case(task(), events).unwrap();
    assert_eq!(c.step_index(&sid("s2")), Some(1));
    assert_eq!(c.events().len(), 2);
    assert_eq!((c.event_step(0), c.event_step(1)), (Some(0), Some(0)));
    assert_eq!(c.event_step(2), None, "past the last event");
    let vo = c.org();
    assert!(vo.within(&uid("phong"), &uid("ubnd")));
    assert!(!vo.within(&uid("ubnd"), &uid("phong")));
    assert_eq!(
        vo.head_of(&uid("so"), day("2025-03-03")),
        Some(&oid("giam-doc"))
    );
}

#[test]
fn problem_codes_serialise_as_their_stable_strings() {
    let all = [
        ProblemCode::UnknownId,
        ProblemCode::DuplicateId,
        ProblemCode::Cycle,
        ProblemCode::WindowReversed,
        ProblemCode::TwoHeads,
        ProblemCode::EventOutOfOrder,
        ProblemCode::ActorWithoutPosition,
        ProblemCode::AssigneeOutsideUnit,
        ProblemCode::NoSteps,
        ProblemCode::BadFields,
        ProblemCode::UnknownStep,
        ProblemCode::TooManyEvents,
        ProblemCode::EventBeforeReceipt,
    ];
    for c in all {
        assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
    }
}

// ---------------------------------------------------------------------------
// unknown_id in the organisation.
// ---------------------------------------------------------------------------

#[test]
fn unknown_unit_parent() {
    let mut o = org();
    o.units[2].parent = Some(uid("nowhere"));
    let p = only(&org_err(o), ProblemCode::UnknownId, "units[2].parent");
    assert_eq!(p.value.as_deref(), Some("nowhere"));
    assert!(
        p.message.contains("unknown unit `nowhere`"),
        "{}",
        p.message
    );
    assert_eq!(p.help, None);
}

#[test]
fn unknown_position_official() {
    let mut o = org();
    o.positions[5].official = oid("nobody");
    let p = only(&org_err(o), ProblemCode::UnknownId, "positions[5].official");
    assert!(p.message.contains("unknown official `nobody`"));
}

#[test]
fn unknown_position_unit() {
    let mut o = org();
    o.positions[6].unit = uid("nowhere");
    let p = only(&org_err(o), ProblemCode::UnknownId, "positions[6].unit");
    assert!(p.message.contains("unknown unit `nowhere`"));
}

#[test]
fn unknown_delegation_from() {
    let mut o = org();
    o.delegations = vec![deleg("uq-1", "nobody", "cv-a")];
    only(&org_err(o), ProblemCode::UnknownId, "delegations[0].from");
}

#[test]
fn unknown_delegation_to() {
    let mut o = org();
    o.delegations = vec![deleg("uq-1", "giam-doc", "nobody")];
    only(&org_err(o), ProblemCode::UnknownId, "delegations[0].to");
}

#[test]
fn unknown_delegation_parent() {
    let mut o = org();
    let mut child = deleg("uq-2", "cv-a", "cv-b");
    child.parent = Some(did("nothing-here"));
    o.delegations = vec![deleg("uq-1", "giam-doc", "cv-a"), child];
    let p = only(&org_err(o), ProblemCode::UnknownId, "delegations[1].parent");
    assert!(p.message.contains("unknown delegation `nothing-here`"));
}

#[test]
fn known_delegation_parent_is_accepted() {
    let mut o = org();
    let mut child = deleg("uq-2", "cv-a", "cv-b");
    child.parent = Some(did("uq-1"));
    o.delegations = vec![deleg("uq-1", "giam-doc", "cv-a"), child];
    let v = ValidOrganisation::new(o).unwrap();
    assert_eq!(
        v.delegation(&did("uq-2")).unwrap().parent,
        Some(did("uq-1"))
    );
}

// ---------------------------------------------------------------------------
// duplicate_id.
// ---------------------------------------------------------------------------

#[test]
fn duplicate_unit_id() {
    let mut o = org();
    o.units.push(unit("sxd", UnitKind::Department, None));
    let p = only(&org_err(o), ProblemCode::DuplicateId, "units[5].id");
    assert_eq!(p.value.as_deref(), Some("sxd"));
}

#[test]
fn duplicate_official_id() {
    let mut o = org();
    o.officials.push(official("cv-a"));
    let p = only(&org_err(o), ProblemCode::DuplicateId, "officials[8].id");
    assert_eq!(p.value.as_deref(), Some("cv-a"));
}

#[test]
fn duplicate_delegation_id() {
    let mut o = org();
    o.delegations = vec![
        deleg("uq-1", "giam-doc", "cv-a"),
        deleg("uq-1", "giam-doc", "cv-b"),
    ];
    only(&org_err(o), ProblemCode::DuplicateId, "delegations[1].id");
}

#[test]
fn duplicate_step_id() {
    let mut t = task();
    t.steps[1].id = sid("s1");
    let p = only(
        &case_err(t, vec![]),
        ProblemCode::DuplicateId,
        "task.steps[1].id",
    );
    assert_eq!(p.value.as_deref(), Some("s1"));
}

#[test]
fn duplicate_event_id() {
    let events = vec![
        ev(
            "e1",
            "2025-03-03T09:00:00+07:00",
            "cv-a",
            EventKind::Accepted,
        ),
        ev(
            "e2",
            "2025-03-03T10:00:00+07:00",
            "cv-a",
            EventKind::Accepted,
        ),
        ev(
            "e1",
            "2025-03-03T11:00:00+07:00",
            "cv-a",
            EventKind::Completed,
        ),
    ];
    only(
        &case_err(task(), events),
        ProblemCode::DuplicateId,
        "events[2].id",
    );
}

// ---------------------------------------------------------------------------
// cycle.
// ---------------------------------------------------------------------------

#[test]
fn self_parent_is_a_cycle() {
    let mut o = org();
    o.units[3].parent = Some(uid("sxd"));
    let p = only(&org_err(o), ProblemCode::Cycle, "units[3].parent");
    assert_eq!(p.value.as_deref(), Some("sxd"));
}

#[test]
fn three_cycle_flags_each_member() {
    let mut o = org();
    o.units.push(unit("a", UnitKind::Other, Some("b")));
    o.units.push(unit("b", UnitKind::Other, Some("c")));
    o.units.push(unit("c", UnitKind::Other, Some("a")));
    let err = org_err(o);
    assert_eq!(
        codes(&err),
        vec![
            ("cycle", "units[5].parent".to_string()),
            ("cycle", "units[6].parent".to_string()),
            ("cycle", "units[7].parent".to_string()),
        ]
    );
}

#[test]
fn a_deep_chain_is_not_a_cycle() {
    let mut o = org();
    o.units.push(unit("d1", UnitKind::Other, Some("phong")));
    o.units.push(unit("d2", UnitKind::Other, Some("d1")));
    let v = ValidOrganisation::new(o).unwrap();
    assert!(v.within(&uid("d2"), &uid("ubnd")));
    assert!(v.within(&uid("d2"), &uid("so")));
    assert!(!v.within(&uid("d2"), &uid("sxd")));
}

// ---------------------------------------------------------------------------
// window_reversed.
// ---------------------------------------------------------------------------

#[test]
fn position_window_reversed() {
    let mut o = org();
    o.positions[6].until = Some(day("2019-12-31"));
    let p = only(
        &org_err(o),
        ProblemCode::WindowReversed,
        "positions[6].until",
    );
    assert_eq!(p.value.as_deref(), Some("2019-12-31"));
}

#[test]
fn position_window_empty_is_reversed() {
    let mut o = org();
    o.positions[6].until = Some(day("2020-01-01"));
    only(
        &org_err(o),
        ProblemCode::WindowReversed,
        "positions[6].until",
    );
}

#[test]
fn position_window_of_one_day_is_fine() {
    let mut o = org();
    o.positions[6].until = Some(day("2020-01-02"));
    ValidOrganisation::new(o).unwrap();
}

#[test]
fn delegation_window_reversed() {
    let mut o = org();
    let mut d = deleg("uq-1", "giam-doc", "cv-a");
    d.valid_until = d.valid_from;
    o.delegations = vec![d];
    let p = only(
        &org_err(o),
        ProblemCode::WindowReversed,
        "delegations[0].valid_until",
    );
    assert_eq!(p.value.as_deref(), Some("2025-01-01"));
}

// ---------------------------------------------------------------------------
// two_heads.
// ---------------------------------------------------------------------------

#[test]
fn overlapping_heads() {
    let mut o = org();
    let mut second = pos("truong-phong", "so", Role::Head);
    second.from = day("2024-06-01");
    o.positions.push(second);
    let p = only(&org_err(o), ProblemCode::TwoHeads, "positions[8]");
    assert_eq!(p.value.as_deref(), Some("truong-phong"));
    assert!(p.message.contains("giam-doc"), "{}", p.message);
}

#[test]
fn overlapping_heads_with_both_windows_closed() {
    let mut o = org();
    o.positions[2].until = Some(day("2025-01-02"));
    let mut second = pos("truong-phong", "so", Role::Head);
    second.from = day("2025-01-01");
    second.until = Some(day("2026-01-01"));
    o.positions.push(second);
    only(&org_err(o), ProblemCode::TwoHeads, "positions[8]");
}

#[test]
fn back_to_back_heads_are_fine() {
    let mut o = org();
    o.positions[2].until = Some(day("2025-01-01"));
    let mut second = pos("truong-phong", "so", Role::Head);
    second.from = day("2025-01-01");
    o.positions.push(second);
    let v = ValidOrganisation::new(o).unwrap();
    assert_eq!(
        v.head_of(&uid("so"), day("2024-12-31")),
        Some(&oid("giam-doc"))
    );
    assert_eq!(
        v.head_of(&uid("so"), day("2025-01-01")),
        Some(&oid("truong-phong"))
    );
}

#[test]
fn head_with_acting_head_or_head_elsewhere_is_fine() {
    let mut o = org();
    o.positions.push(pos("pho-gd", "so", Role::ActingHead));
    o.positions.push(pos("giam-doc", "sxd", Role::Head));
    ValidOrganisation::new(o).unwrap();
}

// ---------------------------------------------------------------------------
// bad_fields.
// ---------------------------------------------------------------------------

#[test]
fn deputy_without_fields() {
    let mut o = org();
    o.positions[3].fields.clear();
    let p = only(&org_err(o), ProblemCode::BadFields, "positions[3].fields");
    assert!(p.message.contains("pho-gd"));
}

// ---------------------------------------------------------------------------
// unknown_id in the task.
// ---------------------------------------------------------------------------

#[test]
fn unknown_task_unit() {
    let mut t = task();
    t.unit = uid("nowhere");
    only(&case_err(t, vec![]), ProblemCode::UnknownId, "task.unit");
}

#[test]
fn unknown_task_competent_unit() {
    let mut t = task();
    t.competent_unit = uid("nowhere");
    only(
        &case_err(t, vec![]),
        ProblemCode::UnknownId,
        "task.competent_unit",
    );
}

#[test]
fn unknown_task_stakeholder() {
    let mut t = task();
    t.stakeholders = vec![uid("sxd"), uid("nowhere")];
    only(
        &case_err(t, vec![]),
        ProblemCode::UnknownId,
        "task.stakeholders[1]",
    );
}

#[test]
fn unknown_mandatory_consultee() {
    let mut t = task();
    t.legal.mandatory_consultees = vec![uid("nowhere")];
    only(
        &case_err(t, vec![]),
        ProblemCode::UnknownId,
        "task.legal.mandatory_consultees[0]",
    );
}

#[test]
fn unknown_assigned_by() {
    let mut t = task();
    t.assigned_by = Some(oid("nobody"));
    only(
        &case_err(t, vec![]),
        ProblemCode::UnknownId,
        "task.assigned_by",
    );
}

#[test]
fn unknown_step_assignee() {
    let mut t = task();
    t.steps[0].assignee = Some(oid("nobody"));
    // An unknown assignee is reported once, not also as outside the unit.
    only(
        &case_err(t, vec![]),
        ProblemCode::UnknownId,
        "task.steps[0].assignee",
    );
}

#[test]
fn unknown_step_deputy() {
    let mut t = task();
    t.steps[1].deputy = Some(oid("nobody"));
    only(
        &case_err(t, vec![]),
        ProblemCode::UnknownId,
        "task.steps[1].deputy",
    );
}

#[test]
fn unknown_step_collective() {
    let mut t = task();
    t.steps[1].collective = Some(uid("nowhere"));
    only(
        &case_err(t, vec![]),
        ProblemCode::UnknownId,
        "task.steps[1].collective",
    );
}

// ---------------------------------------------------------------------------
// unknown_id in events.
// ---------------------------------------------------------------------------

const AT: &str = "2025-03-03T09:00:00+07:00";

#[test]
fn unknown_event_actor() {
    let e = ev("e1", AT, "nobody", EventKind::Accepted);
    // Reported as unknown, not also as holding no position.
    only(
        &case_err(task(), vec![e]),
        ProblemCode::UnknownId,
        "events[0].actor",
    );
}

#[test]
fn unknown_ids_in_every_event_field() {
    let nobody = || oid("nobody");
    let nowhere = || uid("nowhere");
    let item = |spoke: Vec<OfficialId>, silent: Vec<OfficialId>| MeetingItem {
        title: "item".into(),
        field: None,
        spoke,
        silent,
    };
    let cases: Vec<(EventKind, &str)> = vec![
        (EventKind::Assigned { to: nobody() }, "events[0].to"),
        (EventKind::Reminder { to: Some(nobody()) }, "events[0].to"),
        (
            EventKind::InstructionRequested {
                to: nobody(),
                answer_by: None,
            },
            "events[0].to",
        ),
        (EventKind::OrderGiven { to: nobody() }, "events[0].to"),
        (
            EventKind::WrittenObjection {
                superior: nobody(),
                reason: "unlawful".into(),
            },
            "events[0].superior",
        ),
        (
            EventKind::InnovationApproved {
                approved_by: nobody(),
            },
            "events[0].approved_by",
        ),
        (
            EventKind::Vote {
                collective: uid("ubnd"),
                in_favour: vec![oid("chu-tich"), nobody()],
                dissent: vec![],
            },
            "events[0].in_favour[1]",
        ),
        (
            EventKind::Vote {
                collective: uid("ubnd"),
                in_favour: vec![oid("chu-tich")],
                dissent: vec![nobody()],
            },
            "events[0].dissent[0]",
        ),
        (
            EventKind::Vote {
                collective: nowhere(),
                in_favour: vec![oid("chu-tich")],
                dissent: vec![],
            },
            "events[0].collective",
        ),
        (
            EventKind::MeetingHeld {
                items: vec![item(vec![nobody()], vec![])],
                absent_with_leave: vec![],
                recused: vec![],
            },
            "events[0].items[0].spoke[0]",
        ),
        (
            EventKind::MeetingHeld {
                items: vec![item(vec![oid("uv")], vec![nobody()])],
                absent_with_leave: vec![],
                recused: vec![],
            },
            "events[0].items[0].silent[0]",
        ),
        (
            EventKind::MeetingHeld {
                items: vec![],
                absent_with_leave: vec![nobody()],
                recused: vec![],
            },
            "events[0].absent_with_leave[0]",
        ),
        (
            EventKind::MeetingHeld {
                items: vec![],
                absent_with_leave: vec![],
                recused: vec![nobody()],
            },
            "events[0].recused[0]",
        ),
        (
            EventKind::TransferredUp { to_unit: nowhere() },
            "events[0].to_unit",
        ),
        (
            EventKind::TransferredSideways { to_unit: nowhere() },
            "events[0].to_unit",
        ),
        (
            EventKind::Returned {
                reason: "outside competence".into(),
                legal_basis: None,
                to_unit: Some(nowhere()),
            },
            "events[0].to_unit",
        ),
        (
            EventKind::ConsultationRequested {
                addressees: vec![uid("sxd"), nowhere()],
                reply_by: None,
            },
            "events[0].addressees[1]",
        ),
        (
            EventKind::ConsultationReplied {
                unit: nowhere(),
                position: ReplyPosition::Clear,
                request: None,
            },
            "events[0].unit",
        ),
        (
            EventKind::Signed {
                mode: SigningMode::Kt,
                delegation: Some(did("nothing")),
            },
            "events[0].delegation",
        ),
    ];
    for (kind, path) in cases {
        let name = kind.name();
        let err = case_err(task(), vec![ev("e1", AT, "giam-doc", kind)]);
        assert_eq!(
            codes(&err),
            vec![("unknown_id", path.to_string())],
            "event kind {name}"
        );
    }
}

#[test]
fn unknown_recused_official_is_reported() {
    // The path names the event; which field it names is checked loosely.
    let kind = EventKind::MeetingHeld {
        items: vec![],
        absent_with_leave: vec![],
        recused: vec![oid("nobody")],
    };
    let err = case_err(task(), vec![ev("e1", AT, "chu-tich", kind)]);
    assert_eq!(err.problems.len(), 1, "{err}");
    assert_eq!(err.problems[0].code, ProblemCode::UnknownId);
    assert!(err.problems[0].path.starts_with("events[0]."));
}

#[test]
fn known_ids_in_event_fields_are_accepted() {
    let events = vec![
        ev(
            "e1",
            AT,
            "giam-doc",
            EventKind::ConsultationRequested {
                addressees: vec![uid("sxd"), uid("xa")],
                reply_by: Some(day("2025-03-10")),
            },
        ),
        ev(
            "e2",
            "2025-03-05T09:00:00+07:00",
            "cv-b",
            EventKind::ConsultationReplied {
                unit: uid("sxd"),
                position: ReplyPosition::Vague,
                request: Some(eid("e1")),
            },
        ),
        ev(
            "e3",
            "2025-03-06T09:00:00+07:00",
            "chu-tich",
            EventKind::Vote {
                collective: uid("ubnd"),
                in_favour: vec![oid("chu-tich")],
                dissent: vec![oid("uv")],
            },
        ),
        ev(
            "e4",
            "2025-03-07T09:00:00+07:00",
            "giam-doc",
            EventKind::Reminder { to: None },
        ),
        ev(
            "e5",
            "2025-03-07T10:00:00+07:00",
            "giam-doc",
            EventKind::Returned {
                reason: "outside competence".into(),
                legal_basis: None,
                to_unit: None,
            },
        ),
    ];
    case(task(), events).unwrap();
}

#[test]
fn known_signing_delegation_is_accepted() {
    let mut o = org();
    o.delegations = vec![deleg("uq-1", "giam-doc", "pho-gd")];
    let e = ev(
        "e1",
        AT,
        "pho-gd",
        EventKind::Signed {
            mode: SigningMode::Delegation,
            delegation: Some(did("uq-1")),
        },
    );
    case_with(o, task(), vec![e]).unwrap();
}

// ---------------------------------------------------------------------------
// "Did you mean".
// ---------------------------------------------------------------------------

#[test]
fn near_miss_official_gets_help() {
    let e = ev("e1", AT, "giam-doq", EventKind::Accepted);
    let err = case_err(task(), vec![e]);
    let p = only(&err, ProblemCode::UnknownId, "events[0].actor");
    assert_eq!(p.value.as_deref(), Some("giam-doq"));
    assert_eq!(p.help.as_deref(), Some("did you mean `giam-doc`?"));
    assert!(p.to_string().contains("help: did you mean `giam-doc`?"));
}

#[test]
fn near_miss_unit_gets_help() {
    let mut o = org();
    o.units[2].parent = Some(uid("sõ"));
    let p = only(&org_err(o), ProblemCode::UnknownId, "units[2].parent");
    assert_eq!(p.help.as_deref(), Some("did you mean `so`?"));

    let mut t = task();
    t.unit = uid("phomg");
    let p = only(&case_err(t, vec![]), ProblemCode::UnknownId, "task.unit");
    assert_eq!(p.help.as_deref(), Some("did you mean `phong`?"));
}

#[test]
fn far_miss_gets_no_help() {
    let mut t = task();
    t.steps[0].assignee = Some(oid("zzzzzzzzzz"));
    let p = only(
        &case_err(t, vec![]),
        ProblemCode::UnknownId,
        "task.steps[0].assignee",
    );
    assert_eq!(p.help, None);
    assert!(!p.to_string().contains("help:"));
}

// ---------------------------------------------------------------------------
// no_steps, unknown_step.
// ---------------------------------------------------------------------------

#[test]
fn task_without_steps() {
    let mut t = task();
    t.steps.clear();
    only(&case_err(t, vec![]), ProblemCode::NoSteps, "task.steps");
}

#[test]
fn event_naming_an_unknown_step() {
    let e = on_step(ev("e1", AT, "cv-a", EventKind::Accepted), "s3");
    let p = only(
        &case_err(task(), vec![e]),
        ProblemCode::UnknownStep,
        "events[0].step",
    );
    assert_eq!(p.value.as_deref(), Some("s3"));
    assert_eq!(p.help.as_deref(), Some("did you mean `s1`?"));

    let e = on_step(ev("e1", AT, "cv-a", EventKind::Accepted), "khau-khac");
    let p = only(
        &case_err(task(), vec![e]),
        ProblemCode::UnknownStep,
        "events[0].step",
    );
    assert_eq!(p.help, None);
}

// ---------------------------------------------------------------------------
// event_out_of_order, event_before_receipt.
// ---------------------------------------------------------------------------

#[test]
fn events_out_of_order() {
    let events = vec![
        ev(
            "e1",
            "2025-03-03T10:00:00+07:00",
            "cv-a",
            EventKind::Accepted,
        ),
        ev(
            "e2",
            "2025-03-03T09:00:00+07:00",
            "cv-a",
            EventKind::Accepted,
        ),
        ev(
            "e3",
            "2025-03-03T09:30:00+07:00",
            "cv-a",
            EventKind::Completed,
        ),
    ];
    let p = only(
        &case_err(task(), events),
        ProblemCode::EventOutOfOrder,
        "events[1].at",
    );
    assert_eq!(p.value.as_deref(), Some("2025-03-03T09:00:00+07:00"));
}

#[test]
fn events_at_the_same_instant_are_in_order() {
    // The same instant written with two offsets.
    let events = vec![
        ev(
            "e1",
            "2025-03-03T10:00:00+07:00",
            "cv-a",
            EventKind::Accepted,
        ),
        ev("e2", "2025-03-03T03:00:00Z", "cv-a", EventKind::Completed),
    ];
    case(task(), events).unwrap();
}

#[test]
fn instants_are_compared_across_offsets() {
    // 09:30 UTC+07:00 is after 02:00 UTC (09:00 UTC+07:00) …
    let events = vec![
        ev("e1", "2025-03-03T02:00:00Z", "cv-a", EventKind::Accepted),
        ev(
            "e2",
            "2025-03-03T09:30:00+07:00",
            "cv-a",
            EventKind::Completed,
        ),
    ];
    case(task(), events).unwrap();
    // … but 09:30 UTC+07:00 is before 03:00 UTC (10:00 UTC+07:00).
    let events = vec![
        ev("e1", "2025-03-03T03:00:00Z", "cv-a", EventKind::Accepted),
        ev(
            "e2",
            "2025-03-03T09:30:00+07:00",
            "cv-a",
            EventKind::Completed,
        ),
    ];
    only(
        &case_err(task(), events),
        ProblemCode::EventOutOfOrder,
        "events[1].at",
    );
}

#[test]
fn event_before_receipt() {
    let events = vec![ev(
        "e1",
        "2025-03-03T07:59:59+07:00",
        "cv-a",
        EventKind::Accepted,
    )];
    let p = only(
        &case_err(task(), events),
        ProblemCode::EventBeforeReceipt,
        "events[0].at",
    );
    assert_eq!(p.value.as_deref(), Some("2025-03-03T07:59:59+07:00"));
}

#[test]
fn event_at_receipt_is_fine() {
    let events = vec![ev(
        "e1",
        "2025-03-03T01:00:00Z",
        "cv-a",
        EventKind::Accepted,
    )];
    case(task(), events).unwrap();
}

#[test]
fn event_before_receipt_across_offsets() {
    // 00:30 UTC is 07:30 in Vietnam, before the 08:00 receipt.
    let events = vec![ev(
        "e1",
        "2025-03-03T00:30:00Z",
        "cv-a",
        EventKind::Accepted,
    )];
    only(
        &case_err(task(), events),
        ProblemCode::EventBeforeReceipt,
        "events[0].at",
    );
}

// ---------------------------------------------------------------------------
// actor_without_position.
// ---------------------------------------------------------------------------

/// `org()` where `cv-c` holds the commune post only until 2025-03-10 (exclusive).
fn org_cv_c_leaves() -> Organisation {
    let mut o = org();
    o.positions[7].until = Some(day("2025-03-10"));
    o
}

#[test]
fn actor_without_position_after_leaving() {
    let e = ev(
        "e1",
        "2025-03-11T09:00:00+07:00",
        "cv-c",
        EventKind::Accepted,
    );
    let err = case_with(org_cv_c_leaves(), task(), vec![e]).unwrap_err();
    let p = only(&err, ProblemCode::ActorWithoutPosition, "events[0].actor");
    assert_eq!(p.value.as_deref(), Some("cv-c"));
    assert!(p.message.contains("2025-03-11"), "{}", p.message);
}

#[test]
fn actor_without_position_before_starting() {
    let mut o = org();
    o.positions[7].from = day("2025-04-01");
    let e = ev("e1", AT, "cv-c", EventKind::Accepted);
    let err = case_with(o, task(), vec![e]).unwrap_err();
    only(&err, ProblemCode::ActorWithoutPosition, "events[0].actor");
}

#[test]
fn position_until_is_exclusive() {
    // The last day held is 2025-03-09.
    let e = ev(
        "e1",
        "2025-03-09T23:59:59+07:00",
        "cv-c",
        EventKind::Accepted,
    );
    case_with(org_cv_c_leaves(), task(), vec![e]).unwrap();
    // On the `until` day itself the position is no longer held.
    let e = ev(
        "e1",
        "2025-03-10T00:00:00+07:00",
        "cv-c",
        EventKind::Accepted,
    );
    let err = case_with(org_cv_c_leaves(), task(), vec![e]).unwrap_err();
    only(&err, ProblemCode::ActorWithoutPosition, "events[0].actor");
}

#[test]
fn position_dates_are_vietnam_dates() {
    // 17:30 UTC on the 9th is 00:30 on the 10th in Vietnam: no longer held.
    let e = ev("e1", "2025-03-09T17:30:00Z", "cv-c", EventKind::Accepted);
    let err = case_with(org_cv_c_leaves(), task(), vec![e]).unwrap_err();
    only(&err, ProblemCode::ActorWithoutPosition, "events[0].actor");
    // 16:30 UTC on the 9th is 23:30 on the 9th in Vietnam: still held.
    let e = ev("e1", "2025-03-09T16:30:00Z", "cv-c", EventKind::Accepted);
    case_with(org_cv_c_leaves(), task(), vec![e]).unwrap();
}

// ---------------------------------------------------------------------------
// assignee_outside_unit.
// ---------------------------------------------------------------------------

/// The task with its receive step assigned to `who`.
fn task_for(who: &str) -> Task {
    let mut t = task();
    t.steps[0].assignee = Some(oid(who));
    t
}

#[test]
fn assignee_from_another_department() {
    let err = case_err(task_for("cv-b"), vec![]);
    let p = only(
        &err,
        ProblemCode::AssigneeOutsideUnit,
        "task.steps[0].assignee",
    );
    assert_eq!(p.value.as_deref(), Some("cv-b"));
}

#[test]
fn assignee_in_the_unit_itself() {
    case(task_for("pho-gd"), vec![]).unwrap();
}

#[test]
fn assignee_on_the_staff_of_a_sub_unit() {
    // cv-a is staff of `phong`, a division of `so`.
    case(task_for("cv-a"), vec![]).unwrap();
    case(task_for("truong-phong"), vec![]).unwrap();
}

#[test]
fn assignee_from_a_superior_unit() {
    // chu-tich heads `ubnd`, which `so` belongs to.
    case(task_for("chu-tich"), vec![]).unwrap();
}

#[test]
fn assignee_who_no_longer_serves() {
    let mut o = org();
    o.positions[5].until = Some(day("2025-03-01"));
    let err = case_with(o, task_for("cv-a"), vec![]).unwrap_err();
    only(
        &err,
        ProblemCode::AssigneeOutsideUnit,
        "task.steps[0].assignee",
    );
}

#[test]
fn assignee_covered_by_a_delegation() {
    let mut o = org();
    o.delegations = vec![deleg("uq-1", "giam-doc", "cv-c")];
    case_with(o, task_for("cv-c"), vec![]).unwrap();
}

#[test]
fn delegation_for_the_named_field_covers_it() {
    let mut o = org();
    let mut d = deleg("uq-1", "giam-doc", "cv-c");
    d.fields = vec![fld("construction"), fld("land")];
    o.delegations = vec![d];
    case_with(o, task_for("cv-c"), vec![]).unwrap();
}

#[test]
fn delegation_for_another_field_does_not_cover() {
    let mut o = org();
    let mut d = deleg("uq-1", "giam-doc", "cv-c");
    d.fields = vec![fld("construction")];
    o.delegations = vec![d];
    let err = case_with(o, task_for("cv-c"), vec![]).unwrap_err();
    only(
        &err,
        ProblemCode::AssigneeOutsideUnit,
        "task.steps[0].assignee",
    );
}

#[test]
fn expired_delegation_does_not_cover() {
    let mut o = org();
    let mut d = deleg("uq-1", "giam-doc", "cv-c");
    d.valid_from = day("2024-01-01");
    d.valid_until = day("2025-03-03"); // exclusive: the day of receipt is not covered
    o.delegations = vec![d];
    let err = case_with(o, task_for("cv-c"), vec![]).unwrap_err();
    only(
        &err,
        ProblemCode::AssigneeOutsideUnit,
        "task.steps[0].assignee",
    );
}

#[test]
fn assignee_is_checked_on_the_date_of_the_steps_first_event() {
    // The delegation starts after receipt but before the step's first event.
    let mut o = org();
    let mut d = deleg("uq-1", "giam-doc", "cv-c");
    d.valid_from = day("2025-03-05");
    o.delegations = vec![d];
    let e = on_step(
        ev(
            "e1",
            "2025-03-06T09:00:00+07:00",
            "giam-doc",
            EventKind::Assigned { to: oid("cv-c") },
        ),
        "s1",
    );
    case_with(o.clone(), task_for("cv-c"), vec![e]).unwrap();
    // Without an event the date of receipt is used, when it was not yet in force.
    let err = case_with(o, task_for("cv-c"), vec![]).unwrap_err();
    only(
        &err,
        ProblemCode::AssigneeOutsideUnit,
        "task.steps[0].assignee",
    );
}

#[test]
fn assignee_in_the_competent_unit() {
    let mut t = task_for("cv-b");
    t.competent_unit = uid("sxd");
    case(t, vec![]).unwrap();
}

#[test]
fn assignee_in_a_unit_the_task_was_transferred_to() {
    let e = ev(
        "e1",
        AT,
        "giam-doc",
        EventKind::TransferredSideways {
            to_unit: uid("sxd"),
        },
    );
    case(task_for("cv-b"), vec![e]).unwrap();
    let e = ev(
        "e1",
        AT,
        "giam-doc",
        EventKind::TransferredUp { to_unit: uid("xa") },
    );
    case(task_for("cv-c"), vec![e]).unwrap();
}

#[test]
fn assignee_serving_in_the_steps_collective() {
    let mut t = task_for("cv-b");
    t.steps[0].collective = Some(uid("sxd"));
    case(t, vec![]).unwrap();
}

// ---------------------------------------------------------------------------
// too_many_events.
// ---------------------------------------------------------------------------

#[test]
fn too_many_events() {
    let one = ev("e", AT, "cv-a", EventKind::Accepted);
    let events = vec![one; MAX_EVENTS_PER_TASK + 1];
    assert_eq!(events.len(), 100_001);
    let p = only(
        &case_err(task(), events),
        ProblemCode::TooManyEvents,
        "events",
    );
    assert!(p.message.contains("100001"), "{}", p.message);
}

#[test]
fn the_event_limit_itself_is_allowed() {
    let base = ts(AT);
    let events: Vec<Event> = (0..MAX_EVENTS_PER_TASK)
        .map(|i| Event {
            id: eid(&format!("e{i}")),
            at: base + chrono::Duration::seconds(i64::try_from(i).unwrap()),
            actor: oid("cv-a"),
            step: None,
            document: None,
            kind: EventKind::ProgressUpdate {
                note: String::new(),
            },
        })
        .collect();
    case(task(), events).unwrap();
}

// ---------------------------------------------------------------------------
// Collecting and prefixing.
// ---------------------------------------------------------------------------

#[test]
fn every_problem_is_listed() {
    let mut t = task();
    t.unit = uid("nowhere");
    t.steps[1].deputy = Some(oid("nobody"));
    let events = vec![
        ev(
            "e1",
            "2025-03-03T07:00:00+07:00",
            "cv-a",
            EventKind::Accepted,
        ),
        on_step(
            ev(
                "e1",
                "2025-03-03T06:00:00+07:00",
                "cv-a",
                EventKind::Accepted,
            ),
            "s9",
        ),
    ];
    let err = case_err(t, events);
    assert_eq!(
        codes(&err),
        vec![
            ("duplicate_id", "events[1].id".to_string()),
            ("event_before_receipt", "events[0].at".to_string()),
            ("event_before_receipt", "events[1].at".to_string()),
            ("event_out_of_order", "events[1].at".to_string()),
            ("unknown_id", "task.steps[1].deputy".to_string()),
            ("unknown_id", "task.unit".to_string()),
            ("unknown_step", "events[1].step".to_string()),
        ]
    );
    assert!(err.to_string().starts_with("7 validation problem(s)"));
    assert!(err.has(ProblemCode::UnknownStep));
    assert!(!err.has(ProblemCode::Cycle));
}

#[test]
fn case_validation_prefixes_organisation_paths_and_stops_there() {
    let mut o = org();
    o.units[2].parent = Some(uid("nowhere"));
    let mut t = task();
    t.unit = uid("also-nowhere");
    let err = Case {
        organisation: o,
        task: t,
        events: vec![],
    }
    .validate()
    .unwrap_err();
    only(&err, ProblemCode::UnknownId, "organisation.units[2].parent");
}

#[test]
fn case_validation_reports_task_paths_unprefixed() {
    let mut t = task();
    t.unit = uid("nowhere");
    let err = Case {
        organisation: org(),
        task: t,
        events: vec![],
    }
    .validate()
    .unwrap_err();
    only(&err, ProblemCode::UnknownId, "task.unit");
}
