//! A seeded, deterministic generator of synthetic organisations and task
//! histories with realistic event mixes and avoidance rates, for research,
//! property tests and benchmarks. Same configuration, same output, on every
//! machine (its own SplitMix64 generator; no dependency).

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Offset, TimeZone};
use serde::{Deserialize, Serialize};

use crate::id::{EventId, Field, OfficialId, StepId, Trusted, UnitId};
use crate::model::{
    Category, Deadline, Event, EventKind, LegalRequirements, Official, Organisation, Origin,
    Position, ReplyPosition, Role, Step, StepKind, Task, TaskFlags, TaskRecord, Unit, UnitKind,
};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GenConfig {
    /// The seed.
    pub seed: u64,
    /// Departments under the provincial committee (each with two divisions and a commune beside it).
    pub departments: usize,
    /// Staff per division.
    pub staff_per_unit: usize,
    /// Target number of events per task (at least the few a task needs).
    pub events_per_task: usize,
    /// Share of tasks, in percent, that show an avoidance behaviour.
    pub avoidance_percent: u32,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            seed: 1,
            departments: 10,
            staff_per_unit: 3,
            events_per_task: 10,
            avoidance_percent: 30,
        }
    }
}

/// SplitMix64: small, fast, and the same everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
    /// True with the given percent chance.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        v.get(self.below(v.len()))
    }
}

const FIELDS: &[&str] = &[
    "natural_resources_environment",
    "land",
    "construction",
    "transport",
    "bidding",
    "equipment_procurement",
    "finance",
    "education",
];

/// A generated organisation with the officials of each unit, by role.
#[derive(Debug, Clone)]
pub struct GenOrg {
    /// The organisation.
    pub organisation: Organisation,
    /// Per working unit: (unit, its field, head, deputy, staff).
    units: Vec<(UnitId, Field, OfficialId, OfficialId, Vec<OfficialId>)>,
    root: UnitId,
}

/// Generates an organisation.
pub fn organisation(cfg: &GenConfig) -> GenOrg {
    let mut rng = Rng::new(cfg.seed ^ 0xA5A5);
    let from = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    let mut units = Vec::new();
    let mut officials = Vec::new();
    let mut positions = Vec::new();
    let mut work = Vec::new();
    let root: UnitId = Trusted::trusted("ubnd");
    units.push(Unit {
        id: root.clone(),
        name: "Ủy ban nhân dân tỉnh".into(),
        kind: UnitKind::PeoplesCommittee,
        parent: None,
        competence: FIELDS.iter().map(|f| Trusted::trusted(f)).collect(),
        collective: true,
    });
    let mut person = 0usize;
    let mut new_official = |officials: &mut Vec<Official>, cat: Category| -> OfficialId {
        person += 1;
        let oid: OfficialId = Trusted::trusted(&format!("o{person}"));
        officials.push(Official {
            id: oid.clone(),
            name: format!("Cán bộ {person}"),
            category: cat,
            party_member: person.is_multiple_of(2),
            expertise: Vec::new(),
        });
        oid
    };
    let chair = new_official(&mut officials, Category::CanBo);
    positions.push(Position {
        official: chair,
        unit: root.clone(),
        role: Role::Head,
        fields: vec![],
        from,
        until: None,
        document: None,
    });
    for d in 0..cfg.departments.max(1) {
        let field: Field =
            Trusted::trusted(FIELDS.get(d % FIELDS.len()).copied().unwrap_or("land"));
        let dept: UnitId = Trusted::trusted(&format!("so{d}"));
        units.push(Unit {
            id: dept.clone(),
            name: format!("Sở {d}"),
            kind: UnitKind::Department,
            parent: Some(root.clone()),
            competence: vec![field.clone()],
            collective: false,
        });
        let head = new_official(&mut officials, Category::CongChuc);
        let deputy = new_official(&mut officials, Category::CongChuc);
        positions.push(Position {
            official: head.clone(),
            unit: dept.clone(),
            role: Role::Head,
            fields: vec![],
            from,
            until: None,
            document: None,
        });
        positions.push(Position {
            official: deputy.clone(),
            unit: dept.clone(),
            role: Role::Deputy,
            fields: vec![field.clone()],
            from,
            until: None,
            document: None,
        });
        for k in 0..2 {
            let div: UnitId = Trusted::trusted(&format!("so{d}-p{k}"));
            units.push(Unit {
                id: div.clone(),
                name: format!("Phòng {k} Sở {d}"),
                kind: UnitKind::Division,
                parent: Some(dept.clone()),
                competence: vec![field.clone()],
                collective: false,
            });
            let mut staff = Vec::new();
            for _ in 0..cfg.staff_per_unit.max(1) {
                let s = new_official(
                    &mut officials,
                    if rng.chance(80) {
                        Category::CongChuc
                    } else {
                        Category::VienChuc
                    },
                );
                positions.push(Position {
                    official: s.clone(),
                    unit: div.clone(),
                    role: Role::Staff,
                    fields: vec![],
                    from,
                    until: None,
                    document: None,
                });
                staff.push(s);
            }
            let _ = k;
            work.push((
                dept.clone(),
                field.clone(),
                head.clone(),
                deputy.clone(),
                staff,
            ));
        }
    }
    GenOrg {
        organisation: Organisation {
            units,
            officials,
            positions,
            delegations: Vec::new(),
        },
        units: work,
        root,
    }
}

