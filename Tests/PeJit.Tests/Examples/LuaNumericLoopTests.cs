using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.Runtime;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Examples;

/// <summary>
/// What the optimizer leaves in the loops of the Lua <c>numeric</c> program (issue 15, items 1 and 2), counted in the
/// residual graph of each unit after the pipeline, in process through <see cref="PortalJit"/>. Each run must print what
/// the plain interpreter prints. Held so far: no <c>Nullable</c> method is called (the comparisons' <c>bool?</c> and the
/// arithmetic's <c>double?</c> are their fields in SSA values: <c>nullables</c>), the class guards compare with
/// <c>typeof</c>, not a constants entry, and the <c>while</c> loop keeps the frame's registers in SSA values (no load of
/// the register array left in it: <c>promote</c>). Not yet: the loops still allocate a box per arithmetic result and test
/// the class of the boxes they carry (see Examples/Lua/README.md, "Allocation removal in the numeric loops").
/// </summary>
[TestClass]
public sealed class LuaNumericLoopTests
{
    private static readonly Lazy<(PortalJit Jit, string Log)> Numeric = new(() =>
    {
        string source = Lua.Programs.Source("numeric");
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, 20000);
        var log = new StringWriter();
        var jit = PortalJit.Create(Lua.Runner.Portal, new JitSettings { Log = log });
        var output = new StringWriter();
        jit.Invoke(Lua.Runner.PortalArguments(source, output, 20000));
        Assert.AreEqual(plain.ToString(), output.ToString(), "numeric JIT-enabled printed something else");
        return (jit, log.ToString());
    });

    /// <summary>The instructions inside the residual loops of each unit (the blocks of its natural loops).</summary>
    private static IEnumerable<(CompiledUnit Unit, Instruction Instruction)> LoopInstructions() =>
        from unit in Numeric.Value.Jit.Units
        let graph = unit.Unit.Residual
        from loop in NaturalLoop.Find(graph, Dominators.Compute(graph))
        from block in loop.Blocks
        from instruction in graph[block].Instructions
        select (unit, instruction);

    [TestMethod]
    public void TheLoopsCompile() =>
        Assert.IsTrue(LoopInstructions().Any(), "numeric's loops compile to units with loops: " + Numeric.Value.Log);

    [TestMethod]
    public void NoNullableIsCalled()
    {
        var calls = Numeric.Value.Jit.Units.SelectMany(u => u.Unit.Residual.Blocks.SelectMany(b => u.Unit.Residual[b].Instructions))
            .Where(i => i.Method is { } method && method.DeclaringTypeName.StartsWith("System.Nullable`1", StringComparison.Ordinal)).ToList();
        Assert.IsEmpty(calls, $"{calls.Count} calls of Nullable methods left: {string.Join("; ", calls.Take(3))}");
    }

    [TestMethod]
    public void ClassGuardsCompareWithTypeof()
    {
        // Every GetType() in a loop is compared with typeof(C) (token + GetTypeFromHandle), which the optimizer can decide.
        var guards = LoopInstructions().Where(x => x.Instruction.Method?.FullName == "System.Type System.Object::GetType()").ToList();
        Assert.IsNotEmpty(guards, "the loops test classes (the guards this counts)");
        var typeofs = LoopInstructions().Count(x => x.Instruction.Opcode == Opcode.Token);
        Assert.IsGreaterThanOrEqualTo(guards.Count, typeofs, $"{guards.Count} GetType() and {typeofs} typeof in the loops");
    }

    /// <summary>The instructions of each natural loop of every unit's residual graph, one list per loop.</summary>
    private static List<List<Instruction>> Loops() =>
        Numeric.Value.Jit.Units.SelectMany(u =>
        {
            var graph = u.Unit.Residual;
            return NaturalLoop.Find(graph, Dominators.Compute(graph)).Select(l => l.Blocks.SelectMany(b => graph[b].Instructions).ToList());
        }).ToList();

    /// <summary>
    /// A loop that computes (an <c>add</c>) without allocating (<c>newobj</c>, <c>box</c>), testing a class
    /// (<c>GetType()</c>, <c>isinst</c>, <c>castclass</c>) or touching the frame's register array.
    /// </summary>
    private static bool Clean(List<Instruction> body) =>
        body.Any(i => i.Opcode == Opcode.Add && i.Result is not null) && !body.Any(i => i.Opcode is Opcode.NewObject or Opcode.Allocate or Opcode.Box or Opcode.IsInst or Opcode.CastClass
            || i.Method?.FullName == "System.Type System.Object::GetType()"
            || (i.Opcode is Opcode.LoadElement or Opcode.StoreElement && i.TypeOperand!.Name.EndsWith("LuaValue", StringComparison.Ordinal)));

    private static string Census(List<Instruction> body) =>
        string.Join(", ", body.GroupBy(i => i.Opcode == Opcode.Call ? i.Method!.Name : i.Opcode.ToString()).Select(g => $"{g.Key} x{g.Count()}"));

    [TestMethod]
    public void TheWhileLoopAllocatesNothingAndTestsNoClass()
    {
        // k = k + 3 while k < n: the loop's registers in SSA values (promote), the box of k removed (peel, virtualize),
        // the class guards on k decided (typeof of a virtual object) and on n made once in the peeled first turn (guards).
        var loops = Loops().Where(l => !l.Any(i => i.Opcode is Opcode.Mul or Opcode.Rem)).ToList();
        Assert.IsTrue(loops.Any(Clean), "no while loop of numeric's units runs without allocating, testing a class or touching the register array: "
            + string.Join(" | ", loops.Select(Census)));
    }

    [TestMethod]
    public void TheForLoopAllocatesNothingAndTestsNoClass()
    {
        // for i = 1, n do count = count + i % 7; total = total + i * 0.5 end: the registers promoted, the first turn
        // peeled, the counter's two names one parameter (params), the boxes of the counter, count, i * 0.5 and total
        // removed (virtualize), the modulo's division needing no write-back behind the interpreter's own tests of
        // the divisor (promote), the casts of the constants 7 and 0.5 the peeled turn's (guards).
        var loops = Loops().Where(l => l.Any(i => i.Opcode == Opcode.Mul) && l.Any(i => i.Opcode == Opcode.Rem)).ToList();
        Assert.IsNotEmpty(loops, "numeric's for loop compiles to a unit with a loop");
        Assert.IsTrue(loops.Any(Clean), "no for loop of numeric's units runs without allocating, testing a class or touching the register array: "
            + string.Join(" | ", loops.Select(Census)));
    }

    [TestMethod]
    public void EachGuardTestsTheClassesSeenAtItsOwnPosition()
    {
        // The cases of a Jit.PromoteClass site are per green key: the for loop's integer Add (pc 12) tests LuaInteger
        // only and its float Add (pc 15) LuaFloat only, where cases per site gave each both, with paths that never run.
        foreach (var unit in Numeric.Value.Jit.Units)
        {
            var graph = unit.Unit.Residual;
            var all = graph.Blocks.SelectMany(b => graph[b].Instructions).ToList();
            foreach (var read in all.Where(i => i.Method?.FullName == "System.Type System.Object::GetType()").Select(i => i.Result!.Value))
                Assert.IsLessThanOrEqualTo(1, all.Count(i => i.Opcode == Opcode.Ceq && i.Operands.Contains(read)),
                    $"unit at {unit.Unit.Entry}: {read} compared with several classes: {string.Join("; ", unit.Unit.PromotionCases.Select(p => $"{p.Key}: {string.Join(", ", p.Value)}"))}");
        }
    }

    [TestMethod]
    public void TheWhileLoopKeepsItsRegistersInSsaValues()
    {
        // The unit whose loop is the while loop (k = k + 3) loads no register from the frame's array in its loop.
        var units = Numeric.Value.Jit.Units.Where(u => u.Unit.Keys.Count > 1).ToList();
        var best = units.Select(u =>
        {
            var graph = u.Unit.Residual;
            var loops = NaturalLoop.Find(graph, Dominators.Compute(graph));
            return loops.Count == 0 ? int.MaxValue : loops.Min(l => l.Blocks.Sum(b => graph[b].Instructions.Count(i =>
                i.Opcode == Opcode.LoadElement && i.TypeOperand!.Name.EndsWith("LuaValue", StringComparison.Ordinal))));
        }).DefaultIfEmpty(int.MaxValue).Min();
        Assert.AreEqual(0, best, "some unit's loop still loads the registers from the frame's array: " + Numeric.Value.Log);
    }
}
