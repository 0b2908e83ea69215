using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using PeJit.Analysis;
using PeJit.Backends.Cil;
using PeJit.Frontend.Evaluation;
using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>
/// The run-time side of one JIT-enabled portal: counts green keys at <c>Jit.CanEnterJit</c>, specializes and
/// compiles the hot ones, keeps them in a bounded <see cref="CodeCache"/>, and enters them. Thread-safe:
/// any number of threads may run the portal; one at a time specializes.
/// </summary>
public sealed class PortalRuntime
{
    /// <summary>Counters past this many keys are cleared, so that a program that never repeats itself cannot grow them without end.</summary>
    private const int MaxCountedKeys = 100_000;

    private readonly UnitSpecializer engine;
    private readonly CilBackend backend;
    private readonly Module owner;
    private readonly ConcurrentDictionary<GreenKey, int> counters = new();
    private readonly object compileGate = new();
    private readonly string name;

    /// <summary>Prepares <paramref name="method"/>, analyzed as <paramref name="analysis"/>.</summary>
    /// <param name="method">The portal as loaded: its module owns the compiled code.</param>
    /// <param name="analysis">The portal's binding-time analysis.</param>
    /// <param name="settings">Threshold, budgets, cache bound.</param>
    /// <param name="resolver">Resolves the analysis's Cecil references to run-time members.</param>
    public PortalRuntime(MethodInfo method, PortalAnalysis analysis, JitSettings settings, CecilReflectionResolver resolver)
    {
        Method = method;
        Analysis = analysis;
        Settings = settings;
        Cache = new CodeCache(settings.CacheLimit);
        engine = new UnitSpecializer(analysis, resolver, settings.Specialization);
        backend = new CilBackend(resolver);
        owner = method.Module;
        name = $"{method.DeclaringType?.FullName}.{method.Name}";
    }

    /// <summary>The portal method.</summary>
    public MethodInfo Method { get; }

    /// <summary>The binding-time analysis of the portal.</summary>
    public PortalAnalysis Analysis { get; }

    /// <summary>Threshold, budgets, cache bound.</summary>
    public JitSettings Settings { get; }

    /// <summary>The compiled units.</summary>
    public CodeCache Cache { get; }

    /// <summary>The log this portal writes to besides <see cref="JitSettings.Log"/>.</summary>
    public JitLog Log { get; init; } = JitLog.Shared;

    /// <summary>
    /// What JIT-enabled portal code calls at each <c>Jit.CanEnterJit</c> with the merge-point state (greens, then
    /// reds, boxed). Returns 0 to go on interpreting; 1 when compiled code ran the program to its return (the
    /// result is then in <paramref name="state"/>[0]); 2 when compiled code left at an exit
    /// (<paramref name="state"/> then holds the merge-point variables there).
    /// </summary>
    public int OnCanEnterJit(object?[] state)
    {
        var key = new GreenKey(state.AsSpan(0, engine.GreenCount).ToArray());
        if (!Cache.TryGet(key, out var unit))
        {
            if (counters.Count > MaxCountedKeys) counters.Clear();
            if (counters.AddOrUpdate(key, 1, (_, count) => count + 1) < Settings.Threshold) return 0;
            lock (compileGate)
            {
                if (!Cache.TryGet(key, out unit))
                {
                    unit = Compile(key);
                    Cache.Add(key, unit);
                    counters.TryRemove(key, out _);
                }
            }
        }
        return unit is null ? 0 : Enter(unit, state);
    }

    private static int Enter(CompiledUnit unit, object?[] state)
    {
        Interlocked.Increment(ref unit.entries);
        var exit = new object?[state.Length + 1];
        var result = unit.Entry(unit.Constants, exit, state);
        if (exit[0] is null)
        {
            state[0] = result;
            return 1;
        }
        Interlocked.Increment(ref unit.exitsTaken);
        Array.Copy(exit, 1, state, 0, state.Length);
        return 2;
    }

    private CompiledUnit? Compile(GreenKey key)
    {
        var clock = Stopwatch.StartNew();
        Unit unit;
        try
        {
            unit = engine.Specialize(key);
        }
        catch (SpecializationException e)
        {
            Settings.Log?.WriteLine($"pejit: not compiling {Method.Name} at {key}: {e.Message}");
            Log.NotCompiled(name, key, e.Message);
            return null;
        }
        var specialization = clock.Elapsed;
        clock.Restart();
        Specializer.Optimizer.Pipeline.Run(unit.Residual, Settings.Optimizations);
        var optimization = clock.Elapsed;
        clock.Restart();
        var method = backend.Compile(unit.Residual, owner, $"pejit_unit_{Method.Name}");
        var entry = method.CreateDelegate<Func<object[], object?[], object?[], object?>>();
        var compiled = new CompiledUnit(unit, entry, specialization, clock.Elapsed) { OptimizationTime = optimization };
        if (Settings.Log is { } log)
        {
            log.WriteLine(JitLog.Describe(Method.Name, compiled));
            foreach (var note in unit.Notes) log.WriteLine($"pejit:   {note}");
        }
        Log.UnitCompiled(name, compiled);
        return compiled;
    }
}
