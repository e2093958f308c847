//! The Cedar form (cedar-policy): the static organisation as entities, built
//! once; per task a Rust fold (src/common.rs `facts`) supplies the derived
//! facts, the caller enumerates candidate principals and walks unit chains in
//! order, and Cedar decides every condition of the rules. One policy set per
//! action (Cedar evaluates every policy of the set on each call).

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use accountable::calendar::Calendar;
use accountable::model::{EventKind, Organisation, ValidCase};
use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RestrictedExpression as X,
};
use chrono::NaiveDate;

use crate::common::{Facts, OrgIndex, Outcome, day, facts};

pub const POLICY: &str = include_str!("../policies/accountable.cedar");

pub struct Cedar {
    auth: Authorizer,
    sets: HashMap<String, (EntityUid, PolicySet)>,
    entities: Entities,
    t_step: EntityTypeName,
    t_event: EntityTypeName,
    t_task: EntityTypeName,
    t_official: EntityTypeName,
    ix: OrgIndex,
    pos_uid: Vec<EntityUid>,
    pos_official: Vec<String>,
    pos_unit: Vec<String>,
    unit_uid: HashMap<String, EntityUid>,
    min_bare: i64,
    follow_up_days: i64,
    /// Authorisation calls made (for the report).
    pub calls: std::cell::Cell<u64>,
}

fn ty(s: &str) -> Result<EntityTypeName, String> {
    EntityTypeName::from_str(s).map_err(|e| e.to_string())
}

fn uid(t: &EntityTypeName, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(t.clone(), EntityId::new(id))
}

fn ctx<const N: usize>(pairs: [(&str, X); N]) -> Context {
    Context::from_pairs(pairs.into_iter().map(|(k, v)| (k.to_string(), v)))
        .unwrap_or_else(|_| Context::empty())
}

