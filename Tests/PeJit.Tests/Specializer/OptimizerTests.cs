using PeJit.IR;
using PeJit.IR.Text;
using PeJit.IR.Verification;
using PeJit.Runtime;
using PeJit.Optimizer;
using Vm = PeJit.Examples.StackVm;
using Bf = PeJit.Examples.Brainfuck;

namespace PeJit.Tests.Specializer;

/// <summary>
/// The residual optimizer: the verifier passes after every pass on the units of every bundled program, the
/// declared pass order meets its constraints, and the optimized hot loops are golden files.
/// </summary>
[TestClass]
public sealed class OptimizerTests
{
    private static List<FlowGraph> UnoptimizedUnits()
    {
        var units = new List<FlowGraph>();
        var vm = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2, Optimizations = "" });
        foreach (var name in Vm.Programs.Names)
            vm.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source(name), TextWriter.Null, name switch { "fib" => [10], "nested" => [20], _ => [300] }));
        var bf = PortalJit.Create(Bf.Runner.Portal, new JitSettings { Threshold = 2, Optimizations = "" });
        foreach (var name in Bf.Programs.Names.Where(n => n != "long"))
            bf.Invoke(Bf.Runner.PortalArguments(Bf.Programs.Source(name), TextWriter.Null));
        units.AddRange(vm.Units.Concat(bf.Units).Select(u => u.Unit.Residual));
        return units;
    }

    [TestMethod]
    public void TheVerifierPassesAfterEveryPass()
    {
        var units = UnoptimizedUnits();
        Assert.IsGreaterThanOrEqualTo(4, units.Count);
        foreach (var unit in units)
        {
            Assert.IsEmpty(Verifier.Verify(unit), "before optimizing");
            int before = Count(unit);
            Pipeline.Run(unit, afterEach: (pass, graph) =>
            {
                var errors = Verifier.Verify(graph);
                Assert.IsEmpty(errors, $"after '{pass.Name}' on {graph.Name}:\n{string.Join("\n", errors)}\n{IrPrinter.Print(graph)}");
            });
            // Loop versioning copies a loop once, as the fallback of the preheader's guards; the rest only shrinks.
            Assert.IsLessThanOrEqualTo(2 * before, Count(unit), "optimizing never makes a unit more than twice as big");
        }
    }

    private static int Count(FlowGraph graph) => graph.Blocks.Sum(b => graph[b].Instructions.Count);

    [TestMethod]
    public void ThePassOrderMeetsItsConstraints()
    {
        var order = Pipeline.Passes.Select(p => p.Name).ToList();
        foreach (var (before, after, reason) in Pipeline.Constraints)
        {
            // IndexOf is -1 for a pass that does not exist, which would meet any "before" constraint.
            Assert.Contains(before, order, $"the constraint '{before}' before '{after}' names no pass '{before}'; fix the name in Pipeline.Constraints");
            Assert.Contains(after, order, $"the constraint '{before}' before '{after}' names no pass '{after}'; fix the name in Pipeline.Constraints");
            Assert.IsLessThan(order.LastIndexOf(after), order.IndexOf(before), $"'{before}' must run before the last '{after}': {reason}");
        }
        Assert.Throws<ArgumentException>(() => Pipeline.Run(new FlowGraph("f", IrType.Void), "merge:nosuchpass"));
    }

    [TestMethod]
    public void AnArgumentExceptionInsideAPassNamesThePass()
    {
        var broken = new Pass("broken", "indexes past the end", _ => throw new ArgumentOutOfRangeException("index"));
        var error = Assert.Throws<InvalidOperationException>(() => Pipeline.RunPasses(new FlowGraph("f", IrType.Void), [broken]));
        StringAssert.Contains(error.Message, "'broken'");
        Assert.IsInstanceOfType<ArgumentOutOfRangeException>(error.InnerException);
    }

    [TestMethod]
    public void TheOptimizedStackVmCountingLoopIsGolden()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2 });
        jit.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source("count"), TextWriter.Null, 1000));
        var loop = jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;
        Golden.Check("Specializer/golden/StackVm.count.residual.ir", IrPrinter.Print(loop));
        // One block per exit of the loop and the loop itself: the interpreted instructions are merged into one body.
        var stackLoads = loop.Blocks.SelectMany(b => loop[b].Instructions).Count(i => i.Opcode == Opcode.LoadField && i.Field!.Name == "Stack");
        Assert.IsLessThanOrEqualTo(loop.BlockCount, stackLoads, "the frame's stack array is loaded at most once per block");
    }

    [TestMethod]
    public void TheOptimizedBrainfuckLoopIsGolden()
    {
        var jit = PortalJit.Create(Bf.Runner.Portal, new JitSettings { Threshold = 2 });
        jit.Invoke(Bf.Runner.PortalArguments("++++++++[>++++++++<-]>.", TextWriter.Null));
        var loop = jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;
        Golden.Check("Specializer/golden/Brainfuck.loop.residual.ir", IrPrinter.Print(loop));
    }
}
