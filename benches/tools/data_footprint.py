#!/usr/bin/env python3
"""The memory one call of a form of `benches/bound.rs` touches: the distinct
64-byte lines of code it runs through and of data it reads or writes (the
level-1 caches' unit), the data by where it lies (the stack, the
executable's own data, the heap and the libraries' data), and which
functions touch each data line first.

A form whose data per call fits the level-1 data cache with room to spare
finds it there on every call of a batch; one whose data fills the cache
misses some of it on every call. `BOUND_CHASE` (see `rr_mode` in bound.rs)
measures in wall-clock how close to that capacity a form runs; this shows
what fills it. `footprint.py` counts the code alone, from callgrind.

The third of four calls of the form is traced with valgrind's lackey
(`--trace-mem=yes`), so that the thread's scratch and the caches of the
first calls are in place, as in a batch.

usage (from the repository root, after `cargo bench --bench bound --no-run`):
    python3 benches/tools/data_footprint.py FORM/N [TOP]
e.g.
    python3 benches/tools/data_footprint.py engine_off/10
    python3 benches/tools/data_footprint.py hand/10

FORM is engine_off, engine_on, into_off, into_on or hand (one task of N
events); TOP functions are listed (default 20). The trace of one run is
about 400 MB in /tmp, removed afterwards; a run takes about 15 seconds.
"""
import bisect, collections, os, re, subprocess, sys

from callgrind import bound_binary

if len(sys.argv) < 2:
    sys.exit(__doc__)
form = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
kind = form.split("/")[0]
# The function that runs the calls, and the function each call enters.
calls = {
    "engine_off": ("bound::run_engine", "accountable::engine::Evaluator::evaluate"),
    "engine_on": ("bound::run_engine", "accountable::engine::Evaluator::evaluate"),
    "into_off": ("bound::run_engine_into", "accountable::engine::Evaluator::evaluate_into"),
    "into_on": ("bound::run_engine_into", "accountable::engine::Evaluator::evaluate_into"),
    "hand": ("bound::run_hand", "bound::hand"),
}
if kind not in calls:
    sys.exit(f"FORM must be one of {', '.join(calls)}")
binary = bound_binary()

# Symbols (address, name) of the executable, for the functions that touch data.
symbols = []
for line in subprocess.run(["nm", "-C", "--defined-only", binary],
                           capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[1] in "tTwW":
        symbols.append((int(parts[0], 16), parts[2]))
symbols.sort()
starts = [a for a, _ in symbols]
named = {name: a for a, name in symbols}
run_fn, call_fn = calls[kind]
if run_fn not in named or call_fn not in named:
    sys.exit(f"{run_fn} or {call_fn} not found in {binary}")
# The executable's extent (its loaded segments), relative to its load address.
image_end = 0
for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True,
                           check=True).stdout.splitlines():
    f = line.split()
    if f and f[0] == "LOAD":
        image_end = max(image_end, int(f[2], 16) + int(f[5], 16))
# valgrind loads a position-independent executable at this address.
BASE = 0x108000

log = f"/tmp/data_footprint.{os.getpid()}.log"
subprocess.run(["valgrind", "--tool=lackey", "--trace-mem=yes", f"--log-file={log}", binary],
               env=dict(os.environ, BOUND_IR="4", BOUND_ONLY=form),
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)

run_at = "I  %08x," % (BASE + named[run_fn])
call_at = "I  %08x," % (BASE + named[call_fn])
code, first = set(), {}
entries, pc = 0, 0
with open(log) as f:
    for line in f:
        if entries == 0 and not line.startswith(run_at):
            continue
        if entries == 0:
            entries = 1  # inside the run function, before its first call
            continue
        if line.startswith(call_at):
            entries += 1
            if entries > 4:  # the fourth call begins: the third is done
                break
        if entries != 4:  # calls are entries 2..5; keep the third call
            continue
        m = re.match(r"^(I| [LSM]) +([0-9a-f]+),", line)
        if not m:
            continue
        addr = int(m.group(2), 16)
        if m.group(1) == "I":
            pc = addr
            code.add(addr >> 6)
        else:
            first.setdefault(addr >> 6, pc)
os.remove(log)
if entries <= 4:
    sys.exit("the third call was not found in the trace (is the executable loaded at 0x108000?)")


def where(line):
    addr = line << 6
    if BASE <= addr < BASE + image_end:
        return "the executable's data (vtables, constants, statics)"
    if addr >= 0x1000000000:
        return "the stack"
    return "the heap and the libraries' data"


def function(pc):
    if not BASE <= pc < BASE + image_end:
        return "(C library)"
    i = bisect.bisect_right(starts, pc - BASE) - 1
    name = symbols[i][1] if i >= 0 else "?"
    return re.sub(r"::\{\{closure\}\}.*", "::{{closure}}", name)[:110]


kib = lambda n: f"{n * 64 / 1024:5.1f} KiB"
print(f"{form}, one call: {kib(len(code))} of code, {kib(len(first))} of data "
      f"({len(code)} and {len(first)} lines of 64 bytes)")
by_where = collections.Counter(where(line) for line in first)
for w, n in by_where.most_common():
    print(f"  {kib(n)}  {w}")
print(f"data lines by the function that touches them first (the {top} largest):")
by_function = collections.Counter(function(pc) for pc in first.values())
for fn, n in by_function.most_common(top):
    print(f"  {kib(n)}  {fn}")
