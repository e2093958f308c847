# The bundled policy's accountability and avoidance query (vn-2023.toml:
# acc.assignee, acc.head, acc.deputy; avoid.upward_push, avoid.sideways_push,
# avoid.non_decision, avoid.bare_extensions, avoid.unrelated_consultation,
# avoid.no_follow_up), written as Rego over the crate's own JSON.
#
# input: {"task": the crate's Task JSON plus "received_date",
#         "events": the crate's Event JSON, each plus "date" (its civil date in
#         Vietnam, UTC+07:00), "as_of": "YYYY-MM-DD"}
# data:  {"units": {id: {"kind", "competence", "ancestors" (nearest first)}},
#         "positions": [Position JSON], "pos_by_unit": {unit: [i]},
#         "pos_by_official": {official: [i]}, "params": {name: value},
#         "cal": {"cum": {date: working days on or before it}, "nth": [k-th working day],
#                 "work": {date: true for each working day}}}
# Dates are "YYYY-MM-DD" strings, which compare in date order.
# Written without `else` (regorus's RVM mishandles it; see shared/peers/README.md).

package accountable

import rego.v1

task := input.task

as_of := input.as_of

# Events judged: those on or before the review date.
events := [e | some e in input.events; e.date <= as_of]

step_ix[s.id] := i if some i, s in task.steps

ev_step(e) := step_ix[e.step]

kind_name(k) := k if is_string(k)

kind_name(k) := k.other if is_object(k)

# ---------------------------------------------------------------- calendar

wd(a, b) := data.cal.cum[b] - data.cal.cum[a]

add_wd(d, n) := d if {
	n == 0
	data.cal.work[d]
}

add_wd(d, n) := data.cal.nth[data.cal.cum[d]] if {
	n == 0
	not data.cal.work[d]
}

add_wd(d, n) := data.cal.nth[(data.cal.cum[d] + n) - 1] if n > 0

later(a, b) := a if a >= b

later(a, b) := b if a < b

earlier(a, b) := a if a <= b

earlier(a, b) := b if a > b

# ------------------------------------------------------------ organisation

held(p, d) if {
	p.from <= d
	not p.until
}

held(p, d) if {
	p.from <= d
	d < p.until
}

positions_in(u, d) := [p |
	some i in object.get(data.pos_by_unit, u, [])
	p := data.positions[i]
	held(p, d)
]

positions_of(o, d) := [p |
	some i in object.get(data.pos_by_official, o, [])
	p := data.positions[i]
	held(p, d)
]

holder(u, role, d) := hs[0] if {
	hs := [p.official | some p in positions_in(u, d); p.role == role]
	count(hs) > 0
}

head_of(u, d) := holder(u, "head", d)

led(u, d) if holder(u, "head", d)

led(u, d) if holder(u, "acting_head", d)

deputy_for(u, f, d) := ds[0] if {
	ds := [p.official | some p in positions_in(u, d); p.role == "deputy"; f in p.fields]
	count(ds) > 0
}

deputy_at(u, f, d) if {
	ds := [p | some p in positions_in(u, d); p.role == "deputy"; f in p.fields]
	count(ds) > 0
}

chain(u) := array.concat([u], data.units[u].ancestors)

within(u, a) if u == a

within(u, a) if a in data.units[u].ancestors

serves_in(o, u, d) if {
	some p in positions_of(o, d)
	within(p.unit, u)
}

competent(u, f) if f in data.units[u].competence

superior_of(a, b) if {
	a != b
	within(b, a)
}

leader_roles := {"head", "deputy", "acting_head", "office_head"}

is_leader(o, d) if {
	some p in positions_of(o, d)
	leader_roles[p.role]
}

internal_kinds := {"division", "office", "one_stop_desk"}

manages(u, d) if led(u, d)

manages(u, d) if not internal_kinds[data.units[u].kind]

# A unit against the task's unit: 0 itself, 1 below it, 2 above it, 3 unrelated.
rank(u) := 0 if u == task.unit

rank(u) := 1 if {
	u != task.unit
	task.unit in data.units[u].ancestors
}

rank(u) := 2 if {
	u != task.unit
	not task.unit in data.units[u].ancestors
	u in data.units[task.unit].ancestors
}

rank(u) := 3 if {
	u != task.unit
	not task.unit in data.units[u].ancestors
	not u in data.units[task.unit].ancestors
}