impl Cedar {
    pub fn new(org: &Organisation, min_bare: i64, follow_up_days: i64) -> Result<Cedar, String> {
        let all = PolicySet::from_str(POLICY).map_err(|e| e.to_string())?;
        let t_action = ty("Action")?;
        let mut groups: HashMap<String, Vec<cedar_policy::Policy>> = HashMap::new();
        for p in all.policies() {
            let id = p
                .annotation("id")
                .ok_or("a policy without @id")?
                .to_string();
            groups.entry(id).or_default().push(p.clone());
        }
        let mut sets = HashMap::new();
        for (id, ps) in groups {
            let set = PolicySet::from_policies(ps).map_err(|e| e.to_string())?;
            sets.insert(id.clone(), (uid(&t_action, &id), set));
        }
        let (t_unit, t_pos, t_official) = (ty("Unit")?, ty("Position")?, ty("Official")?);
        let unit_uid: HashMap<String, EntityUid> = org
            .units
            .iter()
            .map(|u| (u.id.to_string(), uid(&t_unit, u.id.as_str())))
            .collect();
        let mut ents = Vec::new();
        for u in &org.units {
            let parents: HashSet<EntityUid> = u
                .parent
                .as_ref()
                .and_then(|p| unit_uid.get(p.as_str()).cloned())
                .into_iter()
                .collect();
            let attrs = HashMap::from([
                (
                    "kind".to_string(),
                    X::new_string(
                        serde_json::to_value(&u.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                    ),
                ),
                (
                    "competence".to_string(),
                    X::new_set(u.competence.iter().map(|f| X::new_string(f.to_string()))),
                ),
            ]);
            ents.push(
                Entity::new(uid(&t_unit, u.id.as_str()), attrs, parents)
                    .map_err(|e| e.to_string())?,
            );
        }
        for o in &org.officials {
            ents.push(Entity::new_no_attrs(
                uid(&t_official, o.id.as_str()),
                HashSet::new(),
            ));
        }
        let mut pos_uid = Vec::new();
        let mut pos_official = Vec::new();
        let mut pos_unit = Vec::new();
        for (i, p) in org.positions.iter().enumerate() {
            let u = uid(&t_pos, &format!("p{i}"));
            let role = serde_json::to_value(p.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let attrs = HashMap::from([
                (
                    "official".to_string(),
                    X::new_entity_uid(uid(&t_official, p.official.as_str())),
                ),
                (
                    "unit".to_string(),
                    X::new_entity_uid(uid(&t_unit, p.unit.as_str())),
                ),
                ("role".to_string(), X::new_string(role)),
                (
                    "fields".to_string(),
                    X::new_set(p.fields.iter().map(|f| X::new_string(f.to_string()))),
                ),
                ("from".to_string(), X::new_long(day(p.from))),
                (
                    "until".to_string(),
                    X::new_long(p.until.map_or(i64::MAX, day)),
                ),
            ]);
            ents.push(Entity::new(u.clone(), attrs, HashSet::new()).map_err(|e| e.to_string())?);
            pos_uid.push(u);
            pos_official.push(p.official.to_string());
            pos_unit.push(p.unit.to_string());
        }
        let entities = Entities::from_entities(ents, None).map_err(|e| e.to_string())?;
        Ok(Cedar {
            auth: Authorizer::new(),
            sets,
            entities,
            t_step: ty("Step")?,
            t_event: ty("Event")?,
            t_task: ty("Task")?,
            t_official,
            ix: OrgIndex::new(org),
            pos_uid,
            pos_official,
            pos_unit,
            unit_uid,
            min_bare,
            follow_up_days,
            calls: std::cell::Cell::new(0),
        })
    }

    fn ask(
        &self,
        action: &str,
        principal: &EntityUid,
        resource: &EntityUid,
        context: Context,
    ) -> bool {
        let Some((a, set)) = self.sets.get(action) else {
            return false;
        };
        self.calls.set(self.calls.get() + 1);
        match Request::new(
            principal.clone(),
            a.clone(),
            resource.clone(),
            context,
            None,
        ) {
            Ok(r) => self.auth.is_authorized(&r, set, &self.entities).decision() == Decision::Allow,
            Err(_) => false,
        }
    }

    fn posts_of(&self, o: &str) -> &[usize] {
        self.ix.pos_by_official.get(o).map_or(&[], Vec::as_slice)
    }
    fn posts_in(&self, u: &str) -> &[usize] {
        self.ix.pos_by_unit.get(u).map_or(&[], Vec::as_slice)
    }
    fn unit(&self, u: &str) -> Option<&EntityUid> {
        self.unit_uid.get(u)
    }
    fn official(&self, o: &str) -> EntityUid {
        uid(&self.t_official, o)
    }

    /// The first post of `u` for which `action` allows, with `context`.
    fn first_post<'s>(
        &'s self,
        action: &str,
        u: &str,
        resource: &EntityUid,
        c: impl Fn() -> Context,
    ) -> Option<&'s str> {
        self.posts_in(u)
            .iter()
            .find(|&&p| self.ask(action, &self.pos_uid[p], resource, c()))
            .map(|&p| self.pos_official[p].as_str())
    }
    fn head_of(&self, u: &str, d: NaiveDate) -> Option<&str> {
        let r = self.unit(u)?;
        self.first_post("org.head", u, r, || ctx([("day", X::new_long(day(d)))]))
    }
    fn deputy_for(&self, u: &str, f: &str, d: NaiveDate) -> Option<&str> {
        let r = self.unit(u)?;
        self.first_post("org.deputy_for", u, r, || {
            ctx([
                ("day", X::new_long(day(d))),
                ("field", X::new_string(f.to_string())),
            ])
        })
    }
    fn led(&self, u: &str, d: NaiveDate) -> bool {
        let Some(r) = self.unit(u) else { return false };
        self.first_post("org.led", u, r, || ctx([("day", X::new_long(day(d)))]))
            .is_some()
    }
    fn held(&self, p: usize, d: NaiveDate) -> bool {
        self.ask(
            "org.held",
            &self.pos_uid[p],
            &self.pos_uid[p],
            ctx([("day", X::new_long(day(d)))]),
        )
    }
    fn is_leader(&self, o: &str, d: NaiveDate) -> bool {
        self.posts_of(o).iter().any(|&p| {
            self.ask(
                "org.leader",
                &self.pos_uid[p],
                &self.pos_uid[p],
                ctx([("day", X::new_long(day(d)))]),
            )
        })
    }
    /// Walks the chain above each post `o` holds on `d`; `visit` returns
    /// `Some(Some(x))` to take `x` at this depth, `Some(None)` to stop, `None`
    /// to go on. The candidates (depth, x), one per post at most, in post order.
    fn walk<T>(
        &self,
        o: &str,
        d: NaiveDate,
        mut visit: impl FnMut(&str) -> Option<Option<T>>,
    ) -> Vec<(usize, T)> {
        let mut out = Vec::new();
        for &p in self.posts_of(o) {
            if !self.held(p, d) {
                continue;
            }
            let Some(unit) = self.pos_unit(p) else {
                continue;
            };
            let Some(chain) = self.ix.chain.get(unit) else {
                continue;
            };
            for (k, u) in chain.iter().enumerate() {
                match visit(u) {
                    Some(Some(x)) => {
                        out.push((k, x));
                        break;
                    }
                    Some(None) => break,
                    None => {}
                }
            }
        }
        out
    }
    /// The nearest candidate, the first on a tie.
    fn nearest<T>(c: Vec<(usize, T)>) -> Option<T> {
        let mut best: Option<(usize, T)> = None;
        for (k, x) in c {
            if best.as_ref().is_none_or(|(b, _)| k < *b) {
                best = Some((k, x));
            }
        }
        best.map(|(_, x)| x)
    }
    fn pos_unit(&self, p: usize) -> Option<&str> {
        self.pos_unit.get(p).map(String::as_str)
    }
    /// The managing unit; over several posts the one related to the task's
    /// unit `t` wins (itself, below it, above it), then the nearest.
    fn managing_unit(&self, o: &str, d: NaiveDate, t: &str) -> Option<String> {
        let cands = self.walk(o, d, |u| {
            let agency = self
                .unit(u)
                .is_some_and(|r| self.ask("org.agency", r, r, Context::empty()));
            (self.led(u, d) || agency).then(|| Some(u.to_string()))
        });
        let tu = self.unit(t)?;
        let within = |a: &EntityUid, b: &EntityUid| self.ask("org.within", a, b, Context::empty());
        let mut best: Option<((u8, usize), String)> = None;
        for (k, u) in cands {
            let rank = match self.unit(&u) {
                _ if u == t => 0,
                Some(uu) if within(uu, tu) => 1,
                Some(uu) if within(tu, uu) => 2,
                _ => 3,
            };
            if best.as_ref().is_none_or(|(b, _)| (rank, k) < *b) {
                best = Some(((rank, k), u));
            }
        }
        best.map(|(_, u)| u)
    }

