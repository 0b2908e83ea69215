"""The LABEL=ENV,DLL arguments of scripts/process-cpu.py, thread-cpu.py and page-faults.py, parsed in one place.

ENV is NAME:VALUE pairs separated by ';' (empty for none): e.g. `nowarm=PEJIT_WARMUP:0,/tmp/w/Lua/Lua.dll`.
"""
import os


def parse(spec, **extra):
    """(label, environment, dll) of one LABEL=ENV,DLL argument; the environment is this process's, with `extra` and ENV set."""
    label, rest = spec.split('=', 1)
    settings, dll = rest.split(',', 1)
    env = dict(os.environ, **extra)
    for pair in filter(None, settings.split(';')):
        name, value = pair.split(':', 1)
        env[name] = value
    return label, env, dll
