#!/usr/bin/env python3
"""Atomic read-modify-write instructions (x86 `lock` prefix) executed per
task by one form of `benches/bound.rs`: the reference-count updates of
`Arc` clones and drops, which instruction counts hide (each costs about
7.5 ns on the machine of BENCHMARKS.md, against well under 1 ns for most
instructions).

usage (from the repository root, after `cargo bench --bench bound --no-run`):
    python3 benches/tools/lock_ops.py engine_off/10 [REPS]

It runs `BOUND_IR=REPS BOUND_ONLY=FORM` under callgrind with per-instruction
counts, finds the `lock` instructions of the bench binary with objdump,
and prints their executions per task, then the source lines they come from.
"""
import collections, os, re, subprocess, sys

from callgrind import bound_binary, run

form = sys.argv[1] if len(sys.argv) > 1 else "engine_off/10"
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
binary = bound_binary()
out = f"/tmp/lock_ops.{os.getpid()}.cg"
run(binary, form, reps, out, ["--dump-instr=yes"])
dump = subprocess.run(["objdump", "-d", "--no-show-raw-insn", binary],
                      capture_output=True, text=True, check=True).stdout
locks = {int(m.group(1), 16) for m in re.finditer(r"^\s+([0-9a-f]+):\s+lock ", dump, re.M)}

# Self cost per instruction address of the binary (one execution = 1 Ir).
count = collections.Counter()
names, in_bin, after_call, last = {}, False, False, 0
for line in open(out):
    line = line.rstrip("\n")
    m = re.match(r"^c?ob=\((\d+)\)(?: (.*))?$", line)
    if m:
        if m.group(2):
            names[m.group(1)] = m.group(2)
        if line.startswith("ob="):
            in_bin = names.get(m.group(1), "").endswith(os.path.basename(binary))
        continue
    if line.startswith("calls="):
        after_call = True
        continue
    if not line or line.startswith("#") or re.match(r"^[a-z]+=", line):
        continue
    p = line.split()
    a = p[0]
    if a.startswith("0x"):
        addr = int(a, 16)
    elif a[0] in "+-":
        addr = last + int(a)
    elif a == "*":
        addr = last
    else:
        continue
    last = addr
    if after_call:  # the line after `calls=` is the call's inclusive cost
        after_call = False
        continue
    if in_bin and len(p) >= 3 and addr in locks:
        count[addr] += int(p[2])
os.remove(out)
print(f"{form}: {sum(count.values()) / reps:.1f} lock-prefixed instructions per task")

# Where they come from: the innermost frames outside the standard library.
lines = subprocess.run(["addr2line", "-a", "-i", "-f", "-C", "-e", binary] + [hex(a) for a in count],
                       capture_output=True, text=True).stdout.split("\n")
by_site, i, cur, frames = collections.Counter(), 0, None, []
def flush():
    if cur is not None:
        own = [f"{fn.split('::')[-1]} {loc.split('/')[-1]}" for fn, loc in frames
               if "/rustc/" not in loc and "library/" not in loc]
        outer = frames[-1][0][:70] if frames else "?"
        by_site[" <- ".join(own[:2]) or f"(standard library) {outer}"] += count[cur]
while i < len(lines):
    if lines[i].startswith("0x"):
        flush()
        cur, frames = int(lines[i], 16), []
        i += 1
    elif lines[i] and i + 1 < len(lines):
        frames.append((lines[i], lines[i + 1]))
        i += 2
    else:
        i += 1
flush()
for site, n in by_site.most_common(15):
    print(f"{n / reps:8.1f}  {site}")
