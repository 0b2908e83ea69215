using System.Reflection;
using PeJit.Backends.Cil;
using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Runtime;

/// <summary>
/// Pays the first times of the optimizer and the CIL backend on a second thread while the first portal of the process is
/// prepared and its first unit specialized (issue 12: from hot to the first compiled instruction running).
/// </summary>
/// <remarks>
/// <para>
/// Most of what the first unit costs is not its work but .NET making PeJit's code runnable: loading the types the passes
/// and the backend use, binding their precompiled methods, running class initializers (Docs/PERFORMANCE.md, "Warm-up").
/// A warm unit of the same size costs a fraction of it. Those first times do not depend on the unit, so a small unit of
/// the shape every unit has (typed, its reds unpacked from the state by the backend's entry, an array element loaded and stored in a loop nest, an
/// exit that boxes the state into the exit array) compiled on another thread pays most of them before the compiling
/// thread needs them: the optimizer runs every pass on it, the CIL backend emits it and .NET compiles and runs it once.
/// The compiling thread then finds the types loaded and the methods bound, or waits for the one the warm-up is loading.
/// </para>
/// <para>
/// Started once per process, when the first portal is prepared (JIT-enabled assemblies only: <see cref="JitRuntime"/>),
/// so a process whose loops never get hot, or that runs with <c>PEJIT_DISABLE=1</c>, never pays it. It only makes sense
/// with a core to spare: not started on one, nor with <c>PEJIT_WARMUP=0</c>, nor beside background compilation on two
/// (<see cref="BesideBackgroundCompilation"/>). It shares nothing with the units (its own
/// graph, resolver and backend), and anything it throws is dropped: it can make the first unit come sooner, never
/// change it.
/// </para>
/// </remarks>
internal static class PipelineWarmUp
{
    private static int started;
    // First times of a portal's own (Also), waiting for the warm-up thread's next turn; and whether that thread has had its
    // last turn (then Also gives them to BackgroundWork).
    private static readonly System.Collections.Concurrent.ConcurrentQueue<Action> pending = new();
    private static int finished;

    /// <summary>Whether the warm-up may run in this process (a second core, not turned off).</summary>
    public static bool Enabled => Environment.ProcessorCount > 1 && Environment.GetEnvironmentVariable("PEJIT_WARMUP") != "0";

    /// <summary>
    /// Whether the warm-up runs beside units compiled in the background: only with a third core (or <c>PEJIT_WARMUP=1</c>).
    /// With two, the interpreter has one and PeJit's compiling thread the other, so the warm-up would only share that core
    /// with the unit it is meant to bring sooner: the same first times paid once either way, plus its own unit's work, and
    /// a third thread that takes the interpreter's core from it in a short process (Docs/PERFORMANCE.md, "Short processes:
    /// which thread spends what").
    /// </summary>
    public static bool BesideBackgroundCompilation(int processors) =>
        processors > 2 || Environment.GetEnvironmentVariable("PEJIT_WARMUP") == "1";

    /// <summary>
    /// Starts the warm-up on a background thread, the first time only. <paramref name="owner"/>: the module the units'
    /// dynamic methods will belong to; <paramref name="cil"/>: whether the units go to the CIL backend (else only the
    /// optimizer is warmed); <paramref name="background"/>: whether units are compiled in the background (then see
    /// <see cref="BesideBackgroundCompilation"/>).
    /// </summary>
    public static void Start(Module owner, bool cil, bool background)
    {
        if (!Enabled || (background && !BesideBackgroundCompilation(Environment.ProcessorCount))) return;
        if (Interlocked.Exchange(ref started, 1) != 0) return;
        try
        {
            new Thread(() =>
            {
                // Below the interpreter's threads, as the compiling thread is (BackgroundWork).
                BackgroundWork.LowerThisThread();
                Run(owner, cil, Drain);
                // A full fence: a portal's Also that enqueued before this sees it set, or this drain sees its work.
                Interlocked.Exchange(ref finished, 1);
                Drain();
            }) { IsBackground = true, Name = "pejit warm-up" }.Start();
        }
        catch (Exception)
        {
            // No thread, no warm-up: the first unit pays its first times itself, as before.
            Volatile.Write(ref finished, 1);
        }
    }

