using PeJit.Backends.Cil;
using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.Runtime;
using PeJit.Tests.Backends;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Examples;

/// <summary>
/// The Lua example's biggest units (nbody's loop: 89 green keys, 144 exits) stay under the IL size past which
/// .NET compiles a method without optimizations (<see cref="CilCompiledCode.OptimizedILLimit"/>), in process
/// through <see cref="PortalJit"/>: exits jump to shared tails instead of each storing every slot, error paths
/// stay calls of the interpreter's helpers instead of inlined message building, and the CIL backend gives
/// constants and single-use values no local. Before, the unit was 101,016 IL bytes and ran unoptimized,
/// 2.3x slower than the plain interpreter. Each run must print what the plain interpreter prints.
/// </summary>
[TestClass]
public sealed class LuaUnitSizeTests
{
    private const long Size = 1000;

    private static readonly Lazy<(PortalJit Jit, string Log)> Nbody =
        new(() => LuaJitRuns.Run("nbody", Size, runs: 1, settings: w => new JitSettings { Log = w }));

    private static CompiledUnit Biggest => Nbody.Value.Jit.Units.MaxBy(u => u.Unit.Exits.Count)!;

    [TestMethod]
    public void EveryUnitOfNbodyIsUnderTheILSizeDotnetOptimizes()
    {
        var units = Nbody.Value.Jit.Units;
        Assert.IsNotEmpty(units, "nbody's loops compile");
        Assert.IsGreaterThanOrEqualTo(100, Biggest.Unit.Exits.Count, "the loop unit still has its many exits: " + Nbody.Value.Log);
        foreach (var unit in units)
        {
            Assert.IsLessThan(CilCompiledCode.OptimizedILLimit, ((CilCompiledCode)unit.Code).ILSize, $"unit at {unit.Unit.Entry}: {Nbody.Value.Log}");
            Assert.IsNull(((CilCompiledCode)unit.Code).Unoptimized, $"unit at {unit.Unit.Entry}: {Nbody.Value.Log}");
        }
        Assert.DoesNotContain("IL bytes, past", Nbody.Value.Log);
    }

    [TestMethod]
    public void EveryUnitOfNbodyHasFewerBasicBlocksThanDotnetOptimizes()
    {
        // Past 2,000 IL basic blocks RyuJIT compiles with MinOpts whatever the IL size: the 90-key loop unit ran so,
        // 1.6x slower than the plain interpreter, until blocks that only jump on were threaded away (the optimizer's
        // `jumps` pass): 293 of its 1,242 blocks.
        foreach (var unit in Nbody.Value.Jit.Units)
        {
            int blocks = ILBasicBlocks.Count(((CilCompiledCode)unit.Code).Method);
            Assert.IsLessThan(ILBasicBlocks.OptimizedLimit, blocks, $"unit at {unit.Unit.Entry}: {blocks} IL basic blocks");
            var graph = unit.Unit.Residual;
            Assert.IsFalse(graph.Blocks.Any(b => b != FlowGraph.Entry && graph[b].Instructions is [{ Opcode: Opcode.Jump }]),
                $"unit at {unit.Unit.Entry} keeps a block that only jumps on");
        }
    }

    [TestMethod]
    public void RegisterStoresSkipTheCovarianceCheck()
    {
        // Every store into the registers (a LuaValue[], whose element class is not the stored value's) went through
        // .NET's covariance check, 17% of the loop's time; the `stores` pass makes them ArrayStores.Store calls.
        // Inside loops: a store outside every loop (an exit writing the registers back) keeps its stelem, whose check costs
        // little there and whose IL is a fifth of the call's (UncheckedStores).
        var graph = Biggest.Unit.Residual;
        var instructions = NaturalLoop.Find(graph, Dominators.Compute(graph)).SelectMany(l => l.Blocks).Distinct().SelectMany(b => graph[b].Instructions).ToList();
        // A value typed object (a null, whose store .NET does not check) keeps its stelem.
        var left = instructions.Where(i => i.Opcode == Opcode.StoreElement && i.TypeOperand!.Name == "PeJit.Examples.Lua.Values.LuaValue"
                && graph.TypeOf(i.Operands[2]).Kind == TypeKind.Class)
            .Select(i => $"{i} (array {graph.TypeOf(i.Operands[0])}, value {graph.TypeOf(i.Operands[2])})").ToList();
        Assert.IsEmpty(left, "stelem into a LuaValue[] left: " + string.Join("; ", left.Take(5)));
        Assert.IsTrue(instructions.Any(i => i.Method?.FullName.Contains("ArrayStores::Store", StringComparison.Ordinal) == true), "no ArrayStores.Store call");
    }

    [TestMethod]
    public void ExitsShareTheirStoresToTheExitBuffer()
    {
        // Each exit used to box and store its number and every merge-point variable itself (five stores); now
        // the stores are in one tail per kind of exit, and an exit is a jump with what differs.
        var unit = Biggest.Unit;
        var graph = unit.Residual;
        var exitBuffer = graph.Parameters[1];
        var storingBlocks = graph.Blocks.Where(b => graph[b].Instructions.Any(i => IsExitStore(i, exitBuffer))).ToList();
        int stores = storingBlocks.Sum(b => graph[b].Instructions.Count(i => IsExitStore(i, exitBuffer)));
        Assert.IsLessThan(unit.Exits.Count, stores, $"{stores} exit-buffer stores for {unit.Exits.Count} exits");
        Assert.IsLessThan(unit.Exits.Count / 4, storingBlocks.Count, $"{storingBlocks.Count} blocks store the exit buffer for {unit.Exits.Count} exits");
    }

    [TestMethod]
    public void ErrorPathsStayCallsOfTheInterpretersHelpers()
    {
        // `?? throw Errors.Arithmetic(line, ...)` and friends: the helper that builds the message is called, not
        // inlined; its string building (DefaultInterpolatedStringHandler) is nowhere in the residual code.
        var graph = Biggest.Unit.Residual;
        var calls = graph.Blocks.SelectMany(b => graph[b].Instructions).Where(i => i.Method is not null).Select(i => i.Method!.FullName).ToList();
        Assert.IsFalse(calls.Any(c => c.Contains("DefaultInterpolatedStringHandler", StringComparison.Ordinal)), "message building inlined");
        Assert.IsTrue(calls.Any(c => c.Contains("PeJit.Examples.Lua.Errors::", StringComparison.Ordinal)), "the error helpers are called");
        StringAssert.Contains(Nbody.Value.Log, "on paths that end in a throw left residual, not inlined");
    }

    private static bool IsExitStore(Instruction instruction, Value exitBuffer) =>
        instruction.Opcode == Opcode.StoreElement && instruction.Operands[0] == exitBuffer;
}
