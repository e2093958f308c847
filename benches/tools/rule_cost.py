#!/usr/bin/env python3
"""What each rule of the bundled policy costs: the instructions per task of
one engine form of `benches/bound.rs` with the whole policy, less those
with the policy without that rule (`BOUND_WITHOUT`, see `policy_without` in
`benches/bound.rs`). A rule that an exception defeats or a consequence
follows (`on_rules`) is kept with the condition `false` instead
("silenced"): it still binds, so its cost is that of its condition, its
officials and what its findings set off.

A rule's cost takes in the exceptions and consequences its findings set
off, and the rules' costs overlap, so they do not add up to the whole.
Every run, the whole policy's included, evaluates a policy that went
through the same TOML round trip (parsed, edited, written, loaded), and
each case is evaluated once, uncounted, before the counted runs (as the
check does in the other runs), so the allocator starts warm. Runs differ by
a few hundred instructions per task on `engine_off/10` (the allocator's
state), less over a mix; the whole policy is run first and again last, so
the table's first line shows how much.

usage (from the repository root, after `cargo bench --bench bound --no-run`):
    python3 benches/tools/rule_cost.py [FORM/N] [TOP]
e.g.
    python3 benches/tools/rule_cost.py mix_off/200
    python3 benches/tools/rule_cost.py engine_off/10 20

FORM/N is a form of `BOUND_ONLY` (default `mix_off/200`: the first 200
tasks of the default corpus, each evaluated once); the `engine_*` and
`into_*` forms run 20 times. Each rule takes one callgrind run (about two
seconds for `mix_off/200`).
"""
import os, re, sys, tomllib

from callgrind import bound_binary, run, runs_and_tasks

form = sys.argv[1] if len(sys.argv) > 1 else "mix_off/200"
top = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
binary = bound_binary()
reps, per_run = runs_and_tasks(form)
out = f"/tmp/rule_cost.{os.getpid()}.cg"


def per_task(without):
    """Instructions per task of FORM with the rules `without` names left out."""
    done = run(binary, form, reps, out, env={"BOUND_WITHOUT": without})
    if f"BOUND_WITHOUT={without}:" in done.stderr:
        sys.exit(done.stderr)
    with open(out) as f:
        for line in f:
            m = re.match(r"^(?:summary|totals): (\d+)", line)
            if m:
                return int(m.group(1)) / per_run
    sys.exit(f"no total in {out}")


with open("policies/vn-2023.toml", "rb") as f:
    rules = tomllib.load(f)["rule"]
defeated = {d for r in rules for k in ("defeats", "on_rules") for d in r.get(k, [])}
# The empty name leaves every rule in, through the same round trip of the text.
whole = per_task("")
rows = []
for r in rules:
    cost = whole - per_task(r["id"])
    how = "silenced" if r["id"] in defeated else "removed"
    rows.append((cost, r["id"], r["kind"], how))
again = per_task("")
rows.sort(key=lambda x: -x[0])
print(f"{form}: {whole:,.0f} instructions per task with all {len(rules)} rules "
      f"({again:,.0f} when run again after the others)")
print("| rule | kind | left out as | instructions per task | share |")
print("|---|---|---|---:|---:|")
for cost, rid, kind, how in rows[:top]:
    print(f"| `{rid}` | {kind} | {how} | {cost:,.0f} | {100 * cost / whole:.1f} % |")
by_kind = {}
for cost, _, kind, _ in rows:
    by_kind[kind] = by_kind.get(kind, 0) + cost
print("\nby kind (sum of the rules' costs): " + ", ".join(
    f"{k} {v:,.0f} ({100 * v / whole:.1f} %)" for k, v in sorted(by_kind.items(), key=lambda x: -x[1])))
