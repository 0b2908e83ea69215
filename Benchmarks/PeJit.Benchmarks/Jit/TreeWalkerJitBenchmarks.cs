using BenchmarkDotNet.Attributes;
using PeJit.Runtime;
using Tw = PeJit.Examples.TreeWalker;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// The tree-walker's <c>long</c> program with each of its two evaluators (a switch on the node kind, node classes
/// overriding a virtual <c>Execute</c>) three ways: the plain evaluator (baseline), the evaluator JIT-enabled
/// in process (its portal is the interpreted program's <c>while</c>; the unit is compiled during warm-up and
/// reused), and <see cref="Tw.Handwritten.Long"/>. The program is parsed once: the loop node is the green key.
/// </summary>
[MemoryDiagnoser]
public class TreeWalkerJitBenchmarks
{
    private const long Size = 10_000_000;

    private PortalJit jit = null!;
    private Tw.Ast.Function main = null!;

    /// <summary>The evaluator run, plain and JIT-enabled.</summary>
    [Params(Tw.Evaluator.Switch, Tw.Evaluator.Virtual)]
    public Tw.Evaluator Evaluator { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        main = Tw.Syntax.Parser.Parse(Tw.Programs.Source("long")).Main!;
        // Warm-up runs the benchmark itself, which reads the field.
        jit = SteadyState.Create(Evaluator == Tw.Evaluator.Switch ? Tw.Runner.SwitchPortal : Tw.Runner.VirtualPortal, warm =>
        {
            jit = warm;
            Jit();
        });
    }

    [Benchmark(Baseline = true, Description = "interpreter")]
    public long Interpreter()
    {
        var env = Tw.Runner.Environment(main, Size);
        if (Evaluator == Tw.Evaluator.Switch) Tw.SwitchEvaluator.Exec(main.Body, env, TextWriter.Null);
        else main.Body.Execute(env, TextWriter.Null);
        return env[main.ResultSlot];
    }

    /// <summary><c>main</c>'s own statements run plainly, its loop through the JIT's portal (as the JIT tests run it).</summary>
    [Benchmark(Description = "JIT-enabled")]
    public long Jit()
    {
        var env = Tw.Runner.Environment(main, Size);
        foreach (var statement in main.Body.Statements)
        {
            bool returned = statement is Tw.Ast.WhileNode loop
                ? (bool)jit.Invoke(loop, env, TextWriter.Null)!
                : Evaluator == Tw.Evaluator.Switch ? Tw.SwitchEvaluator.Exec(statement, env, TextWriter.Null) : statement.Execute(env, TextWriter.Null);
            if (returned) break;
        }
        return env[main.ResultSlot];
    }

    [Benchmark(Description = "hand-written C#")]
    public long HandWritten() => Tw.Handwritten.Long(Size, TextWriter.Null);
}
