#!/usr/bin/env python3
# CPU time per thread of whole processes (issue 12: where a short JIT-enabled process spends what the plain one does
# not), interleaved, with the startup hook in scripts/thread-cpu/ (built here on first use) loaded into every process.
#
#   python3 scripts/thread-cpu.py RUNS "PROGRAM ARGS" LABEL=ENV,DLL ...
#
# Same arguments as scripts/process-cpu.py (ENV is NAME:VALUE pairs separated by ';'). Prints, per label, the median
# wall time, the process's CPU and each thread group's CPU (ms; threads grouped by name: main is the thread that runs
# Main, ".NET TP Worker" the thread pool where PeJit prepares portals and compiles units, ".NET Tiered Com" .NET's
# tier-1 compiler, "pejit warm-up" ended before exit so it is in "ended", ".NET BGC" the background GC).
import collections, os, statistics, subprocess, sys, tempfile, time
import runspec

if len(sys.argv) < 4:
    sys.exit("usage: thread-cpu.py RUNS \"PROGRAM ARGS\" LABEL=ENV,DLL ... (see the header)")
root = os.path.dirname(os.path.abspath(__file__))
hook = os.path.join(root, 'thread-cpu', 'bin', 'Release', 'net10.0', 'ThreadCpuHook.dll')
if not os.path.exists(hook):
    subprocess.run(['dotnet', 'build', os.path.join(root, 'thread-cpu'), '-c', 'Release', '-v', 'q', '-nologo'], check=True,
                   stdout=sys.stderr)
runs, program, specs = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
rows = {spec: [] for spec in specs}
walls = {spec: [] for spec in specs}
with tempfile.TemporaryDirectory() as tmp:
    for _ in range(runs):
        for spec in specs:
            out = os.path.join(tmp, 'line')
            label, env, dll = runspec.parse(spec, DOTNET_STARTUP_HOOKS=hook, THREAD_CPU_OUT=out)
            if os.path.exists(out): os.remove(out)
            start = time.time()
            subprocess.run(['dotnet', dll] + program.split(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls[spec].append((time.time() - start) * 1000)
            groups = collections.Counter()
            if os.path.exists(out):
                for item in open(out).read().split():
                    name, value = item.rsplit('=', 1)
                    groups[name] += float(value)
            rows[spec].append(groups)
print(os.popen('uptime').read().strip())
for spec in specs:
    names = sorted({n for g in rows[spec] for n in g}, key=lambda n: -statistics.median(g.get(n, 0) for g in rows[spec]))
    med = lambda n: statistics.median(g.get(n, 0) for g in rows[spec])
    shown = ' '.join(f"{n}={med(n):.0f}" for n in names if med(n) >= 0.5)
    print(f"{spec.split('=')[0]:10} wall {statistics.median(walls[spec]):5.0f} (min {min(walls[spec]):.0f})  {shown}")
