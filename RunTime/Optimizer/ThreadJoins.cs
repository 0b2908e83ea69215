using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.IR.Graphs;
using PeJit.IR.Semantics;

namespace PeJit.Optimizer;

/// <summary>
/// The pass <c>thread</c>: a jump that passes a join constants (or unit constants) decides branches after the join that the
/// join itself cannot: <c>op(phi(c1, c2), c3)</c> is <c>op(c1, c3)</c> on the edge that brings <c>c1</c>. Each such edge
/// gets a copy of the blocks it runs through up to the last branch those constants decide, every copied branch a jump to
/// the side it takes (jump threading along a path). The case that matters: a Lua builtin <c>type(v)</c> returns
/// <c>"string"</c> on one path and <c>"number"</c> on others, and <c>type(v) == "string"</c> compares the join with the
/// program's constant string, then branches on that, then on the boolean the comparison made; each path of the class
/// dispatch inside <c>type</c> now goes straight to its side, and the class tests after it, dominated by the dispatch's
/// own test again, are decided by <c>guards</c>.
/// </summary>
/// <remarks>
/// <para>What is known about a value (<see cref="Known"/>): integer constants, string literals, null, the unit's constants
/// (<see cref="FlowGraph.Constants"/>, as <see cref="HoistInvariants"/> reads them) and casts (<c>castclass</c>, <c>isinst</c>) they pass, <c>readonly</c>
/// fields of a known object (asked of <see cref="FlowGraph.Members"/>: a constant's immutable parts), pure arithmetic and
/// comparisons of known integers, reference comparisons of known objects other than strings, and
/// <c>String.op_Equality</c>/<c>op_Inequality</c>/<c>Equals(string, string)</c> of known strings.</para>
/// <para>Rules: first, a branch that what is known decides without any path becomes a jump. Then, for a block (not the
/// entry, not a loop header, outside exception regions) with two or more entering jumps, and one such jump that passes
/// some known value: follow the path from the block, its parameters known from that jump, while each block's end is
/// decided (at most <see cref="MaxPath"/> blocks, no loop header, no block twice). When some branch on the path was
/// decided, the path's blocks up to the last decided branch are copied (<see cref="LoopVersioning.Copy(FlowGraph, BlockSet, PromotionIndex)"/>
/// repairs the uses after them), the jump enters the copy, and each copied branch becomes a jump. Bounded: at most
/// <see cref="MaxThreads"/> paths a run, each at most <see cref="MaxInstructions"/> instructions, and an eighth of the
/// graph's instructions in all.</para>
/// Cost: per round (at most <see cref="MaxRounds"/>), a scan of the graph and each jump followed at most once (its path's instructions,
/// in one map emptied per jump); per copy (at most <see cref="MaxThreads"/>), dominators, predecessors and what is known once, so
/// O(graph × copies) with copies bounded. The index of uses and jumps a copy repairs the SSA form with is kept between the copies of
/// a round while no block is removed, and brought up to date with the blocks each copy made and changed.
/// </remarks>
internal static class ThreadJoins
{
    /// <summary>The most blocks a threaded path may hold.</summary>
    public const int MaxPath = 24;

    /// <summary>The most instructions a threaded path may hold.</summary>
    public const int MaxInstructions = 128;

    /// <summary>The most paths one run copies.</summary>
    public const int MaxThreads = 32;

    /// <summary>What <see cref="Known"/> says of a known null reference (a map holds no null).</summary>
    private static readonly object NullReference = new();

