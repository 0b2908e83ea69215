using BenchmarkDotNet.Attributes;
using PeJit.Analysis.BindingTimes;
using PeJit.Backends.Amd64;
using PeJit.Backends.Cil;
using PeJit.Frontend.Construction;
using PeJit.Frontend.Resolution;
using PeJit.Generator;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Rvm = PeJit.Examples.RegisterVm;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// From an exit getting hot to its new path running, specialization included: a function of the register VM whose
/// loop has a large body (the unit past 500 residual instructions) and some code after it, called from a loop, so the
/// loop is left once per call (<see cref="CompiledExit.LeavesLoop"/>). The CIL backend's answer is the runtime's
/// today: specialize the loop's unit again with the code after it as its tail, optimize, emit IL, and RyuJIT at the
/// first call. The AMD64 answer with <see cref="JitSettings.Bridges"/>: specialize the exit's key alone with that code
/// as its tail (the bridge), optimize, compile natively, attach it at the exit (its plan, an adapter compiled and
/// written into the exit's target slot), and run the loop's unit once, which goes on in the bridge through the slot.
/// The same bridge compiled by the CIL backend is there too, to tell what comes from not recompiling from what comes
/// from the backend.
/// </summary>
[MemoryDiagnoser]
public class BridgeBenchmarks
{
    /// <summary>Lines of the code after the loop.</summary>
    private const int TailLines = 12;

    /// <summary>Lines of the loop's body: 110 make a unit of 536 residual instructions, 180 one of about 880 (past 200 lines the loop has more keys than a unit may hold).</summary>
    [Params(110, 180)]
    public int BodyLines { get; set; } = 110;

