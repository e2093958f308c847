#!/usr/bin/env python3
"""Seeds fuzz/corpus/TARGET/ from the repository's own files.

Usage: python3 fuzz/seed.py [TARGET ...]   (default: every target)

The generated corpora are git-ignored (fuzz/corpus, fuzz/artifacts); rerun
this script to rebuild them. Seeds are named by a hash of their content,
as libFuzzer names its own, so rerunning adds nothing twice.
"""

import glob
import hashlib
import os
import sys
import tomllib

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
# Seeds larger than this are left out (they slow every mutation down).
MAX_SEED = 64 * 1024
# Inputs of open bugs (see tests/hostile.rs, the tests marked `BUG`): left
# out so that a run explores rather than stopping on its first input.
# Remove a name once its bug is fixed.
KNOWN_CRASHERS: set[str] = set()


def files(*patterns):
    out = []
    for p in patterns:
        out.extend(sorted(glob.glob(os.path.join(ROOT, p), recursive=True)))
    return [f for f in out if os.path.isfile(f) and os.path.basename(f) not in KNOWN_CRASHERS]


def write(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_SEED:
        return 0
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(d, name)
    if os.path.exists(path):
        return 0
    with open(path, "wb") as f:
        f.write(data)
    return 1


def read(path):
    with open(path, "rb") as f:
        return f.read()


POLICIES = ("policies/*.toml", "tests/data/policies/*.toml", "tests/data/hostile/*.toml")
CONDITION_KEYS = ("when", "who", "evidence", "transfers_to", "to")


def seed_policy_loader():
    n = 0
    for f in files(*POLICIES):
        n += write("policy_loader", read(f))
    return n


def conditions(table):
    for key in CONDITION_KEYS:
        v = table.get(key)
        if isinstance(v, str):
            yield v


def seed_expression():
    n = 0
    for f in files(*POLICIES):
        try:
            doc = tomllib.loads(read(f).decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        for section in ("rule", "replace", "supersede"):
            for table in doc.get(section, []):
                for cond in conditions(table):
                    n += write("expression", cond)
    # The grammar's corners, so the fuzzer starts from each production.
    for cond in (
        "a and b or not c",
        'count(x in events where x.kind == "completed") >= 2',
        '[x.actor for x in events where x.kind == "reminder"]',
        "[x in events where x.actor == task.assigned_by]",
        "if task.late_days > param.days then true else false",
        "first(x in events where x.step == step.id)",
        "last(x in events)",
        "today - task.received_date > 30",
        "add_working_days(task.received_date, param.days) < today",
        "[1, 2, 3]",
        "none",
        '"text"',
        "9223372036854775807 + 1",
        "not not not true",
        "((((task.late_days))))",
    ):
        n += write("expression", cond)
    return n


def seed_case_loader():
    n = 0
    for f in files(
        "tests/fixtures/*.json",
        "tests/data/malformed/*.json",
        "policies/tests/**/*.json",
        "tests/data/hostile/*.json",
        "tests/data/fuzz/*.json",
    ):
        n += write("case_loader", read(f))
    return n


def seed_corpus_loader():
    n = 0
    for f in files(
        "data/sample/*.jsonl",
        "tests/data/malformed/*.jsonl",
        "tests/data/hostile/*.jsonl",
        "tests/data/fuzz/*.jsonl",
    ):
        data = read(f)
        n += write("corpus_loader", data)
        lines = data.split(b"\n")
        # The organisation line with each task line alone: small seeds.
        if len(lines) > 2:
            for line in lines[1:]:
                if line.strip():
                    n += write("corpus_loader", lines[0] + b"\n" + line + b"\n")
    return n


SEEDERS = {
    "policy_loader": seed_policy_loader,
    "expression": seed_expression,
    "case_loader": seed_case_loader,
    "corpus_loader": seed_corpus_loader,
}


def main(argv):
    targets = argv or list(SEEDERS)
    for t in targets:
        if t not in SEEDERS:
            sys.exit(f"unknown target `{t}`; known: {', '.join(SEEDERS)}")
        n = SEEDERS[t]()
        total = len(os.listdir(os.path.join(FUZZ, "corpus", t)))
        print(f"seeded {t}: {n} new, {total} in fuzz/corpus/{t}")


if __name__ == "__main__":
    main(sys.argv[1:])
