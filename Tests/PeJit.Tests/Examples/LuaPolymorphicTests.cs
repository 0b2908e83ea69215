using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Examples;

/// <summary>
/// Lua <c>polymorphic</c> (issue 15: one function applied in a loop to integers, floats and strings, dispatching on the
/// value's type): its loop's unit inlines <c>accumulate</c> and <c>worth</c> (their keys are green at the calls, the
/// interpreter promoting the callee's prototype: <see cref="SpecializationSettings.InlineKnownPortalCalls"/>), the builtin
/// <c>type</c> (the call promotes the builtin's delegate) and the class dispatch of <c>type</c>, <c>==</c> and <c>#</c>
/// (class promotions); allocation removal then takes the callees' frames, register arrays and the builtin's argument and
/// result arrays apart. Differential first (every run prints what the plain interpreter prints), then structural: no
/// portal call, call cell or delegate call in the loops, no frame or array made in them, the steady state leaves the unit
/// no more than once per run, and a turn allocates a fraction of what the interpreter's does.
/// </summary>
[TestClass]
public sealed class LuaPolymorphicTests
{
    private const long Size = 20000;

    private static readonly Lazy<(PortalJit Jit, Lua.Compiler.Code Code, string Plain)> Warm = new(() =>
    {
        string source = Lua.Programs.Source("polymorphic");
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, Size);
        var jit = PortalJit.Create(Lua.Runner.Portal, new JitSettings { Strict = true, Threshold = 20 });
        var code = Lua.Compiler.BytecodeCompiler.Compile(source);
        // Until two runs in a row compile nothing (the benchmark's warm-up), each run checked against the plain interpreter.
        for (int run = 0, quiet = 0; run < 30 && quiet < 2; run++)
        {
            long before = jit.Runtime.Compilations;
            var output = new StringWriter();
            jit.Invoke(code, code.Main.Entry, Frame(code, output));
            Assert.AreEqual(plain.ToString(), output.ToString(), $"polymorphic JIT-enabled printed something else in run {run + 1}");
            quiet = jit.Runtime.Compilations == before ? quiet + 1 : 0;
        }
        return (jit, code, plain.ToString());
    });

    private static Lua.Frame Frame(Lua.Compiler.Code code, TextWriter output)
    {
        var state = new Lua.LuaState(code, output);
        state.Globals.Set(new Lua.Values.LuaString("N"), new Lua.Values.LuaInteger(Size));
        return new Lua.Frame(new Lua.Values.LuaClosure(code.Main, []), state, [], 0, 0, 0);
    }

    /// <summary>The instructions of every natural loop of every unit.</summary>
    private static List<Instruction> LoopInstructions(PortalJit jit) =>
        jit.Units.SelectMany(u =>
        {
            var graph = u.Unit.Residual;
            return NaturalLoop.Find(graph, Dominators.Compute(graph)).SelectMany(l => l.Blocks).Distinct().SelectMany(b => graph[b].Instructions);
        }).ToList();

    [TestMethod]
    public void TheLoopInlinesTheCallsAndTheBuiltin()
    {
        var loops = LoopInstructions(Warm.Value.Jit);
        Assert.IsNotEmpty(loops, "polymorphic's loop compiles");
        var calls = loops.Where(i => i.Method is { } m && (m.FullName.Contains("Interpreter::Run(", StringComparison.Ordinal)
            || m.FullName.Contains("CallCell::", StringComparison.Ordinal) || m.FullName.Contains("::Invoke(", StringComparison.Ordinal)
            || m.FullName.Contains("::RawEquals(", StringComparison.Ordinal) || m.FullName.Contains("::get_TypeName(", StringComparison.Ordinal)))
            .Select(i => i.Method!.FullName).ToList();
        Assert.IsEmpty(calls, "calls left in the loop: " + string.Join("; ", calls.Distinct()));
    }

    [TestMethod]
    public void TheLoopMakesNoFrameAndNoArray()
    {
        var made = LoopInstructions(Warm.Value.Jit).Where(i => i.Opcode is Opcode.Allocate or Opcode.NewArray
            || i.Opcode == Opcode.NewObject && i.Method!.FullName.Contains("Frame::", StringComparison.Ordinal)).ToList();
        Assert.IsEmpty(made, "made in the loop: " + string.Join("; ", made.Take(5)));
    }

    [TestMethod]
    public void TheLoopMakesNoStringForType()
    {
        // type(value) == "string": the builtin's result, a new LuaString stored into the inlined callee's registers and
        // compared by RawEquals, is taken apart (its text is a constant per class); before, it stayed allocated in every
        // copy of the loop (two a turn).
        var made = LoopInstructions(Warm.Value.Jit).Where(i => i.Opcode == Opcode.NewObject
            && i.Method!.FullName.Contains("LuaString::.ctor", StringComparison.Ordinal)).ToList();
        Assert.IsEmpty(made, "strings made in the loop: " + string.Join("; ", made.Take(5)));
    }

    [TestMethod]
    public void TheLoopComparesNoStringAndTestsEachClassOnce()
    {
        // type(value) == "string": type() returns "string" or "number" by the value's class, a join of constants compared
        // with the program's constant string; the pass `thread` sends each path of type()'s dispatch along the branches
        // that comparison decides (op(phi(c1, c2), c3) folded per path), so no string comparison is left in any loop, and
        // the dispatch of `+` on the same value after it is decided by type()'s own class tests (guards). Before: two
        // String.op_Equality a turn, and the value's class tested twice (type()'s dispatch, then +'s).
        var loops = LoopInstructions(Warm.Value.Jit);
        var compares = loops.Where(i => i.Method is { } m && m.FullName.Contains("System.String::op_Equality", StringComparison.Ordinal)).ToList();
        Assert.IsEmpty(compares, $"{compares.Count} string comparisons left in the loops");
        // The fast loop (the smallest one that computes i % count; promotion's fallback copy is larger): each object's class
        // is tested once a turn.
        var fast = Loops(Warm.Value.Jit).Where(l => l.Any(i => i.Opcode == Opcode.Rem)).MinBy(l => l.Count)!;
        // A GetType() whose result nothing uses is no test (a copy's decided test can leave its call, which DCE keeps).
        var used = new HashSet<int>(fast.SelectMany(i => i.Operands.Concat(i.Targets.SelectMany(t => t.Arguments))).Select(v => v.Index));
        var repeated = fast.Where(i => i.Opcode is Opcode.Call or Opcode.CallVirt && i.Method!.FullName.Contains("System.Object::GetType()", StringComparison.Ordinal)
                && used.Contains(i.Result!.Value.Index))
            .GroupBy(i => i.Operands[0].Index).Where(g => g.Count() > 1).Select(g => $"v{g.Key} {g.Count()} times").ToList();
        Assert.IsEmpty(repeated, "classes tested more than once a turn: " + string.Join("; ", repeated));
    }

    [TestMethod]
    public void TheLoopReadsNoInvariantBoxAgain()
    {
        // `i % count` and the for loop's limit and step: boxes (LuaInteger, a readonly Value) in registers the loop does not
        // change, read on every turn though the peeled first turn read them already. The pass `readonly` reuses the
        // dominating load (a readonly field of the same object cannot change, calls or not), so the fast loop reads a
        // LuaInteger's Value only of the value it takes from the table. Before: 4 such reads a turn (count twice, limit, step).
        var jit = Warm.Value.Jit;
        var fast = jit.Units.SelectMany(u =>
        {
            var graph = u.Unit.Residual;
            return NaturalLoop.Find(graph, Dominators.Compute(graph)).Select(l => (Graph: graph, Blocks: l.Blocks.ToList()));
        }).Where(l => l.Blocks.Any(b => l.Graph[b].Instructions.Any(i => i.Opcode == Opcode.Rem)))
            .MinBy(l => l.Blocks.Sum(b => l.Graph[b].Instructions.Count));
        var defined = new HashSet<int>(fast.Blocks.SelectMany(b => fast.Graph[b].Parameters.Select(p => p.Index)
            .Concat(fast.Graph[b].Instructions.Where(i => i.Result is not null).Select(i => i.Result!.Value.Index))));
        var invariantReads = fast.Blocks.SelectMany(b => fast.Graph[b].Instructions)
            .Where(i => i.Opcode == Opcode.LoadField && i.Field!.FullName.Contains("LuaInteger::Value", StringComparison.Ordinal)
                && !defined.Contains(i.Operands[0].Index)).ToList();
        Assert.IsEmpty(invariantReads, $"{invariantReads.Count} reads of a loop-invariant box's Value in the fast loop");
    }

    /// <summary>The instructions of each natural loop of each unit, one list per loop.</summary>
    private static List<List<Instruction>> Loops(PortalJit jit) =>
        jit.Units.SelectMany(u =>
        {
            var graph = u.Unit.Residual;
            return NaturalLoop.Find(graph, Dominators.Compute(graph)).Select(l => l.Blocks.SelectMany(b => graph[b].Instructions).ToList());
        }).ToList();

    [TestMethod]
    public void SteadyStateStaysInTheUnitAndAllocatesLittle()
    {
        var (jit, code, plain) = Warm.Value;
        long exitsBefore = jit.Units.Sum(u => u.ExitsTaken), compilations = jit.Runtime.Compilations;
        var output = new StringWriter();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        jit.Invoke(code, code.Main.Entry, Frame(code, output));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.AreEqual(plain, output.ToString(), "polymorphic JIT-enabled printed something else");
        Assert.AreEqual(compilations, jit.Runtime.Compilations, "a steady run compiles nothing");
        long exits = jit.Units.Sum(u => u.ExitsTaken) - exitsBefore;
        Assert.IsLessThanOrEqualTo(2L, exits, $"{exits} exits taken in a steady run (the loop's end is one)");
        // The plain interpreter allocates 918 bytes a turn (frames, register arrays, the builtin's arrays, boxes). 126 bytes
        // were left: the float and integer totals boxed around the loop, the strings type() returns, i % 3's box. The totals'
        // boxes were stored into an inlined callee's register array, itself removed: allocation removal now takes such
        // nested objects apart in another round, and folds the native-int length test (`k < results.Length`) that chose
        // between a builtin's result and nil. 78 bytes were left (type()'s strings, i % 3's box, #value's): the strings and
        // i % 3's box were kept as objects with two names, stored into two registers of a callee frame whose fields allocation
        // removal had merged at a shared exit block as two parameters given the same array; a round now makes such parameters
        // one (DuplicateParameters), and they go. #value's box (24 bytes on a quarter of the turns) met the value itself at
        // worth's return and was made for the class test after it; the paths that bring the box now run their own copy of
        // that code (SplitJoins), where it goes. Nothing is allocated per turn: what is left is the run's own (its frame,
        // the output), under half a byte a turn.
        double perTurn = allocated / (double)Size;
        Assert.IsLessThan(0.5, perTurn, $"{perTurn:F2} bytes allocated per turn");
    }

    /// <summary>The residual instructions of <paramref name="unit"/>.</summary>
    private static int ResidualSize(CompiledUnit unit) => unit.Unit.Residual.Blocks.Sum(b => unit.Unit.Residual[b].Instructions.Count);

    [TestMethod]
    public void EachInlinedCopyOfAccumulateHasTheClassesOfItsOwnCall()
    {
        // The loop calls accumulate twice a turn: on the floats' total and values of three classes, and on the integers' count
        // and i % 3. Keyed by the callee's step alone, both inlined copies had the cases of both calls (each compiled the
        // other's classes: 3,217 residual instructions and 64,355 IL bytes, past the 60,000 .NET optimizes, with `pejit build`).
        // Keyed by the call position too (CallPath), the second copy's `+` has the integers' case alone.
        var jit = Warm.Value.Jit;
        Assert.AreEqual(1, jit.Units.Select(u => u.Unit.Entry).Distinct().Count(), "one hot key: the loop's");
        var unit = jit.Units.MaxBy(ResidualSize)!;
        var positions = unit.Unit.PromotionCases.Where(p => p.Key.Path is not null).GroupBy(p => (p.Key.Step, p.Key.Call)).ToList();
        var apart = positions.Where(g => g.Select(p => p.Key.Path).Distinct().Count() > 1
            && g.Select(p => string.Join(",", p.Value.Select(v => (v as Type)?.Name ?? v?.ToString()).Order())).Distinct().Count() > 1).ToList();
        Assert.IsNotEmpty(apart, "a site of the inlined callee has cases of its own at each of its positions: "
            + string.Join("; ", unit.Unit.PromotionCases.Select(p => $"{p.Key}: {string.Join(", ", p.Value)}")));
        Assert.IsTrue(apart.Any(g => g.Any(p => p.Value is [Type { Name: "LuaInteger" }]) && g.Any(p => p.Value.Any(v => v is Type { Name: "LuaFloat" }))),
            "the integers' copy of an inlined site has the integer case alone, the floats' copy a float one");
        int il = unit.Code is PeJit.Backends.Cil.CilCompiledCode cil ? cil.ILSize : 0;
        Assert.IsFalse(unit.Final, $"the unit ({ResidualSize(unit)} residual instructions, {il} IL bytes) is under the IL bytes .NET optimizes");
        Assert.IsLessThan(PeJit.Backends.Cil.CilCompiledCode.OptimizedILLimit, il, "IL bytes");
        // Under every limit .NET checks, not only the bytes: this unit once ran MinOpts for its 9,186 local references
        // (Object.GetType a call in its loop), until exits were outlined (RunTime/Backends/README.md).
        Assert.IsNull(((PeJit.Backends.Cil.CilCompiledCode)unit.Code).Unoptimized, ((PeJit.Backends.Cil.CilCompiledCode)unit.Code).Shape.ToString());
        Assert.IsLessThan(3000, ResidualSize(unit), "residual instructions");
    }

    [TestMethod]
    public void TheFastLoopReadsItsInvariantFieldsOnce()
    {
        // The fast loop's one call, LuaTable.GetInteger (the lookup's slow path), only reads (MethodRef.ReadsOnly), so
        // promotion hoists what the loop reads of memory it does not write: the frame's Depth and State, the globals
        // table's shape, fields and the global `type`, the builtin's ProtectsCall and Function, and keeps the registers in
        // SSA values. Left: the lookup itself (count, array, element), the value's own field, and the upvalue `worth`
        // (its cell, Value and the closure's Prototype) twice. Its preheader's casts of unit constants (isinst) are known
        // to thread, which then leaves no string comparison. With PEJIT_READS_ONLY_CALLS=0 (the call a barrier): 30 loads
        // among 178 instructions; with promotion across it before thread knew isinst: 14 among 156.
        var fast = Loops(Warm.Value.Jit).Where(l => l.Any(i => i.Opcode == Opcode.Rem)).MinBy(l => l.Count)!;
        var loads = fast.Where(i => i.Opcode is Opcode.LoadField or Opcode.LoadElement).ToList();
        Assert.IsLessThanOrEqualTo(14, loads.Count, $"{loads.Count} loads in the fast loop: "
            + string.Join("; ", loads.Select(i => i.Field?.FullName ?? "ldelem " + i.TypeOperand)));
        Assert.IsLessThanOrEqualTo(140, fast.Count, $"{fast.Count} instructions in the fast loop");
        var hoistable = loads.Where(i => i.Field?.FullName is { } f && (f.Contains("Frame::Depth", StringComparison.Ordinal)
            || f.Contains("LuaTable::shape", StringComparison.Ordinal) || f.Contains("LuaBuiltin::Function", StringComparison.Ordinal))).ToList();
        Assert.IsEmpty(hoistable, "invariant fields read on every turn: " + string.Join("; ", hoistable.Select(i => i.Field)));
    }

    [TestMethod]
    public void TheUnitDeclaresFewLocals()
    {
        // Every value live across blocks had a local of its own: 993 locals in this unit, most live only on the way to one exit,
        // past the 512 under which .NET's JIT inlines into a method. The loops' values keep locals of their own (sharing
        // theirs made Lua numeric's float sum go through the stack frame on every turn). Values whose live ranges do not
        // overlap now share a local of their type (LocalColoring); with PEJIT_SHARE_LOCALS=0, as before.
        var unit = Warm.Value.Jit.Units.MaxBy(ResidualSize)!;
        var shape = ((PeJit.Backends.Cil.CilCompiledCode)unit.Code).Shape!.Value;
        Assert.IsLessThan(LocalsBound, shape.Locals, $"the polymorphic unit's method: {shape}");
    }

    /// <summary>
    /// Locals the polymorphic unit's method may declare (with its arguments): 236 shared, 993 each its own; .NET inlines under
    /// 512. 352 when the fast loop's calls go on in a copy of the loop (CallFreeLoops), whose values, a
    /// loop's, keep their own.
    /// </summary>
    private const int LocalsBound = 400;

    [TestMethod]
    public void EveryTurnOfTheFastLoopMakesNoCall()
    {
        // A call on the path every turn takes costs the loop more than the call: RyuJIT inlines nothing into this unit (past
        // 512 locals) and keeps the loop's values in the stack frame across a call. The builtin `type`'s case was tested by
        // DelegateGuard.Matches, twice a turn, on loop-invariant operands; a delegate's case is now tested by reference first
        // (hoisted), Matches only on the other side. GetInteger (the lookup past the array part) and the string's Length are
        // on paths of their own. Object.GetType and Type.GetTypeFromHandle are class tests (method-table compares).
        var jit = Warm.Value.Jit;
        var fast = jit.Units.SelectMany(u =>
        {
            var graph = u.Unit.Residual;
            var dominators = Dominators.Compute(graph);
            return NaturalLoop.Find(graph, dominators).Select(l => (Graph: graph, Dominators: dominators, Loop: l));
        }).Where(l => l.Loop.Blocks.Any(b => l.Graph[b].Instructions.Any(i => i.Opcode == Opcode.Rem)))
            .MinBy(l => l.Loop.Blocks.Sum(b => l.Graph[b].Instructions.Count));
        var everyTurn = fast.Loop.Blocks.Where(b => fast.Loop.Latches.All(latch => fast.Dominators.Dominates(b, latch)));
        var calls = everyTurn.SelectMany(b => fast.Graph[b].Instructions).Where(i => i.Opcode is Opcode.Call or Opcode.CallVirt
            && !i.Method!.FullName.Contains("System.Object::GetType()", StringComparison.Ordinal)
            && !i.Method!.FullName.Contains("System.Type::GetTypeFromHandle", StringComparison.Ordinal)).Select(i => i.Method!.FullName).ToList();
        Assert.IsEmpty(calls, "calls every turn makes: " + string.Join("; ", calls));
    }

    [TestMethod]
    public void TheTableLookupsSlowPathReadsOnlyAndLeavesTheFastLoop()
    {
        // values[i % count + 1] leaves one call, LuaTable.GetInteger ([DontLookInside]: the index past the array part), which
        // no turn makes. Its IL reads only (an array element, or Dictionary<long, LuaValue>.TryGetValue into a local), so the
        // frontend marks it ReadsOnly (MethodEffects), in the graphs the runtime loads, and promotion hoists the loop's
        // invariant loads across it (TheFastLoopReadsItsInvariantFieldsOnce). The pass `calls` (CallFreeLoops) then sends
        // the turn that would make it on into a copy of the loop (opt-in), so the call is in the unit but not in the fast loop.
        var jit = Warm.Value.Jit;
        var unit = jit.Units.MaxBy(ResidualSize)!;
        var all = unit.Unit.Residual.Blocks.SelectMany(b => unit.Unit.Residual[b].Instructions).ToList();
        var lookups = all.Where(i => i.Method?.FullName.Contains("LuaTable::GetInteger", StringComparison.Ordinal) == true).ToList();
        Assert.IsNotEmpty(lookups, "the slow path's call is in the unit");
        Assert.IsTrue(lookups.All(c => c.Method!.ReadsOnly), "GetInteger is marked ReadsOnly");
    }

    [TestMethod]
    public void TheFastLoopMakesNoCall()
    {
        // RyuJIT keeps a value live across a call in a loop in the stack frame on every turn (x64 Linux: 5 callee-saved integer
        // registers, no callee-saved float one), the call or not. The fast loop kept three calls on side paths no turn takes
        // (GetInteger past the array part, DelegateGuard.Matches twice for a builtin's delegate made afresh), and its i, its
        // totals and i % 3 went through the frame: 1.55x the C#'s CPU time. The pass `calls` (CallFreeLoops) copies the loop
        // and sends a turn that branches to a call on into the copy, so the fast loop has no call in the machine code: the
        // class tests (Object.GetType, Type.GetTypeFromHandle) and String.Length .NET expands inline. With
        // With PEJIT_CALL_FREE_LOOPS=0: GetInteger and two Matches.
        if (!PeJit.Optimizer.CallFreeLoops.Enabled) Assert.Inconclusive("the pass 'calls' is off: PEJIT_CALL_FREE_LOOPS=0");
        var fast = Loops(Warm.Value.Jit).Where(l => l.Any(i => i.Opcode == Opcode.Rem)).MinBy(l => l.Count)!;
        string[] inline = ["System.Object::GetType()", "System.Type::GetTypeFromHandle(", "System.String::get_Length()"];
        var calls = fast.Where(i => i.Opcode is Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall or Opcode.NewObject
                or Opcode.NewArray or Opcode.Allocate or Opcode.Box
            && !(i.Method is { } m && inline.Any(n => m.FullName.Contains(n, StringComparison.Ordinal)))).ToList();
        Assert.IsEmpty(calls, "calls in the fast loop: " + string.Join("; ", calls.Select(c => c.Method?.FullName ?? c.Opcode.ToString())));
    }
}
