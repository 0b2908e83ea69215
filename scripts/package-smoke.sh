#!/usr/bin/env bash
# Packs the three packages (PeJit.Hints, PeJit.Runtime, the pejit tool) and uses them as a user would:
# a fresh project outside the repository, the tool from a local tool manifest, PeJitEnabled=true.
#   bash scripts/package-smoke.sh [workdir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
version="0.1.0-smoke.$(date +%s%N)"   # unique: the global package cache never serves an older build
packages="$work/packages"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
for project in RunTime/Hints RunTime/Runtime Tools/PeJit.Cli; do
  dotnet pack "$root/$project" -c Release -o "$packages" -p:Version="$version" --artifacts-path "$work/artifacts" -nologo -v quiet
done
app="$work/app"
mkdir -p "$app"
cp "$root/Tests/PackageSmoke/Program.cs" "$app/"
sed "s/@VERSION@/$version/" "$root/Tests/PackageSmoke/PackageSmoke.csproj.template" > "$app/PackageSmoke.csproj"
cat > "$app/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="pejit-local" value="$packages" />
  </packageSources>
</configuration>
CONFIG
cd "$app"
dotnet new tool-manifest >/dev/null
dotnet tool install PeJit.Cli --version "$version" >/dev/null
dotnet build -c Release -nologo -v quiet
plain=$(PEJIT_DISABLE=1 dotnet bin/Release/net10.0/PackageSmoke.dll 30000000)
jit=$(PEJIT_LOG=summary dotnet bin/Release/net10.0/PackageSmoke.dll 30000000 2>"$work/jit.log")
cat "$work/jit.log"
echo "plain: $plain"
echo "jit:   $jit"
[ "$plain" = "$jit" ] || { echo "package smoke: outputs differ"; exit 1; }
grep -q "pejit summary: [1-9]" "$work/jit.log" || { echo "package smoke: nothing was compiled"; exit 1; }
echo "package smoke: ok"
