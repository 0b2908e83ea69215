#!/usr/bin/env python3
# Whole-process wall and CPU time (user + sys, getrusage of the children), interleaved: on a loaded machine the CPU
# time of a JIT-enabled process against the plain one says what the JIT's work costs when the wall time cannot.
#
#   python3 scripts/process-cpu.py RUNS "PROGRAM ARGS" LABEL=ENV,DLL ...
#
# ENV is NAME:VALUE pairs separated by ';' (empty for none). Example:
#   python3 scripts/process-cpu.py 9 sieve "plain=,Examples/Lua/bin/Release/net10.0/Lua.dll" \
#       "jit=,/tmp/w/Lua/Lua.dll" "nowarm=PEJIT_WARMUP:0,/tmp/w/Lua/Lua.dll"
import os, resource, statistics, subprocess, sys, time
import runspec

if len(sys.argv) < 4:
    sys.exit("usage: process-cpu.py RUNS \"PROGRAM ARGS\" LABEL=ENV,DLL ... (see the header)")
runs, program, specs = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
times = {spec: ([], []) for spec in specs}
for _ in range(runs):
    for spec in specs:
        label, env, dll = runspec.parse(spec)
        before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
        subprocess.run(['dotnet', dll] + program.split(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end, after = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
        times[spec][0].append((end - start) * 1000)
        times[spec][1].append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
print(os.popen('uptime').read().strip())
for spec in specs:
    wall, cpu = times[spec]
    print(f"{spec.split('=')[0]:12} wall median {statistics.median(wall):6.0f} ms (min {min(wall):.0f})   cpu median {statistics.median(cpu):6.0f} ms (min {min(cpu):.0f})")
