#!/usr/bin/env python3
# What .NET's JIT compiles in whole processes, by tier and by owner (issue 12: a short JIT-enabled process pays .NET's
# tier-1 thread for recompiling code that got hot, PeJit's own precompiled code among it), with .NET's own summary
# (`DOTNET_JitStdOutFile`, `DOTNET_JitDisasmSummary=1`: one line per compilation with its tier).
#
#   python3 scripts/tier1-compilations.py RUNS "PROGRAM ARGS" LABEL=ENV,DLL ... [--list OWNER] [--top N]
#
# Same LABEL=ENV,DLL arguments as scripts/thread-cpu.py (ENV is NAME:VALUE pairs separated by ';'). Prints, per label, the
# median count of compilations per tier and owner: "pejit" (PeJit.* methods but the examples': the run-time assemblies), "framework"
# (System.*, Microsoft.*, Internal.*), "program" (everything else: the interpreter, the woven portal, the emitted green
# accessors, dynamic methods). --list OWNER lists that owner's optimizing recompilations (every tier but Tier0 and OSR)
# of the last run, most frequent method first (--top N of them, 40 by default). The tier-1 thread's compilations of a run
# end with the process: one that was queued but not compiled when the program ended is not counted.
import collections, os, re, statistics, subprocess, sys, tempfile
import runspec

args = sys.argv[1:]
listed, top = None, 40
if '--list' in args:
    i = args.index('--list'); listed = args[i + 1]; del args[i:i + 2]
if '--top' in args:
    i = args.index('--top'); top = int(args[i + 1]); del args[i:i + 2]
if len(args) < 3 or not args[0].isdigit():
    sys.exit("usage: tier1-compilations.py RUNS \"PROGRAM ARGS\" LABEL=ENV,DLL ... [--list OWNER] [--top N] (see the header)")
runs, program, specs = int(args[0]), args[1], args[2:]

# "   12: JIT compiled PeJit.IR.Binary.CompactReader:Number():int:this [Instrumented Tier1, IL size=60, code size=98]"
LINE = re.compile(r'JIT compiled (?P<method>.+?) \[(?P<tier>[^,\]]+)')


def owner(method):
    if method.startswith('PeJit.') and not method.startswith('PeJit.Examples.'):
        return 'pejit'
    if method.startswith(('System.', 'Microsoft.', 'Internal.', 'Interop')):
        return 'framework'
    return 'program'


def tier(text):
    # "Tier1-OSR @0x2a" and "Tier1 with dynamic PGO" keep their kind only.
    return 'OSR' if 'OSR' in text else text.replace(' with dynamic PGO', '').strip()


counts = {spec: [] for spec in specs}
last = {}
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, 'jit.txt')
    for _ in range(runs):
        for spec in specs:
            label, env, dll = runspec.parse(spec, DOTNET_JitStdOutFile=out, DOTNET_JitDisasmSummary='1')
            if os.path.exists(out): os.remove(out)
            subprocess.run(['dotnet', dll] + program.split(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            groups, methods = collections.Counter(), []
            for line in open(out, errors='replace') if os.path.exists(out) else []:
                match = LINE.search(line)
                if not match: continue
                kind, who = tier(match['tier']), owner(match['method'])
                groups[(who, kind)] += 1
                methods.append((who, kind, match['method']))
            counts[spec].append(groups)
            last[spec] = methods

print(os.popen('uptime').read().strip())
for spec in specs:
    keys = sorted({k for g in counts[spec] for k in g})
    med = lambda k: statistics.median(g.get(k, 0) for g in counts[spec])
    total = statistics.median(sum(g.values()) for g in counts[spec])
    shown = '  '.join(f"{who}/{kind}={med((who, kind)):.0f}" for who, kind in keys if med((who, kind)) >= 0.5)
    print(f"{spec.split('=')[0]:10} all={total:.0f}  {shown}")
    if listed:
        recompiled = collections.Counter(f"{m} [{k}]" for who, k, m in last[spec] if who == listed and k not in ('Tier0', 'OSR'))
        for name, n in recompiled.most_common(top):
            print(f"    {n} x {name}")
