#!/usr/bin/env bash
# Runs one fuzz target on one core for a fixed time.
#
#   fuzz/run.sh TARGET SECONDS [extra libFuzzer flags...]
#
# Installs cargo-fuzz if it is missing, seeds fuzz/corpus/TARGET from the
# repository's files (fuzz/seed.py), then runs the target. The stable
# toolchain builds with the sanitizer flags cargo-fuzz passes when
# RUSTC_BOOTSTRAP=1 is set. Crashes land in fuzz/artifacts/TARGET/.
# The log (with libFuzzer's final stats) goes to fuzz/logs/TARGET.log too.
set -euo pipefail
cd "$(dirname "$0")"

if [ $# -lt 2 ]; then
    echo "usage: $0 TARGET SECONDS [libFuzzer flags...]" >&2
    echo "targets: policy_loader expression case_loader corpus_loader" >&2
    exit 2
fi
target=$1
seconds=$2
shift 2

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

python3 seed.py "$target"
mkdir -p logs "artifacts/$target"

export RUSTC_BOOTSTRAP=1
# One core for the build as well as the run: the machine is shared.
export CARGO_BUILD_JOBS=1
cargo fuzz build "$target"
# With -jobs=1 libFuzzer runs the fuzzing in one child process whose output
# goes to fuzz-0.log; the parent prints it at the end (final stats included).
rm -f fuzz-0.log
status=0
cargo fuzz run "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -jobs=1 -workers=1 -rss_limit_mb=2048 \
    -print_final_stats=1 "$@" 2>&1 | tee "logs/$target.log" || status=$?
if [ -f fuzz-0.log ]; then
    mv fuzz-0.log "logs/$target.worker.log"
fi
echo "== $target: $(grep -E '^#[0-9]+ +DONE' "logs/$target.worker.log" 2>/dev/null | tail -n 1)"
grep -E '^stat::' "logs/$target.worker.log" 2>/dev/null || true
ls "artifacts/$target" 2>/dev/null | sed 's/^/artifact: /' || true
exit "$status"