    /// <summary>
    /// First times of a portal's own that its first unit will meet (its first type-name parse), known once its stored
    /// program is read: paid on the warm-up thread at its next turn (after the pass it is running), so that preparation
    /// shares the second core with one thread of PeJit's, not two, and no other thread is busy with it; on the
    /// thread pool when the warm-up is over or never started. Nothing when the warm-up is not enabled.
    /// </summary>
    public static void Also(Action firstTimes)
    {
        if (!Enabled) return;
        pending.Enqueue(firstTimes);
        if (Volatile.Read(ref started) == 0 || Volatile.Read(ref finished) == 1)
            BackgroundWork.Queue(Drain);
    }

    private static void Drain()
    {
        while (pending.TryDequeue(out var firstTimes))
        {
            try
            {
                firstTimes();
            }
            catch (Exception)
            {
                // Only first times: whatever needs them does them again, and reports what fails.
            }
        }
    }

    /// <summary>
    /// The framework's generic code over PeJit's structs that preparation and specialization run and that ReadyToRun cannot
    /// hold, made by .NET on first use, once per process: class initializers of instantiations (<c>List&lt;Value&gt;</c>'s
    /// empty array), the default comparer of a struct key (<c>EqualityComparer&lt;Slot&gt;</c>, made by reflection), and
    /// interface calls on a collection of structs (<c>ICollection&lt;Value&gt;.CopyTo</c>, <c>IEnumerable&lt;Value&gt;</c> of a
    /// list, <c>IReadOnlyDictionary.TryGetValue</c>). Each is a method .NET compiles (0.1-0.5 ms) on the thread that needs it
    /// first; here, on the warm-up thread once it has built its unit, so that neither preparation nor the first unit's
    /// specialization (which the warm-up unit does not reach) compiles them (<c>FirstUnitDotnetJitTests</c>, the warm-up's
    /// bound; <c>scripts/first-times.sh --list J</c> lists what is left). Calling it again costs nothing.
    /// </summary>
    internal static void Instantiations()
    {
        try
        {
            // Preparation's: reading the stored program (lists and arrays of values and blocks).
            var values = new List<Value> { default };
            ICollection<Value> valueArray = new Value[1];
            _ = valueArray.Count;
            valueArray.CopyTo(new Value[1], 0);
            _ = Array.Empty<Value>();
            _ = Array.Empty<PeJit.Specializer.Extension.RegisterClass>();
            var blocks = new List<Block> { default };
            // Specialization's: copies and enumerations of value lists through their interfaces (BlockCall, the frames'
            // state), an empty one too (its enumerator is a shared empty one), block lists the same way.
            ((ICollection<Value>)values).CopyTo(new Value[1], 0);
            Enumerate(values);
            Enumerate(new List<Value>());
            Enumerate(blocks);
            Enumerate(new List<Block>());
            _ = new List<Region>();
            _ = new List<(Block, Value)>();
            // The specializer's frames map slots (Dictionary<Slot, _>), so the default comparer of Slot.
            var slots = EqualityComparer<Slot>.Default;
            _ = slots.Equals(new Slot(1), new Slot(2)) || slots.GetHashCode(new Slot(1)) == 0;
            // A step's promoted cases, looked up through IReadOnlyDictionary (CollectionExtensions.GetValueOrDefault).
            IReadOnlyDictionary<PeJit.Specializer.Engine.PromotionSite, IReadOnlyList<object?>> cases = new Dictionary<PeJit.Specializer.Engine.PromotionSite, IReadOnlyList<object?>>();
            _ = cases.GetValueOrDefault(default);
            // Exits that leave mid-step: the values and slots they hand back.
            _ = new List<PeJit.Specializer.Engine.ExitValue>();
            _ = new List<(Slot, PeJit.Specializer.Engine.ExitValue)>();
            _ = Array.Empty<(Slot, PeJit.Specializer.Engine.ExitValue)>();
        }
        catch (Exception)
        {
            // Only first times: whatever needs them pays them itself.
        }
    }

    private static void Enumerate<T>(IEnumerable<T> items)
    {
        foreach (var item in items) _ = item;
    }

