#!/usr/bin/env bash
# The first unit, cold (issue 12's 10 ms and 20 ms bars): for each program, three fresh processes of its `pejit build`
# output with PEJIT_BACKGROUND=0 PEJIT_LOG=summary, printing the portal's preparation (wall, thread CPU and the thread's
# page faults, where the runtime reports them) and the time
# from the threshold being reached to the first compiled instruction running. Run it on a quiet machine, after
# `dotnet build PeJit.sln -c Release`; extra environment (PEJIT_WARMUP=0, ...) passes through.
#
#   bash scripts/first-unit-table.sh [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d -t pejit-first-unit-XXXXXX)
if [ "${1:-}" = "--out" ]; then out=$2; mkdir -p "$out"; fi
pejit=Tools/PeJit.Cli/bin/Release/net10.0/pejit.dll
for e in StackVm Brainfuck RegisterVm HandlerTable TreeWalker Lua; do
  [ -f "$out/$e/$e.dll" ] || dotnet "$pejit" build "Examples/$e/bin/Release/net10.0/$e.dll" -o "$out/$e" --report none > /dev/null
done
uptime
for run in "StackVm count" "StackVm long" "StackVm nested" "Brainfuck squares" "RegisterVm long" "HandlerTable long" "TreeWalker long" "Lua numeric"; do
  set -- $run
  for i in 1 2 3; do
    PEJIT_BACKGROUND=0 PEJIT_LOG=summary dotnet "$out/$1/$1.dll" "$2" 2>&1 >/dev/null | \
      sed -n 's/.*: \([0-9.]*\) ms from hot to compiled code running.*/hot-to-running \1 ms/p; s/.*prepared (stored extension read and linked) in \([0-9.]*\) ms (thread CPU \([0-9.]*\) ms) ([^)]*, \([0-9]*\) page faults on the thread).*/preparation \1 ms (cpu \2, \3 faults)/p; t; s/.*prepared (stored extension read and linked) in \([0-9.]*\) ms (thread CPU \([0-9.]*\) ms).*/preparation \1 ms (cpu \2)/p' | tr '\n' ' '
    echo " <- $run"
  done
done
