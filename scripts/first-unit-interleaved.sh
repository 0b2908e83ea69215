#!/usr/bin/env bash
# The rows of scripts/first-unit-table.sh for two sets of `pejit build` outputs run in turn (A, then B, per round), so that a
# loaded or drifting machine weighs on both alike: preparation's wall time, thread CPU and page faults on the preparing thread
# (the faults need a runtime that reports them: PEJIT_LOG=summary's "page faults on the thread"), and hot to running.
# Each directory holds <Example>/<Example>.dll as first-unit-table.sh --out writes them; extra environment passes through.
#
#   bash scripts/first-unit-interleaved.sh A_DIR B_DIR [ROUNDS=3]
set -uo pipefail
[ $# -ge 2 ] || { echo "first-unit-interleaved: name two output folders (bash scripts/first-unit-table.sh --out DIR makes one)" >&2; exit 2; }
a=$1; b=$2; rounds=${3:-3}
uptime
for run in "StackVm count" "StackVm long" "StackVm nested" "Brainfuck squares" "RegisterVm long" "HandlerTable long" "TreeWalker long" "Lua numeric"; do
  set -- $run
  for i in $(seq 1 "$rounds"); do
    for side in A B; do
      dir=$a; [ $side = B ] && dir=$b
      line=$(PEJIT_BACKGROUND=0 PEJIT_LOG=summary dotnet "$dir/$1/$1.dll" "$2" 2>&1 >/dev/null | \
        sed -n 's/.*: \([0-9.]*\) ms from hot to compiled code running.*/hot-to-running \1 ms/p; s/.*prepared (stored extension read and linked) in \([0-9.]*\) ms (thread CPU \([0-9.]*\) ms) ([^)]*, \([0-9]*\) page faults on the thread).*/preparation \1 ms (cpu \2, \3 faults)/p; t; s/.*prepared (stored extension read and linked) in \([0-9.]*\) ms (thread CPU \([0-9.]*\) ms).*/preparation \1 ms (cpu \2)/p' | tr '\n' ' ')
      echo "$side $line <- $run"
    done
  done
done
uptime