# For each post `o` holds, the nearest unit from it upward that is led or is
# not internal; over several posts the one related to the task's unit wins
# (rank), then the nearest, then the first post.
managing_unit(o, d) := best[3] if {
	cands := [[rank(c[k]), k, j, c[k]] |
		some j, p in positions_of(o, d)
		c := chain(p.unit)
		ks := [k | some k, u in c; manages(u, d)]
		count(ks) > 0
		k := min(ks)
	]
	count(cands) > 0
	best := sort(cands)[0]
}

stop_at(u, f, d) if deputy_for(u, f, d)

stop_at(u, f, d) if led(u, d)

# The nearest deputy for field `f` up to the first led unit.
deputy_over(o, f, d) := best[2] if {
	cands := [[k, j, x] |
		some j, p in positions_of(o, d)
		c := chain(p.unit)
		ks := [k | some k, u in c; stop_at(u, f, d)]
		count(ks) > 0
		k := min(ks)
		deputy_at(c[k], f, d)
		x := deputy_for(c[k], f, d)
	]
	count(cands) > 0
	best := sort(cands)[0]
}

# ------------------------------------------- derived facts (src/engine/facts.rs)

started[i] := ds[0] if {
	some i, _ in task.steps
	ds := [e.date | some e in events; ev_step(e) == i]
	count(ds) > 0
}

completed[i] := cs[count(cs) - 1] if {
	some i, _ in task.steps
	cs := [e.date | some e in events; e.kind == "completed"; ev_step(e) == i]
	count(cs) > 0
}

done_event(e, k) if e.kind == "completed"

done_event(e, k) if {
	k == "advise"
	e.kind == "proposal_submitted"
	e.recommendation == true
}

done_event(e, k) if {
	k == "decide"
	e.kind == "decision_issued"
	e.in_principle_only == false
}

# When the step's work was done (`step.done`).
done[i] := ds[0] if {
	some i, s in task.steps
	k := kind_name(s.kind)
	ds := [e.date | some e in events; ev_step(e) == i; done_event(e, k)]
	count(ds) > 0
}

has_step(e) if ev_step(e)

task_completions := [e.date | some e in events; e.kind == "completed"; not has_step(e)]

closed := task_completions[count(task_completions) - 1] if count(task_completions) > 0

closed := last_step_completion if {
	count(task_completions) == 0
	count(task.steps) > 0
	count(completed) == count(task.steps)
}

last_step_completion := x if {
	ds := sort([d | some d in completed])
	x := ds[count(ds) - 1]
}

end := closed

end := as_of if not closed

due := task.deadline.date

due := add_wd(task.received_date, task.deadline.working_days) if is_number(task.deadline.working_days)

override_of(e) := e.new_deadline if e.kind == "deadline_extended"

override_of(e) := e.new_return_date if e.kind == "apology_issued"

override_kinds := {"deadline_extended", "apology_issued"}

# (the kind guard keeps undefined out: regorus 0.14.1's RVM collects an
# undefined `x := f(e)` in a comprehension as a value)
overrides := [override_of(e) | some e in events; override_kinds[e.kind]]

current_due := overrides[count(overrides) - 1] if count(overrides) > 0

current_due := due if count(overrides) == 0

# Clock stops: a supplement request opens one unless one is open; a
# supplement received closes it; one still open runs to the end.
recv := [i | some i, e in events; e.kind == "supplement_received"]

reqs := [i | some i, e in events; e.kind == "supplement_requested"]

prev_recv(k) := recv[k - 1] if k > 0

prev_recv(k) := -1 if k == 0

closed_stops := [[events[q[0]].date, events[r].date] |
	some k, r in recv
	lo := prev_recv(k)
	q := [x | some x in reqs; x > lo; x < r]
	count(q) > 0
]

last_recv := recv[count(recv) - 1] if count(recv) > 0

last_recv := -1 if count(recv) == 0

open_reqs := [x | some x in reqs; x > last_recv]

open_stops := [[s, later(end, s)] |
	count(open_reqs) > 0
	s := events[open_reqs[0]].date
]

clock_stopped_days := sum([wd(p[0], p[1]) | some p in array.concat(closed_stops, open_stops)])

effective_due := add_wd(current_due, clock_stopped_days)

late_after if end > effective_due

late_days := wd(effective_due, end) if late_after

late_days := 0 if not late_after

step_date[i] := earlier(object.get(completed, i, end), as_of) if some i, _ in task.steps

# ---------------------------------------------------------- accountability

