using System.Reflection;
using PeJit.Backends;
using PeJit.Backends.Cil;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.IR.Verification;
using PeJit.Optimizer;

namespace PeJit.Tests.Specializer;

/// <summary>
/// The optimizer's file tests: each <c>*.ir</c> file of a suite starts with <c>; test optimize PASSES</c> (a pass
/// selection), then the functions to optimize, then a line <c>; after:</c> and the same functions as the passes
/// leave them. The verifier runs after every pass, and each function runs before and after, evaluated and
/// compiled by the CIL backend, on every combination of sample arguments: same result or same exception, and
/// the same contents of every array and object argument afterwards.
/// <c>PEJIT_BLESS=1</c> rewrites what follows <c>; after:</c>.
/// </summary>
internal static class OptimizerFileTest
{
    private const string After = "; after:";

    /// <summary>The files of the suite in <paramref name="root"/>, as test data.</summary>
    public static IEnumerable<object[]> Files(string root) =>
        Directory.EnumerateFiles(root, "*.ir").Order().Select(f => new object[] { Path.GetFileName(f) });

    /// <summary>Runs the file test <paramref name="file"/> of the suite in <paramref name="root"/>.</summary>
    public static void Run(string root, string file)
    {
        string text = File.ReadAllText(Path.Combine(root, file)).Replace("\r\n", "\n");
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
            File.WriteAllText(Path.Combine(root, file), input + After + "\n" + printed);
            return;
        }
        Assert.IsGreaterThanOrEqualTo(0, split, $"{file} has no '{After}' line; run the tests with PEJIT_BLESS=1 to add what the passes produce, then review it");
        Assert.AreEqual(text[(split + After.Length + 2)..], printed,
            $"{file}: the optimized graphs differ from those after '{After}'. If the change is intended, run the tests with PEJIT_BLESS=1 and review the diff.");
    }

    /// <summary>
    /// Runs both graphs, evaluated and compiled, on every combination of sample arguments
    /// (<see cref="FileTestValues"/>): same result or same exception type, and afterwards the same contents of
    /// every argument.
    /// </summary>
    public static void AssertSameBehaviour(FlowGraph original, FlowGraph optimized)
    {
        var resolver = new NameResolver();
        var evaluator = new GraphEvaluator(resolver) { MaxSteps = 10_000 };
        IBackend backend = new CilBackend(resolver);
        var compiled = backend.Compile(optimized, typeof(OptimizerFileTest).Module);
        var compiledOriginal = backend.Compile(original, typeof(OptimizerFileTest).Module);
        var types = original.Parameters.Select(original.TypeOf).ToList();
        var samples = types.Select((t, i) => FileTestValues.Samples(t, types.Take(i).ToList())).ToList();
        int returned = 0;
        foreach (var makers in Combinations(samples))
        {
            object?[] Arguments()
            {
                var arguments = new object?[makers.Length];
                for (int i = 0; i < makers.Length; i++) arguments[i] = makers[i](arguments);
                return arguments;
            }
            var sample = Arguments();
            string call = $"{original.Name}({string.Join(", ", sample.Select(FileTestValues.Describe))})";
            string before = Outcome(arguments => evaluator.Evaluate(original, arguments), Arguments());
            Assert.AreEqual(before, Outcome(arguments => evaluator.Evaluate(optimized, arguments), Arguments()), $"{call}, evaluated");
            // Compiled code is compared with compiled code: RyuJIT may raise a null reference before an index out
            // of range that an earlier independent access raises in the evaluator (seen on a loop reading a[i]
            // then b[j]), so the evaluator is the reference for the exception's type only among evaluations.
            string compiledBefore = Outcome(compiledOriginal.Invoke, Arguments());
            Assert.AreEqual(compiledBefore, Outcome(compiled.Invoke, Arguments()), $"{call}, compiled");
            if (before.StartsWith("returns", StringComparison.Ordinal)) returned++;
        }
        // Graphs that only ever throw (say, the evaluator cannot run them) would compare equal and test nothing.
        Assert.IsGreaterThan(0, returned, $"{original.Name} never returned on the sample arguments");
    }

    /// <summary>
    /// Compiles <paramref name="graph"/> with the backend <paramref name="createBackend"/> makes (CIL when null)
    /// and runs it on every combination of sample arguments, against the graph evaluator: same result or same
    /// exception type, and afterwards the same contents of every argument. The file tests' <c>cil</c> suite and
    /// the shared backend test base (<c>BackendTests</c>) both run their cases through it.
    /// </summary>
    public static void AssertCompiledAsEvaluated(FlowGraph graph, Func<IMemberResolver, IBackend>? createBackend = null)
    {
        var resolver = new NameResolver();
        var evaluator = new GraphEvaluator(resolver) { MaxSteps = 10_000 };
        var compiled = (createBackend ?? (r => new CilBackend(r)))(resolver).Compile(graph, typeof(OptimizerFileTest).Module);
        var types = graph.Parameters.Select(graph.TypeOf).ToList();
        var samples = types.Select((t, i) => FileTestValues.Samples(t, types.Take(i).ToList())).ToList();
        int returned = 0;
        foreach (var makers in Combinations(samples))
        {
            object?[] Arguments()
            {
                var arguments = new object?[makers.Length];
                for (int i = 0; i < makers.Length; i++) arguments[i] = makers[i](arguments);
                return arguments;
            }
            string call = $"{graph.Name}({string.Join(", ", Arguments().Select(FileTestValues.Describe))})";
            string evaluated = Outcome(arguments => evaluator.Evaluate(graph, arguments), Arguments());
            Assert.AreEqual(evaluated, Outcome(compiled.Invoke, Arguments()), $"{call}: compiled by the {compiled.Backend} backend, against evaluated");
            if (evaluated.StartsWith("returns", StringComparison.Ordinal)) returned++;
        }
        // A graph that only ever throws on the samples would test only the exceptions.
        Assert.IsGreaterThan(0, returned, $"{graph.Name} never returned on the sample arguments");
    }

    private static string Outcome(Func<object?[], object?> run, object?[] arguments)
    {
        string result;
        try
        {
            result = $"returns {run(arguments) ?? "null"}";
        }
        catch (Exception e)
        {
            result = $"throws {(e is TargetInvocationException { InnerException: { } inner } ? inner : e).GetType().Name}";
        }
        var state = arguments.Where(a => a is Array or ArrayHolder or Optimizer.BoxedInteger).Select(FileTestValues.Describe).ToList();
        return state.Count == 0 ? result : $"{result}; then {string.Join(", ", state)}";
    }

    private static IEnumerable<Func<object?[], object?>[]> Combinations(List<IReadOnlyList<Func<object?[], object?>>> samples)
    {
        IEnumerable<Func<object?[], object?>[]> all = [[]];
        foreach (var values in samples)
            all = all.SelectMany(prefix => values.Select(v => prefix.Append(v).ToArray()));
        return all;
    }
}
