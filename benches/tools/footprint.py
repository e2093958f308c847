#!/usr/bin/env python3
"""The code one form of `benches/bound.rs` runs through: the distinct 64-byte
lines of machine code executed while it evaluates (the instruction cache's
unit), by part of the program and by function.

Earlier rounds took this to be what the wall-clock ratios pay for beyond
the instruction counts: an evaluation that runs through more code than the
level-1 instruction cache holds misses it on every evaluation. The
twenty-third round measured it in wall-clock and found that, on the host of
BENCHMARKS.md, up to about 73 KiB of code per call costs nothing
measurable when the calls are predictable (benches/HISTORY.md, twenty-third
round). `data_footprint.py` counts the data a call touches as well.

usage (from the repository root, after `cargo bench --bench bound --no-run`):
    python3 benches/tools/footprint.py FORM/N [TOP]
e.g.
    python3 benches/tools/footprint.py engine_off/10
    python3 benches/tools/footprint.py hand/10

The lines are those of every run of the form together (20 runs of one task,
or each task of a `mix_*` form once); TOP functions are listed (default 15).
"""
import collections, os, re, sys

from callgrind import bound_binary, run, runs_and_tasks, self_costs

if len(sys.argv) < 2:
    sys.exit(__doc__)
form = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
binary = bound_binary()
reps, _ = runs_and_tasks(form)
out = f"/tmp/footprint.{os.getpid()}.cg"
run(binary, form, reps, out, ["--dump-instr=yes"])

def part(function):
    """The part of the program a machine function belongs to."""
    if function is None:
        return "other"
    if "accountable::engine" in function:
        return "engine"
    if function.startswith("bound::"):
        return "hand-written rules"
    if re.search(r"accountable::(model|calendar)|hash", function):
        return "organisation, calendar, hashing"
    if re.search(r"malloc|free|alloc|memcpy|memmove|memcmp|memset", function):
        return "allocator, C library"
    return "other"


# The executed addresses of each function, as 64-byte lines.
lines = collections.defaultdict(set)
for function, addr, _ in self_costs(out):
    lines[function].add(addr >> 6)
os.remove(out)

kib = lambda n: f"{n * 64 / 1024:5.1f} KiB"
every = set().union(*lines.values()) if lines else set()
print(f"{form}: {kib(len(every))} of code ({len(every)} lines of 64 bytes)")
by_part = collections.defaultdict(set)
for function, ls in lines.items():
    by_part[part(function)] |= ls
for p, ls in sorted(by_part.items(), key=lambda x: -len(x[1])):
    print(f"  {kib(len(ls))}  {p}")
# Closures of one kind (`code::eval::{{closure}}`, …) counted together.
by_function = collections.Counter()
for function, ls in lines.items():
    by_function[re.sub(r"\{\{closure\}\}.*", "{{closure}}", function or "?")[:100]] += len(ls)
print(f"the {top} largest functions:")
for function, n in by_function.most_common(top):
    print(f"  {kib(n)}  {function}")