acc contains ["acc.assignee", s.id, s.assignee] if {
	some s in task.steps
	s.assignee
}

head_unit(s, d) := s.collective

head_unit(s, d) := managing_unit(s.assignee, d) if {
	not s.collective
	s.assignee
}

head_unit(s, d) := task.unit if {
	not s.collective
	not s.assignee
}

acc contains ["acc.head", s.id, h] if {
	some i, s in task.steps
	d := step_date[i]
	h := head_of(head_unit(s, d), d)
}

step_deputy(s, d) := s.deputy

step_deputy(s, d) := deputy_for(s.collective, task.field, d) if not s.deputy

step_deputy(s, d) := deputy_over(s.assignee, task.field, d) if {
	not s.deputy
	not s.collective
}

step_deputy(s, d) := deputy_for(task.unit, task.field, d) if {
	not s.deputy
	not s.collective
	not s.assignee
}

acc contains ["acc.deputy", s.id, x] if {
	some i, s in task.steps
	x := step_deputy(s, step_date[i])
}

# ---------------------------------------------------------------- avoidance

step_id(e) := e.step

step_id(e) := null if not e.step

findings contains ["avoid.upward_push", e.actor, step_id(e), [e.id]] if {
	some e in events
	e.kind == "transferred_up"
	serves_in(e.actor, task.competent_unit, e.date)
	competent(task.competent_unit, task.field)
	superior_of(e.to_unit, task.competent_unit)
}

findings contains ["avoid.sideways_push", e.actor, step_id(e), [e.id]] if {
	some e in events
	e.kind == "transferred_sideways"
	serves_in(e.actor, task.competent_unit, e.date)
	not within(e.to_unit, task.competent_unit)
}

concerned(u) if u in object.get(task, "stakeholders", [])

concerned(u) if u in object.get(object.get(task, "legal", {}), "mandatory_consultees", [])

findings contains ["avoid.unrelated_consultation", e.actor, step_id(e), [e.id]] if {
	some e in events
	e.kind == "consultation_requested"
	some u in e.addressees
	not concerned(u)
}

not_done_by(i, d) if not done[i]

not_done_by(i, d) if done[i] > d

reached_by(i, d) if started[i] <= d

reached_by(i, d) if i == 0

reached_by(i, d) if done[i - 1] <= d

decided_by(d) if {
	some e in events
	e.kind == "decision_issued"
	e.in_principle_only == false
	e.date <= d
}

citizen_origins := {"citizen_dossier", "citizen_petition"}

non_decision_at(i, s) if {
	s.assignee
	not citizen_origins[task.origin]
	eff := effective_due
	kind_name(s.kind) != "consult"
	not_done_by(i, eff)
	end > eff
	reached_by(i, eff)
	not decided_by(eff)
}

assigned_evidence(sid) := [e.id | some e in events; e.kind == "assigned"; e.step == sid]

nd := [[i, s.assignee, assigned_evidence(s.id)] | some i, s in task.steps; non_decision_at(i, s)]

# The same official on the same evidence through two steps is one finding (the first step).
nd_dup_before(k, x) if {
	some k2, y in nd
	k2 < k
	y[1] == x[1]
	y[2] == x[2]
}

findings contains ["avoid.non_decision", x[1], task.steps[x[0]].id, x[2]] if {
	some k, x in nd
	not nd_dup_before(k, x)
}

extensions := [i | some i, e in events; e.kind == "deadline_extended"]

extension_between(p, x) if {
	some y in extensions
	y > p
	y < x
}

progress_before(x) if {
	some p, e in events
	e.kind == "progress_update"
	p < x
	not extension_between(p, x)
}

bare := [x | some x in extensions; not progress_before(x)]

findings contains ["avoid.bare_extensions", events[i].actor, null, [events[j].id | some j in extensions]] if {
	count(bare) >= data.params.bare_extensions
	some i in extensions
}

leader_reminder_after(d) if {
	some e in events
	e.kind == "reminder"
	is_leader(e.actor, e.date)
	e.date > d
}

follow_up_who contains h if h := head_of(task.unit, end)

follow_up_who contains x if x := deputy_for(task.unit, task.field, end)

findings contains ["avoid.no_follow_up", o, null, []] if {
	effective_due
	late_days > data.params.follow_up_days
	not leader_reminder_after(effective_due)
	some o in follow_up_who
}

result := {"acc": acc, "findings": findings}
