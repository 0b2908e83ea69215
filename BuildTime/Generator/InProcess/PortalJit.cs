using PeJit.Frontend.Resolution;
using System.Reflection;
using PeJit.Analysis;
using PeJit.Analysis.BindingTimes;
using PeJit.Backends;
using PeJit.Backends.Cil;
using PeJit.Frontend.Construction;
using PeJit.Generator;

namespace PeJit.Runtime;

/// <summary>
/// The in-process API: JIT-enables one portal of a loaded interpreter, analyzing it at run time (so it lives in
/// the build-time generator, outside PeJit.Runtime's closure; its namespace stays the runtime's, where users look
/// for it). <see cref="Invoke"/> runs the
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
    private readonly ICompiledCode portal;

    private PortalJit(MethodInfo method, PortalAnalysis analysis, JitSettings settings, string units, IReadOnlyList<(MethodInfo Method, PortalAnalysis Analysis)> others)
    {
        var resolver = new CecilReflectionResolver();
        Analysis = analysis;
        // The portal copy is the interpreter's own graph, of its own signature, entered by reflection: CIL
        // compiles it whatever the units are compiled with. The copy's calls of the portal, and the units',
        // call the copy (PortalCopyResolver): loops in interpreted calls compile too.
        var calls = new PortalCopyResolver(resolver, method);
        var backend = new CilBackend(calls);
        Runtime = new PortalRuntime(method, ExtensionCompiler.Compile(analysis, resolver), settings, resolver,
            backend: BackendChoice.Create(units, calls, line => settings.Log?.WriteLine(line), JitLog.Shared.Disassembly));
        if (others.Count > 0)
        {
            // The other portals' runtimes give their programs to this one's units, which inline their calls; they run
            // nothing themselves (the portal copy's calls of them call the methods as they are).
            var otherRuntimes = others.Select(o => new PortalRuntime(o.Method, ExtensionCompiler.Compile(o.Analysis, resolver), settings, resolver)).ToList();
            Runtime.OtherPortals = m => otherRuntimes.FirstOrDefault(o => o.Method == m);
        }
        int id = JitHooks.Register(Runtime);
        var graph = PortalRewriter.RewrittenPortal(analysis.Hints.Method, id, analysis.Hints.Greens.Count);
        portal = new CilCompiledCode(backend.Emit(graph, method.Module, "pejit_portal_" + method.Name, created: copy => calls.Copy = copy));
    }

    /// <summary>Counters, code cache, compilation.</summary>
    public PortalRuntime Runtime { get; }

    /// <summary>The portal method.</summary>
    public MethodInfo Method => Runtime.Method;

    /// <summary>The binding-time analysis of the portal.</summary>
    public PortalAnalysis Analysis { get; }

    /// <summary>Threshold and budgets.</summary>
    public JitSettings Settings => Runtime.Settings;

    /// <summary>Units compiled so far (and not dropped from the cache).</summary>
    public IReadOnlyList<CompiledUnit> Units => Runtime.Cache.Units;

    /// <summary>
    /// Analyzes the portal <paramref name="method"/> (its assembly and PDB are read from disk) and prepares it;
    /// units are compiled by the backend <paramref name="backend"/> names (cil, amd64 or auto; see <see cref="BackendChoice"/>),
    /// unless <c>PEJIT_BACKEND</c> names one: as for a JIT-enabled assembly, the run-time choice wins (so every
    /// example's tests run on another backend with one variable).
    /// </summary>
    /// <param name="method">The portal.</param>
    /// <param name="settings">Threshold and budgets; the defaults when null.</param>
    /// <param name="backend">The units' backend.</param>
    /// <param name="otherPortals">
    /// Other portals of the same assembly that <paramref name="method"/>'s code calls (a loop portal calling a function
    /// portal): analyzed with it, as <c>pejit build</c> analyzes every portal of an assembly (so a call of one stays a call
    /// of a portal), and their programs given to its units, which inline those calls (<see cref="PortalRuntime.OtherPortals"/>).
    /// They are not JIT-enabled themselves.
    /// </param>
    /// <exception cref="InvalidOperationException">The analysis reports errors; the message lists them.</exception>
    public static PortalJit Create(MethodInfo method, JitSettings? settings = null, string backend = "cil", IReadOnlyList<MethodInfo>? otherPortals = null)
    {
        var module = AssemblyLoader.Load(method.Module.Assembly.Location);
        var all = new List<MethodInfo> { method };
        all.AddRange(otherPortals ?? []);
        if (all.FirstOrDefault(p => p.Module != method.Module) is { } elsewhere)
            throw new ArgumentException($"{elsewhere.DeclaringType?.FullName}.{elsewhere.Name} is not in {method.Module.Name}: only portals of the same assembly inline each other's calls; JIT-enable it on its own", nameof(otherPortals));
        var result = BindingTimeAnalysis.Analyze(module, m => all.Any(p => p.MetadataToken == m.MetadataToken.ToInt32()));
        PortalAnalysis? Of(MethodInfo portal) => result.Portals.FirstOrDefault(p => p.Hints.Method.MetadataToken.ToInt32() == portal.MetadataToken);
        if (result.HasErrors || result.Portals.Count != all.Count || all.Any(p => Of(p)?.Graph is null))
            throw new InvalidOperationException($"{method.DeclaringType?.FullName}.{method.Name} cannot be JIT-enabled:\n" + string.Join("\n", result.Diagnostics));
        if (Environment.GetEnvironmentVariable("PEJIT_BACKEND") is { Length: > 0 } chosen && BackendChoice.Names.Contains(chosen.ToLowerInvariant()))
            backend = chosen;
        var others = all.Skip(1).Select(p => (Method: p, Analysis: Of(p)!)).ToList();
        return new PortalJit(method, Of(method)!, settings ?? new JitSettings(), backend, others);
    }

    /// <summary>Runs the portal with <paramref name="arguments"/>, with hot loops compiled; returns its result.</summary>
    /// <remarks>In strict mode (<see cref="JitSettings.Strict"/>) an internal failure to compile a unit is thrown from here.</remarks>
    public object? Invoke(params object?[] arguments)
    {
        var result = portal.Invoke(arguments);
        // The hooks hold the runtime weakly: this object (and through it the runtime) must live while its copy runs.
        GC.KeepAlive(this);
        return result;
    }
}
