#!/bin/sh
# Instructions per task of each form, with callgrind (repeatable under load).
# Each form runs twice, REPS and 2 × REPS times over its pool of 16 tasks; the
# difference of the inclusive costs of `accountable_peers::run_FORM` ÷
# (REPS × 16) is the cost per task in steady state: what a first call pays
# once (a thread's scratch growing, caches filling) cancels out, as the
# bound's `BOUND_IR` runs its forms only after the check has warmed them.
# usage: ./ir.sh [REPS]   (from benches/peers, after `cargo build --release`)
REPS=${1:-2}
BIN=./target/release/accountable-peers
ir() {
  out=/tmp/cg.peers.$1.$2.$3
  valgrind --tool=callgrind --callgrind-out-file=$out $BIN ir $1 $2 $3 >/dev/null 2>&1
  callgrind_annotate --inclusive=yes --threshold=100 $out 2>/dev/null | grep -E "^ *[0-9,]+ .*accountable_peers::run_[a-z0-9_]+ \[" | head -1 | awk '{gsub(",","",$1); print $1}'
}
for e in 10 50; do
  for f in ${FORMS:-engine engine9 rego rvm cedar rego_input}; do
    once=$(ir $f $e $REPS)
    twice=$(ir $f $e $((2 * REPS)))
    echo "$e events  $f  $(((twice - once) / (REPS * 16))) instructions per task  (first $REPS × 16 tasks: $((once / (REPS * 16))))"
  done
done
