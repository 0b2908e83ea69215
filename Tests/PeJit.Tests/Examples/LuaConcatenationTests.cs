using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Text;
using PeJit.Runtime;

namespace PeJit.Tests.Examples;

/// <summary>
/// What the Lua <c>strings</c> loop does per turn once compiled: <c>..</c> promotes both operands' classes, so
/// <c>ConcatText</c> is resolved and inlined (no virtual call left in a loop), the string one concatenation made and the
/// next reads is not allocated (<c>"item" .. i .. ";"</c> makes one <c>LuaString</c>, the piece stored into the table), and
/// a number is formatted from its value, not by a virtual <c>ToString()</c> of its box (which kept the box of
/// <c>line .. (i % 10)</c> allocated). Every run prints what the
/// plain interpreter prints.
/// </summary>
[TestClass]
public sealed class LuaConcatenationTests
{
    [TestMethod]
    public void TheStringsLoopConcatenatesWithoutVirtualCallsOrIntermediateBoxes()
    {
        var (jit, _) = LuaJitRuns.Run("strings", 3000, runs: 4, settings: log => new JitSettings { Threshold = 20, Log = log });
        var loops = new List<(FlowGraph Graph, List<Instruction> Body)>();
        foreach (var unit in jit.Units)
        {
            var graph = unit.Unit.Residual;
            foreach (var loop in NaturalLoop.Find(graph, Dominators.Compute(graph)))
                loops.Add((graph, loop.Blocks.SelectMany(b => graph[b].Instructions).ToList()));
        }
        Assert.IsNotEmpty(loops, "the strings loop compiled to a unit with a loop");
        var concatenating = loops.Where(l => l.Body.Any(i => i.Method?.FullName.Contains("String::Concat(", StringComparison.Ordinal) == true)).ToList();
        Assert.IsNotEmpty(concatenating, "a compiled loop concatenates");
        foreach (var (graph, body) in concatenating)
        {
            string printed = IrPrinter.Print(graph);
            Assert.IsFalse(body.Any(i => i.Opcode == Opcode.CallVirt && i.Method!.FullName.Contains("::get_ConcatText()", StringComparison.Ordinal)),
                $"ConcatText stays a virtual call in a loop:\n{printed}");
            Assert.IsFalse(body.Any(i => i.Opcode == Opcode.CallVirt && i.Method!.FullName.Contains("System.Object::ToString()", StringComparison.Ordinal)),
                $"a loop formats a number through its box's ToString():\n{printed}");
        }
    }
}
