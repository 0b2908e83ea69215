using System.Reflection;
using PeJit.Backends.Cil;
using PeJit.Frontend.Evaluation;
using PeJit.Frontend.IR;
using PeJit.Frontend.Serialization.Text;
using PeJit.Frontend.Verification;
using PeJit.Specializer.Optimizer;

namespace PeJit.Tests.Specializer;

/// <summary>
/// Redundant-guard elimination on hand-written graphs, as file tests: each <c>guards/*.ir</c> file starts with
/// <c>; test optimize PASSES</c> (a pass selection), then the functions to optimize, then a line <c>; after:</c>
/// and the same functions as the passes leave them. The verifier runs after every pass, and each function
/// runs before (evaluated) and after (evaluated, and compiled by the CIL backend) on every combination of
/// sample arguments: same result, or same exception.
/// <c>PEJIT_BLESS=1</c> rewrites what follows <c>; after:</c>.
/// </summary>
[TestClass]
public sealed class EliminateGuardsTests
{
    private const string After = "; after:";

    private static string Root => Path.Combine(Golden.SourceDirectory(), "Specializer", "guards");

    public static IEnumerable<object[]> Files =>
        Directory.EnumerateFiles(Root, "*.ir").Order().Select(f => new object[] { Path.GetFileName(f) });

    [TestMethod]
    [DynamicData(nameof(Files))]
    public void Run(string file)
    {
        string text = File.ReadAllText(Path.Combine(Root, file)).Replace("\r\n", "\n");
        string header = text.Split('\n')[0].Trim();
        Assert.StartsWith("; test optimize ", header, $"{file}: the first line must be '; test optimize PASSES'");
        string passes = header["; test optimize ".Length..].Trim();
        int split = text.IndexOf("\n" + After + "\n", StringComparison.Ordinal);
        string input = split < 0 ? text : text[..(split + 1)];

        var optimized = IrParser.ParseAll(input);
        Assert.IsNotEmpty(optimized, $"{file} holds no function");
        foreach (var graph in optimized)
        {
            Assert.IsEmpty(Verifier.Verify(graph), $"{graph.Name} before optimizing: {string.Join("\n", Verifier.Verify(graph))}");
            Pipeline.Run(graph, passes, (pass, g) =>
            {
                var errors = Verifier.Verify(g);
                Assert.IsEmpty(errors, $"after '{pass.Name}' on {g.Name}:\n{string.Join("\n", errors)}\n{IrPrinter.Print(g)}");
            });
        }
        var originals = IrParser.ParseAll(input);
        for (int i = 0; i < originals.Count; i++) AssertSameBehaviour(originals[i], optimized[i]);

        string printed = string.Join("\n", optimized.Select(g => IrPrinter.Print(g)));
        if (Golden.Bless)
        {
            File.WriteAllText(Path.Combine(Root, file), input + After + "\n" + printed);
            return;
        }
        Assert.IsGreaterThanOrEqualTo(0, split, $"{file} has no '{After}' line; run the tests with PEJIT_BLESS=1 to add what the passes produce, then review it");
        Assert.AreEqual(text[(split + After.Length + 2)..], printed,
            $"{file}: the optimized graphs differ from those after '{After}'. If the change is intended, run the tests with PEJIT_BLESS=1 and review the diff.");
    }

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
            AssertSameBehaviour(original, graph);
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

    /// <summary>Runs both graphs on every combination of sample arguments: same result or same exception type.</summary>
    private static void AssertSameBehaviour(FlowGraph original, FlowGraph optimized)
    {
        var resolver = new CecilReflectionResolver();
        var evaluator = new GraphEvaluator(resolver) { MaxSteps = 10_000 };
        var compiled = new CilBackend(resolver).Compile(optimized, typeof(EliminateGuardsTests).Module);
        var samples = original.Parameters.Select(p => Samples(original.TypeOf(p))).ToList();
        int returned = 0;
        foreach (var arguments in Combinations(samples))
        {
            string call = $"{original.Name}({string.Join(", ", arguments.Select(a => a ?? "null"))})";
            string before = Outcome(() => evaluator.Evaluate(original, arguments));
            Assert.AreEqual(before, Outcome(() => evaluator.Evaluate(optimized, arguments)), $"{call}, evaluated");
            Assert.AreEqual(before, Outcome(() => compiled.Invoke(null, arguments)), $"{call}, compiled");
            if (before.StartsWith("returns", StringComparison.Ordinal)) returned++;
        }
        // Graphs that only ever throw (say, the evaluator cannot run them) would compare equal and test nothing.
        Assert.IsGreaterThan(0, returned, $"{original.Name} never returned on the sample arguments");
    }

    private static string Outcome(Func<object?> run)
    {
        try
        {
            return $"returns {run() ?? "null"}";
        }
        catch (Exception e)
        {
            return $"throws {(e is TargetInvocationException { InnerException: { } inner } ? inner : e).GetType().Name}";
        }
    }

    /// <summary>Values around the interesting edges: zero, one, negatives (large as unsigned), NaN, null.</summary>
    private static object?[] Samples(IrType type) => type.Kind switch
    {
        TypeKind.Bool => [false, true],
        TypeKind.I32 => [-1, 0, 1, 2, 3, 7],
        TypeKind.I64 => [-1L, 0L, 1L, 2L, 3L, 7L],
        TypeKind.F64 => [double.NaN, -1.5, 0.0, 2.0],
        TypeKind.Object or TypeKind.String => [null, "s", "t"],
        _ => throw new AssertFailedException($"no sample arguments of type {type}; add some"),
    };

    private static IEnumerable<object?[]> Combinations(List<object?[]> samples)
    {
        IEnumerable<object?[]> all = [[]];
        foreach (var values in samples)
            all = all.SelectMany(prefix => values.Select(v => prefix.Append(v).ToArray()));
        return all;
    }
}