    /// <summary>
    /// The warm-up's work, on the calling thread (<paramref name="turn"/> after each of its stages and passes); returns the exit's second entry (the loop's final index, 2) for tests,
    /// or null when something threw (or <paramref name="cil"/> is false).
    /// </summary>
    internal static object? Run(Module owner, bool cil, Action? turn = null)
    {
        try
        {
            var graph = Unit();
            turn?.Invoke();
            // Then what specialization meets (the compiling thread's first stage, which the unit does not reach): after
            // the unit is built, whose IR types preparation loads too and so meets sooner, before the passes, which the
            // compiling thread meets only after specializing.
            Instantiations();
            PeJit.Optimizer.Pipeline.Run(graph, Environment.GetEnvironmentVariable("PEJIT_OPT"), turn is null ? null : (_, _) => turn());
            if (!cil) return null;
            // A typed unit, as the engine's are: the reds are the body's parameters, unpacked from the state by an entry.
            var code = new CilBackend(new Resolver()).CompileUnit(graph, owner, "pejit_warm_up", [0, 1]);
            var exit = new object?[3];
            code.Run([], exit, [new int[] { 3, 0, 0, 0 }, 0]);
            return exit[1];
        }
        catch (Exception)
        {
            // A warm-up that fails warmed less; the units do not depend on it.
            return null;
        }
    }

    /// <summary>The types of <see cref="Unit"/>: primitives, objects and two array types.</summary>
    private sealed class Resolver : IMemberResolver
    {
        public Type ResolveType(IrType type) => PrimitiveTypes.Of(type.Kind) ?? type.Name switch
        {
            "System.Object[]" => typeof(object[]),
            "System.Int32[]" => typeof(int[]),
            _ => throw new InvalidOperationException($"the warm-up unit has no type {type.Name}"),
        };

        public MethodBase ResolveMethod(MethodRef method) => throw new InvalidOperationException("the warm-up unit calls nothing");

        public FieldInfo ResolveField(FieldRef field) => throw new InvalidOperationException("the warm-up unit loads no field");
    }

    /// <summary>
    /// A unit as the engine makes them (typed: constants and exit arrays, then the reds, here an array and an index, which
    /// the backend's entry unpacks from the state; a loop nest over the array's elements, with the back edges' moves; an
    /// exit that boxes the state into the exit array and returns null), small. Run on the state <c>[{3, 0, 0, 0}, 0]</c> it
    /// moves the first element's 3 into the second and leaves with the index 2.
    /// Built with the graph's own API, as the specializer builds units, not parsed from text: the IR's text parser is
    /// code no unit runs, so its first times (some 250 types and first calls) would only delay the passes' warm-up.
    /// Its text form (<see cref="UnitText"/>) is what <c>PipelineWarmUpTests</c> compares it with.
    /// </summary>
    internal static FlowGraph Unit()
    {
        var objects = IrType.Class("System.Object[]");
        var ints = IrType.Class("System.Int32[]");
        var i32 = IrType.I32;
        var graph = new FlowGraph("pejit warm-up", IrType.Object);
        var entry = graph.AddBlock();
        var outer = graph.AddBlock();
        var enter = graph.AddBlock();
        var inner = graph.AddBlock();
        var back = graph.AddBlock();
        var next = graph.AddBlock();
        var exit = graph.AddBlock();
        graph.AddParameter(entry, objects, "constants");
        var exitArray = graph.AddParameter(entry, objects, "exit");
        var cells = graph.AddParameter(entry, ints, "cells");
        var start = graph.AddParameter(entry, i32, "start");

        var zero = Const(graph, entry, 0);
        var one = Const(graph, entry, 1);
        Jump(graph, entry, outer, start);

        var index = graph.AddParameter(outer, i32);
        var count = Element(graph, outer, i32, cells, index);
        Branch(graph, outer, count, enter, exit);

        Jump(graph, enter, inner, index, count);

        var at = graph.AddParameter(inner, i32);
        var left = graph.AddParameter(inner, i32);
        var step = Const(graph, inner, 1);
        var neighbour = Binary(graph, inner, Opcode.Add, at, step);
        var moved = Element(graph, inner, i32, cells, neighbour);
        var minusOne = Const(graph, inner, -1);
        StoreElement(graph, inner, cells, neighbour, Binary(graph, inner, Opcode.Add, moved, step));
        var remaining = Binary(graph, inner, Opcode.Add, Element(graph, inner, i32, cells, at), minusOne);
        StoreElement(graph, inner, cells, at, remaining);
        var leftAfter = Binary(graph, inner, Opcode.Add, left, minusOne);
        Branch(graph, inner, remaining, back, next);

        Jump(graph, back, inner, at, leftAfter);

        var two = Const(graph, next, 2);
        Jump(graph, next, outer, Binary(graph, next, Opcode.Add, at, two));

        StoreElement(graph, exit, exitArray, zero, Typed(graph, exit, Opcode.Box, IrType.Object, zero, i32), IrType.Object);
        StoreElement(graph, exit, exitArray, one, Typed(graph, exit, Opcode.Box, IrType.Object, index, i32), IrType.Object);
        StoreElement(graph, exit, exitArray, Const(graph, exit, 2), cells, IrType.Object);
        var none = graph.Append(exit, new Instruction(Opcode.Null), IrType.Object).Result!.Value;
        graph.Append(exit, new Instruction(Opcode.Return, none));
        return graph;
    }

