#!/usr/bin/env bash
# The main job: builds an example interpreter twice (plain, and JIT-enabled through the MSBuild integration,
# which runs `pejit build` after the compile), runs a long program with each, and prints both outputs and
# the speedup.
#   bash demo.sh [stackvm|brainfuck] [program] [args...]      (default: stackvm long 100000000)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

example=${1:-stackvm}
case "$example" in
  stackvm) project=StackVm; default=(long 100000000) ;;
  brainfuck) project=Brainfuck; default=(long) ;;
  *) echo "demo.sh: unknown example '$example'; use stackvm or brainfuck" >&2; exit 2 ;;
esac
shift || true
run=("${@:-${default[@]}}")

echo "== building $project: plain, and JIT-enabled (-p:PeJitEnabled=true)"
dotnet build "Examples/$project" -c Release --artifacts-path artifacts/plain -v quiet -nologo | grep -v "^$" || true
dotnet build "Examples/$project" -c Release --artifacts-path artifacts/jit -p:PeJitEnabled=true -v quiet -nologo | grep -v "^$" || true
plain="artifacts/plain/bin/$project/release/$project.dll"
jit="artifacts/jit/bin/$project/release/$project.dll"
[ -f "$plain" ] && [ -f "$jit" ] || { echo "demo.sh: the build failed (see above)" >&2; exit 1; }

timed() {  # timed OUT_FILE dll args...: runs dotnet, prints the wall-clock milliseconds
  local out=$1; shift
  local start end
  start=$(date +%s%N)
  dotnet "$@" >"$out"
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
plain_out=$(mktemp); jit_out=$(mktemp); trap 'rm -f "$plain_out" "$jit_out"' EXIT

echo "== plain interpreter: $project ${run[*]}"
plain_ms=$(timed "$plain_out" "$plain" "${run[@]}")
tail -n 5 "$plain_out"
echo "== JIT-enabled interpreter: $project ${run[*]}   (PEJIT_LOG=summary)"
jit_ms=$(PEJIT_LOG=summary timed "$jit_out" "$jit" "${run[@]}")
tail -n 5 "$jit_out"

echo "=="
if cmp -s "$plain_out" "$jit_out"; then echo "outputs: identical ($(wc -l <"$plain_out") lines)"; else echo "outputs: DIFFERENT"; diff "$plain_out" "$jit_out" | head -20; exit 1; fi
awk -v p="$plain_ms" -v j="$jit_ms" 'BEGIN { r = p / j; x = (r >= 1) ? r : 1 / r; w = (r >= 1) ? "faster" : "slower (too short to repay the start-up)"; printf "plain %d ms, JIT-enabled %d ms (process wall clock, JIT start-up included): %.1fx %s\n", p, j, x, w }'
