using PeJit.IR.Graphs;
using PeJit.IR;
using PeJit.IR.Verification;

namespace PeJit.Tests.Frontend.Verification;

/// <summary>The verifier accepts well-formed graphs and rejects each broken invariant with one error at the right place.</summary>
[TestClass]
public sealed class VerifierTests
{
    /// <summary>A loop summing 0..n-1: block0(n) → block1(i, sum) → block2 → block1 | block3.</summary>
    private static (FlowGraph Graph, Block Loop, Block Body, Block Exit) Loop()
    {
        var graph = new FlowGraph("sum", IrType.I32);
        var entry = graph.AddBlock();
        var loop = graph.AddBlock();
        var body = graph.AddBlock();
        var exit = graph.AddBlock();
        var n = graph.AddParameter(entry, IrType.I32, "n");
        var zero = graph.Append(entry, new Instruction(Opcode.Const) { Integer = 0 }, IrType.I32).Result!.Value;
        graph.Append(entry, new Instruction(Opcode.Jump) { Targets = { new BlockCall(loop, [zero, zero]) } });
        var i = graph.AddParameter(loop, IrType.I32, "i");
        var sum = graph.AddParameter(loop, IrType.I32, "sum");
        var more = graph.Append(loop, new Instruction(Opcode.Clt, i, n), IrType.Bool).Result!.Value;
        graph.Append(loop, new Instruction(Opcode.BrIf, more) { Targets = { new BlockCall(body, []), new BlockCall(exit, []) } });
        var one = graph.Append(body, new Instruction(Opcode.Const) { Integer = 1 }, IrType.I32).Result!.Value;
        var next = graph.Append(body, new Instruction(Opcode.Add, i, one), IrType.I32).Result!.Value;
        var total = graph.Append(body, new Instruction(Opcode.Add, sum, i), IrType.I32).Result!.Value;
        graph.Append(body, new Instruction(Opcode.Jump) { Targets = { new BlockCall(loop, [next, total]) } });
        graph.Append(exit, new Instruction(Opcode.Return, sum));
        return (graph, loop, body, exit);
    }

    private static VerifierError SingleError(FlowGraph graph, string expected)
    {
        var errors = Verifier.Verify(graph);
        Assert.HasCount(1, errors, string.Join("\n", errors) + "\n" + graph);
        StringAssert.Contains(errors[0].Message, expected);
        return errors[0];
    }

    [TestMethod]
    public void AcceptsALoopWithBlockParameters() => Assert.IsEmpty(Verifier.Verify(Loop().Graph));

    [TestMethod]
    public void DominatorsOfTheLoop()
    {
        var (graph, loop, body, exit) = Loop();
        var dominators = Dominators.Compute(graph);
        Assert.AreEqual(loop, dominators.ImmediateDominator(body));
        Assert.AreEqual(loop, dominators.ImmediateDominator(exit));
        Assert.AreEqual(FlowGraph.Entry, dominators.ImmediateDominator(loop));
        Assert.IsTrue(dominators.Dominates(loop, body));
        Assert.IsFalse(dominators.Dominates(body, exit));
    }

    [TestMethod]
    public void RejectsAMissingTerminator()
    {
        var (graph, _, _, exit) = Loop();
        graph[exit].Instructions.Clear();
        graph.Append(exit, new Instruction(Opcode.Const) { Integer = 0 }, IrType.I32);
        Assert.AreEqual(exit, SingleError(graph, "does not end with a terminator").Block);
    }

    [TestMethod]
    public void RejectsATerminatorInTheMiddle()
    {
        var (graph, _, body, _) = Loop();
        graph[body].Instructions.Insert(0, new Instruction(Opcode.Return, graph.Parameters[0]));
        Assert.AreEqual(0, SingleError(graph, "terminator in the middle").Index);
    }