    public static void Run(FlowGraph graph)
    {
        if (graph.RegionCount > 0) return;
        int budget = Math.Max(graph.InstructionCount() / 8, MaxInstructions);
        int threads = 0;
        // One path's values and blocks for every jump followed, emptied before each: a new map per jump, grown to the
        // path's instructions, was most of what the pass allocated (hundreds of jumps into the joins of a unit of many exits).
        var scratch = new FollowScratch();
        for (int round = 0; round < MaxRounds; round++)
        {
            // What is known changes with every copy (a join left one entering jump): known anew each round.
            var known = new Knowledge(graph);
            bool changed = FoldInPlace(graph, known);
            if (changed) GraphEdits.RemoveUnreachable(graph);
            bool threaded = false;
            // A jump whose path decided nothing is not followed again this round: each jump is followed once, not once per copy.
            var followed = new HashSet<BlockCall>(ReferenceEqualityComparer.Instance);
            scratch.Index = null;
            for (; threads < MaxThreads; threads++)
            {
                // A copy gives the blocks at the path's end a second entering jump: what was known of their parameters is known anew.
                if (!ThreadOne(graph, new Knowledge(graph), followed, scratch, ref budget)) break;
                threaded = true;
                int blocks = graph.BlockCount;
                GraphEdits.RemoveUnreachable(graph);
                // Removing blocks renumbers blocks and values: the index of uses and jumps is made anew for the next copy.
                if (graph.BlockCount != blocks) scratch.Index = null;
            }
            if (!threaded) break;
        }
        if (threads > 0) RemoveRepeatedGetTypes(graph);
        graph.Compact();
    }

    /// <summary>
    /// Removes each <c>x.GetType()</c> nobody uses that a <c>GetType()</c> of the same object dominates: a copied class test
    /// whose branch became a jump leaves its call, which DCE keeps (a call of <c>GetType()</c> throws on null), though the
    /// dominating one proved the object not null.
    /// </summary>
    private static void RemoveRepeatedGetTypes(FlowGraph graph)
    {
        // First the class tests nobody uses any more (a copied branch that became a jump), which still use the call.
        var uses = GraphEdits.UseCounts(graph);
        foreach (var block in graph.Blocks)
            graph[block].Instructions.RemoveAll(i => i.Result is { } test && !uses.ContainsKey(test) && ClassTest(graph, i) is not null);
        uses = GraphEdits.UseCounts(graph);
        var dominators = Dominators.Compute(graph);
        var seen = new Dictionary<int, List<Block>>();
        var removed = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        foreach (var block in dominators.ReversePostOrder)
            foreach (var instruction in graph[block].Instructions)
            {
                if (!TypeObjects.IsGetType(instruction)) continue;
                int target = instruction.Operands[0].Index;
                if (!seen.TryGetValue(target, out var blocks)) seen[target] = blocks = [];
                if (!uses.ContainsKey(instruction.Result!.Value) && blocks.Exists(other => other == block || dominators.Dominates(other, block))) removed.Add(instruction);
                else blocks.Add(block);
            }
        if (removed.Count > 0)
            foreach (var block in graph.Blocks) graph[block].Instructions.RemoveAll(removed.Contains);
    }

    /// <summary>How many times the pass decides in place and threads again (a copy leaves the join it came from one jump).</summary>
    private const int MaxRounds = 8;

