using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Text;

namespace PeJit.Tests.IR;

/// <summary>The IR's graph utilities (predecessors, dominators, natural loops, liveness) on small graphs read from the text form.</summary>
[TestClass]
public sealed class GraphUtilityTests
{
    /// <summary>Counts i up to n and, for each, j up to i: block1 heads the outer loop, block2 the inner one.</summary>
    private const string Nest = """
        function "System.Int32 Demo::Nest(System.Int32)" -> i32 {
        block0(v0 (n): i32):
            v1: i32 = const 0
            jump block1(v1)
        block1(v2 (i): i32):
            v3: bool = clt v2, v0
            brif v3, block2(v1), block5
        block2(v4 (j): i32):
            v5: bool = clt v4, v2
            brif v5, block3, block4
        block3:
            v6: i32 = const 1
            v7: i32 = add v4, v6
            jump block2(v7)
        block4:
            v8: i32 = const 1
            v9: i32 = add v2, v8
            jump block1(v9)
        block5:
            ret v2
        }
        """;

    /// <summary>A cycle of block1 and block2 entered at both: no block dominates the other, so no natural loop.</summary>
    private const string Irreducible = """
        function "System.Int32 Demo::Irreducible(System.Boolean)" -> i32 {
        block0(v0 (c): bool):
            brif v0, block1, block2
        block1:
            brif v0, block2, block3
        block2:
            jump block1
        block3:
            v1: i32 = const 0
            ret v1
        }
        """;

    private static Block B(int index) => new(index);

    private static Value V(int index) => new(index);

    [TestMethod]
    public void PredecessorsListEachJumpAndEachSourceOnce()
    {
        var graph = IrParser.Parse(Nest);
        var predecessors = Predecessors.Compute(graph);
        CollectionAssert.AreEqual(new[] { B(0), B(4) }, predecessors.Of(B(1)).ToArray());
        CollectionAssert.AreEqual(new[] { B(1), B(3) }, predecessors.Of(B(2)).ToArray());
        Assert.IsEmpty(predecessors.Of(FlowGraph.Entry));
        var into = predecessors.EdgesInto(B(2));
        Assert.AreEqual(2, into.Count);
        Assert.AreEqual(new Edge(B(1), 0, graph[B(1)].Terminator!.Targets[0]), into[0]);
        Assert.AreEqual(new Edge(B(3), 0, graph[B(3)].Terminator!.Targets[0]), into[1]);

        // A branch with both targets on one block is two edges from one predecessor.
        var twice = IrParser.Parse("""
            function "System.Int32 Demo::Twice(System.Boolean)" -> i32 {
            block0(v0 (c): bool):
                brif v0, block1, block1
            block1:
                v1: i32 = const 0
                ret v1
            }
            """);
        var both = Predecessors.Compute(twice);
        Assert.AreEqual(2, both.EdgesInto(B(1)).Count);
        CollectionAssert.AreEqual(new[] { B(0) }, both.Of(B(1)).ToArray());
    }

    /// <summary>
    /// Dominates (entry and exit numbers of the dominator tree) agrees with its definition, the chain of
    /// immediate dominators, for every pair of blocks: of a unit of many loops one after the other (a deep
    /// tree), and of the loop nest with an unreachable block added.
    /// </summary>
    [TestMethod]
    public void DominatesAgreesWithTheChainOfImmediateDominators()
    {
        var unreachable = Nest.TrimEnd()[..^1] + "block6:\n    jump block5\n}";
        foreach (var graph in new[] { PeJit.Tests.Optimizer.LargeUnitGenerator.Generate(300), IrParser.Parse(unreachable) })
        {
            var dominators = Dominators.Compute(graph);
            foreach (var a in graph.Blocks)
                foreach (var b in graph.Blocks)
                {
                    bool expected;
                    if (!dominators.IsReachable(b)) expected = true;
                    else if (!dominators.IsReachable(a)) expected = false;
                    else
                    {
                        expected = a == b;
                        for (var up = dominators.ImmediateDominator(b); up is { } u && !expected; up = dominators.ImmediateDominator(u))
                            expected = u == a;
                    }
                    Assert.AreEqual(expected, dominators.Dominates(a, b), $"{a} dominates {b} in {graph.Name}");
                }
        }
    }

    [TestMethod]
    public void ALoopNestIsTwoNaturalLoopsTheInnerInsideTheOuter()
    {
        var graph = IrParser.Parse(Nest);
        var dominators = Dominators.Compute(graph);
        Assert.AreEqual(B(1), dominators.ImmediateDominator(B(2)));
        Assert.IsTrue(dominators.Dominates(B(2), B(3)));
        Assert.IsFalse(dominators.Dominates(B(3), B(4)));

        var loops = NaturalLoop.Find(graph, dominators);
        Assert.AreEqual(2, loops.Count);
        var outer = loops.Single(l => l.Header == B(1));
        var inner = loops.Single(l => l.Header == B(2));
        CollectionAssert.AreEqual(new[] { B(1), B(2), B(3), B(4) }, outer.Blocks.ToArray());
        CollectionAssert.AreEqual(new[] { B(4) }, outer.Latches);
        CollectionAssert.AreEqual(new[] { B(2), B(3) }, inner.Blocks.ToArray());
        CollectionAssert.AreEqual(new[] { B(3) }, inner.Latches);
        Assert.IsNull(outer.Parent);
        Assert.AreSame(outer, inner.Parent);
        Assert.AreEqual(1, inner.Depth);
    }

    [TestMethod]
    public void AnIrreducibleCycleIsNoNaturalLoop()
    {
        var graph = IrParser.Parse(Irreducible);
        var dominators = Dominators.Compute(graph);
        Assert.AreEqual(FlowGraph.Entry, dominators.ImmediateDominator(B(1)));
        Assert.AreEqual(FlowGraph.Entry, dominators.ImmediateDominator(B(2)));
        CollectionAssert.AreEqual(new[] { B(0), B(2) }, Predecessors.Compute(graph).Of(B(1)).ToArray());
        Assert.IsEmpty(NaturalLoop.Find(graph, dominators));
    }

    [TestMethod]
    public void LivenessFollowsValuesAcrossBlockParameters()
    {
        var graph = IrParser.Parse(Nest);
        var liveness = Liveness.Compute(graph);
        // v1 goes round the outer loop to be passed to the inner header again; v4 (j) is the inner header's
        // own parameter, so it is not live before it, and v7, passed to it, is live only at the jump.
        CollectionAssert.AreEqual(new[] { V(0), V(1) }, liveness.LiveIn(B(1)).ToArray());
        CollectionAssert.AreEqual(new[] { V(0), V(1), V(2) }, liveness.LiveIn(B(2)).ToArray());
        CollectionAssert.AreEqual(new[] { V(0), V(1), V(2), V(4) }, liveness.LiveIn(B(3)).ToArray());
        CollectionAssert.AreEqual(new[] { V(2) }, liveness.LiveIn(B(5)).ToArray());
        CollectionAssert.AreEquivalent(new[] { V(0), V(1), V(2) }, liveness.LiveOut(B(3)).ToArray());
        CollectionAssert.AreEquivalent(new[] { V(0), V(1), V(2), V(7) }, liveness.LiveFrom(B(3), 2).ToArray());
        CollectionAssert.AreEquivalent(new[] { V(0), V(1), V(2), V(4) }, liveness.LiveFrom(B(3), 0).ToArray());
        Assert.IsEmpty(liveness.LiveIn(FlowGraph.Entry), "the entry's parameters are defined there");
    }
}