    /// The query on one task.
    pub fn evaluate(&self, case: &ValidCase, cal: &Calendar, as_of: NaiveDate) -> Outcome {
        let f: Facts = facts(case, cal, as_of);
        let task = case.task();
        let events = &case.events()[..f.n];
        let mut out = Outcome::default();
        let field = task.field.as_str();
        let task_uid = uid(&self.t_task, task.id.as_str());
        // Accountability per step.
        for (i, s) in task.steps.iter().enumerate() {
            let sd = f.completed[i].unwrap_or(f.end).min(as_of);
            let step = uid(&self.t_step, s.id.as_str());
            let sid = s.id.to_string();
            let dayx = || X::new_long(day(sd));
            if let Some(a) = &s.assignee
                && self.ask(
                    "acc.assignee",
                    &self.official(a.as_str()),
                    &step,
                    ctx([("assignee", X::new_entity_uid(self.official(a.as_str())))]),
                )
            {
                out.acc
                    .insert(("acc.assignee".into(), sid.clone(), a.to_string()));
            }
            // acc.head: the head of the collective, the assignee's managing unit, or the task's unit.
            let head_unit = match (&s.collective, &s.assignee) {
                (Some(c), _) => Some(c.to_string()),
                (None, Some(a)) => self.managing_unit(a.as_str(), sd, task.unit.as_str()),
                (None, None) => Some(task.unit.to_string()),
            };
            if let Some(hu) = head_unit
                && let Some(unit_uid) = self.unit(&hu)
                && let Some(h) = self.first_post("acc.head", &hu, &step, || {
                    ctx([
                        ("unit", X::new_entity_uid(unit_uid.clone())),
                        ("day", dayx()),
                    ])
                })
            {
                out.acc
                    .insert(("acc.head".into(), sid.clone(), h.to_string()));
            }
            // acc.deputy.
            let ask_unit = |u: &str| -> Option<String> {
                let uu = self.unit(u)?.clone();
                self.first_post("acc.deputy", u, &step, || {
                    ctx([
                        ("unit", X::new_entity_uid(uu.clone())),
                        ("field", X::new_string(field.to_string())),
                        ("day", dayx()),
                    ])
                })
                .map(str::to_string)
            };
            let deputy = match (&s.deputy, &s.collective, &s.assignee) {
                (Some(dp), _, _) => self
                    .ask(
                        "acc.deputy",
                        &self.official(dp.as_str()),
                        &step,
                        ctx([("deputy", X::new_entity_uid(self.official(dp.as_str())))]),
                    )
                    .then(|| dp.to_string()),
                (None, Some(c), _) => ask_unit(c.as_str()),
                (None, None, Some(a)) => {
                    Self::nearest(self.walk(a.as_str(), sd, |u| match ask_unit(u) {
                        Some(x) => Some(Some(x)),
                        None => self.led(u, sd).then_some(None),
                    }))
                }
                (None, None, None) => ask_unit(task.unit.as_str()),
            };
            if let Some(dp) = deputy {
                out.acc.insert(("acc.deputy".into(), sid, dp));
            }
        }
        // Event rules.
        let cu = task.competent_unit.as_str();
        let concerned = || {
            X::new_set(
                task.stakeholders
                    .iter()
                    .chain(&task.legal.mandatory_consultees)
                    .filter_map(|u| self.unit(u.as_str()).cloned().map(X::new_entity_uid)),
            )
        };
        for (i, e) in events.iter().enumerate() {
            let d = f.dates[i];
            let step = f.estep[i].map(|s| task.steps[s].id.to_string());
            let finding = |rule: &str, o: &str| {
                (
                    rule.to_string(),
                    o.to_string(),
                    step.clone(),
                    vec![e.id.to_string()],
                )
            };
            match &e.kind {
                EventKind::TransferredUp { to_unit }
                | EventKind::TransferredSideways { to_unit } => {
                    let rule = if matches!(e.kind, EventKind::TransferredUp { .. }) {
                        "avoid.upward_push"
                    } else {
                        "avoid.sideways_push"
                    };
                    let (Some(r), Some(to)) = (self.unit(cu), self.unit(to_unit.as_str())) else {
                        continue;
                    };
                    let hit = self.posts_of(e.actor.as_str()).iter().any(|&p| {
                        self.ask(
                            rule,
                            &self.pos_uid[p],
                            r,
                            ctx([
                                ("day", X::new_long(day(d))),
                                ("field", X::new_string(field.to_string())),
                                ("to_unit", X::new_entity_uid(to.clone())),
                            ]),
                        )
                    });
                    if hit {
                        out.findings.insert(finding(rule, e.actor.as_str()));
                    }
                }
                EventKind::ConsultationRequested { addressees, .. } => {
                    let adds = X::new_set(
                        addressees
                            .iter()
                            .filter_map(|u| self.unit(u.as_str()).cloned().map(X::new_entity_uid)),
                    );
                    if self.ask(
                        "avoid.unrelated_consultation",
                        &self.official(e.actor.as_str()),
                        &uid(&self.t_event, e.id.as_str()),
                        ctx([("concerned", concerned()), ("addressees", adds)]),
                    ) {
                        out.findings
                            .insert(finding("avoid.unrelated_consultation", e.actor.as_str()));
                    }
                }
                _ => {}
            }
        }
        // avoid.non_decision, per step; the same official and evidence through two steps is one finding.
        let mut seen: Vec<(String, Vec<String>)> = Vec::new();
        for (i, s) in task.steps.iter().enumerate() {
            let Some(a) = &s.assignee else { continue };
            let mut c: Vec<(&str, X)> = vec![
                ("assignee", X::new_entity_uid(self.official(a.as_str()))),
                (
                    "origin",
                    X::new_string(
                        serde_json::to_value(task.origin)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                    ),
                ),
                ("kind", X::new_string(s.kind.name().to_string())),
                ("end", X::new_long(day(f.end))),
                ("index", X::new_long(i as i64)),
            ];
            let opt = |c: &mut Vec<(&str, X)>, k: &'static str, v: Option<NaiveDate>| {
                if let Some(v) = v {
                    c.push((k, X::new_long(day(v))));
                }
            };
            opt(&mut c, "eff", f.eff);
            opt(&mut c, "done", f.done[i]);
            opt(&mut c, "started", f.started[i]);
            opt(
                &mut c,
                "prev_done",
                i.checked_sub(1).and_then(|j| f.done[j]),
            );
            opt(&mut c, "first_decision", f.first_decision);
            let context = Context::from_pairs(c.into_iter().map(|(k, v)| (k.to_string(), v)))
                .unwrap_or_else(|_| Context::empty());
            if self.ask(
                "avoid.non_decision",
                &self.official(a.as_str()),
                &uid(&self.t_step, s.id.as_str()),
                context,
            ) {
                let ev: Vec<String> = events
                    .iter()
                    .zip(&f.estep)
                    .filter(|(e, st)| {
                        matches!(e.kind, EventKind::Assigned { .. }) && **st == Some(i)
                    })
                    .map(|(e, _)| e.id.to_string())
                    .collect();
                let key = (a.to_string(), ev.clone());
                if !seen.contains(&key) {
                    seen.push(key);
                    out.findings.insert((
                        "avoid.non_decision".into(),
                        a.to_string(),
                        Some(s.id.to_string()),
                        ev,
                    ));
                }
            }
        }
        // avoid.bare_extensions: each actor of an extension is a candidate.
        let ext: Vec<&accountable::model::Event> = events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::DeadlineExtended { .. }))
            .collect();
        let ext_ids: Vec<String> = ext.iter().map(|e| e.id.to_string()).collect();
        let mut asked: Vec<&str> = Vec::new();
        for e in &ext {
            let a = e.actor.as_str();
            if asked.contains(&a) {
                continue;
            }
            asked.push(a);
            if self.ask(
                "avoid.bare_extensions",
                &self.official(a),
                &task_uid,
                ctx([
                    ("bare", X::new_long(f.bare)),
                    ("min_bare", X::new_long(self.min_bare)),
                ]),
            ) {
                out.findings.insert((
                    "avoid.bare_extensions".into(),
                    a.to_string(),
                    None,
                    ext_ids.clone(),
                ));
            }
        }
        // avoid.no_follow_up: candidates are the unit's head and the deputy for the field, at the end.
        let mut c: Vec<(&str, X)> = vec![
            ("late_days", X::new_long(f.late_days)),
            ("follow_up_days", X::new_long(self.follow_up_days)),
        ];
        let mut reminded = false;
        if let Some(eff) = f.eff {
            c.push(("eff", X::new_long(day(eff))));
            reminded = events.iter().zip(&f.dates).any(|(e, d)| {
                matches!(e.kind, EventKind::Reminder { .. })
                    && *d > eff
                    && self.is_leader(e.actor.as_str(), *d)
            });
        }
        c.push(("leader_reminder", X::new_bool(reminded)));
        let mut who: Vec<&str> = Vec::new();
        if let Some(h) = self.head_of(task.unit.as_str(), f.end) {
            who.push(h);
        }
        if let Some(dp) = self.deputy_for(task.unit.as_str(), field, f.end)
            && !who.contains(&dp)
        {
            who.push(dp);
        }
        for o in who {
            let context = Context::from_pairs(c.iter().map(|(k, v)| (k.to_string(), v.clone())))
                .unwrap_or_else(|_| Context::empty());
            if self.ask("avoid.no_follow_up", &self.official(o), &task_uid, context) {
                out.findings
                    .insert(("avoid.no_follow_up".into(), o.to_string(), None, Vec::new()));
            }
        }
        out
    }
}