    /// <summary>A function <c>work(n)</c>: a loop of <paramref name="bodyLines"/> arithmetic lines, then <see cref="TailLines"/> more; main calls it n times, each with 20.</summary>
    public static string Source(int bodyLines)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("func work 1 8").AppendLine("    loadk r1, 0").AppendLine("    loadk r2, 1").AppendLine("    loadk r3, 3").AppendLine("    loadk r4, 0");
        text.AppendLine("loop:").AppendLine("    lt r5, r1, r0").AppendLine("    jz r5, done");
        for (int i = 0; i < bodyLines; i++) text.AppendLine(i % 3 == 0 ? "    mul r6, r4, r3" : i % 3 == 1 ? "    add r4, r6, r1" : "    sub r7, r4, r2");
        text.AppendLine("    add r1, r1, r2").AppendLine("    jump loop").AppendLine("done:");
        for (int i = 0; i < TailLines; i++) text.AppendLine(i % 2 == 0 ? "    add r4, r4, r3" : "    mul r4, r4, r2");
        text.AppendLine("    ret r4").AppendLine("end");
        text.AppendLine("func main 1 5").AppendLine("    loadk r1, 0").AppendLine("    loadk r2, 1").AppendLine("    loadk r4, 20");
        text.AppendLine("again:").AppendLine("    lt r3, r1, r0").AppendLine("    jz r3, over").AppendLine("    call r3, work, r4").AppendLine("    add r1, r1, r2").AppendLine("    jump again");
        text.AppendLine("over:").AppendLine("    ret r1").AppendLine("end");
        return text.ToString();
    }

    private UnitSpecializer engine = null!;
    private CilBackend cil = null!;
    private Amd64Backend amd64 = null!;
    private GreenKey loop = null!, exit = null!;
    private int exitIndex;
    private Unit loopUnit = null!;
    private Amd64CompiledCode loopCode = null!;

    [GlobalSetup]
    public void Setup()
    {
        var portal = Rvm.Runner.Portal;
        var module = AssemblyLoader.Load(portal.Module.Assembly.Location);
        var analysis = BindingTimeAnalysis.Analyze(module, m => m.MetadataToken.ToInt32() == portal.MetadataToken).Portals.Single();
        var resolver = new CecilReflectionResolver();
        engine = new UnitSpecializer(ExtensionCompiler.Compile(analysis, resolver), resolver);
        cil = new CilBackend(resolver);
        amd64 = new Amd64Backend(resolver: resolver);
        // The runtime finds the loop's unit and its exit: CIL, no recompilation, so the exit stays one.
        var jit = PortalJit.Create(portal, new JitSettings { Threshold = 2, MaxRecompilesPerUnit = 0 });
        jit.Invoke(Rvm.Runner.PortalArguments(Source(BodyLines), TextWriter.Null, 10));
        var unit = jit.Units.Where(u => u.Unit.Exits.Any(e => e.LeavesLoop)).OrderByDescending(u => u.Size).First();
        loop = unit.Unit.Entry;
        exit = unit.Unit.Exits.First(e => e.LeavesLoop).Key;
        exitIndex = unit.Unit.Exits.First(e => e.LeavesLoop).Index;
        // The native loop unit the bridges are attached to (each iteration attaches one more, freed with it).
        loopUnit = Optimized(engine.Specialize(loop));
        loopCode = amd64.CompileNative(loopUnit.Residual, "bench-loop");
        var grown = Optimized(engine.Specialize(loop, new Dictionary<PromotionSite, IReadOnlyList<object?>>(), false, new HashSet<GreenKey> { exit }));
        var bridge = Optimized(Bridge());
        var nativeBridge = amd64.CompileNative(bridge.Residual, "bench-bridge");
        int adapters = loopCode.AttachBridge(exitIndex, [.. loopUnit.Constants], nativeBridge, [.. bridge.Constants]);
        Console.WriteLine($"// loop unit at {loop}: {unit.Size} residual instructions; with its tail {Size(grown)}; the bridge at {exit}: {Size(bridge)}, attached natively at {adapters} exit slot(s)");
        if (adapters == 0) throw new InvalidOperationException("the bridge could not be entered natively: the benchmark measures the adapter's attachment too");
    }

    private static int Size(Unit unit) => unit.Residual.Blocks.Sum(b => unit.Residual[b].Instructions.Count);

    private static Unit Optimized(Unit unit)
    {
        PeJit.Optimizer.Pipeline.Run(unit.Residual, null);
        return unit;
    }

    private Unit Bridge() => engine.Specialize(exit, new Dictionary<PromotionSite, IReadOnlyList<object?>>(), false, new HashSet<GreenKey> { exit });

    /// <summary>The state a unit at <paramref name="key"/> is entered with: n = 0, so the loop is left at once and the code after it runs.</summary>
    private static object?[] State(GreenKey key)
    {
        var frame = new Rvm.Frame(8, TextWriter.Null);
        return [key.Values[0], key.Values[1], frame, frame.Registers];
    }

    private static object? RunOnce(Unit unit, PeJit.Backends.ICompiledCode code, GreenKey key)
    {
        var state = State(key);
        return code.Run([.. unit.Constants], new object?[Math.Max(unit.ExitBufferSize, state.Length + 1)], state);
    }

    [Benchmark(Baseline = true, Description = "cil: specialize the unit again with its tail, compile, first run")]
    public object? CilRecompile()
    {
        var unit = Optimized(engine.Specialize(loop, new Dictionary<PromotionSite, IReadOnlyList<object?>>(), false, new HashSet<GreenKey> { exit }));
        return RunOnce(unit, cil.Compile(unit.Residual, typeof(Rvm.Interpreter).Module, "bench"), loop);
    }

    [Benchmark(Description = "amd64: specialize the bridge, compile, attach at the exit's slot, first run through it")]
    public object? Amd64Bridge()
    {
        var unit = Optimized(Bridge());
        var code = amd64.CompileNative(unit.Residual, "bench");
        if (loopCode.AttachBridge(exitIndex, [.. loopUnit.Constants], code, [.. unit.Constants]) == 0) throw new InvalidOperationException("not attached");
        // The loop unit, entered with n = 0, leaves its loop at once and goes on in the bridge.
        return RunOnce(loopUnit, loopCode, loop);
    }

    [Benchmark(Description = "cil: the same bridge, compile, first run")]
    public object? CilBridge()
    {
        var unit = Optimized(Bridge());
        return RunOnce(unit, cil.Compile(unit.Residual, typeof(Rvm.Interpreter).Module, "bench"), exit);
    }
}
