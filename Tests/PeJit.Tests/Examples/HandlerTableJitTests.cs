using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using Ht = PeJit.Examples.HandlerTable;

namespace PeJit.Tests.Examples;

/// <summary>
/// The HandlerTable machine JIT-enabled: its dispatch is a call through a green delegate read from a
/// <c>static readonly</c> table, which the specializer resolves to the handler and inlines. Every program gives
/// what the plain interpreter gives, with compiled units entered; the hot loop holds only the program's work.
/// </summary>
[TestClass]
public sealed class HandlerTableJitTests
{
    private static readonly Dictionary<string, long> Sizes = new() { ["gcd"] = 300, ["fib"] = 15, ["collatz"] = 300, ["long"] = 10000 };

    /// <summary>Loop-free recursion (calls through the portal): nothing gets hot at a backward jump, as in the other examples.</summary>
    private static readonly HashSet<string> InterpretedOnly = ["fib"];

    public static IEnumerable<object[]> Programs => Ht.Programs.Names.Select(n => new object[] { n });

    private static PortalJit Jit(int threshold = 3) => PortalJit.Create(Ht.Runner.Portal, new JitSettings { Threshold = threshold });

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void EveryProgramGivesWhatThePlainInterpreterGives(string name)
    {
        long size = Sizes[name];
        var plainOutput = new StringWriter();
        long plain = Ht.Runner.Run(Ht.Programs.Source(name), plainOutput, size);
        var jit = Jit();
        var jitOutput = new StringWriter();
        var result = JitDifferentialTests.AssertUnitsEntered(jit, name,
            () => jit.Invoke(Ht.Runner.PortalArguments(Ht.Programs.Source(name), jitOutput, size)), !InterpretedOnly.Contains(name));
        Assert.AreEqual(plain, result, name);
        Assert.AreEqual(plainOutput.ToString(), jitOutput.ToString(), name);
        foreach (var unit in jit.Units)
            Assert.IsFalse(unit.Unit.Notes.Any(n => n.Contains("delegate", StringComparison.Ordinal)), $"{name}: {string.Join("\n", unit.Unit.Notes)}");
    }

    private static FlowGraph LongLoop()
    {
        var jit = Jit(threshold: 2);
        jit.Invoke(Ht.Runner.PortalArguments(Ht.Programs.Source("long"), TextWriter.Null, 1000));
        return jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;
    }

    private static IEnumerable<Instruction> Instructions(FlowGraph graph) => graph.Blocks.SelectMany(b => graph[b].Instructions);

    [TestMethod]
    public void TheHotLoopOfLongHasNoHandlerCallNoTableReadAndNoDispatch()
    {
        var loop = LongLoop();
        string text = IrPrinter.Print(loop);
        var instructions = Instructions(loop).ToList();
        Assert.IsFalse(instructions.Any(i => i.Method?.Name == "Invoke"), "no call through a delegate:\n" + text);
        var handlers = typeof(Ht.Interpreter).GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)
            .Select(m => m.Name).Where(n => n != "Run").ToHashSet();
        Assert.IsFalse(instructions.Any(i => i.Method is { } m && (m.DeclaringTypeName.Contains("<>c", StringComparison.Ordinal)
            || (m.DeclaringTypeName == typeof(Ht.Interpreter).FullName && handlers.Contains(m.Name)))), "no call to a handler:\n" + text);
        Assert.IsFalse(instructions.Any(i => i.Field?.Name is nameof(Ht.Interpreter.Handlers) or nameof(Ht.Code.Ops)), "no read of the handler table or the ops:\n" + text);
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.Switch), "no dispatch switch:\n" + text);
        Assert.IsFalse(instructions.Any(i => i.Method?.Name is "MergePoint" or "CanEnterJit"), text);
        Assert.IsFalse(loop.Values.Any(v => loop[v].Name == "pc"), "no program counter:\n" + text);
    }

    [TestMethod]
    public void TheOptimizedLongLoopIsGolden() =>
        Golden.Check("Examples/golden/HandlerTable.long.residual.ir", IrPrinter.Print(LongLoop()));
}
