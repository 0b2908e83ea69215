#!/usr/bin/env python3
# What a whole process pays besides the interpreter's own work, by counts and CPU that a loaded machine moves less than
# wall time (issue 12's whole-process line): per label, medians of RUNS interleaved runs of wall time, the main thread's
# CPU and its wait for a core, .NET's tier-1 thread's CPU, PeJit's thread's CPU, gen0/gen1 collections and the GC's total
# pause, and .NET's recompilations of code that got hot (`Instrumented Tier0/1`, `Tier1`: the tier-1 thread's; every
# owner, and PeJit's own among them).
# One process gives all of them: scripts/thread-cpu/'s startup hook and .NET's compilation list (`DOTNET_JitStdOutFile`,
# `DOTNET_JitDisasmSummary=1`) are both on in every run.
#
#   python3 scripts/process-costs.py RUNS "PROGRAM ARGS" LABEL=ENV,DLL ... [--markdown ROWNAME]
#
# Same LABEL=ENV,DLL arguments as scripts/thread-cpu.py (ENV is NAME:VALUE pairs separated by ';'; e.g.
# `plain=,Examples/Lua/bin/Release/net10.0/Lua.dll jit=,/tmp/out/Lua/Lua.dll nocollect=PEJIT_PREPARE_COLLECT:0,/tmp/out/Lua/Lua.dll`).
# --markdown prints one table row per label instead (ROWNAME in the first column). Threads are named as thread-cpu.py says:
# "main", ".NET Tiered Com" (.NET's tier-1 thread), "pejit compile" (PeJit's background thread).
import collections, os, re, statistics, subprocess, sys, tempfile, time
import runspec

args = sys.argv[1:]
markdown = None
if '--markdown' in args:
    i = args.index('--markdown'); markdown = args[i + 1]; del args[i:i + 2]
if len(args) < 3 or not args[0].isdigit():
    sys.exit("usage: process-costs.py RUNS \"PROGRAM ARGS\" LABEL=ENV,DLL ... [--markdown ROWNAME] (see the header)")
runs, program, specs = int(args[0]), args[1], args[2:]
root = os.path.dirname(os.path.abspath(__file__))
hook = os.path.join(root, 'thread-cpu', 'bin', 'Release', 'net10.0', 'ThreadCpuHook.dll')
if not os.path.exists(hook):
    subprocess.run(['dotnet', 'build', os.path.join(root, 'thread-cpu'), '-c', 'Release', '-v', 'q', '-nologo'], check=True,
                   stdout=sys.stderr)
LINE = re.compile(r'JIT compiled (?P<method>.+?) \[(?P<tier>[^,\]]+)')

samples = {spec: [] for spec in specs}
with tempfile.TemporaryDirectory() as tmp:
    cpu_out, jit_out = os.path.join(tmp, 'cpu'), os.path.join(tmp, 'jit')
    for _ in range(runs):
        for spec in specs:
            label, env, dll = runspec.parse(spec, DOTNET_STARTUP_HOOKS=hook, THREAD_CPU_OUT=cpu_out,
                                            DOTNET_JitStdOutFile=jit_out, DOTNET_JitDisasmSummary='1')
            for f in (cpu_out, jit_out):
                if os.path.exists(f): os.remove(f)
            start = time.time()
            subprocess.run(['dotnet', dll] + program.split(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            sample = collections.Counter(wall=(time.time() - start) * 1000)
            if os.path.exists(cpu_out):
                for item in open(cpu_out).read().split():
                    name, value = item.rsplit('=', 1)
                    sample[name] += float(value)
            for line in open(jit_out, errors='replace') if os.path.exists(jit_out) else []:
                match = LINE.search(line)
                # The tier-1 thread's work: every recompilation of code that got hot (instrumented tiers included); not the
                # first compilations (Tier0, FullOpts, "Tier-0 switched to FullOpts") nor OSR, which the running thread makes.
                if not match or 'OSR' in match['tier'] or 'Tier1' not in match['tier'] and 'Instrumented' not in match['tier']: continue
                sample['tier1'] += 1
                if match['method'].startswith('PeJit.') and not match['method'].startswith('PeJit.Examples.'):
                    sample['tier1_pejit'] += 1
            # Before the hook's start and after the process's exit event: the runtime's start and its shutdown.
            sample['outside'] = sample['wall'] - sample['hookwall'] if sample['hookwall'] else 0
            samples[spec].append(sample)

COLUMNS = [('wall', 'wall'), ('main', 'main CPU'), ('main_waiting', 'main waiting'), ('main_faults', 'main faults'), ('main_voluntary', 'main blocked'), ('.NET_Tiered_Com', 'tier-1 CPU'),
           ('pejit_compile', 'pejit CPU'), ('gc0', 'gen0'), ('gc1', 'gen1'), ('gc_pause_ms', 'GC pause'),
           ('tier1', 'recompilations'), ('tier1_pejit', 'of PeJit'), ('total', 'process CPU'), ('outside', 'start+exit')]
med = lambda spec, key: statistics.median(s.get(key, 0) for s in samples[spec])
if markdown is None:
    print(os.popen('uptime').read().strip())
    print(f"{'label':10} " + ' | '.join(title for _, title in COLUMNS))
for spec in specs:
    label = spec.split('=')[0]
    values = [f"{med(spec, key):.0f}" if key != 'gc_pause_ms' else f"{med(spec, key):.1f}" for key, _ in COLUMNS]
    if markdown is None:
        print(f"{label:10} " + ' | '.join(f"{v:>{len(t)}}" for v, (_, t) in zip(values, COLUMNS)))
    else:
        print(f"| {markdown} | {label} | " + ' | '.join(values) + ' |')
