#!/usr/bin/env python3
# Where the interpreting (main) thread's CPU goes in whole processes (issue 12: the main thread's extra in a short
# JIT-enabled process), from `perf record -e cpu-clock -g` samples (4 kHz: 0.25 ms each) with .NET's perf map.
#
#   python3 scripts/thread-cpu-perf.py RUNS "PROGRAM ARGS" LABEL=ENV,DLL ... [--top N]
#
# Same arguments as scripts/thread-cpu.py (ENV is NAME:VALUE pairs separated by ';'; runs interleaved). Needs `perf`.
# Sets DOTNET_PerfMapEnabled=1 and DOTNET_EnableWriteXorExecute=0 in every process, plain too (with W^X on, .NET's code
# is in a double-mapped file perf does not look up in the map; both change start-up a little, the same for every label).
# libcoreclr.so has no symbols here, and ReadyToRun code is named only by its file, so each main-thread sample is counted
# by owner, the assembly of its nearest managed frame (program: the interpreter's, the woven portal included; framework;
# pejit: PeJit.* and Iced; none), and by kind, what its leaf is: managed code, runtime (libcoreclr: type loads, binding
# of precompiled code, stubs, the GC's own work), jit (libclrjit anywhere in the chain), clear (libc called from
# libcoreclr: mostly the GC clearing memory for allocation contexts), fault (kernel page faults), other. Prints per label
# the median samples per owner and kind; --top N, the N PeJit frames nearest the leaf most sampled (perf-map names only).
import collections, os, re, statistics, subprocess, sys, tempfile
import runspec

args = [a for a in sys.argv[1:]]
top = 0
if '--top' in args:
    i = args.index('--top'); top = int(args[i + 1]); del args[i:i + 2]
if len(args) < 3:
    sys.exit("usage: thread-cpu-perf.py RUNS \"PROGRAM ARGS\" LABEL=ENV,DLL ... [--top N] (see the header)")
runs, program, specs = int(args[0]), args[1], args[2:]


def owner_of(sym, dso):
    """pejit, program, framework or None for a frame: a managed frame's assembly (perf map names it in brackets; ReadyToRun
    code is in the assembly's file, which perf cannot name the methods of)."""
    m = re.search(r'\[([A-Za-z0-9_.]+)\]', sym) if 'perf-' in dso else None
    name = m.group(1) if m else os.path.basename(dso) if dso.endswith('.dll') else None
    if name is None:
        return None
    if name.startswith('PeJit') or name == 'Iced' or name.startswith('Iced'):
        return 'pejit'
    if name.startswith('System') or name.startswith('Microsoft') or name == 'netstandard':
        return 'framework'
    return 'program'


def classify(script, leaves):
    counts = collections.Counter()
    main = None
    for block in script.split('\n\n'):
        lines = [line.strip() for line in block.split('\n') if line.strip()]
        if not lines:
            continue
        tid = lines[0].split()[0]
        main = main or tid
        if tid != main:
            continue
        frames = []
        for f in lines[1:]:
            parts = f.split(None, 1)
            if len(parts) < 2: continue
            rest = parts[1]
            dso = rest[rest.rfind('(') + 1:-1] if rest.endswith(')') else ''
            sym = rest[:rest.rfind('(')].strip() if '(' in rest else rest
            frames.append((sym, dso))
        if not frames:
            continue
        owner = next((o for o in (owner_of(s, d) for s, d in frames) if o), 'none')
        leaf = frames[0][1]
        native = next((d for _, d in frames if 'kallsyms' not in d), '')
        if any('libclrjit' in d for _, d in frames):
            kind = 'jit'
        elif 'kallsyms' in leaf and any('page_fault' in s for s, _ in frames):
            kind = 'fault'
        elif 'libc.so' in native and len(frames) > 1 and 'libcoreclr' in next((d for _, d in frames if 'kallsyms' not in d and 'libc.so' not in d), ''):
            kind = 'clear'
        elif 'libcoreclr' in native:
            kind = 'runtime'
        elif owner_of(*next(((s, d) for s, d in frames if 'kallsyms' not in d), ('', ''))):
            kind = 'managed'
        else:
            kind = 'other'
        counts['main'] += 1
        counts[owner] += 1
        counts[owner + '.' + kind] += 1
        if owner == 'pejit':
            leaves['pejit', next((s for s, d in frames if owner_of(s, d) == 'pejit'), '?')[:120]] += 1
    return counts


rows = {spec: [] for spec in specs}
leaves = {spec: collections.Counter() for spec in specs}
with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, 'perf.data')
    for _ in range(runs):
        for spec in specs:
            label, env, dll = runspec.parse(spec, DOTNET_PerfMapEnabled='1', DOTNET_EnableWriteXorExecute='0')
            subprocess.run(['perf', 'record', '-q', '-e', 'cpu-clock', '-g', '-o', data, 'dotnet', dll] + program.split(),
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            script = subprocess.run(['perf', 'script', '-i', data, '-F', 'tid,ip,sym,dso'], capture_output=True, text=True).stdout
            rows[spec].append(classify(script, leaves[spec]))
print(os.popen('uptime').read().strip())
kinds = ['managed', 'runtime', 'jit', 'clear', 'fault', 'other']
owners = ['program', 'framework', 'pejit', 'none']
print(f"samples of the main thread, medians ({'; '.join(owners)}: the nearest managed frame's assembly; kinds: the leaf's)")
for spec in specs:
    med = lambda n: statistics.median(c.get(n, 0) for c in rows[spec])
    print(f"{spec.split('=')[0]:10} main {med('main'):6.0f}  " + '  '.join(
        f"{o} {med(o):.0f} (" + ' '.join(f"{k} {med(o + '.' + k):.0f}" for k in kinds if med(o + '.' + k) >= 1) + ')' for o in owners))
if top:
    for spec in specs:
        print(f"\n{spec.split('=')[0]}: nearest PeJit frames")
        items = sorted(((k[1], v) for k, v in leaves[spec].items() if k[0] == 'pejit'), key=lambda kv: -kv[1])
        for name, v in items[:top]:
            print(f"  {v / runs:6.1f}  {name}")
