#!/bin/sh
# Instructions per task of each form, with callgrind (repeatable under load):
# inclusive cost of accountable_peers::run_FORM ÷ (REPS × 16 tasks).
# usage: ./ir.sh [REPS]   (from benches/peers, after `cargo build --release`)
REPS=${1:-2}
BIN=./target/release/accountable-peers
for e in 10 50; do
  for f in ${FORMS:-engine engine9 rego rvm cedar rego_input}; do
    out=/tmp/cg.peers.$f.$e
    valgrind --tool=callgrind --callgrind-out-file=$out $BIN ir $f $e $REPS >/dev/null 2>&1
    ir=$(callgrind_annotate --inclusive=yes --threshold=100 $out 2>/dev/null | grep -E "^ *[0-9,]+ .*accountable_peers::run_[a-z0-9_]+ \[" | head -1 | awk '{gsub(",","",$1); print $1}')
    echo "$e events  $f  $((ir / (REPS * 16))) instructions per task"
  done
done
