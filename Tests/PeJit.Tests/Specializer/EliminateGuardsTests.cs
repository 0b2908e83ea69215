using PeJit.IR.Graphs;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.IR.Verification;
using PeJit.Optimizer;

namespace PeJit.Tests.Specializer;

/// <summary>
/// Redundant-guard elimination on hand-written graphs, as file tests (<c>FileTests/guards/*.ir</c>, run by
/// <see cref="FileTests.FileTestRunner"/>), and on random branchy graphs.
/// </summary>
[TestClass]
public sealed class EliminateGuardsTests
{
    /// <summary>
    /// Random branchy graphs (compares of parameters, constants and recomputed sums, wrapped the ways the
    /// specializer wraps them, brif and switch, joins and shared targets) behave the same after the pass.
    /// </summary>
    [TestMethod]
    public void RandomBranchyGraphsBehaveTheSameAfterward()
    {
        var random = new Random(1234);
        int removed = 0;
        for (int n = 0; n < 300; n++)
        {
            var graph = RandomGraph(random, floats: n % 4 == 3);
            Assert.IsEmpty(Verifier.Verify(graph), $"the generator made a bad graph:\n{string.Join("\n", Verifier.Verify(graph))}\n{IrPrinter.Print(graph)}");
            var original = IrParser.Parse(IrPrinter.Print(graph));
            int before = Branches(graph);
            Pipeline.Run(graph, "guards");
            Assert.IsEmpty(Verifier.Verify(graph), $"{string.Join("\n", Verifier.Verify(graph))}\n{IrPrinter.Print(original)}");
            removed += before - Branches(graph);
            OptimizerFileTest.AssertSameBehaviour(original, graph);
        }
        Assert.IsGreaterThan(100, removed, "the random graphs give the pass something to remove");
    }

    /// <summary>Conditional branches in the blocks the entry reaches.</summary>
    private static int Branches(FlowGraph graph) =>
        Dominators.Compute(graph).ReversePostOrder.Count(b => graph[b].Terminator?.Opcode is Opcode.BrIf or Opcode.Switch);

    private static FlowGraph RandomGraph(Random random, bool floats)
    {
        const int count = 16, leaves = 4;
        var type = floats ? IrType.F64 : IrType.I32;
        var graph = new FlowGraph(floats ? "System.Int32 Random::G(System.Double,System.Double)" : "System.Int32 Random::G(System.Int32,System.Int32)", IrType.I32);
        var blocks = Enumerable.Range(0, count).Select(_ => graph.AddBlock()).ToList();
        var parameters = new[] { "x", "y" }.Select(name => graph.AddParameter(blocks[0], type, name)).ToList();
        // Mostly a tree (a target nobody jumps to yet), so that edges dominate what is below them; sometimes a join.
        int fresh = 1;
        Opcode[] compares = [Opcode.Ceq, Opcode.Cne, Opcode.Clt, Opcode.Cle, Opcode.Cgt, Opcode.Cge, Opcode.CltUn, Opcode.CleUn, Opcode.CgtUn, Opcode.CgeUn];
        for (int i = 0; i < count; i++)
        {
            var block = blocks[i];
            Value Emit(Instruction instruction, IrType result) => graph.Append(block, instruction, result).Result!.Value;
            Value Integer(long value, IrType? of = null) => Emit(new Instruction(Opcode.Const) { Integer = value }, of ?? IrType.I32);
            Value Operand() => random.Next(5) switch
            {
                0 when floats => Emit(new Instruction(Opcode.Const) { Float = new[] { -1.0, 0.0, 2.0, double.NaN }[random.Next(4)] }, type),
                0 => Integer(random.Next(-1, 4)),
                1 when !floats => Emit(new Instruction(Opcode.Add, parameters[random.Next(2)], Integer(1)), type),
                _ => parameters[random.Next(2)],
            };
            BlockCall Target()
            {
                fresh = Math.Max(fresh, i + 1);
                return new(fresh < count && random.Next(4) != 0 ? blocks[fresh++] : blocks[random.Next(i + 1, count)], []);
            }
            if (i >= count - leaves)
            {
                graph.Append(block, new Instruction(Opcode.Return, Integer(i)));
                continue;
            }
            switch (random.Next(floats ? 1 : 3))
            {
                case 0:
                {
                    var condition = Emit(new Instruction(compares[random.Next(compares.Length)], Operand(), Operand()), IrType.Bool);
                    condition = random.Next(4) switch
                    {
                        0 => Emit(new Instruction(Opcode.Ceq, condition, Integer(0, IrType.Bool)), IrType.Bool),
                        1 => Emit(new Instruction(Opcode.Cne, Emit(new Instruction(Opcode.Conv, condition), IrType.I64), Integer(0, IrType.I64)), IrType.Bool),
                        _ => condition,
                    };
                    graph.Append(block, new Instruction(Opcode.BrIf, condition) { Targets = { Target(), Target() } });
                    break;
                }
                case 1:
                    graph.Append(block, new Instruction(Opcode.BrIf, Operand()) { Targets = { Target(), Target() } });
                    break;
                default:
                {
                    var selector = new Instruction(Opcode.Switch, Operand());
                    for (int k = random.Next(1, 5); k > 0; k--) selector.Targets.Add(Target());
                    graph.Append(block, selector);
                    break;
                }
            }
        }
        return graph;
    }
}
