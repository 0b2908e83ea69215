using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Vm = PeJit.Examples.StackVm;
using static PeJit.Tests.Runtime.StackVmRuns;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Interpreted calls inlined (<see cref="SpecializationSettings.InlinePortalCalls"/>) on the stack VM, whose calls name
/// their callee in the code (the callee's key is green at the call): differential first (every bundled program and
/// the call programs below print and return what the plain interpreter does, with inlining on, with functions compiled
/// and without), then the shape: a loop calling a small function calls no portal, and recursion stays a call.
/// </summary>
[TestClass]
public sealed class PortalInliningTests
{
    /// <summary>A loop calling a small function, which calls another (two levels to inline).</summary>
    private const string Calls = """
        func square 1 1
            load 0
            load 0
            mul
            ret
        end
        func step 1 1
            load 0
            call square
            push 1
            add
            ret
        end
        func main 1 3
            push 0
            store 1
            push 0
            store 2
        loop:
            load 1
            load 2
            call step
            add
            store 1
            load 2
            push 1
            add
            dup
            store 2
            load 0
            lt
            jnz loop
            load 1
            print
            load 1
            ret
        end
        """;

    /// <summary>A loop calling a recursive function: the first call may be inlined, the recursion inside stays a call.</summary>
    private const string Recursion = """
        func down 1 1
            load 0
            jz zero
            load 0
            push 1
            sub
            call down
            push 2
            add
            ret
        zero:
            push 0
            ret
        end
        func main 1 3
            push 0
            store 1
            push 0
            store 2
        loop:
            load 1
            load 2
            push 7
            mod
            call down
            add
            store 1
            load 2
            push 1
            add
            dup
            store 2
            load 0
            lt
            jnz loop
            load 1
            print
            load 1
            ret
        end
        """;

    private static PortalJit Jit(bool compileFunctions, StringWriter log) => PortalJit.Create(Vm.Runner.Portal, new JitSettings
    {
        Threshold = 5, CompileFunctions = compileFunctions, Log = log,
        Specialization = SpecializationSettings.Default with { InlinePortalCalls = true },
    });

    public static IEnumerable<object[]> Programs() =>
        Vm.Programs.Names.Select(n => new object[] { n, Vm.Programs.Source(n) })
            .Concat([["calls", Calls], ["recursion", Recursion]]);

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void EveryProgramBehavesLikeThePlainInterpreterWithCallsInlined(string name, string source)
    {
        foreach (bool functions in new[] { false, true })
        {
            var log = new StringWriter();
            var jit = Jit(functions, log);
            long[] args = name is "calls" or "recursion" ? [300] : name == "fib" ? [18] : [];
            var plain = args.Length > 0 ? Plain(source, args) : Plain(source);
            for (int run = 0; run < 3; run++)
                Assert.AreEqual(plain, args.Length > 0 ? Jitted(jit, source, args) : Jitted(jit, source), $"{name} (functions compiled: {functions}), run {run + 1}: {log}");
        }
    }

    private static IEnumerable<Instruction> LoopInstructions(PortalJit jit) =>
        from unit in jit.Units
        let graph = unit.Unit.Residual
        from loop in NaturalLoop.Find(graph, Dominators.Compute(graph))
        from block in loop.Blocks
        from instruction in graph[block].Instructions
        select instruction;

    private static bool CallsThePortal(Instruction instruction) =>
        instruction.Method is { } method && (method.FullName.Contains("Interpreter::Run(", StringComparison.Ordinal) || method.FullName.Contains("CallCell::", StringComparison.Ordinal));

    [TestMethod]
    public void ALoopCallingSmallFunctionsCallsNoPortal()
    {
        var log = new StringWriter();
        var jit = Jit(compileFunctions: false, log);
        for (int run = 0; run < 3; run++) Assert.AreEqual(Plain(Calls, 300), Jitted(jit, Calls, 300));
        var loop = LoopInstructions(jit).ToList();
        Assert.IsNotEmpty(loop, "the loop compiles: " + log);
        Assert.IsFalse(loop.Any(CallsThePortal), "the loop calls no portal: " + log);
    }

    [TestMethod]
    public void RecursionStaysACall()
    {
        var log = new StringWriter();
        var jit = Jit(compileFunctions: false, log);
        for (int run = 0; run < 3; run++) Assert.AreEqual(Plain(Recursion, 300), Jitted(jit, Recursion, 300));
        Assert.IsTrue(jit.Units.Any(u => u.Unit.Residual.Blocks.SelectMany(b => u.Unit.Residual[b].Instructions).Any(CallsThePortal)),
            "the recursive call inside the inlined callee stays a call: " + log);
    }
}
