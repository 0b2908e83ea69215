using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using Ht = PeJit.Examples.HandlerTable;
using Rvm = PeJit.Examples.RegisterVm;
using Tw = PeJit.Examples.TreeWalker;

namespace PeJit.Tests.Examples;

/// <summary>
/// What one turn of each new example's <c>long</c> loop still does after the optimizer, beside what the
/// hand-written C# loop does (<c>sum += i * 7 % 13; i++</c> and the test: a multiply, a remainder, two adds, a
/// compare and a branch, all in registers). Each census is printed (the figures Docs/PERFORMANCE.md quotes) and
/// asserted where the optimizer has closed the gap: no memory access of the interpreter's state left in the loop.
/// </summary>
[TestClass]
public sealed class StyleLoopCensusTests
{
    public TestContext TestContext { get; set; } = null!;

    private static FlowGraph Busiest(PortalJit jit) => jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;

    private static FlowGraph HandlerTableLong()
    {
        var jit = PortalJit.Create(Ht.Runner.Portal, new JitSettings { Threshold = 2 });
        jit.Invoke(Ht.Runner.PortalArguments(Ht.Programs.Source("long"), TextWriter.Null, 1000));
        return Busiest(jit);
    }

    private static FlowGraph RegisterVmLong()
    {
        var jit = PortalJit.Create(Rvm.Runner.Portal, new JitSettings { Threshold = 2 });
        jit.Invoke(Rvm.Runner.PortalArguments(Rvm.Programs.Source("long"), TextWriter.Null, 1000));
        return Busiest(jit);
    }

    private static FlowGraph TreeWalkerLong(Tw.Evaluator evaluator)
    {
        var jit = PortalJit.Create(evaluator == Tw.Evaluator.Switch ? Tw.Runner.SwitchPortal : Tw.Runner.VirtualPortal, new JitSettings { Threshold = 3 });
        var main = Tw.Syntax.Parser.Parse(Tw.Programs.Source("long")).Main!;
        var env = Tw.Runner.Environment(main, 1000);
        jit.Invoke(main.Body.Statements.OfType<Tw.Ast.WhileNode>().Single(), env, TextWriter.Null);
        return Busiest(jit);
    }

    private ResidualLoopCensus Census(string name, FlowGraph graph)
    {
        var census = ResidualLoopCensus.OfHotLoop(graph);
        TestContext.WriteLine($"{name}: {census}");
        return census;
    }

    [TestMethod]
    public void TheHandlerTableLoopKeepsItsStackAndStackPointerOutOfMemory()
    {
        var graph = HandlerTableLong();
        var census = Census("HandlerTable long", graph);
        string text = IrPrinter.Print(graph);
        Assert.AreEqual(0, census.Loads + census.Stores, $"no load or store of State.Sp, the stack or the locals in the loop:\n{text}");
        Assert.AreEqual(0, census.Calls + census.Allocations + census.TypeTests, text);
        Assert.AreEqual(1, census.Branches, $"the loop test only:\n{text}");
    }

    [TestMethod]
    public void TheRegisterVmLoopKeepsItsRegistersOutOfMemory()
    {
        var graph = RegisterVmLong();
        string text = IrPrinter.Print(graph);
        // The remainder by r4, a register the loop never changes but not a constant, may throw only where the
        // preheader's test of the divisor (neither 0 nor -1) fails, and then the unoptimized copy runs: so the
        // registers the loop changes need no write-back before it. The promoted loop comes twice: a copy for the
        // divisor the runtime saw when the loop got hot (13), entered when r4 still holds it, which divides by the
        // constant as the hand-written C#'s `% 13` does (the 'speculate' pass), and the loop for any other divisor,
        // whose remainder is a multiply-high, shifts and adds from constants computed before it (the 'divisions' pass).
        var promoted = ResidualLoopCensus.Loops(graph).Where(l => l.Census.Loads + l.Census.Stores == 0).ToList();
        foreach (var (loop, census) in promoted)
        {
            TestContext.WriteLine($"RegisterVm long, loop at {loop.Header}: {census}");
            Assert.AreEqual(0, census.Calls + census.Allocations + census.TypeTests, text);
        }
        Assert.HasCount(2, promoted, $"the promoted loop and its copy for the sampled divisor, both without a load or store of the registers:\n{text}");
        var divisions = promoted.Select(l => l.Loop.Blocks.SelectMany(b => graph[b].Instructions).Where(i => i.Opcode is Opcode.Rem or Opcode.Div).ToList()).ToList();
        Assert.AreEqual(1, divisions.Count(d => d.Count == 0), $"one loop has no hardware division:\n{text}");
        Assert.AreEqual(1, divisions.Count(d => d.Count == 1 && graph[d[0].Operands[1]].DefiningInstruction is { Opcode: Opcode.Const, Integer: 13 }),
            $"the other divides by the constant 13:\n{text}");
    }

    [TestMethod]
    [DataRow(Tw.Evaluator.Switch)]
    [DataRow(Tw.Evaluator.Virtual)]
    public void TheTreeWalkerLoopKeepsItsVariablesOutOfMemory(Tw.Evaluator evaluator)
    {
        var graph = TreeWalkerLong(evaluator);
        var census = Census($"TreeWalker long ({evaluator})", graph);
        string text = IrPrinter.Print(graph);
        Assert.AreEqual(0, census.Loads + census.Stores, $"no load or store of the variables in the loop:\n{text}");
        Assert.AreEqual(0, census.Calls + census.Allocations + census.TypeTests, text);
    }

    [TestMethod]
    public void BothTreeWalkerEvaluatorsCompileToTheSameCode()
    {
        // The switch on the node kind and the virtual Execute overrides are two ways to write one evaluator: once
        // specialized to the program's tree and optimized, the unit is the same instruction for instruction (only
        // the source locations and the portal's name differ), so any gap measured between them is not in the code.
        static string Code(FlowGraph graph) => string.Join("\n", IrPrinter.Print(graph).Split('\n').Skip(1)
            .Select(line => System.Text.RegularExpressions.Regex.Replace(line, @"\s*; IL_\w+( line \d+)?\s*$", "")));
        string viaSwitch = Code(TreeWalkerLong(Tw.Evaluator.Switch)), viaVirtual = Code(TreeWalkerLong(Tw.Evaluator.Virtual));
        Assert.AreEqual(viaSwitch, viaVirtual);
    }
}
