using PeJit.IR.Graphs;
using PeJit.IR;
using PeJit.IR.Verification;

namespace PeJit.Optimizer;

/// <summary>
/// Redundant-guard elimination: a <c>brif</c> or <c>switch</c> whose outcome an earlier branch already decided
/// on every path to it becomes a <c>jump</c> to the target it always takes (with that target's arguments), and
/// the blocks nothing reaches any more are removed. The interpreter tests the same things again and again
/// (the same condition, a bounds-style compare, a switch on a value a compare already pinned down), and the
/// specializer copies every test whose operands are red.
/// </summary>
/// <remarks>
/// A branch edge says something about the values its condition tested: <c>brif v, a, b</c> taken to a says
/// v is not zero; a <c>switch</c> case says the selector equals the case's index, its default that it is
/// none of them; through <c>ceq x, 0</c>, <c>cne x, 0</c> and <c>conv</c> of a compare result, the same is said of
/// the compare underneath. The fact holds in every block the edge dominates: every path to such a block
/// took the edge, and no definition of the tested values can run in between without the path passing the
/// edge again (the definitions dominate the branch). An edge (P, S) dominates the blocks S dominates when it
/// is S's only way in: P jumps to S once, and every other edge into S comes from a block S dominates (a loop's
/// back edge). At a join, or below a loop header entered from two places, nothing is known. An unused
/// <c>GetType()</c> (what a decided class guard leaves) on a value a dominating edge says is not null goes too.
/// <para>Cost: dominators, value numbers and predecessors once (linear; <see cref="Dominators.Dominates"/> is O(1)),
/// one walk of the dominator tree, one removal of unreachable blocks. Deciding a branch against a constant looks at
/// the facts in scope, which the dominating branches add: in a long chain of dominating branches (loops one after
/// the other) that grows with the chain, so the walk is quadratic in its length at worst, with a small constant
/// (about 1 ms for 3,500 instructions of such loops).</para>
/// </remarks>
internal static class EliminateGuards
{
    public static void Run(FlowGraph graph)
    {
        // Strategy: walk the dominator tree from the entry, learning at each block what the edge that
        // dominates it says, deciding the block's own branch from what is known, and forgetting the block's
        // facts when the walk leaves its subtree. Decided branches are rewritten after the walk, so every fact
        // is read from the branches as they were.
        var dominators = Dominators.Compute(graph);
        var numbers = ValueNumbers.Compute(graph, dominators);
        RemoveRepeatedCasts(graph, dominators, numbers);
        var facts = new ComparisonFacts(numbers);
        var incoming = Predecessors.Compute(graph);
        var handlers = graph.Regions.SelectMany(r => new[] { graph[r].Handler, graph[r].Filter }).OfType<Block>().ToHashSet();
        var children = new Dictionary<Block, List<Block>>();
        foreach (var block in dominators.ReversePostOrder.Skip(1))
        {
            var parent = dominators.ImmediateDominator(block)!.Value;
            if (!children.TryGetValue(parent, out var list)) children[parent] = list = [];
            list.Add(block);
        }

        var decided = new Dictionary<Block, int>();
        // x.GetType() whose comparisons are all decided (their branches become jumps) is dead once x is known not
        // null: the only thing it could still do is throw on null. Found during the walk, removed after the rewrite.
        var deadClassTests = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        var walk = new Stack<(Block Block, int Mark)>();
        walk.Push((FlowGraph.Entry, -1));
        while (walk.Count > 0)
        {
            var (block, mark) = walk.Pop();
            if (mark >= 0)
            {
                facts.Reset(mark);
                continue;
            }
            walk.Push((block, facts.Mark()));
            if (!handlers.Contains(block) && DominatingEdge(block, incoming.EdgesInto(block), dominators) is { } edge)
                Learn(graph, numbers, facts, graph[edge.Source].Terminator!, edge.Index);
            if (graph[block].Terminator is { } terminator && Decide(graph, numbers, facts, terminator) is { } taken)
                decided[block] = taken;
            foreach (var instruction in graph[block].Instructions)
                if (TypeObjects.IsGetType(instruction)
                    && Conditions(graph, numbers, instruction.Operands[0]).Any(c => facts.Decide(c.Compare, c.Left, c.Right) is { } outcome && outcome != c.Negated))
                    deadClassTests.Add(instruction);
            if (children.TryGetValue(block, out var below))
                for (int i = below.Count - 1; i >= 0; i--) walk.Push((below[i], -1));
        }
        if (decided.Count == 0 && deadClassTests.Count == 0) return;

        foreach (var (block, taken) in decided)
        {
            var instructions = graph[block].Instructions;
            var branch = instructions[^1];
            var jump = new Instruction(Opcode.Jump) { Location = branch.Location };
            jump.Targets.Add(branch.Targets[taken]);
            instructions[^1] = jump;
        }
        RemoveDeadClassTests(graph, deadClassTests);
        GraphEdits.RemoveUnreachable(graph);
    }