    /// <summary>Copies one path for a jump into a join whose known arguments decide a branch after it; false when there is none.</summary>
    private static bool ThreadOne(FlowGraph graph, Knowledge known, HashSet<BlockCall> followed, FollowScratch scratch, ref int budget)
    {
        var dominators = Dominators.Compute(graph);
        var incoming = Predecessors.Compute(graph);
        foreach (var block in graph.Blocks)
        {
            if (block == FlowGraph.Entry || !dominators.IsReachable(block)) continue;
            var edges = incoming.EdgesInto(block);
            // A block with one entering jump is a join no longer (a copy took the others): what is known of its parameters is
            // folded in place, but the class tests decided before it are known only on the path, so it is followed for those.
            if (edges.Count == 0 || edges.Count > 1 && IsLoopHeader(dominators, block, edges)) continue;
            foreach (var edge in edges)
            {
                bool afterClassTest = AfterClassTest(graph, incoming, edge);
                if (followed.Contains(edge.Call) || (edges.Count == 1 || !AnyKnown(graph, known, edge.Call.Arguments)) && !afterClassTest) continue;
                followed.Add(edge.Call);
                var path = Follow(graph, known, dominators, incoming, edge, scratch, out int size);
                if (path is null || size > budget) continue;
                budget -= size;
                Copy(graph, edge, path, scratch);
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Turns every branch that what is known decides into a jump, and every operation whose integer or string result is
    /// known (it did not throw, then: its object is a known one) into that constant; true when one changed.
    /// </summary>
    private static bool FoldInPlace(FlowGraph graph, Knowledge known)
    {
        bool changed = false;
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                var instruction = instructions[i];
                if (instruction.Opcode is Opcode.BrIf or Opcode.Switch)
                {
                    if (Decide(graph, known, null, instruction) is not { } taken) continue;
                    instructions[i] = JumpFor(instruction, instruction.Targets[taken]);
                    changed = true;
                    continue;
                }
                if (instruction.Result is not { } result || instruction.Opcode is Opcode.Const or Opcode.String or Opcode.Null
                    || instruction.Opcode is not (Opcode.Call or Opcode.LoadField or Opcode.Ceq or Opcode.Cne)) continue;
                switch (Known(graph, known, null, result))
                {
                    case int or long or nint when graph.TypeOf(result).StackKind is StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt:
                        var value = Known(graph, known, null, result)!;
                        Become(instruction, Opcode.Const);
                        instruction.Integer = value switch { int n => n, nint n => n, _ => (long)value };
                        changed = true;
                        break;
                    case string text when graph.TypeOf(result).Kind == TypeKind.String:
                        Become(instruction, Opcode.String);
                        instruction.Text = text;
                        changed = true;
                        break;
                }
            }
        }
        return changed;
    }

    private static void Become(Instruction instruction, Opcode opcode)
    {
        instruction.Opcode = opcode;
        instruction.Operands.Clear();
        instruction.Method = null;
        instruction.Field = null;
        instruction.TypeOperand = null;
    }

    private static Instruction JumpFor(Instruction branch, BlockCall target)
    {
        var jump = new Instruction(Opcode.Jump) { Location = branch.Location };
        jump.Targets.Add(target);
        return jump;
    }

    private static bool IsLoopHeader(Dominators dominators, Block block, IReadOnlyList<Edge> edges)
    {
        foreach (var edge in edges)
            if (dominators.Dominates(block, edge.Source)) return true;
        return false;
    }

    private static bool AnyKnown(FlowGraph graph, Knowledge global, List<Value> arguments)
    {
        foreach (var argument in arguments)
            if (Known(graph, global, null, argument) is not null) return true;
        return false;
    }

    /// <summary>
    /// The path <paramref name="entering"/> takes while what it passes decides the branches: the blocks up to the last
    /// decided branch, each with the target it takes; null when no branch is decided.
    /// </summary>
    private static List<(Block Block, int Taken)>? Follow(FlowGraph graph, Knowledge global, Dominators dominators, Predecessors incoming, Edge entering,
        FollowScratch scratch, out int size)
    {
        size = 0;
        var path = new List<(Block, int)>();
        var local = scratch.Path;
        local.Reset();
        // The class tests decided on the way to the jump: its own branch's, and those of the straight line of single-entry blocks before it.
        var edge = entering;
        for (int back = 0; back < MaxPath; back++)
        {
            local.Learn(graph, edge.Source, edge.Index);
            var before = incoming.EdgesInto(edge.Source);
            if (before.Count != 1 || edge.Source == FlowGraph.Entry) break;
            edge = before[0];
        }
        var call = entering.Call;
        int lastDecided = -1, sizeAtLastDecided = 0;
        var visited = scratch.Visited;
        visited.Clear();
        while (path.Count < MaxPath)
        {
            var block = call.Target;
            var data = graph[block];
            if (block == FlowGraph.Entry || visited.Contains(block) || data.Try is not null || data.HandlerOf is not null) break;
            // A loop header stays: a copy of it would be a second entry into its loop.
            if (path.Count > 0 && IsLoopHeader(dominators, block, incoming.EdgesInto(block))) break;
            visited.Add(block);
            // The parameters are what the jump passes; a new map, so that a value of an earlier block the jump passes on is read before it is replaced.
            // In the scratch's array, grown to the most parameters a block on a path had (an exit's 20 or more).
            int parameterCount = data.Parameters.Count;
            if (scratch.Parameters.Length < parameterCount) scratch.Parameters = new object?[Math.Max(parameterCount, 2 * scratch.Parameters.Length)];
            var parameters = scratch.Parameters;
            for (int i = 0; i < parameterCount; i++) parameters[i] = Known(graph, global, local, call.Arguments[i]);
            for (int i = 0; i < parameterCount; i++)
            {
                local[data.Parameters[i].Index] = parameters[i];
                // What the parameter stands for on this path (a type object passed on is the GetType() it came from).
                local.Passed[data.Parameters[i].Index] = local.Resolve(call.Arguments[i]);
            }
            size += data.Instructions.Count;
            if (size > MaxInstructions) break;
            foreach (var instruction in data.Instructions)
                if (instruction.Result is { } result) local[result.Index] = Evaluate(graph, global, local, instruction);
            var terminator = data.Terminator;
            if (terminator is null) break;
            int taken;
            if (terminator.Opcode == Opcode.Jump) taken = 0;
            else if (terminator.Opcode is Opcode.BrIf or Opcode.Switch && Decide(graph, global, local, terminator) is { } decided) taken = decided;
            else break;
            path.Add((block, taken));
            local.Learn(graph, block, taken);
            if (terminator.Opcode != Opcode.Jump)
            {
                lastDecided = path.Count;
                sizeAtLastDecided = size;
            }
            call = terminator.Targets[taken];
        }
        if (lastDecided < 0) return null;
        path.RemoveRange(lastDecided, path.Count - lastDecided);
        size = sizeAtLastDecided;
        return path;
    }

    /// <summary>
    /// Copies <paramref name="path"/> for the jump <paramref name="enteringEdge"/>. The index of uses and jumps the copy needs is
    /// kept between copies while no block is removed (<see cref="FollowScratch.Index"/>): it is a superset that answers
    /// exactly (<see cref="PromotionIndex"/>), brought up to date with the blocks made and changed since. Made anew per copy,
    /// it cost a walk of the whole graph and arrays as large as its values per copy.
    /// </summary>
    private static void Copy(FlowGraph graph, Edge enteringEdge, List<(Block Block, int Taken)> path, FollowScratch scratch)
    {
        var entering = enteringEdge.Call;
        var region = new BlockSet();
        foreach (var (block, _) in path) region.Add(block);
        var index = scratch.Index ??= new PromotionIndex(graph);
        index.Update();
        var copies = LoopVersioning.Copy(graph, region, index);
        foreach (var (block, taken) in path)
        {
            var instructions = graph[copies[block]].Instructions;
            var branch = instructions[^1];
            if (branch.Opcode != Opcode.Jump) instructions[^1] = JumpFor(branch, branch.Targets[taken]);
        }
        entering.Target = copies[path[0].Block];
        // The copied blocks' branches became jumps (fewer targets: the index's superset still holds), and the jump entering
        // the path now enters the copy: its block is registered again before the next copy.
        index.Touched.Add(enteringEdge.Source);
    }

    /// <summary>The target index <paramref name="branch"/> takes, when what is known decides it.</summary>
    private static int? Decide(FlowGraph graph, Knowledge global, Path? local, Instruction branch)
    {
        var selector = Known(graph, global, local, branch.Operands[0]);
        if (selector is null) return null;
        if (branch.Opcode == Opcode.BrIf)
            return selector switch
            {
                int n => n != 0 ? 0 : 1,
                long n => n != 0 ? 0 : 1,
                nint n => n != 0 ? 0 : 1,
                _ => ReferenceEquals(selector, NullReference) ? 1 : 0,
            };
        if (selector is not int index) return null;
        int cases = branch.Targets.Count - 1;
        return (uint)index < (uint)cases ? index : cases;
    }

    /// <summary>
    /// What <paramref name="value"/> is, when known: an <c>int</c>, <c>long</c> or <c>nint</c> (by its stack kind), a
    /// string, <see cref="NullReference"/>, or an object; null when not known. <paramref name="local"/> holds a path's
    /// values (its blocks' parameters among them); <paramref name="global"/> caches what holds everywhere.
    /// </summary>
    private static object? Known(FlowGraph graph, Knowledge global, Path? local, Value value)
    {
        if (local is not null && local.TryGetValue(value.Index, out var known)) return known;
        if (global.Values.TryGetValue(value.Index, out known)) return known;
        var definition = graph[value].DefiningInstruction;
        global.Values[value.Index] = null;   // a cycle through parameters is not known
        // A parameter is known where its block has one entering jump (what that jump passes); else only on a path.
        if (definition is not null) known = Evaluate(graph, global, null, definition);
        else if (global.SingleArgument.TryGetValue(value.Index, out var argument)) known = Known(graph, global, null, argument);
        global.Values[value.Index] = known;
        return known;
    }

    /// <summary>What <paramref name="instruction"/> computes from what is known, or null.</summary>
    private static object? Evaluate(FlowGraph graph, Knowledge global, Path? local, Instruction instruction)
    {
        if (instruction.Result is not { } result) return null;
        var type = graph.TypeOf(result);
        switch (instruction.Opcode)
        {
            case Opcode.Const:
                return type.StackKind switch
                {
                    StackKind.Int32 => (int)instruction.Integer,
                    StackKind.Int64 => instruction.Integer,
                    StackKind.NativeInt => (nint)instruction.Integer,
                    _ => null,
                };
            case Opcode.String:
                return instruction.Text;
            case Opcode.Null:
                return NullReference;
            case Opcode.LoadElement:
                if (graph.Constants is { } constants && graph.Parameters.Count > 0 && instruction.Operands[0] == graph.Parameters[0]
                    && graph[instruction.Operands[1]].DefiningInstruction is { Opcode: Opcode.Const } index && index.Integer >= 0 && index.Integer < constants.Count)
                    return constants[(int)index.Integer] ?? NullReference;
                return null;
            // A cast a known object passes is that object. So is an isinst (promotion's preheader tests a loop-invariant cast
            // of a unit constant with one, and the loop's casts then read its result); one it fails is left unknown (null
            // would do, but a type that does not resolve also says "not an instance").
            case Opcode.CastClass:
            case Opcode.IsInst when instruction.TypeOperand is { IsReference: true }:
            {
                var operand = Known(graph, global, local, instruction.Operands[0]);
                if (operand is null || ReferenceEquals(operand, NullReference)) return operand;
                return IsInstance(graph, operand, instruction.TypeOperand) ? operand : null;
            }
            case Opcode.LoadField:
                return ReadOnlyField(graph, Known(graph, global, local, instruction.Operands[0]), instruction.Field, type);
            case Opcode.Call when instruction.Method is { HasThis: false } method && instruction.Operands.Count == 2 && IsStringEquality(method.FullName) is { } equal:
            {
                var left = Known(graph, global, local, instruction.Operands[0]);
                var right = Known(graph, global, local, instruction.Operands[1]);
                if (!IsString(left) || !IsString(right)) return null;
                bool same = Equals(left as string, right as string);
                return same == equal ? 1 : 0;
            }
            case Opcode.Ceq or Opcode.Cne when local is not null && ClassTest(graph, instruction, local) is { } test && local.ClassIs(test.Object, test.Class) is { } same:
                return same == (instruction.Opcode == Opcode.Ceq) ? 1 : 0;
            case Opcode.Ceq or Opcode.Cne when graph.TypeOf(instruction.Operands[0]).IsReference:
            {
                var left = Known(graph, global, local, instruction.Operands[0]);
                var right = Known(graph, global, local, instruction.Operands[1]);
                // Strings compare by reference here, and two equal texts may or may not be one object: not decided.
                if (left is null || right is null || left is string || right is string) return null;
                bool same = ReferenceEquals(left, right);
                return same == (instruction.Opcode == Opcode.Ceq) ? 1 : 0;
            }
        }
        if ((instruction.Info.Flags & OpcodeFlags.Pure) == 0 || instruction.Operands.Count == 0 || instruction.IsTerminator
            || type.StackKind is not (StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt) || instruction.Opcode is Opcode.Call or Opcode.CallVirt)
            return null;
        var operands = new List<object?>(instruction.Operands.Count);
        foreach (var operand in instruction.Operands)
        {
            var known = Known(graph, global, local, operand);
            if (known is not (int or long or nint)) return null;
            operands.Add(known);
        }
        try
        {
            var folded = ValueSemantics.Pure(instruction.Opcode, operands, type);
            return folded is int or long or nint ? folded : null;
        }
        catch (Exception e) when (e is ArithmeticException or EvaluationException or InvalidCastException or NotSupportedException)
        {
            return null;
        }
    }

    private static bool IsString(object? known) => known is string || ReferenceEquals(known, NullReference);

    /// <summary>True for the string equality methods, false for inequality, null for any other method.</summary>
    private static bool? IsStringEquality(string method) => method switch
    {
        "System.Boolean System.String::op_Equality(System.String,System.String)" => true,
        "System.Boolean System.String::Equals(System.String,System.String)" => true,
        "System.Boolean System.String::op_Inequality(System.String,System.String)" => false,
        _ => null,
    };

    private static bool IsInstance(FlowGraph graph, object known, IrType? type)
    {
        if (graph.Members is not { } members || type is null || known is int or long or nint) return false;
        try
        {
            return members.ResolveType(type).IsInstanceOfType(known);
        }
        catch (Exception e) when (e is TypeLoadException or ArgumentException or InvalidOperationException or NotSupportedException or System.IO.IOException)
        {
            return false;
        }
    }

    /// <summary>A <c>readonly</c> field of a known object (not a string or a number): what it holds, as <see cref="Known"/> says it.</summary>
    private static object? ReadOnlyField(FlowGraph graph, object? owner, FieldRef? field, IrType type)
    {
        if (owner is null or string or int or long or nint || ReferenceEquals(owner, NullReference) || field is null || graph.Members is not { } members) return null;
        try
        {
            var info = members.ResolveField(field);
            if (!info.IsInitOnly || info.IsStatic || !info.DeclaringType!.IsInstanceOfType(owner)) return null;
            var read = info.GetValue(owner);
            if (read is null) return type.IsReference ? NullReference : null;
            if (type.IsReference) return read.GetType().IsValueType ? null : read;
            return read switch
            {
                bool b when type.StackKind == StackKind.Int32 => b ? 1 : 0,
                int or short or sbyte or byte or ushort or char when type.StackKind == StackKind.Int32 => Convert.ToInt32(read),
                long n when type.StackKind == StackKind.Int64 => n,
                _ => null,
            };
        }
        catch (Exception e) when (e is TypeLoadException or ArgumentException or InvalidOperationException or NotSupportedException or FieldAccessException or MissingFieldException or System.IO.IOException)
        {
            return null;
        }
    }

    /// <summary>What holds everywhere: the values known so far, and the parameters of blocks with one entering jump.</summary>
    private sealed class Knowledge
    {
        public Knowledge(FlowGraph graph)
        {
            var count = new Dictionary<int, int>();
            foreach (var block in graph.Blocks)
                if (graph[block].Terminator is { } terminator)
                    foreach (var target in terminator.Targets)
                        count[target.Target.Index] = count.TryGetValue(target.Target.Index, out int n) ? n + 1 : 1;
            foreach (var block in graph.Blocks)
                if (graph[block].Terminator is { } terminator)
                    foreach (var target in terminator.Targets)
                        if (target.Target != FlowGraph.Entry && count[target.Target.Index] == 1 && graph[target.Target].HandlerOf is null)
                        {
                            var parameters = graph[target.Target].Parameters;
                            for (int i = 0; i < parameters.Count; i++) SingleArgument[parameters[i].Index] = target.Arguments[i];
                        }
        }

        public Dictionary<int, object?> Values { get; } = [];

        public Dictionary<int, Value> SingleArgument { get; } = [];
    }

    /// <summary>Whether a class test decides the jump <paramref name="edge"/>, or a straight line of single-entry blocks before it.</summary>
    private static bool AfterClassTest(FlowGraph graph, Predecessors incoming, Edge edge)
    {
        for (int back = 0; back < MaxPath; back++)
        {
            if (ClassTestOf(graph, edge.Source) is not null) return true;
            var before = incoming.EdgesInto(edge.Source);
            if (before.Count != 1 || edge.Source == FlowGraph.Entry) return false;
            edge = before[0];
        }
        return false;
    }

    /// <summary>The class test <paramref name="block"/> branches on (<c>brif</c> of <c>x.GetType() == typeof(T)</c>), or null.</summary>
    private static (Value Object, IrType Class, bool Equal)? ClassTestOf(FlowGraph graph, Block block)
    {
        if (graph[block].Terminator is not { Opcode: Opcode.BrIf } branch || graph[branch.Operands[0]].DefiningInstruction is not { } condition) return null;
        return ClassTest(graph, condition) is { } test ? (test.Object, test.Class, condition.Opcode == Opcode.Ceq) : null;
    }

    /// <summary>The object and class a <c>ceq</c> or <c>cne</c> of <c>x.GetType()</c> and <c>typeof(T)</c> compares, or null.</summary>
    private static (Value Object, IrType Class)? ClassTest(FlowGraph graph, Instruction comparison, Path? path = null)
    {
        if (comparison.Opcode is not (Opcode.Ceq or Opcode.Cne) || comparison.Operands.Count != 2) return null;
        for (int side = 0; side < 2; side++)
            if (graph[path?.Resolve(comparison.Operands[side]) ?? comparison.Operands[side]].DefiningInstruction is { } getType && TypeObjects.IsGetType(getType)
                && TypeObjects.TypeOf(graph, path?.Resolve(comparison.Operands[1 - side]) ?? comparison.Operands[1 - side]) is { } type)
                return (getType.Operands[0], type);
        return null;
    }

    /// <summary>What <see cref="Follow"/> fills for one jump and empties for the next.</summary>
    private sealed class FollowScratch
    {
        public readonly Path Path = new();
        public readonly BlockSet Visited = new();

        /// <summary>What the jump into a path's block passes its parameters, known before any is set (<see cref="Follow"/>).</summary>
        public object?[] Parameters = new object?[16];

        /// <summary>The index of uses and jumps of the graph as it is since the last block removal, or null (<see cref="Copy"/>).</summary>
        public PromotionIndex? Index;
    }

    /// <summary>A path's values (its blocks' parameters among them), and the class tests its branches decided.</summary>
    private sealed class Path : Dictionary<int, object?>
    {
        /// <summary>Forgets the path: no values, no parameters passed, no class tests.</summary>
        public void Reset()
        {
            Clear();
            Passed.Clear();
            classes.Clear();
        }

        private readonly List<(int Object, IrType Class, bool Is)> classes = [];

        /// <summary>The value each parameter of the path's blocks was passed (itself resolved), by parameter.</summary>
        public Dictionary<int, Value> Passed { get; } = [];

        /// <summary>The value <paramref name="value"/> stands for on the path: what was passed for it, if a parameter.</summary>
        public Value Resolve(Value value) => Passed.TryGetValue(value.Index, out var passed) ? passed : value;

        /// <summary>Records the class test <paramref name="block"/>'s branch decides when it takes target <paramref name="taken"/>.</summary>
        public void Learn(FlowGraph graph, Block block, int taken)
        {
            if (ClassTestOf(graph, block) is { } test) classes.Add((test.Object.Index, test.Class, (taken == 0) == test.Equal));
        }

        /// <summary>Whether <paramref name="value"/>'s exact class is <paramref name="type"/>, when the decided tests say.</summary>
        public bool? ClassIs(Value value, IrType type)
        {
            foreach (var (target, known, isClass) in classes)
            {
                if (target != value.Index) continue;
                if (isClass) return known == type;
                if (known == type) return false;
            }
            return null;
        }
    }
}
