using PeJit.IR;
using PeJit.IR.Text;
using PeJit.IR.Verification;
using PeJit.Optimizer;

namespace PeJit.Tests.Specializer;

/// <summary>
/// Loop-invariant parameters, memory promotion and what it leaves to clean up (values only the exits use,
/// tests of tests) on hand-written graphs, as file tests
/// (<c>FileTests/promote/*.ir</c>, run by <see cref="FileTests.FileTestRunner"/>): what is promoted and what must not be, each
/// evaluated before and after on arguments that include arrays out of bounds, null objects and the same array
/// passed twice (where the alias guards fail and the unoptimized copy of the loop runs); and on random loops.
/// </summary>
[TestClass]
public sealed class PromoteMemoryTests
{
    /// <summary>
    /// Random loops over two arrays (loads and stores at constant, invariant and varying indices, in blocks
    /// that run on every iteration and in blocks that run on some, divisions that may throw, a call now and
    /// then) behave the same after the whole pipeline, on arrays that are null, short, long or the same.
    /// </summary>
    [TestMethod]
    public void RandomLoopsOverArraysBehaveTheSameAfterward()
    {
        var random = new Random(4321);
        int versioned = 0;
        for (int n = 0; n < 40; n++)
        {
            var graph = RandomLoop(random);
            Assert.IsEmpty(Verifier.Verify(graph), $"the generator made a bad graph:\n{string.Join("\n", Verifier.Verify(graph))}\n{IrPrinter.Print(graph)}");
            var original = IrParser.Parse(IrPrinter.Print(graph));
            int blocks = graph.BlockCount;
            Pipeline.Run(graph, afterEach: (pass, g) =>
            {
                var errors = Verifier.Verify(g);
                Assert.IsEmpty(errors, $"after '{pass.Name}':\n{string.Join("\n", errors)}\n{IrPrinter.Print(g)}\nfrom\n{IrPrinter.Print(original)}");
            });
            if (graph.BlockCount > blocks) versioned++;
            OptimizerFileTest.AssertSameBehaviour(original, graph);
        }
        Assert.IsGreaterThan(10, versioned, "the random loops give promotion something to do");
    }

    private static FlowGraph RandomLoop(Random random)
    {
        var array = IrType.Class("System.Int64[]");
        var graph = new FlowGraph("System.Int64 Random::Loop(System.Int64[],System.Int64[],System.Int32,System.Int32)", IrType.I64);
        var entry = graph.AddBlock();
        var header = graph.AddBlock();
        var left = graph.AddBlock();
        var right = graph.AddBlock();
        var latch = graph.AddBlock();
        var exit = graph.AddBlock();
        var arrays = new[] { graph.AddParameter(entry, array, "a"), graph.AddParameter(entry, array, "b") };
        var i = graph.AddParameter(entry, IrType.I32, "i");
        var count = graph.AddParameter(entry, IrType.I32, "n");
        Value Emit(Block block, Instruction instruction, IrType type) => graph.Append(block, instruction, type).Result!.Value;
        Value Constant(Block block, long value, IrType type) => Emit(block, new Instruction(Opcode.Const) { Integer = value }, type);

        graph.Append(entry, new Instruction(Opcode.Jump) { Targets = { new BlockCall(header, [Constant(entry, 0, IrType.I32), Constant(entry, 0, IrType.I64)]) } });
        var k = graph.AddParameter(header, IrType.I32, "k");
        var sum = graph.AddParameter(header, IrType.I64, "sum");
        var fromLeft = graph.AddParameter(latch, IrType.I64);

        // A few loads, stores and arithmetic on a running sum; returns the sum at the end of the block.
        Value Body(Block block, Value acc, bool mayCall)
        {
            for (int op = random.Next(1, 5); op > 0; op--)
            {
                var target = arrays[random.Next(2)];
                Value index = random.Next(6) switch
                {
                    0 => Constant(block, random.Next(3), IrType.NInt),
                    1 => Constant(block, random.Next(3), IrType.I32),
                    2 or 3 => i,
                    4 => Emit(block, new Instruction(Opcode.Add, i, Constant(block, 1, IrType.I32)), IrType.I32),
                    _ => k,
                };
                switch (random.Next(12))
                {
                    case < 5:
                        acc = Emit(block, new Instruction(Opcode.Add, acc, Emit(block, new Instruction(Opcode.LoadElement, target, index) { TypeOperand = IrType.I64 }, IrType.I64)), IrType.I64);
                        break;
                    case < 10:
                        graph.Append(block, new Instruction(Opcode.StoreElement, target, index, Emit(block, new Instruction(Opcode.Add, acc, Constant(block, random.Next(1, 4), IrType.I64)), IrType.I64)) { TypeOperand = IrType.I64 });
                        break;
                    case 10:
                        acc = Emit(block, new Instruction(Opcode.Div, acc, Emit(block, new Instruction(Opcode.Conv, i), IrType.I64)), IrType.I64);
                        break;
                    default:
                        if (mayCall && random.Next(3) == 0)
                            graph.Append(block, new Instruction(Opcode.Call, target) { Method = new MethodRef("System.Void PeJit.Tests.Specializer.ArrayHolder::Touch(System.Int64[])", false) });
                        break;
                }
            }
            return acc;
        }

        var atHeader = Body(header, sum, mayCall: false);
        var odd = Emit(header, new Instruction(Opcode.And, k, Constant(header, 1, IrType.I32)), IrType.I32);
        graph.Append(header, new Instruction(Opcode.BrIf, odd) { Targets = { new BlockCall(left, []), new BlockCall(right, []) } });
        graph.Append(left, new Instruction(Opcode.Jump) { Targets = { new BlockCall(latch, [Body(left, atHeader, mayCall: true)]) } });
        graph.Append(right, new Instruction(Opcode.Jump) { Targets = { new BlockCall(latch, [Body(right, atHeader, mayCall: false)]) } });
        var atLatch = Body(latch, fromLeft, mayCall: false);
        var next = Emit(latch, new Instruction(Opcode.Add, k, Constant(latch, 1, IrType.I32)), IrType.I32);
        var more = Emit(latch, new Instruction(Opcode.Clt, next, count), IrType.Bool);
        graph.Append(latch, new Instruction(Opcode.BrIf, more) { Targets = { new BlockCall(header, [next, atLatch]), new BlockCall(exit, []) } });
        var result = Emit(exit, new Instruction(Opcode.Add, atLatch, Emit(exit, new Instruction(Opcode.LoadElement, arrays[0], Constant(exit, 0, IrType.I32)) { TypeOperand = IrType.I64 }, IrType.I64)), IrType.I64);
        graph.Append(exit, new Instruction(Opcode.Return, result));
        return graph;
    }
}