    /// <summary>
    /// A <c>castclass</c> of a value to a type that a cast of the same value (by number) to the same type in a dominating
    /// block, or earlier in its block, already made is that cast's result: the first one threw or passed, and the
    /// value has not changed (a green constant cast on every turn of a loop, which its peeled first turn cast already).
    /// </summary>
    private static void RemoveRepeatedCasts(FlowGraph graph, Dominators dominators, ValueNumbers numbers)
    {
        var made = new Dictionary<string, List<Value>>();
        var definedIn = new Dictionary<Value, Block>();
        var replacement = new Dictionary<Value, Value>();
        foreach (var block in dominators.ReversePostOrder)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                if (instructions[i] is not { Opcode: Opcode.CastClass, Result: { } result } cast || cast.Operands.Count != 1) continue;
                string key = $"{numbers.Of(cast.Operands[0])}|{cast.TypeOperand}";
                if (!made.TryGetValue(key, out var earlier)) made[key] = earlier = [];
                int found = earlier.FindIndex(e => dominators.Dominates(definedIn[e], block) && graph.TypeOf(e) == graph.TypeOf(result));
                if (found >= 0)
                {
                    var first = earlier[found];
                    replacement[result] = first;
                    instructions.RemoveAt(i--);
                    continue;
                }
                earlier.Add(result);
                definedIn[result] = block;
            }
        }
        graph.ReplaceUses(replacement);
    }

    /// <summary>Removes each <c>GetType()</c> of <paramref name="candidates"/> used by nothing but comparisons nobody uses any more, and those comparisons.</summary>
    private static void RemoveDeadClassTests(FlowGraph graph, HashSet<Instruction> candidates)
    {
        if (candidates.Count == 0) return;
        var users = new Dictionary<Value, List<Instruction>>();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                foreach (var operand in instruction.Operands.Concat(instruction.Targets.SelectMany(t => t.Arguments)))
                {
                    if (!users.TryGetValue(operand, out var list)) users[operand] = list = [];
                    list.Add(instruction);
                }
        var dead = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        foreach (var getType in candidates)
        {
            var compares = users.GetValueOrDefault(getType.Result!.Value) ?? [];
            if (!compares.All(c => c.Opcode is Opcode.Ceq or Opcode.Cne && !users.ContainsKey(c.Result!.Value))) continue;
            dead.Add(getType);
            dead.UnionWith(compares);
        }
        foreach (var block in graph.Blocks) graph[block].Instructions.RemoveAll(dead.Contains);
    }

    /// <summary>The edge every path to <paramref name="block"/> takes last before entering it from outside, if there is one.</summary>
    private static Edge? DominatingEdge(Block block, IReadOnlyList<Edge> edges, Dominators dominators)
    {
        Edge? entering = null;
        foreach (var edge in edges)
        {
            if (!dominators.IsReachable(edge.Source)) continue;     // no path from the entry takes it
            if (dominators.Dominates(block, edge.Source)) continue; // a back edge from inside: the way in was taken before
            if (entering is not null) return null;                  // two ways in (a join, or one block jumping here twice)
            entering = edge;
        }
        return entering;
    }

    /// <summary>Learns what taking target <paramref name="index"/> of <paramref name="branch"/> says.</summary>
    private static void Learn(FlowGraph graph, ValueNumbers numbers, ComparisonFacts facts, Instruction branch, int index)
    {
        switch (branch.Opcode)
        {
            case Opcode.BrIf:
                foreach (var (compare, left, right, negated) in Conditions(graph, numbers, branch.Operands[0]))
                    facts.Add(compare, left, right, (index == 0) != negated);
                break;
            case Opcode.Switch when SelectorKind(graph, branch) is { } kind:
            {
                int selector = numbers.Of(branch.Operands[0]);
                int cases = branch.Targets.Count - 1;
                if (index < cases) facts.Add(Opcode.Ceq, selector, numbers.Integer(kind, index), true);
                else if (cases > 0) facts.Add(Opcode.CgeUn, selector, numbers.Integer(kind, cases), true);
                break;
            }
        }
    }

    /// <summary>The target <paramref name="branch"/> always takes, if the facts decide it.</summary>
    private static int? Decide(FlowGraph graph, ValueNumbers numbers, ComparisonFacts facts, Instruction branch)
    {
        switch (branch.Opcode)
        {
            case Opcode.BrIf:
                foreach (var (compare, left, right, negated) in Conditions(graph, numbers, branch.Operands[0]))
                    if (facts.Decide(compare, left, right) is { } outcome)
                        return outcome != negated ? 0 : 1;
                return null;
            case Opcode.Switch when SelectorKind(graph, branch) is { } kind:
            {
                int selector = numbers.Of(branch.Operands[0]);
                int cases = branch.Targets.Count - 1;
                // The evaluation stack reads the selector as unsigned: the default is "unsigned >= cases".
                if (cases == 0 || facts.Decide(Opcode.CgeUn, selector, numbers.Integer(kind, cases)) == true) return cases;
                bool noCase = true;
                for (int k = 0; k < cases; k++)
                {
                    var equal = facts.Decide(Opcode.Ceq, selector, numbers.Integer(kind, k));
                    if (equal == true) return k;
                    noCase &= equal == false;
                }
                return noCase ? cases : null;
            }
            default:
                return null;
        }
    }

    private static StackKind? SelectorKind(FlowGraph graph, Instruction branch) =>
        graph.TypeOf(branch.Operands[0]).StackKind is var kind && kind is StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt ? kind : null;

    /// <summary>
    /// The compares a branch condition is true exactly when (or, negated, false exactly when): "the value is not
    /// zero" (or not null), then the same of what it peels down to through <c>cne x, 0</c>, <c>ceq x, 0</c>
    /// (negated) and <c>conv</c> of a 0-or-1 compare result, and last the compare at the bottom, if any.
    /// </summary>
    private static List<(Opcode Compare, int Left, int Right, bool Negated)> Conditions(FlowGraph graph, ValueNumbers numbers, Value condition)
    {
        var conditions = new List<(Opcode, int, int, bool)>();
        bool negated = false;
        var seen = new ValueSet();
        for (var value = condition; seen.Add(value);)
        {
            var kind = graph.TypeOf(value).StackKind;
            if (kind is not (StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt or StackKind.Reference)) break;
            int zero = kind == StackKind.Reference ? numbers.Null : numbers.Integer(kind, 0);
            conditions.Add((Opcode.Cne, numbers.Of(value), zero, negated));
            var definition = graph[value].DefiningInstruction;
            if (definition is null) break;
            if (definition.Opcode is Opcode.Ceq or Opcode.Cne && ZeroTest(numbers, definition) is { } tested)
            {
                value = tested;
                negated ^= definition.Opcode == Opcode.Ceq;
                continue;
            }
            if (definition.Opcode is Opcode.Conv or Opcode.ConvUn && IsCompare(graph, definition.Operands[0]))
            {
                value = definition.Operands[0];
                continue;
            }
            if (IsCompare(graph, value))
                conditions.Add((definition.Opcode, numbers.Of(definition.Operands[0]), numbers.Of(definition.Operands[1]), negated));
            break;
        }
        return conditions;
    }

    /// <summary>The x of <c>ceq x, 0</c> or <c>cne x, 0</c> (either side, zero or null), if that is what the compare is.</summary>
    private static Value? ZeroTest(ValueNumbers numbers, Instruction compare)
    {
        if (numbers.IsZero(numbers.Of(compare.Operands[1]))) return compare.Operands[0];
        if (numbers.IsZero(numbers.Of(compare.Operands[0]))) return compare.Operands[1];
        return null;
    }

    private static bool IsCompare(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction?.Opcode is Opcode.Ceq or Opcode.Cne or Opcode.Clt or Opcode.Cle or Opcode.Cgt or Opcode.Cge
            or Opcode.CltUn or Opcode.CleUn or Opcode.CgtUn or Opcode.CgeUn;
}
