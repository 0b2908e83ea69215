using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using PeJit.Specializer.Extension;
using Tw = PeJit.Examples.TreeWalker;

namespace PeJit.Tests.Examples;

/// <summary>
/// The tree-walker's loops, compiled with both evaluators (a switch on the node kind, node classes overriding
/// a virtual <c>Execute</c>): the recursive evaluator calls on green nodes are unfolded. Differential first
/// (every program prints and returns what the plain interpreter does, and compiled code ran), then the
/// residual code of the long program's loop: no evaluator call, no switch on the node kind, no node read.
/// </summary>
[TestClass]
public sealed class TreeWalkerJitTests
{
    private static readonly Dictionary<string, long> Sizes = new()
    {
        ["sum"] = 2000, ["fib"] = 12, ["primes"] = 300, ["collatz"] = 200, ["long"] = 3000,
    };

    private static readonly Lazy<PortalJit> Switch = new(() => PortalJit.Create(Tw.Runner.SwitchPortal, new JitSettings { Threshold = 3 }));
    private static readonly Lazy<PortalJit> Virtual = new(() => PortalJit.Create(Tw.Runner.VirtualPortal, new JitSettings { Threshold = 3 }));

    private static PortalJit Jit(Tw.Evaluator evaluator) => evaluator == Tw.Evaluator.Switch ? Switch.Value : Virtual.Value;

    public static IEnumerable<object[]> Cases =>
        from name in Tw.Programs.Names
        from evaluator in new[] { Tw.Evaluator.Switch, Tw.Evaluator.Virtual }
        select new object[] { name, evaluator };

    /// <summary>
    /// Runs <c>main</c> of <paramref name="source"/>: its own statements plainly, each of its loops through the
    /// JIT's portal (so loops nested in them, and in the functions they call, run in the plain interpreter,
    /// or as residual calls of the compiled code).
    /// </summary>
    private static (string Output, long Result) RunJitted(PortalJit jit, Tw.Evaluator evaluator, string source, long[] args)
    {
        var main = Tw.Syntax.Parser.Parse(source).Main!;
        var env = Tw.Runner.Environment(main, args);
        var output = new StringWriter();
        foreach (var statement in main.Body.Statements)
        {
            bool returned = statement is Tw.Ast.WhileNode loop
                ? (bool)jit.Invoke(loop, env, output)!
                : evaluator == Tw.Evaluator.Switch ? Tw.SwitchEvaluator.Exec(statement, env, output) : statement.Execute(env, output);
            if (returned) break;
        }
        return (output.ToString(), env[main.ResultSlot]);
    }

