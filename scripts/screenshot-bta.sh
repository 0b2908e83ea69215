#!/usr/bin/env bash
# Renders the HTML binding-time report of an interpreter in headless Chromium and saves a screenshot.
#   bash scripts/screenshot-bta.sh [interpreter.dll] [out.png]
# Default: the stack-VM example (built here), written to bta-StackVm.png.
set -euo pipefail
cd "$(dirname "$0")/.."
dll=${1:-}
png=${2:-bta-StackVm.png}
if [ -z "$dll" ]; then
  dotnet build Examples/StackVm -c Release -v quiet -nologo >/dev/null
  dll=Examples/StackVm/bin/Release/net10.0/StackVm.dll
fi
if ! command -v chromium >/dev/null; then
  echo "installing Debian's chromium (headless browser)"
  (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet run --project Tools/PeJit.Cli -c Release -- bta "$dll" --format html -o "$work/bta.html" || true
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$work/profile" --hide-scrollbars \
  --window-size=1400,1800 --screenshot="$(realpath -m "$png")" "file://$work/bta.html" 2>/dev/null
echo "wrote $png"
