using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.TestSubjects;

namespace PeJit.Tests.Runtime;

/// <summary>
/// <see cref="CompoundAssignmentVm"/>: a stack VM that changes its operands in place (<c>stack[sp - 1] += stack[sp]</c>,
/// <c>locals[i]++</c>, element addresses loaded and stored through) and reads its immediates with <c>BitConverter</c>.
/// JIT-enabled it gives what the plain VM gives, and its compiled loop keeps the stack and the locals in SSA values
/// (the optimizer's <c>addresses</c> pass makes the accesses ones promotion sees; before it, every one stayed in memory).
/// </summary>
[TestClass]
public sealed class CompoundAssignmentVmJitTests
{
    private static PortalJit Jit() => PortalJit.Create(typeof(CompoundAssignmentVm).GetMethod(nameof(CompoundAssignmentVm.Run))!, new JitSettings { Threshold = 3 });

    [TestMethod]
    public void EverySizeGivesWhatThePlainVmGives()
    {
        foreach (long n in new long[] { 1, 2, 5, 100, 5000 })
        {
            var jit = Jit();
            var result = Specializer.JitDifferentialTests.AssertUnitsEntered(jit, $"sum {n}",
                () => jit.Invoke([CompoundAssignmentVm.Sum(), new long[] { n }]), expected: n >= 5);
            Assert.AreEqual(CompoundAssignmentVm.Run(CompoundAssignmentVm.Sum(), [n]), (long)result!, $"sum {n}");
        }
    }

    [TestMethod]
    public void TheLoopKeepsTheStackAndTheLocalsInSsaValues()
    {
        var jit = Jit();
        jit.Invoke([CompoundAssignmentVm.Sum(), new long[] { 1000 }]);
        Assert.IsNotEmpty(jit.Units, "the loop compiles");
        var graph = jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;
        string text = IrPrinter.Print(graph);
        var all = graph.Blocks.SelectMany(b => graph[b].Instructions).ToList();
        Assert.IsFalse(all.Any(i => i.Opcode == Opcode.ElementAddr), "no element address left:\n" + text);
        Assert.IsFalse(all.Any(i => i.Opcode == Opcode.Switch), "no dispatch:\n" + text);
        var loops = NaturalLoop.Find(graph, Dominators.Compute(graph));
        Assert.IsNotEmpty(loops, "a residual loop:\n" + text);
        int fewest = loops.Min(loop => loop.Blocks.SelectMany(b => graph[b].Instructions).Count(i => i.Opcode is Opcode.LoadElement or Opcode.StoreElement));
        Assert.AreEqual(0, fewest, "the optimized loop reads and writes no stack slot or local in memory:\n" + text);
    }
}