    private static Value Const(FlowGraph graph, Block block, long value) =>
        graph.Append(block, new Instruction(Opcode.Const) { Integer = value }, IrType.I32).Result!.Value;

    private static Value Element(FlowGraph graph, Block block, IrType type, Value array, Value index) =>
        graph.Append(block, new Instruction(Opcode.LoadElement, array, index) { TypeOperand = type }, type).Result!.Value;

    private static void StoreElement(FlowGraph graph, Block block, Value array, Value index, Value value, IrType? type = null) =>
        graph.Append(block, new Instruction(Opcode.StoreElement, array, index, value) { TypeOperand = type ?? IrType.I32 });

    /// <summary>An instruction with a type operand (<paramref name="operand"/>, else the result's type): castclass, unbox.any, box.</summary>
    private static Value Typed(FlowGraph graph, Block block, Opcode opcode, IrType result, Value value, IrType? operand = null) =>
        graph.Append(block, new Instruction(opcode, value) { TypeOperand = operand ?? result }, result).Result!.Value;

    private static Value Binary(FlowGraph graph, Block block, Opcode opcode, Value left, Value right) =>
        graph.Append(block, new Instruction(opcode, left, right), IrType.I32).Result!.Value;

    private static void Jump(FlowGraph graph, Block block, Block target, params Value[] arguments) =>
        graph.Append(block, new Instruction(Opcode.Jump) { Targets = { new BlockCall(target, arguments) } });

    private static void Branch(FlowGraph graph, Block block, Value condition, Block then, Block otherwise) =>
        graph.Append(block, new Instruction(Opcode.BrIf, condition) { Targets = { new BlockCall(then, []), new BlockCall(otherwise, []) } });

    /// <summary><see cref="Unit"/> in the IR's text form (Docs/ir.md), for reading and for the test that compares the two.</summary>
    internal const string UnitText = """
        function "pejit warm-up" -> object {
        block0(v0 (constants): class "System.Object[]", v1 (exit): class "System.Object[]", v2 (cells): class "System.Int32[]", v3 (start): i32):
            v4: i32 = const 0
            v5: i32 = const 1
            jump block1(v3)
        block1(v6: i32):
            v7: i32 = ldelem i32 v2, v6
            brif v7, block2, block6
        block2:
            jump block3(v6, v7)
        block3(v8: i32, v9: i32):
            v10: i32 = const 1
            v11: i32 = add v8, v10
            v12: i32 = ldelem i32 v2, v11
            v13: i32 = const -1
            v14: i32 = add v12, v10
            stelem i32 v2, v11, v14
            v15: i32 = ldelem i32 v2, v8
            v16: i32 = add v15, v13
            stelem i32 v2, v8, v16
            v17: i32 = add v9, v13
            brif v16, block4, block5
        block4:
            jump block3(v8, v17)
        block5:
            v18: i32 = const 2
            v19: i32 = add v8, v18
            jump block1(v19)
        block6:
            v20: object = box i32 v4
            stelem object v1, v4, v20
            v21: object = box i32 v6
            stelem object v1, v5, v21
            v22: i32 = const 2
            stelem object v1, v22, v2
            v23: object = null
            ret v23
        }
        """;
}