    [TestMethod]
    public void RejectsAUseNotDominatedByItsDefinition()
    {
        var (graph, _, body, exit) = Loop();
        var late = graph[body].Instructions[1].Result!.Value;
        graph[exit].Instructions[0].Operands[0] = late;
        var error = SingleError(graph, "does not dominate");
        Assert.AreEqual(exit, error.Block);
    }

    [TestMethod]
    public void RejectsAUseBeforeTheDefinitionInTheSameBlock()
    {
        var (graph, _, body, _) = Loop();
        (graph[body].Instructions[0], graph[body].Instructions[1]) = (graph[body].Instructions[1], graph[body].Instructions[0]);
        SingleError(graph, "does not dominate");
    }

    [TestMethod]
    public void RejectsAJumpWithTheWrongNumberOfArguments()
    {
        var (graph, loop, body, _) = Loop();
        graph[body].Terminator!.Targets[0].Arguments.RemoveAt(1);
        Assert.AreEqual(body, SingleError(graph, $"{loop} takes 2 arguments, the jump passes 1").Block);
    }

    [TestMethod]
    public void RejectsAnArgumentOfTheWrongKind()
    {
        var (graph, _, body, _) = Loop();
        var wide = new Instruction(Opcode.Const) { Integer = 1 };
        graph.SetResult(wide, IrType.I64);
        graph[body].Instructions.Insert(0, wide);
        graph[body].Terminator!.Targets[0].Arguments[1] = wide.Result!.Value;
        SingleError(graph, "argument 1");
    }

    [TestMethod]
    public void RejectsArithmeticOnMismatchedKinds()
    {
        var (graph, _, body, _) = Loop();
        var wide = new Instruction(Opcode.Const) { Integer = 1 };
        graph.SetResult(wide, IrType.I64);
        graph[body].Instructions.Insert(0, wide);
        graph[body].Instructions[2].Operands[1] = wide.Result!.Value;
        SingleError(graph, "add of Int32 and Int64");
    }

    [TestMethod]
    public void RejectsAReturnWithoutValueInAFunctionThatReturnsOne()
    {
        var (graph, _, _, exit) = Loop();
        graph[exit].Instructions[0].Operands.Clear();
        SingleError(graph, "ret needs the value");
    }

    [TestMethod]
    public void RejectsAValueDefinedTwice()
    {
        var (graph, _, body, _) = Loop();
        var duplicate = new Instruction(Opcode.Const) { Integer = 2, Result = graph[body].Instructions[0].Result };
        graph[body].Instructions.Insert(1, duplicate);
        SingleError(graph, "defined more than once");
    }

    [TestMethod]
    public void RejectsAJumpIntoAHandler()
    {
        var (graph, _, body, exit) = Loop();
        var handler = graph.AddBlock();
        graph.AddParameter(handler, IrType.Object, "exception");
        graph.Append(handler, new Instruction(Opcode.Rethrow));
        graph.AddRegion(new RegionData { Kind = RegionKind.Catch, CatchType = IrType.Object, Handler = handler });
        graph[body].Try = new Region(0);
        Assert.IsEmpty(Verifier.Verify(graph), "a well-formed handler");
        var nothing = new Instruction(Opcode.Null);
        graph.SetResult(nothing, IrType.Object);
        graph[exit].Instructions[0] = nothing;
        graph.Append(exit, new Instruction(Opcode.Jump) { Targets = { new BlockCall(handler, [nothing.Result!.Value]) } });
        SingleError(graph, "reached by ordinary jumps");
    }

    [TestMethod]
    public void RejectsACallWithTheWrongNumberOfArguments()
    {
        var (graph, _, body, _) = Loop();
        var call = new Instruction(Opcode.Call, graph.Parameters[0]) { Method = new MethodRef("System.Int32 System.Math::Max(System.Int32,System.Int32)", false) };
        graph.SetResult(call, IrType.I32);
        graph[body].Instructions.Insert(0, call);
        SingleError(graph, "passes 1 arguments; Max takes 2");
    }
}
