#!/usr/bin/env bash
# Whether compiling functions pays (PEJIT_COMPILE_FUNCTIONS, issue 15 item 4): every program of every example, each as
# its own process, plain and JIT-enabled with PEJIT_COMPILE_FUNCTIONS=0 and =1, user CPU seconds of 3 runs each
# (sorted), and whether each JIT-enabled run printed what the plain one did. CPU time, not wall time: on a shared
# machine it is the figure that waiting for a core does not inflate.
#
#   bash scripts/compile-functions-table.sh [--out DIR] [--examples "StackVm Lua ..."] [--extra "fib 30"]
#
# --extra adds a program with arguments to StackVm's and Lua's rows (Docs/PERFORMANCE.md, "Entry cells").
set -uo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d -t pejit-functions-XXXXXX)
examples="StackVm Brainfuck RegisterVm TreeWalker HandlerTable Lua"
extra=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --examples) examples="$2"; shift 2 ;;
    --extra) extra="$2"; shift 2 ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "compile-functions-table: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
for name in $(env | grep -o '^PEJIT_[A-Z_]*'); do unset "$name"; done
dotnet build Tools/PeJit.Cli -c Release -v q -nologo >&2
cli=Tools/PeJit.Cli/bin/Release/net10.0/pejit.dll

# runs [env assignments...] -- <dotnet arguments...>: the user CPU seconds of 3 runs, sorted; the last run's stdout in $out/last.txt.
runs() {
  local envs=(); while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  for _ in 1 2 3; do env "${envs[@]}" /usr/bin/time -f "%U" -o "$out/time.txt" dotnet "$@" > "$out/last.txt" 2>/dev/null; cat "$out/time.txt"; done | sort -n | tr '\n' ' '
}

echo "| example | program | plain | \`COMPILE_FUNCTIONS=0\` | \`COMPILE_FUNCTIONS=1\` | output |"
echo "| --- | --- | --- | --- | --- | --- |"
for example in $examples; do
  dotnet build "Examples/$example" -c Release -v q -nologo >&2
  plain="Examples/$example/bin/Release/net10.0/$example.dll"
  jitted="$out/$example"
  dotnet "$cli" build "$plain" -o "$jitted" --report none > "$out/$example.build.txt" 2>&1 || { echo "| $example | (pejit build refused it) | | | | |"; continue; }
  variants=(""); [ "$example" = TreeWalker ] && variants=("" "--virtual")
  for variant in "${variants[@]}"; do
    programs=(); for file in Examples/$example/Programs/*; do programs+=("$(basename "${file%.*}")"); done
    [ -n "$extra" ] && { [ "$example" = StackVm ] || [ "$example" = Lua ]; } && programs+=("$extra")
    for program in "${programs[@]}"; do
      read -ra words <<< "$program"
      args=(); [ -n "$variant" ] && args+=("$variant"); args+=("${words[@]}")
      p=$(runs -- "$plain" "${args[@]}"); cp "$out/last.txt" "$out/plain.txt"
      f0=$(runs PEJIT_COMPILE_FUNCTIONS=0 -- "$jitted/$example.dll" "${args[@]}"); s0=same; cmp -s "$out/plain.txt" "$out/last.txt" || s0=MISMATCH
      f1=$(runs PEJIT_COMPILE_FUNCTIONS=1 -- "$jitted/$example.dll" "${args[@]}"); s1=same; cmp -s "$out/plain.txt" "$out/last.txt" || s1=MISMATCH
      echo "| $example | ${args[*]} | $p | $f0 | $f1 | $s0/$s1 |"
    done
  done
done
echo
echo "User CPU seconds of 3 runs per cell, sorted; $(nproc) cores; $(uptime | sed 's/.*load/load/'); $(date -u '+%Y-%m-%d %H:%M')."
