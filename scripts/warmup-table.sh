#!/usr/bin/env bash
# Warm-up as users feel it (issue 12, item 5): every program of every example, each as its own process, plain
# and JIT-enabled side by side, plus the never-hot (threshold out of reach) and disabled (PEJIT_DISABLE=1)
# modes. Prints a Markdown table of medians (milliseconds of wall time per process) for Docs/PERFORMANCE.md.
#
#   bash scripts/warmup-table.sh [--runs N] [--out DIR] [--examples "StackVm Brainfuck ..."]
#
# The JIT-enabled assemblies are written by `pejit build` (what the MSBuild integration runs too). Each program
# runs with its bundled default arguments. A row's outputs are compared: a JIT-enabled run that prints something
# else than the plain one is marked MISMATCH (that is a bug: report it). Run it on a quiet machine; `uptime` is
# printed so a reader can judge the figures.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
out=$(mktemp -d -t pejit-warmup-XXXXXX)
examples="StackVm Brainfuck RegisterVm TreeWalker HandlerTable"
ilonly=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --examples) examples="$2"; shift 2 ;;
    -h|--help) sed -n 2,11p "$0"; exit 0 ;;
    *) echo "warmup-table: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case "$runs" in ''|*[!0-9]*|0) echo "warmup-table: --runs takes a positive count, not '$runs'" >&2; exit 2 ;; esac
mkdir -p "$out"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Each column sets what it measures; a PEJIT_ setting left in the caller's shell would change every column.
for name in $(env | grep -o '^PEJIT_[A-Z_]*'); do unset "$name"; done
echo "building pejit and the examples (Release)..." >&2
dotnet build Tools/PeJit.Cli -c Release -v q -nologo >&2
cli=Tools/PeJit.Cli/bin/Release/net10.0/pejit.dll

# The median of the numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# time_runs [env assignments...] -- <dotnet arguments...>: the median wall time in ms of $runs runs; the last
# run's stdout is left in $out/last.txt.
time_runs() {
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    env "${envs[@]}" dotnet "$@" > "$out/last.txt" 2> "$out/last.err" || true
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
  done | median
}

echo "| example | program | plain (ms) | JIT-enabled (ms) | JIT / plain | never hot | disabled | output |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
for example in $examples; do
  dotnet build "Examples/$example" -c Release -v q -nologo >&2
  plain="Examples/$example/bin/Release/net10.0/$example.dll"
  jitted="$out/$example"
  if ! dotnet "$cli" build "$plain" -o "$jitted" --report none > "$out/$example.build.txt" 2>&1; then
    echo "| $example | (pejit build refused it: $(tail -n 1 "$out/$example.build.txt" | cut -c1-120)) | | | | | | |"
    continue
  fi
  # The JIT-enabled columns mean what they say only with PeJit's run-time assemblies precompiled: IL-only, .NET compiles
  # all of PeJit in every process (pejit build's line says which; Docs/PERFORMANCE.md, "PeJit's own code starts compiled").
  grep -q "runtime ReadyToRun" "$out/$example.build.txt" || ilonly="$ilonly $example"
  variants=("")
  [ "$example" = TreeWalker ] && variants=("" "--virtual")
  for variant in "${variants[@]}"; do
    for file in Examples/$example/Programs/*; do
      program=$(basename "${file%.*}")
      args=(); [ -n "$variant" ] && args+=("$variant"); args+=("$program")
      p=$(time_runs -- "$plain" "${args[@]}"); cp "$out/last.txt" "$out/plain.txt"
      j=$(time_runs -- "$jitted/$example.dll" "${args[@]}"); cp "$out/last.txt" "$out/jit.txt"
      n=$(time_runs PEJIT_THRESHOLD=2147483647 -- "$jitted/$example.dll" "${args[@]}")
      d=$(time_runs PEJIT_DISABLE=1 -- "$jitted/$example.dll" "${args[@]}")
      same=identical; cmp -s "$out/plain.txt" "$out/jit.txt" || same=MISMATCH
      ratio=$(awk -v j="$j" -v p="$p" 'BEGIN { printf "%.2f", (p > 0) ? j / p : 0 }')
      echo "| $example | ${variant:+$variant }$program | $p | $j | $ratio | $n | $d | $same |"
    done
  done
done
echo
[ -n "${ilonly:-}" ] && echo "PeJit's run-time assemblies were IL-only (not precompiled) for:$ilonly; see pejit build's output in $out."
echo "Medians of $runs runs per cell; $(nproc) cores; $(uptime | sed 's/.*load/load/'); $(dotnet --version) SDK; $(date -u +%Y-%m-%d)."
