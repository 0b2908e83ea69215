#!/usr/bin/env bash
# The main job: builds the example interpreters, runs a long program on the plain interpreter and on the
# interpreter JIT-enabled by PeJit, and prints both outputs and the speedup.
#   bash demo.sh [stackvm|brainfuck] [program] [args...]      (default: stackvm long)
set -euo pipefail
cd "$(dirname "$0")"
dotnet run -c Release --project Examples/Demo -- "${@:-stackvm}" $( [ $# -le 1 ] && echo long )