    private static (string Output, long Result) RunPlain(Tw.Evaluator evaluator, string source, long[] args)
    {
        var output = new StringWriter();
        long result = Tw.Runner.Run(source, output, evaluator, args);
        return (output.ToString(), result);
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void ProgramsBehaveAsThePlainInterpreter(string name, Tw.Evaluator evaluator)
    {
        long[] args = [Sizes[name]];
        string source = Tw.Programs.Source(name);
        var jit = Jit(evaluator);
        var plain = RunPlain(evaluator, source, args);
        // fib has no loop: the portal never runs.
        var jitted = ((string, long))Specializer.JitDifferentialTests.AssertUnitsEntered(jit, name,
            () => RunJitted(jit, evaluator, source, args), expected: name != "fib")!;
        Assert.AreEqual(plain, jitted, name);
    }

    [TestMethod]
    [DataRow(Tw.Evaluator.Switch)]
    [DataRow(Tw.Evaluator.Virtual)]
    public void TheLongLoopIsStraightCode(Tw.Evaluator evaluator)
    {
        var jit = PortalJit.Create(evaluator == Tw.Evaluator.Switch ? Tw.Runner.SwitchPortal : Tw.Runner.VirtualPortal, new JitSettings { Threshold = 3 });
        string source = Tw.Programs.Source("long");
        Assert.AreEqual(RunPlain(evaluator, source, [500]), RunJitted(jit, evaluator, source, [500]));
        var unit = jit.Units.Single().Unit;
        var residual = unit.Residual;
        string text = IrPrinter.Print(residual);
        var instructions = residual.Blocks.SelectMany(b => residual[b].Instructions).ToList();
        Assert.IsFalse(instructions.Any(i => i.Method?.Name is "Eval" or "Exec" or "Execute" or "RunWhile" or "Loop"), $"no evaluator call left:\n{text}");
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.Switch), $"no switch on the node kind:\n{text}");
        Assert.IsFalse(instructions.Any(i => i.Field?.FullName.Contains("TreeWalker.Ast") == true), $"no read of a node's field:\n{text}");
        Assert.IsFalse(instructions.Any(i => i.Opcode is Opcode.Call or Opcode.CallVirt), $"no call at all in the loop:\n{text}");
        Golden.Check($"Examples/golden/TreeWalker.{evaluator}.long.residual.ir", text);
    }

    /// <summary>
    /// A recursive function of the interpreted program called in a hot loop: its body is unfolded into the loop
    /// once, and the call inside it, which comes back to the same body node, stays a residual call (noted in the
    /// unit's log); the output is the plain interpreter's.
    /// </summary>
    [TestMethod]
    [DataRow(Tw.Evaluator.Switch)]
    [DataRow(Tw.Evaluator.Virtual)]
    public void ARecursiveFunctionInALoopIsUnfoldedOnceThenCalled(Tw.Evaluator evaluator)
    {
        const string source = """
            func fib(n) {
                if (n < 2) { return n; }
                return fib(n - 1) + fib(n - 2);
            }
            func main(n = 40) {
                var i = 0;
                var sum = 0;
                while (i < n) {
                    sum = sum + fib(i % 7);
                    i = i + 1;
                }
                print sum;
                return sum;
            }
            """;
        var jit = PortalJit.Create(evaluator == Tw.Evaluator.Switch ? Tw.Runner.SwitchPortal : Tw.Runner.VirtualPortal, new JitSettings { Threshold = 3 });
        var jitted = ((string, long))Specializer.JitDifferentialTests.AssertUnitsEntered(jit, "fib in a loop", () => RunJitted(jit, evaluator, source, [40]))!;
        Assert.AreEqual(RunPlain(evaluator, source, [40]), jitted);
        var unit = jit.Units.Single().Unit;
        string text = IrPrinter.Print(unit.Residual);
        var calls = unit.Residual.Blocks.SelectMany(b => unit.Residual[b].Instructions).Where(i => i.Method?.Name is "Exec" or "Execute").ToList();
        Assert.IsNotEmpty(calls, $"the repeated call stays a call:\n{text}");
        Assert.IsTrue(unit.Notes.Any(n => n.Contains("repeats the green arguments of a call still open")), string.Join("\n", unit.Notes));
    }

    /// <summary>
    /// The extension program carries the unfolded calls: the text names each one's treatment and callee graphs
    /// (a recursive graph names itself), parses back to the same text, and verifies.
    /// </summary>
    [TestMethod]
    [DataRow(Tw.Evaluator.Switch)]
    [DataRow(Tw.Evaluator.Virtual)]
    public void TheExtensionWithUnfoldedCallsPrintsParsesAndVerifies(Tw.Evaluator evaluator)
    {
        string text = Jit(evaluator).Runtime.Extension.Print();
        var listing = ExtensionParser.Parse(text);
        Assert.AreEqual(text, listing.Print());
        Assert.IsEmpty(ExtensionVerifier.Verify(listing));
        string treatment = evaluator == Tw.Evaluator.Switch ? "Unfold" : "UnfoldVirtual";
        var unfolded = listing.Graphs.SelectMany(g => g.Blocks.SelectMany(b => b).Select(op => (Graph: g, Op: op)))
            .Where(p => p.Op.Note?.StartsWith(treatment + " ", StringComparison.Ordinal) == true).ToList();
        Assert.IsNotEmpty(unfolded, text);
        Assert.IsTrue(unfolded.All(p => p.Op.Callees.Count > 0));
        Assert.IsTrue(unfolded.Any(p => p.Op.Callees.Contains(p.Graph.Name)), "a recursive graph unfolds itself");
    }

    /// <summary>With an inlining depth too small for the tree, calls past it stay calls, noted, and the output is the same.</summary>
    [TestMethod]
    [DataRow(Tw.Evaluator.Switch)]
    [DataRow(Tw.Evaluator.Virtual)]
    public void CallsPastTheInliningDepthStayCalls(Tw.Evaluator evaluator)
    {
        var jit = PortalJit.Create(evaluator == Tw.Evaluator.Switch ? Tw.Runner.SwitchPortal : Tw.Runner.VirtualPortal,
            new JitSettings { Threshold = 3, Specialization = new SpecializationSettings { MaxInliningDepth = 3 } });
        string source = Tw.Programs.Source("long");
        var jitted = ((string, long))Specializer.JitDifferentialTests.AssertUnitsEntered(jit, "long, shallow", () => RunJitted(jit, evaluator, source, [300]))!;
        Assert.AreEqual(RunPlain(evaluator, source, [300]), jitted);
        Assert.IsTrue(jit.Units.SelectMany(u => u.Unit.Notes).Any(n => n.Contains("MaxInliningDepth")), string.Join("\n", jit.Units.SelectMany(u => u.Unit.Notes)));
    }
}
