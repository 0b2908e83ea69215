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
/// the facts that compared the same value with constants (<see cref="ComparisonFacts"/> indexes them by value), not
/// at every fact in scope: a long chain of dominating branches on different values (loops one after the other) is
/// linear; a chain comparing one value with many constants costs that many look-ups per decision.</para>
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
        // The IR's sets and maps and arrays here, not the framework's collections over blocks, values or tuples, nor
        // LINQ over them: those are compiled by .NET on the first unit's path (Docs/PERFORMANCE.md, warm-up).
        var handlers = new BlockSet();
        foreach (var region in graph.Regions)
        {
            if (graph[region].Handler is { } handler) handlers.Add(handler);
            if (graph[region].Filter is { } filter) handlers.Add(filter);
        }
        var children = new BlockMap<List<Block>>(graph.BlockCount);
        var order = dominators.ReversePostOrder;
        for (int i = 1; i < order.Count; i++)
        {
            var block = order[i];
            var parent = dominators.ImmediateDominator(block)!.Value;
            if (!children.TryGetValue(parent, out var list)) children[parent] = list = [];
            list.Add(block);
        }

        // The target each decided block's branch takes, by block index; -1 for none.
        var decided = new int[graph.BlockCount];
        for (int b = 0; b < decided.Length; b++) decided[b] = -1;
        int decidedCount = 0;
        // x.GetType() whose comparisons are all decided (their branches become jumps) is dead once x is known not
        // null: the only thing it could still do is throw on null. Found during the walk, removed after the rewrite.
        var deadClassTests = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        // The walk's stack: a block and the facts' mark to go back to when its subtree is done (-1: not entered yet).
        var walkBlocks = new int[Math.Max(4, graph.BlockCount)];
        var walkMarks = new int[walkBlocks.Length];
        int depth = 0;
        void Push(Block block, int mark)
        {
            if (depth == walkBlocks.Length)
            {
                walkBlocks = IntPairMap.Grown(walkBlocks, depth * 2);
                walkMarks = IntPairMap.Grown(walkMarks, depth * 2);
            }
            walkBlocks[depth] = block.Index;
            walkMarks[depth++] = mark;
        }
        Push(FlowGraph.Entry, -1);
        while (depth > 0)
        {
            var block = new Block(walkBlocks[--depth]);
            int mark = walkMarks[depth];
            if (mark >= 0)
            {
                facts.Reset(mark);
                continue;
            }
            Push(block, facts.Mark());
            if (!handlers.Contains(block) && DominatingEdge(block, incoming.EdgesInto(block), dominators) is { } edge)
                Learn(graph, numbers, facts, graph[edge.Source].Terminator!, edge.Index);
            if (graph[block].Terminator is { } terminator && Decide(graph, numbers, facts, terminator) is { } taken)
            {
                if (decided[block.Index] < 0) decidedCount++;
                decided[block.Index] = taken;
            }
            foreach (var instruction in graph[block].Instructions)
                if (TypeObjects.IsGetType(instruction)
                    && Conditions(graph, numbers, instruction.Operands[0]).Exists(c => facts.Decide(c.Compare, c.Left, c.Right) is { } outcome && outcome != c.Negated))
                    deadClassTests.Add(instruction);
            if (children.TryGetValue(block, out var below))
                for (int i = below.Count - 1; i >= 0; i--) Push(below[i], -1);
        }
        if (decidedCount == 0 && deadClassTests.Count == 0) return;

        // Each decided branch is rewritten on its own, so the blocks' order does not matter.
        for (int b = 0; b < decided.Length; b++)
        {
            int taken = decided[b];
            if (taken < 0) continue;
            var instructions = graph[new Block(b)].Instructions;
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
        var definedIn = new ValueToBlockMap(graph.ValueCount);
        var replacement = new ValueToValueMap(graph.ValueCount);
        foreach (var block in dominators.ReversePostOrder)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                if (instructions[i] is not { Opcode: Opcode.CastClass, Result: { } result } cast || cast.Operands.Count != 1) continue;
                // Concatenated, not interpolated: formatting an int in an interpolation is a generic .NET compiles.
                string key = string.Concat(numbers.Of(cast.Operands[0]).ToString(), "|", cast.TypeOperand?.ToString());
                if (!made.TryGetValue(key, out var earlier)) made[key] = earlier = [];
                int found = -1;
                for (int k = 0; k < earlier.Count && found < 0; k++)
                    if (dominators.Dominates(definedIn[earlier[k]], block) && graph.TypeOf(earlier[k]) == graph.TypeOf(result)) found = k;
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
        var users = new ValueMap<List<Instruction>>(graph.ValueCount);
        void Use(Value operand, Instruction instruction)
        {
            if (!users.TryGetValue(operand, out var list)) users[operand] = list = [];
            list.Add(instruction);
        }
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                foreach (var operand in instruction.Operands) Use(operand, instruction);
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments) Use(argument, instruction);
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

    // Conditions' scratch: the chain's values seen so far (see there).
    [ThreadStatic] private static ValueSet? chainSeen;
    [ThreadStatic] private static List<Value>? chainValues;

    /// <summary>
    /// The compares a branch condition is true exactly when (or, negated, false exactly when): "the value is not
    /// zero" (or not null), then the same of what it peels down to through <c>cne x, 0</c>, <c>ceq x, 0</c>
    /// (negated) and <c>conv</c> of a 0-or-1 compare result, and last the compare at the bottom, if any.
    /// </summary>
    private static List<Condition> Conditions(FlowGraph graph, ValueNumbers numbers, Value condition)
    {
        var conditions = new List<Condition>();
        bool negated = false;
        // One set per thread, emptied of the chain after each call: a new set per call grew a bit array as long as
        // the graph's values are numbered, for every branch and edge the walk looks at (most of this pass's allocation).
        var seen = chainSeen ??= new ValueSet();
        var chain = chainValues ??= [];
        try
        {
            for (var value = condition; seen.Add(value);)
            {
                chain.Add(value);
                var kind = graph.TypeOf(value).StackKind;
                if (kind is not (StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt or StackKind.Reference)) break;
                int zero = kind == StackKind.Reference ? numbers.Null : numbers.Integer(kind, 0);
                conditions.Add(new Condition(Opcode.Cne, numbers.Of(value), zero, negated));
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
                    conditions.Add(new Condition(definition.Opcode, numbers.Of(definition.Operands[0]), numbers.Of(definition.Operands[1]), negated));
                break;
            }
        }
        finally
        {
            foreach (var value in chain) seen.Remove(value);
            chain.Clear();
        }
        return conditions;
    }

    /// <summary>The x of <c>ceq x, 0</c> or <c>cne x, 0</c> (either side, zero or null), if that is what the compare is.</summary>
    /// <summary>
    /// A comparison of two value numbers that a branch's condition is, or is the negation of: a small class, not a
    /// tuple, whose list .NET would compile on the first unit's path (Docs/PERFORMANCE.md, warm-up).
    /// </summary>
    private sealed class Condition(Opcode compare, int left, int right, bool negated)
    {
        public Opcode Compare { get; } = compare;
        public int Left { get; } = left;
        public int Right { get; } = right;
        public bool Negated { get; } = negated;

        public void Deconstruct(out Opcode compare, out int left, out int right, out bool negated) =>
            (compare, left, right, negated) = (Compare, Left, Right, Negated);
    }

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
