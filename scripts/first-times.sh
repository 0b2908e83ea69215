#!/usr/bin/env bash
# The first times of a JIT-enabled process, counted by stage (issue 12's cold costs): how many types .NET loads (T),
# precompiled methods it binds at their first call (R) and methods its JIT compiles (J), from the process's start to the
# first Jit.CanEnterJit, while the portal is prepared, on the way to compiling, while the first unit is made, and after.
# These counts do not depend on the machine's load, unlike times; each first time costs some microseconds.
#
#   bash scripts/first-times.sh [--list J|T|R] [--keep FILE] <pejit build output>/Example.dll [program arguments...]
#
# Runs with PEJIT_BACKGROUND=0 (the first unit is made on the interpreter's thread, so the stages follow one another) and
# a startup hook (scripts/first-times/, an EventListener on the runtime's own events; no change to the program). The first
# unit is split into specialization, optimization and backend at the first calls of Pipeline.Run and of a backend's Compile.
# --list J prints the methods compiled by stage on the interpreter's thread (T and R the types and first calls); --keep writes
# the raw trace. Every other thread's events (.NET's tier-1 compiler, the hook's own listener) are counted apart.
# The warm-up thread (RunTime/Runtime/PipelineWarmUp.cs) is off (PEJIT_WARMUP=0) unless the environment sets PEJIT_WARMUP:
# its first times would land in whichever stage they overlap, so the counts would depend on the two threads' timing.
set -euo pipefail
cd "$(dirname "$0")/.."
list=""; keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --list) list="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "first-times: name a JIT-enabled assembly (pejit build's output) and its arguments (try --help)" >&2; exit 2; }
dotnet build scripts/first-times -c Release -v q -nologo -o "${TMPDIR:-/tmp}/pejit-first-times-hook" >&2
trace=${keep:-$(mktemp -t pejit-first-times-XXXXXX)}
DOTNET_STARTUP_HOOKS="${TMPDIR:-/tmp}/pejit-first-times-hook/StartupHook.dll" FIRST_TIMES_OUT="$trace" PEJIT_BACKGROUND=0 PEJIT_WARMUP="${PEJIT_WARMUP:-0}" \
  dotnet "$@" > /dev/null
# Stages begin at the first call of these precompiled methods of PeJit's runtime, on the thread that makes the first call of
# Jit.CanEnterJit (the interpreter's; with PEJIT_BACKGROUND=0 it also prepares the portal and compiles the first unit). Its
# events are counted apart from every other thread's (.NET's tier-1 compiler, the listener's own thread, which formats
# numbers, the warm-up): the stage columns are that thread's, "others" the rest meanwhile.
awk -v list="$list" '
BEGIN {
  # A mark is one or more method names (|); the first unit is split where the optimizer and a backend are first called.
  n = split("PeJit.Runtime.JitRuntime::CanEnterJit PeJit.Runtime.JitRuntime::Prepare PeJit.Runtime.PortalRuntime::OnCanEnterJit PeJit.Runtime.PortalRuntime::CompileUnchecked PeJit.Optimizer.Pipeline::Run PeJit.Backends.Cil.CilBackend::Compile|PeJit.Backends.Amd64.Amd64Backend::Compile PeJit.Runtime.CompiledUnit::.ctor PeJit.Runtime.PortalRuntime::RunUnit", marks, " ")
  split("start-to-first-CanEnterJit first-CanEnterJit preparation to-compiling first-unit:specialization first-unit:optimization first-unit:backend first-unit-ready first-unit-runs-and-after", names, " ")
  stage = 1; k = 1; main = ""
}
# First pass: which thread calls CanEnterJit first.
function marked(name, m,    alternatives, a, count) {
  count = split(marks[m], alternatives, "|")
  for (a = 1; a <= count; a++) if (index(name, alternatives[a]) == 1) return 1
  return 0
}
NR == FNR { if (main == "" && $3 == "R" && marked($4, 1)) main = $2; next }
{
  # The next mark, or the one after it (a unit that never reached a backend, or a log without the split, goes on).
  if ($2 == main && $3 == "R" && k <= n) {
    if (marked($4, k)) { stage = k + 1; k++ }
    else if (k >= 5 && k < n && marked($4, k + 1)) { stage = k + 2; k += 2 }
  }
  if ($2 == main || main == "") { count[stage, $3]++; if ($3 == list) items[stage] = items[stage] "    " $4 "\n" }
  else others[stage, $3]++
}
END {
  printf "%-30s %7s %7s %5s   %s\n", "stage", "types", "first", "JIT", "others: types first JIT"
  for (s = 1; s <= n + 1; s++) {
    printf "%-30s %7d %7d %5d   %6d %6d %4d\n", names[s], count[s, "T"], count[s, "R"], count[s, "J"], others[s, "T"], others[s, "R"], others[s, "J"]
    if (list != "") printf "%s", items[s]
  }
}' "$trace" "$trace"
[ -n "$keep" ] || rm -f "$trace"
