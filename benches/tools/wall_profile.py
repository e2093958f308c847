#!/usr/bin/env python3
"""Where one form of `benches/bound.rs` spends its wall-clock time, by
source line: `perf record` with the `cpu-clock` software event (a timer,
which works on a VM that exposes no hardware counters) samples the form
running natively, and each sampled address is resolved with `addr2line -i`
to its innermost line and to the outermost line of the crate it was inlined
into.

The other tools count instructions (callgrind); this one counts time, so
the two side by side show the instructions that cost more than their
share. A timer sample lands on the oldest instruction the core has not yet
retired, so an address with many samples is one that waits: on a load that
missed the cache, on a load that could not take its value from the store
before it (a store-forwarding stall: a wide load over several narrower
stores still in flight), or after a mispredicted branch. The disassembly
around it (`objdump -d --start-address=…`) tells which.

A wait the core overlaps with other work costs less than its samples:
the twenty-seventh round built the three lists' new items in place
(entries, raw findings, consequences), which took their waits (5 % of
the samples) out of the profile and no time out of the runs; it made the
condition evaluator's value two words, returned in registers, which took
out the waits after every compiled part's return (about 10 % of the
samples) and 11 % of the engine's time (`benches/HISTORY.md`). Count the
samples, then time the change.

usage (from the repository root, after `cargo bench --bench bound --no-run`;
needs `perf`, from Debian's linux-perf):
    python3 benches/tools/wall_profile.py FORM/N [REPS] [TOP]
e.g.
    python3 benches/tools/wall_profile.py engine_off/10
    python3 benches/tools/wall_profile.py hand/10 8000000

FORM/N as for `BOUND_ONLY` (see `ir_mode` in bound.rs); REPS runs of the
form (default 2,000,000, about 4 seconds for the engine on 10 events; the
set-up before them, which checks the forms against each other, is sampled
too and is a few per cent of the samples at that count). TOP lines are
listed (default 30), then the functions.
"""
import collections, os, subprocess, sys, tempfile

from callgrind import bound_binary

if len(sys.argv) < 2:
    sys.exit(__doc__)
form = sys.argv[1]
reps = sys.argv[2] if len(sys.argv) > 2 else "2000000"
top = int(sys.argv[3]) if len(sys.argv) > 3 else 30
binary = bound_binary()

data = os.path.join(tempfile.gettempdir(), f"wall_profile.{os.getpid()}.data")
subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "10000", "-o", data, "--",
                binary],
               env=dict(os.environ, BOUND_IR=reps, BOUND_ONLY=form),
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,symoff"],
                        capture_output=True, text=True, check=True).stdout
os.remove(data)

# The executable is position-independent: its load address is found from a
# sample in a function whose name is unique in the executable.
addresses = collections.Counter()
by_name = collections.Counter()
for line in subprocess.run(["nm", "-C", "--defined-only", binary],
                           capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split(" ", 2)
    if len(parts) == 3:
        by_name[parts[2]] += 1
start = {}
for line in subprocess.run(["nm", "-C", "--defined-only", binary],
                           capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split(" ", 2)
    if len(parts) == 3 and by_name[parts[2]] == 1:
        start[parts[2]] = int(parts[0], 16)
base = None
samples = []
functions = collections.Counter()
for line in script.splitlines():
    parts = line.split(None, 1)
    if len(parts) != 2:
        continue
    ip = int(parts[0], 16)
    samples.append(ip)
    name, _, off = parts[1].rpartition("+0x")
    functions[name or parts[1]] += 1
    if base is None and name in start:
        base = ip - int(off, 16) - start[name]
if base is None:
    sys.exit("no sample fell in a function of the executable")
total = len(samples)
inside = collections.Counter(ip - base for ip in samples if 0 <= ip - base < 1 << 32)

resolved = subprocess.run(["addr2line", "-i", "-f", "-C", "-a", "-e", binary],
                          input="\n".join(hex(a) for a in inside),
                          capture_output=True, text=True, check=True).stdout.splitlines()
frames, current = {}, None  # address -> [(function, file:line)], innermost first
i = 0
while i < len(resolved):
    if resolved[i].startswith("0x"):
        current = int(resolved[i], 16)
        frames[current] = []
        i += 1
        continue
    function = resolved[i]
    place = resolved[i + 1] if i + 1 < len(resolved) else "??:0"
    place = place.split("/library/")[-1].split(os.getcwd() + "/")[-1].split(" ")[0]
    frames[current].append((function, place))
    i += 2

lines = collections.Counter()
for address, n in inside.items():
    fr = frames.get(address, [])
    inner = fr[0][1] if fr else "?"
    ours = [place for _, place in fr if place.startswith("src/")]
    lines[(inner, ours[-1] if ours else "")] += n

print(f"{form}, {reps} runs: {total} samples, {sum(inside.values()) / total:.0%} "
      f"in the executable (the rest in the C library and the kernel)")
print(f"{'share':>6}  {'innermost line':44}  outermost line of the crate")
for (inner, outer), n in lines.most_common(top):
    print(f"{n / total:6.2%}  {inner:44}  {outer}")
print("by function (as perf names it; inlined code counts in its caller):")
for name, n in functions.most_common(top):
    print(f"{n / total:6.2%}  {name[:110]}")
