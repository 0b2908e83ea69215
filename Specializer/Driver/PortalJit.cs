using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;
using PeJit.Analysis;
using PeJit.Analysis.BindingTimes;
using PeJit.Backends.Cil;
using PeJit.Frontend.Construction;
using PeJit.Frontend.Evaluation;
using PeJit.Specializer.Engine;

namespace PeJit.Specializer.Driver;

/// <summary>
/// The in-process API: JIT-enables one portal of a loaded interpreter. <see cref="Invoke"/> runs the
/// interpreter (a compiled copy of its own flow graph) and, once a loop of the interpreted program is hot,
/// specializes it, compiles it with the CIL backend and runs it; at exits the interpreter goes on.
/// </summary>
/// <example>
/// <code>
/// var jit = PortalJit.Create(typeof(Interpreter).GetMethod("Run")!);
/// long result = (long)jit.Invoke(code, 0, frame)!;
/// </code>
/// </example>
public sealed class PortalJit
{
    private readonly UnitSpecializer engine;
    private readonly CilBackend backend;
    private readonly Module owner;
    private readonly Dictionary<GreenKey, int> counters = [];
    private readonly Dictionary<GreenKey, CompiledUnit?> units = [];
    private readonly DynamicMethod portal;
    private readonly object gate = new();

    private PortalJit(MethodInfo method, PortalAnalysis analysis, JitSettings settings)
    {
        Method = method;
        Analysis = analysis;
        Settings = settings;
        var resolver = new CecilReflectionResolver();
        engine = new UnitSpecializer(analysis, resolver, settings.Specialization);
        backend = new CilBackend(resolver);
        owner = method.Module;
        int id = JitHooks.Register(this);
        var graph = PortalRewriter.RewrittenPortal(analysis.Hints.Method, id);
        portal = backend.Compile(graph, owner, "pejit_portal_" + method.Name);
    }

    /// <summary>The portal method.</summary>
    public MethodInfo Method { get; }

    /// <summary>The binding-time analysis of the portal.</summary>
    public PortalAnalysis Analysis { get; }

    /// <summary>Threshold and budgets.</summary>
    public JitSettings Settings { get; }

    /// <summary>Units compiled so far, by entry key.</summary>
    public IReadOnlyList<CompiledUnit> Units
    {
        get
        {
            lock (gate) return units.Values.OfType<CompiledUnit>().ToList();
        }
    }

    /// <summary>Analyzes the portal <paramref name="method"/> (its assembly and PDB are read from disk) and prepares it.</summary>
    /// <exception cref="InvalidOperationException">The analysis reports errors; the message lists them.</exception>
    public static PortalJit Create(MethodInfo method, JitSettings? settings = null)
    {
        var module = AssemblyLoader.Load(method.Module.Assembly.Location);
        var result = BindingTimeAnalysis.Analyze(module, m => m.MetadataToken.ToInt32() == method.MetadataToken);
        if (result.HasErrors || result.Portals.Count != 1 || result.Portals[0].Graph is null)
            throw new InvalidOperationException($"{method.DeclaringType?.FullName}.{method.Name} cannot be JIT-enabled:\n" + string.Join("\n", result.Diagnostics));
        return new PortalJit(method, result.Portals[0], settings ?? new JitSettings());
    }

    /// <summary>Runs the portal with <paramref name="arguments"/>, with hot loops compiled; returns its result.</summary>
    public object? Invoke(params object?[] arguments)
    {
        try
        {
            return portal.Invoke(null, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    internal int OnCanEnterJit(object?[] state)
    {
        var key = new GreenKey(state.Take(engine.GreenCount).ToArray());
        CompiledUnit? unit;
        lock (gate)
        {
            if (!units.TryGetValue(key, out unit))
            {
                int count = counters.GetValueOrDefault(key) + 1;
                counters[key] = count;
                if (count < Settings.Threshold) return 0;
                unit = Compile(key);
                units[key] = unit;
            }
        }
        if (unit is null) return 0;
        var exit = new object?[state.Length + 1];
        var result = unit.Entry(unit.Constants, exit, state);
        if (exit[0] is null)
        {
            state[0] = result;
            return 1;
        }
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
            return null;
        }
        var specialization = clock.Elapsed;
        clock.Restart();
        Optimizer.Pipeline.Run(unit.Residual, Settings.Optimizations);
        var optimization = clock.Elapsed;
        clock.Restart();
        var method = backend.Compile(unit.Residual, owner, $"pejit_unit_{Method.Name}");
        var entry = method.CreateDelegate<Func<object[], object?[], object?[], object?>>();
        var compiled = new CompiledUnit(unit, entry, specialization, clock.Elapsed);
        Settings.Log?.WriteLine($"pejit: compiled {Method.Name} at {key}: {unit.Keys.Count} keys, {unit.Residual.Blocks.Sum(b => unit.Residual[b].Instructions.Count)} residual instructions, {unit.Exits.Count} exits, specialization {specialization.TotalMilliseconds:F1} ms, optimization {optimization.TotalMilliseconds:F1} ms, backend {compiled.BackendTime.TotalMilliseconds:F1} ms");
        foreach (var note in unit.Notes) Settings.Log?.WriteLine($"pejit:   {note}");
        return compiled;
    }
}
