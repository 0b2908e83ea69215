#!/usr/bin/env bash
# The main job, as far as PeJit goes today: build an example interpreter, run a program with it, and show
# what PeJit sees in it (the dispatch loop's flow graph and its binding times).
set -euo pipefail
cd "$(dirname "$0")"
program=${1:-fib}

echo "== building the stack-VM example and the pejit tool"
dotnet build Examples/StackVm -c Release -v quiet -nologo
dotnet build Tools/PeJit.Cli -c Release -v quiet -nologo
dll=Examples/StackVm/bin/Release/net10.0/StackVm.dll
pejit() { dotnet Tools/PeJit.Cli/bin/Release/net10.0/pejit.dll "$@"; }

echo "== running '$program' on the plain interpreter"
time dotnet "$dll" "$program"

echo "== binding-time report of the interpreter (green = known while specializing, red = at run time)"
pejit bta "$dll" --format text | head -120
