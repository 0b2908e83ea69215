#!/usr/bin/env python3
# Page faults of whole processes by thread and cause (issue 12: where a short JIT-enabled process touches memory the plain
# one does not). Counted, not timed: the counts hardly move with the machine's load, where wall and CPU times do. Each
# fault costs about 10-15 us of the faulting thread's CPU on this VM (a fresh anonymous page: the kernel's fault and the
# page's zeroing; measured with a C loop touching 20,000 fresh pages).
#
#   python3 scripts/page-faults.py RUNS "PROGRAM ARGS" LABEL=ENV,DLL ...
#
# Same arguments as scripts/thread-cpu.py (ENV is NAME:VALUE pairs separated by ';'). Needs `perf` (software event
# page-faults, every fault recorded with its call chain). Prints, per label, the medians of: the main thread's faults
# (main: the thread that started the process), of them those under .NET's JIT (jit: libclrjit.so in the chain), under
# the dynamic loader (ld), in libc called straight from libcoreclr (gc-clear: mostly the GC clearing fresh memory for
# allocation contexts; Docs/PERFORMANCE.md, "Never hot: the counter tables out of gen0"), the rest (main-other), and
# every other thread's (others: .NET's tier-1 compiler, PeJit's compiling thread, the GC's).
import collections, os, statistics, subprocess, sys, tempfile
import runspec

if len(sys.argv) < 4:
    sys.exit("usage: page-faults.py RUNS \"PROGRAM ARGS\" LABEL=ENV,DLL ... (see the header)")
runs, program, specs = int(sys.argv[1]), sys.argv[2], sys.argv[3:]


def classify(script):
    counts = collections.Counter()
    main = None
    for block in script.split('\n\n'):
        lines = [line.split() for line in block.split('\n') if line.strip()]
        if not lines:
            continue
        tid = lines[0][0]
        main = main or tid
        if tid != main:
            counts['others'] += 1
            continue
        counts['main'] += 1
        frames = [(f[0], f[-1]) for f in lines[1:] if len(f) >= 2]
        if any('libclrjit' in dso for _, dso in frames):
            counts['jit'] += 1
        elif any('ld-linux' in dso for _, dso in frames[:2]):
            counts['ld'] += 1
        elif len(frames) >= 2 and 'libc.so' in frames[0][1] and 'libcoreclr' in frames[1][1]:
            counts['gc-clear'] += 1
        else:
            counts['main-other'] += 1
    return counts


rows = {spec: [] for spec in specs}
with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, 'perf.data')
    for _ in range(runs):
        for spec in specs:
            label, env, dll = runspec.parse(spec)
            subprocess.run(['perf', 'record', '-q', '-e', 'page-faults', '-c', '1', '-g', '-o', data, 'dotnet', dll] + program.split(),
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            script = subprocess.run(['perf', 'script', '-i', data, '-F', 'tid,ip,dso'], capture_output=True, text=True).stdout
            rows[spec].append(classify(script))
print(os.popen('uptime').read().strip())
names = ['main', 'jit', 'ld', 'gc-clear', 'main-other', 'others']
print(f"{'label':12} " + ' '.join(f"{n:>10}" for n in names))
for spec in specs:
    med = lambda n: statistics.median(c.get(n, 0) for c in rows[spec])
    print(f"{spec.split('=')[0]:12} " + ' '.join(f"{med(n):10.0f}" for n in names))
