using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using Wasm = PeJit.Examples.Wasm;

namespace PeJit.Tests.Examples;

/// <summary>
/// The WebAssembly-style machine JIT-enabled: structured control flow over a control stack of labels, branch targets
/// and stack adjustments worked out by the assembler (green), return addresses and <c>br_table</c> entries promoted. Every
/// program gives what the plain interpreter gives, with compiled units entered; the hot loop of <c>sum</c> is the
/// program's arithmetic alone.
/// </summary>
[TestClass]
public sealed class WasmJitTests
{
    public TestContext TestContext { get; set; } = null!;

    private static readonly Dictionary<string, long> Sizes = new()
    {
        ["sum"] = 3000, ["nested"] = 40, ["fib"] = 15, ["sieve"] = 3000, ["brtable"] = 3000, ["collatz"] = 200,
    };

    /// <summary>Recursion through <c>call</c> with no loop: nothing gets hot at a backward branch, as in the other examples.</summary>
    private static readonly HashSet<string> InterpretedOnly = ["fib"];

    public static IEnumerable<object[]> Programs => Wasm.Programs.Names.Select(n => new object[] { n });

    private static PortalJit Jit(int threshold = 3) => PortalJit.Create(Wasm.Runner.Portal, new JitSettings { Threshold = threshold });

    [TestMethod]
    public void EveryBundledProgramHasASize() => CollectionAssert.AreEquivalent(Sizes.Keys.ToList(), Wasm.Programs.Names.ToList());

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void EveryProgramGivesWhatThePlainInterpreterGives(string name)
    {
        long size = Sizes[name];
        var plainOutput = new StringWriter();
        long plain = Wasm.Runner.Run(Wasm.Programs.Source(name), plainOutput, size);
        var jit = Jit();
        var jitOutput = new StringWriter();
        var result = JitDifferentialTests.AssertUnitsEntered(jit, name,
            () => jit.Invoke(Wasm.Runner.PortalArguments(Wasm.Programs.Source(name), jitOutput, size)), !InterpretedOnly.Contains(name));
        Assert.AreEqual(plain, result, name);
        Assert.AreEqual(plainOutput.ToString(), jitOutput.ToString(), name);
    }

    [TestMethod]
    [DataRow("fib", 10L)]
    [DataRow("sum", 0L)]
    [DataRow("brtable", 1L)]
    [DataRow("collatz", 1L)]
    public void EdgeSizesGiveWhatThePlainInterpreterGives(string name, long size)
    {
        var plainOutput = new StringWriter();
        long plain = Wasm.Runner.Run(Wasm.Programs.Source(name), plainOutput, size);
        var jit = Jit(threshold: 1);
        var jitOutput = new StringWriter();
        Assert.AreEqual(plain, (long)jit.Invoke(Wasm.Runner.PortalArguments(Wasm.Programs.Source(name), jitOutput, size))!, name);
        Assert.AreEqual(plainOutput.ToString(), jitOutput.ToString(), name);
    }

    private static FlowGraph SumLoop()
    {
        var jit = Jit(threshold: 2);
        jit.Invoke(Wasm.Runner.PortalArguments(Wasm.Programs.Source("sum"), TextWriter.Null, 1000));
        return jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;
    }

    [TestMethod]
    public void TheHotLoopOfSumHasNoDispatchNoCodeReadAndNoLabelTarget()
    {
        var graph = SumLoop();
        string text = IrPrinter.Print(graph);
        var census = ResidualLoopCensus.OfHotLoop(graph);
        TestContext.WriteLine($"Wasm sum: {census}");
        var instructions = graph.Blocks.SelectMany(b => graph[b].Instructions).ToList();
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.Switch), "no dispatch switch:\n" + text);
        Assert.IsFalse(instructions.Any(i => i.Field?.Name is nameof(Wasm.Code.Instructions) or nameof(Wasm.Code.Tables)), "no read of the code:\n" + text);
        Assert.IsFalse(instructions.Any(i => i.Field?.Name == nameof(Wasm.Label.Target)), "no branch target read from the label stack:\n" + text);
        Assert.IsFalse(instructions.Any(i => i.Method?.Name is "MergePoint" or "CanEnterJit"), text);
        Assert.IsFalse(graph.Values.Any(v => graph[v].Name == "pc"), "no program counter:\n" + text);
        Assert.AreEqual(0, census.Calls + census.Allocations, "no call or allocation in the loop:\n" + text);
        // The value stack, its pointer, the control-stack height and the locals all live in SSA values: the pointers are
        // local variables the inlined Branch moves through `ref` (the 'slots' pass), the stack pointer is back where it
        // was at every turn (the branches' drops come from the code object), so promotion keeps the elements.
        Assert.AreEqual(0, census.Loads + census.Stores, "no load or store of the stack, the locals or the labels in the loop:\n" + text);
        Assert.AreEqual(1, census.Branches, "the loop test only:\n" + text);
    }
}
