"""What the tools in this directory share: the binary of `benches/bound.rs`,
a callgrind run of one of its forms (see `ir_mode` in bound.rs), and the
self cost of each executed address in callgrind's output.

Imported by the tools (`python3 benches/tools/TOOL.py` puts this directory
on the module path); not a tool itself.
"""
import glob, os, re, subprocess, sys


def bound_binary():
    """The newest build of the bound bench, or exit with how to build it."""
    bins = [b for b in glob.glob("target/release/deps/bound-*") if not b.endswith(".d")]
    if not bins:
        sys.exit("build the bench first: cargo bench --bench bound --no-run")
    return max(bins, key=os.path.getmtime)


def runs_and_tasks(form):
    """How many times to run FORM (`BOUND_IR`) and how many tasks those runs
    evaluate in all: the `mix_*` and `corpus_*` forms evaluate N tasks once,
    the others one task 20 times."""
    if form.startswith(("mix", "corpus")):
        return 1, int(form.split("/")[1])
    return 20, 20


def run(binary, form, reps, out, options=(), env=None):
    """Runs FORM `reps` times under callgrind, counting `bound::run_*` only,
    into the file `out`, with callgrind's extra `options` and the extra
    environment `env`; returns the finished process (its stderr as text)."""
    return subprocess.run(
        ["valgrind", "--tool=callgrind", "--toggle-collect=*bound::run_*", *options,
         f"--callgrind-out-file={out}", binary],
        env=dict(os.environ, BOUND_IR=str(reps), BOUND_ONLY=form, **(env or {})),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)


def self_costs(path, event="Ir"):
    """Yields (function, address, cost of `event`) for each line of self cost
    in the callgrind output at `path`, written with `--dump-instr=yes`.

    Positions are "instr line"; an address is absolute (0x…), relative
    (+n, -n) or the same as before (*). The cost line after `calls=` is a
    call's inclusive cost and is skipped. A line without a count of `event`
    yields 0."""
    names, current, skip, column, addr = {}, None, False, 0, 0
    with open(path) as f:
        for raw in f:
            raw = raw.rstrip("\n")
            if raw.startswith("events:"):
                column = raw.split()[1:].index(event)
                continue
            m = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", raw)
            if m:
                kind, ix, name = m.groups()
                if name:
                    names[ix] = name
                if kind == "fn":
                    current = names.get(ix, "")
                continue
            if raw.startswith("calls="):
                skip = True
                continue
            m = re.match(r"^(0x[0-9a-f]+|[+-]\d+|\*)\s+\S+\s*(.*)$", raw)
            if not m:
                continue
            a, rest = m.groups()
            if a.startswith("0x"):
                addr = int(a, 16)
            elif a != "*":
                addr += int(a)
            if skip:
                skip = False
                continue
            values = rest.split()
            cost = int(values[column]) if len(values) > column and values[column].isdigit() else 0
            yield current, addr, cost
