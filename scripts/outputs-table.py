#!/usr/bin/env python3
# Two JIT-enabled outputs of the same examples (say main's `pejit build` and a branch's) against the plain interpreter,
# whole processes, interleaved run by run (plain, A, B, plain, A, B...), so that the machine's load drifts over all three
# alike (issue 12's whole-process bar: at most 30 ms over plain below 200 ms, no slower above). Prints a Markdown table of
# medians: wall time and the process's CPU time (user + sys of the child), ms; B - A in wall time; and whether every run's
# stdout was the plain one's.
#
#   python3 scripts/outputs-table.py RUNS A=DIR B=DIR [--env-a NAME:VALUE;...] [--env-b ...] [--rows "Example args|..."]
#
# DIR holds one folder per example, as `pejit build Examples/X/bin/Release/net10.0/X.dll -o DIR/X` writes it (the plain
# interpreter is read from Examples/X/bin/Release/net10.0/). Without --rows: every program of StackVm, Brainfuck,
# RegisterVm, TreeWalker (also --virtual), HandlerTable and Lua with its bundled default arguments, and Lua `numeric 3000000`.
# Example: python3 scripts/outputs-table.py 7 main=/tmp/out-main branch=/tmp/out-branch
import os, resource, statistics, subprocess, sys, time

args = sys.argv[1:]
if len(args) < 3 or not args[0].isdigit():
    sys.exit("usage: outputs-table.py RUNS A=DIR B=DIR [--env-a NAME:VALUE;...] [--env-b ...] [--rows \"Example args|...\"] (see the header)")
runs = int(args[0])
outputs = []  # (label, dir, env)
envs = {}
rows = None
rest = args[1:]
i = 0
while i < len(rest):
    if rest[i] in ('--env-a', '--env-b'):
        envs[rest[i][-1]] = rest[i + 1]
        i += 2
    elif rest[i] == '--rows':
        rows = [r.strip() for r in rest[i + 1].split('|') if r.strip()]
        i += 2
    else:
        label, folder = rest[i].split('=', 1)
        outputs.append((label, folder))
        i += 1
if len(outputs) != 2:
    sys.exit("outputs-table: name two outputs, A=DIR B=DIR")
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def environment(settings):
    env = dict(os.environ)
    for name in [n for n in env if n.startswith('PEJIT_')]:
        del env[name]
    for pair in filter(None, (settings or '').split(';')):
        name, value = pair.split(':', 1)
        env[name] = value
    return env


if rows is None:
    rows = []
    for example in ['StackVm', 'Brainfuck', 'RegisterVm', 'TreeWalker', 'HandlerTable', 'Lua']:
        programs = sorted(os.path.splitext(f)[0] for f in os.listdir(os.path.join(root, 'Examples', example, 'Programs')))
        for variant in (['', '--virtual '] if example == 'TreeWalker' else ['']):
            rows += [f"{example} {variant}{p}" for p in programs]
    rows.append('Lua numeric 3000000')

columns = [('plain', None, environment(None))] + [
    (label, folder, environment(envs.get('ab'[n]))) for n, (label, folder) in enumerate(outputs)]


def run(dll, arguments, env):
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
    done = subprocess.run(['dotnet', dll] + arguments, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=root)
    end, after = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return (end - start) * 1000, cpu * 1000, done.stdout


print(f"| example | program | plain wall | {outputs[0][0]} wall | {outputs[1][0]} wall | {outputs[1][0]} - {outputs[0][0]} "
      f"| plain CPU | {outputs[0][0]} CPU | {outputs[1][0]} CPU | output |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
loads = [os.getloadavg()[0]]
for row in rows:
    example, *arguments = row.split()
    walls = {c[0]: [] for c in columns}
    cpus = {c[0]: [] for c in columns}
    same = True
    for _ in range(runs):
        expected = None
        for label, folder, env in columns:
            dll = (os.path.join(root, 'Examples', example, 'bin', 'Release', 'net10.0', example + '.dll') if folder is None
                   else os.path.join(folder, example, example + '.dll'))
            wall, cpu, stdout = run(dll, arguments, env)
            walls[label].append(wall)
            cpus[label].append(cpu)
            if expected is None:
                expected = stdout
            elif stdout != expected:
                same = False
    loads.append(os.getloadavg()[0])
    med = {label: statistics.median(walls[label]) for label, _, _ in columns}
    cpu = {label: statistics.median(cpus[label]) for label, _, _ in columns}
    a, b = outputs[0][0], outputs[1][0]
    print(f"| {example} | {' '.join(arguments)} | {med['plain']:.0f} | {med[a]:.0f} | {med[b]:.0f} | {med[b] - med[a]:+.0f} "
          f"| {cpu['plain']:.0f} | {cpu[a]:.0f} | {cpu[b]:.0f} | {'identical' if same else 'MISMATCH'} |", flush=True)
print()
print(f"Medians of {runs} interleaved runs per cell, ms; {os.cpu_count()} cores; 1-minute load average "
      f"{min(loads):.2f}-{max(loads):.2f} while it ran; {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC.")
