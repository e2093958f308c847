#!/usr/bin/env python3
"""Instructions (or another callgrind event) per task of one form of
`benches/bound.rs`, by source line of the crate, with inlined code counted
at the line of the crate that it was inlined into.

callgrind's own annotation charges inlined standard-library code to the
library's files, so a loop's cost is scattered over `vec/mod.rs`,
`slice/iter.rs` and the like. Here each executed address is resolved with
`addr2line -i` and charged to its outermost frame in FILE.

usage (from the repository root, after `cargo bench --bench bound --no-run`):
    python3 benches/tools/by_line.py FORM/N FUNCTION FILE [EVENT] [TOP]
e.g.
    python3 benches/tools/by_line.py mix_off/1000 Evaluator::evaluate src/engine/mod.rs
    python3 benches/tools/by_line.py mix_off/1000 eval::Env:: src/engine/eval.rs
    python3 benches/tools/by_line.py mix_off/1000 "" src/engine/mod.rs I1mr

FUNCTION selects the machine functions whose name contains it (empty: all);
EVENT is Ir (default) or, with the cache simulation, I1mr, D1mr, Bcm, Bim.
Counts are divided by the tasks the form evaluates (N for the `mix_*` and
`corpus_*` forms, run once; 20 runs of one task for the others).
"""
import collections, os, subprocess, sys

from callgrind import bound_binary, run, runs_and_tasks, self_costs

if len(sys.argv) < 4:
    sys.exit(__doc__)
form, function, file = sys.argv[1], sys.argv[2], sys.argv[3]
event = sys.argv[4] if len(sys.argv) > 4 else "Ir"
top = int(sys.argv[5]) if len(sys.argv) > 5 else 40
binary = bound_binary()
reps, n = runs_and_tasks(form)
out = f"/tmp/by_line.{os.getpid()}.cg"
sim = ["--cache-sim=yes", "--branch-sim=yes"] if event != "Ir" else []
run(binary, form, reps, out, ["--dump-instr=yes", *sim])

# Self cost per address of the selected functions.
cost = collections.Counter()
for fn, addr, c in self_costs(out, event):
    if function in (fn or ""):
        cost[addr] += c
os.remove(out)

addrs = sorted(a for a in cost if cost[a])
resolved = subprocess.run(["addr2line", "-i", "-a", "-e", binary] + [hex(a) for a in addrs],
                          capture_output=True, text=True, check=True).stdout
frames, at = collections.defaultdict(list), None
for line in resolved.splitlines():
    if line.startswith("0x"):
        at = int(line, 16)
    else:
        frames[at].append(line)
by_line = collections.Counter()
for a in addrs:
    inside = [fr for fr in frames[a] if file in fr]
    where = inside[-1] if inside else "(elsewhere)"
    by_line[where.split(" ")[0].rsplit("/", 1)[-1]] += cost[a]

total = sum(cost.values())
with open(file) as src:
    lines = src.read().splitlines()
print(f"{event} per task in functions matching {function!r}: {total / n:,.0f}")
for where, c in by_line.most_common(top):
    number = where.rsplit(":", 1)[-1]
    text = ""
    if number.isdigit() and where != "(elsewhere)" and int(number) <= len(lines):
        text = lines[int(number) - 1].strip()[:90]
    print(f"{c / n:10,.0f}  {where:24}  {text}")