fn vn() -> FixedOffset {
    FixedOffset::east_opt(crate::time::VN_OFFSET_SECONDS).unwrap_or_else(|| chrono::Utc.fix())
}

/// Generates task `n` (0-based) over a generated organisation. Deterministic in (config, n).
pub fn task(cfg: &GenConfig, org: &GenOrg, n: usize) -> TaskRecord {
    let mut rng = Rng::new(
        cfg.seed
            .wrapping_mul(0x1000_0000_01B3)
            .wrapping_add(n as u64),
    );
    let cal = crate::calendar::Calendar::vietnam();
    let (unit, field, head, deputy, staff) = match org.units.get(rng.below(org.units.len())) {
        Some(u) => u.clone(),
        None => (
            org.root.clone(),
            Trusted::trusted("land"),
            Trusted::trusted("o1"),
            Trusted::trusted("o1"),
            vec![],
        ),
    };
    let cv = rng.pick(&staff).cloned().unwrap_or_else(|| head.clone());
    // A working day between 2024-01-02 and 2026-01-30.
    let start = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap_or_default();
    let mut day = start + Duration::days(rng.below(750) as i64);
    day = cal.next_working_day(day).unwrap_or(day);
    let at = |d: NaiveDate, minutes: i64| -> DateTime<FixedOffset> {
        let naive = d.and_hms_opt(8, 0, 0).unwrap_or_default() + Duration::minutes(minutes);
        vn().from_local_datetime(&naive)
            .single()
            .unwrap_or_else(|| vn().from_utc_datetime(&naive))
    };
    let received = at(day, 0);
    let days = 5 + rng.below(20) as u32;
    let due = cal.add_working_days(day, days).unwrap_or(day);
    let origin = match rng.below(6) {
        0 => Origin::CitizenDossier,
        1 => Origin::SuperiorDirection,
        2 => Origin::InterAgencyRequest,
        3 => Origin::CitizenPetition,
        _ => Origin::OwnPlan,
    };
    let sid = |s: &str| -> StepId { Trusted::trusted(s) };
    let steps = vec![
        Step {
            id: sid("s1"),
            kind: StepKind::Advise,
            assignee: Some(cv.clone()),
            deputy: Some(deputy.clone()),
            collective: None,
            due: cal.add_working_days(day, days / 2).ok(),
        },
        Step {
            id: sid("s2"),
            kind: StepKind::Decide,
            assignee: Some(head.clone()),
            deputy: None,
            collective: None,
            due: None,
        },
        Step {
            id: sid("s3"),
            kind: StepKind::Implement,
            assignee: if rng.chance(5) {
                None
            } else {
                Some(cv.clone())
            },
            deputy: None,
            collective: None,
            due: None,
        },
    ];
    let avoid = rng.chance(cfg.avoidance_percent);
    let mut events: Vec<Event> = Vec::new();
    let mut minute = 30i64;
    let mut cur = day;
    let push = |events: &mut Vec<Event>,
                rng: &mut Rng,
                cur: &mut NaiveDate,
                minute: &mut i64,
                actor: &OfficialId,
                step: Option<&str>,
                kind: EventKind,
                until: Option<NaiveDate>| {
        // Advance 0–2 working days (never past `until`) and some minutes, staying in office hours.
        let mut hop = rng.below(3) as u32;
        if let Some(u) = until
            && cal.add_working_days(*cur, hop).is_ok_and(|d| d > u)
        {
            hop = 0;
        }
        if hop > 0 {
            *cur = cal.add_working_days(*cur, hop).unwrap_or(*cur);
            *minute = 30 + rng.below(60) as i64;
        } else {
            *minute = (*minute + 5 + rng.below(40) as i64).min(9 * 60);
        }
        let eid: EventId = Trusted::trusted(&format!("e{}", events.len() + 1));
        events.push(Event {
            id: eid,
            at: at(*cur, *minute),
            actor: actor.clone(),
            step: step.map(sid),
            document: None,
            kind,
        });
    };
    push(
        &mut events,
        &mut rng,
        &mut cur,
        &mut minute,
        &deputy,
        Some("s1"),
        EventKind::Assigned { to: cv.clone() },
        None,
    );
    push(
        &mut events,
        &mut rng,
        &mut cur,
        &mut minute,
        &cv,
        Some("s1"),
        EventKind::Accepted,
        None,
    );
    let target = cfg.events_per_task.max(6);
    let mut late = false;
    if avoid {
        match rng.below(7) {
            0 => push(
                &mut events,
                &mut rng,
                &mut cur,
                &mut minute,
                &cv,
                Some("s1"),
                EventKind::TransferredUp {
                    to_unit: org.root.clone(),
                },
                None,
            ),
            1 => {
                let other = org
                    .units
                    .get(rng.below(org.units.len()))
                    .map(|u| u.0.clone())
                    .unwrap_or_else(|| org.root.clone());
                push(
                    &mut events,
                    &mut rng,
                    &mut cur,
                    &mut minute,
                    &cv,
                    Some("s1"),
                    EventKind::TransferredSideways { to_unit: other },
                    None,
                );
            }
            2 => {
                for _ in 0..2 {
                    let nd = cal.add_working_days(due, 5).unwrap_or(due);
                    push(
                        &mut events,
                        &mut rng,
                        &mut cur,
                        &mut minute,
                        &cv,
                        Some("s1"),
                        EventKind::DeadlineExtended {
                            new_deadline: nd,
                            reason: "chờ ý kiến".into(),
                        },
                        None,
                    );
                }
            }
            3 => push(
                &mut events,
                &mut rng,
                &mut cur,
                &mut minute,
                &cv,
                Some("s1"),
                EventKind::ConsultationRequested {
                    addressees: vec![org.root.clone()],
                    reply_by: None,
                },
                None,
            ),
            4 => push(
                &mut events,
                &mut rng,
                &mut cur,
                &mut minute,
                &cv,
                Some("s1"),
                EventKind::ProposalSubmitted {
                    recommendation: false,
                },
                None,
            ),
            5 => push(
                &mut events,
                &mut rng,
                &mut cur,
                &mut minute,
                &cv,
                Some("s1"),
                EventKind::Declined {
                    reason: "việc khó".into(),
                    legal_basis: None,
                },
                None,
            ),
            _ => late = true,
        }
    }
    while events.len() + 3 < target {
        let kind = match rng.below(5) {
            0 => EventKind::Reminder {
                to: Some(cv.clone()),
            },
            1 => EventKind::ConsultationReplied {
                unit: unit.clone(),
                position: if rng.chance(20) {
                    ReplyPosition::Vague
                } else {
                    ReplyPosition::Clear
                },
                request: None,
            },
            _ => EventKind::ProgressUpdate {
                note: String::new(),
            },
        };
        let actor = if matches!(kind, EventKind::Reminder { .. }) {
            deputy.clone()
        } else {
            cv.clone()
        };
        // Keep the padding inside the deadline unless the task is meant to be late.
        let until = if late { None } else { Some(due) };
        push(
            &mut events,
            &mut rng,
            &mut cur,
            &mut minute,
            &actor,
            Some("s1"),
            kind,
            until,
        );
    }
    if late {
        cur = cur.max(
            cal.add_working_days(due, 3 + rng.below(10) as u32)
                .unwrap_or(due),
        );
    }
    push(
        &mut events,
        &mut rng,
        &mut cur,
        &mut minute,
        &cv,
        Some("s1"),
        EventKind::ProposalSubmitted {
            recommendation: true,
        },
        None,
    );
    push(
        &mut events,
        &mut rng,
        &mut cur,
        &mut minute,
        &head,
        Some("s2"),
        EventKind::DecisionIssued {
            in_principle_only: false,
        },
        None,
    );
    push(
        &mut events,
        &mut rng,
        &mut cur,
        &mut minute,
        &cv,
        None,
        EventKind::Completed,
        None,
    );
    let task = Task {
        id: Trusted::trusted(&format!("G{n:07}")),
        title: format!("Nhiệm vụ tổng hợp số {n}"),
        unit: unit.clone(),
        field,
        flags: TaskFlags {
            new: rng.chance(10),
            difficult: rng.chance(10),
            unprecedented: false,
            pilot: rng.chance(5),
            incomplete_legal_basis: rng.chance(5),
        },
        competent_unit: unit,
        origin,
        received,
        deadline: Some(Deadline::WorkingDays(days)),
        stakeholders: Vec::new(),
        legal: LegalRequirements::default(),
        document: None,
        steps,
        assigned_by: Some(deputy),
    };
    TaskRecord { task, events }
}

/// Writes a corpus as JSON Lines: the organisation, then `tasks` task lines.
///
/// # Errors
/// Any write error.
pub fn write_jsonl<W: std::io::Write>(
    cfg: &GenConfig,
    tasks: usize,
    mut out: W,
) -> std::io::Result<()> {
    let org = organisation(cfg);
    serde_json::to_writer(
        &mut out,
        &serde_json::json!({ "organisation": org.organisation }),
    )?;
    out.write_all(b"\n")?;
    for n in 0..tasks {
        serde_json::to_writer(&mut out, &task(cfg, &org, n))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ValidCase;
    use std::sync::Arc;

    #[test]
    fn generated_cases_validate_and_are_deterministic() {
        let cfg = GenConfig::default();
        let org = organisation(&cfg);
        let vorg =
            Arc::new(crate::model::ValidOrganisation::new(org.organisation.clone()).unwrap());
        for n in 0..200 {
            let rec = task(&cfg, &org, n);
            assert_eq!(rec, task(&cfg, &org, n));
            ValidCase::new(vorg.clone(), rec).unwrap();
        }
    }
}
