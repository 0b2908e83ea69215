using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Semantics;

namespace PeJit.Optimizer;

/// <summary>
/// A signed integer division or remainder in a loop, by a divisor the loop does not change and that the branches
/// leading into the loop have shown to be neither 0 nor -1, becomes a multiply-high, shifts and adds: the
/// multiplier, shift and rounding addend are computed once before the loop (<see cref="DivisionMagic"/>, Granlund
/// and Montgomery's method in libdivide's branch-free signed form), so the loop does what the .NET JIT does for a
/// constant divisor, where before it ran a hardware division on every turn (an interpreted program's register
/// that holds a divisor, such as <c>i * 7 % r4</c> in the register machine example).
/// </summary>
/// <remarks>
/// <para>Why the tests: the sequence never throws, so it may replace only a division that cannot throw, one whose
/// divisor is not 0 and not -1 (<c>MinValue / -1</c> and <c>MinValue % -1</c> overflow). Memory promotion's
/// preheader tests exactly that for the divisors it guards (<c>FileTests/promote/divisor-guard.ir</c>); any
/// dominating <c>brif</c> on <c>ceq d, k</c>, <c>cne d, k</c> or on <c>d</c> itself, taken into a block the branch
/// is the only way into, counts.</para>
/// <para>The sequence, for a dividend n of width w (an int32 or int64) and the divisor's multiplier m, shift s,
/// addend a and sign g (0 or -1): <c>q = mulhi(m, n) + n; q = q + ((q &gt;&gt; (w-1)) &amp; a); q = q &gt;&gt; s</c> is
/// <c>n / |d|</c> truncated; the quotient is <c>(q ^ g) - g</c>, the remainder <c>n - q * |d|</c>. Exact for every
/// dividend and every divisor but 0 and -1 (<see cref="DivisionMagic"/>; <c>DivisionMagicTests</c> checks it against
/// the hardware's). Not done: unsigned divisions, native-int ones, constant divisors (the .NET JIT reduces those
/// itself), and divisors nothing tests before the loop.</para>
/// <para>Cost: dominators and loops once; then each loop's blocks are looked at once per loop that contains them
/// (linear in the graph times the loop nesting depth), and, for a loop with a candidate division, at most
/// <see cref="MaxChain"/> blocks of the dominator chain above its header.</para>
/// </remarks>
internal static class ReduceDivisions
{
    public static void Run(FlowGraph graph)
    {
        var dominators = Dominators.Compute(graph);
        var predecessors = Predecessors.Compute(graph);
        // Inner loops first: a division by a value an outer loop changes is still reduced in the inner loop.
        foreach (var loop in GraphEdits.Ordered(NaturalLoop.Find(graph, dominators), l => l.Blocks.Count))
            Reduce(graph, loop, dominators, predecessors);
    }

    private static void Reduce(FlowGraph graph, NaturalLoop loop, Dominators dominators, Predecessors predecessors)
    {
        if (dominators.ImmediateDominator(loop.Header) is not { } preheader) return;
        // The maps below are as large as the graph: made only for a loop with a division to reduce, not for every
        // loop (which allocated and cleared the graph's size once per loop, quadratic in a unit of many loops).
        bool any = false;
        foreach (var block in loop.Blocks)
            foreach (var instruction in graph[block].Instructions)
                any |= instruction.Opcode is Opcode.Div or Opcode.Rem;
        if (!any) return;
        var definedInLoop = new ValueSet(graph.ValueCount);
        foreach (var block in loop.Blocks)
        {
            definedInLoop.UnionWith(graph[block].Parameters);
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Result is { } result) definedInLoop.Add(result);
        }
        ValueMap<HashSet<long>>? excluded = null;
        var constants = new ValueMap<Constants>(graph.ValueCount);
        foreach (var block in loop.Blocks) // in index order
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                var division = instructions[i];
                if (division.Opcode is not (Opcode.Div or Opcode.Rem) || Width(graph, division) is not { } width) continue;
                var divisor = division.Operands[1];
                if (definedInLoop.Contains(divisor) || graph[divisor].DefiningInstruction?.Opcode == Opcode.Const) continue;
                excluded ??= ExcludedAbove(graph, loop.Header, dominators, predecessors);
                if (!excluded.TryGetValue(divisor, out var values) || !values.Contains(0) || !values.Contains(-1)) continue;
                if (!constants.TryGetValue(divisor, out var known))
                    constants[divisor] = known = Compute(graph, preheader, divisor, width, division.Location);
                var sequence = Sequence(graph, division, known, width);
                instructions.InsertRange(i, sequence);
                i += sequence.Count;
            }
        }
    }

    /// <summary>32 or 64 for a division of two int32s or two int64s; null for anything else (floats, native ints, mixed widths).</summary>
    private static int? Width(FlowGraph graph, Instruction division)
    {
        var kind = graph.TypeOf(division.Result!.Value).StackKind;
        if (kind is not (StackKind.Int32 or StackKind.Int64)) return null;
        foreach (var operand in division.Operands)
            if (graph.TypeOf(operand).StackKind != kind) return null;
        return kind == StackKind.Int32 ? 32 : 64;
    }

    /// <summary>
    /// How far up the dominator chain the tests are looked for. The ones that matter are promotion's, a chain of
    /// blocks just above the loop (one per guarded element, array and divisor); the cap keeps a unit of many loops
    /// one after another, each with a division, linear instead of walking the whole chain above each loop.
    /// </summary>
    private const int MaxChain = 256;

    /// <summary>
    /// The integer constants each value is known not to equal on entry to <paramref name="header"/>: from every
    /// branch on the dominator chain above it (up to <see cref="MaxChain"/> blocks) whose edge is the only way into
    /// the next block of the chain.
    /// </summary>
    private static ValueMap<HashSet<long>> ExcludedAbove(FlowGraph graph, Block header, Dominators dominators, Predecessors predecessors)
    {
        // The IR's map, not a Dictionary<Value, ...>, which .NET compiles on the first unit's path (Docs/PERFORMANCE.md, warm-up).
        var excluded = new ValueMap<HashSet<long>>(graph.ValueCount);
        void Exclude(Value value, long constant)
        {
            if (!excluded.TryGetValue(value, out var set)) excluded[value] = set = [];
            set.Add(constant);
        }
        int steps = 0;
        for (var below = header; dominators.ImmediateDominator(below) is { } above && steps++ < MaxChain; below = above)
        {
            if (predecessors.EdgesInto(below).Count != 1 || graph[above].Terminator is not { Opcode: Opcode.BrIf } branch) continue;
            bool onTrue = branch.Targets[0].Target == below, onFalse = branch.Targets[1].Target == below;
            if (onTrue == onFalse) continue;
            var condition = branch.Operands[0];
            if (graph[condition].DefiningInstruction is { Opcode: Opcode.Ceq or Opcode.Cne } compare
                && (compare.Opcode == Opcode.Cne) == onTrue)
            {
                // x != k holds on this edge.
                if (ConstantOf(graph, compare.Operands[1]) is { } right) Exclude(compare.Operands[0], right);
                else if (ConstantOf(graph, compare.Operands[0]) is { } left) Exclude(compare.Operands[1], left);
            }
            else if (onTrue && graph.TypeOf(condition).StackKind is StackKind.Int32 or StackKind.Int64)
                Exclude(condition, 0);
        }
        return excluded;
    }

    private static long? ConstantOf(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction is { Opcode: Opcode.Const } constant && graph.TypeOf(value).StackKind != StackKind.Float ? constant.Integer : null;

    /// <summary>What the loop needs of one divisor, computed at the end of the block that immediately dominates the loop header (which the divisor's definition dominates, being outside the loop).</summary>
    private sealed record Constants(Value Multiplier, Value Shift, Value Addend, Value Sign, Value Magnitude);

    private static Constants Compute(FlowGraph graph, Block preheader, Value divisor, int width, SourceLocation location)
    {
        var type = width == 32 ? IrType.I32 : IrType.I64;
        var instructions = graph[preheader].Instructions;
        int at = instructions.Count - 1;
        Value Emit(Instruction instruction, IrType resultType)
        {
            instruction.Location = location;
            var result = graph.SetResult(instruction, resultType);
            instructions.Insert(at++, instruction);
            return result;
        }
        Value Call(string name, IrType resultType) =>
            Emit(new Instruction(Opcode.Call, divisor) { Method = Helper(name, width, resultType) }, resultType);
        Value Const(long integer, IrType constantType) => Emit(new Instruction(Opcode.Const) { Integer = integer }, constantType);

        var multiplier = Call(nameof(DivisionMagic.Multiplier), type);
        var shift = Call(nameof(DivisionMagic.Shift), IrType.I32);
        var addend = Call(nameof(DivisionMagic.Addend), type);
        var sign = Emit(new Instruction(Opcode.Shr, divisor, Const(width - 1, IrType.I32)), type);
        var magnitude = Emit(new Instruction(Opcode.Sub, Emit(new Instruction(Opcode.Xor, divisor, sign), type), sign), type);
        return new Constants(multiplier, shift, addend, sign, magnitude);
    }

    private static MethodRef Helper(string name, int width, IrType resultType)
    {
        var parameter = width == 32 ? typeof(int) : typeof(long);
        string result = resultType.Kind == TypeKind.I32 ? "System.Int32" : "System.Int64";
        return new MethodRef($"{result} {typeof(DivisionMagic).FullName}::{name}({parameter.FullName})", hasThis: false,
            origin: typeof(DivisionMagic).GetMethod(name, [parameter]))
        { IsPure = true };
    }

    /// <summary>
    /// The instructions that go before <paramref name="division"/>, which itself becomes the last step (so its
    /// result, and every use of it, stays).
    /// </summary>
    private static List<Instruction> Sequence(FlowGraph graph, Instruction division, Constants constants, int width)
    {
        var type = width == 32 ? IrType.I32 : IrType.I64;
        var sequence = new List<Instruction>();
        Value Emit(Opcode opcode, IrType resultType, params Value[] operands)
        {
            var instruction = new Instruction(opcode, operands) { Location = division.Location };
            sequence.Add(instruction);
            return graph.SetResult(instruction, resultType);
        }
        var dividend = division.Operands[0];
        var high = Emit(Opcode.MulHigh, type, constants.Multiplier, dividend);
        var sum = Emit(Opcode.Add, type, high, dividend);
        var topBit = Emit(Opcode.Const, IrType.I32);
        sequence[^1].Integer = width - 1;
        var sumSign = Emit(Opcode.Shr, type, sum, topBit);
        var rounded = Emit(Opcode.Add, type, sum, Emit(Opcode.And, type, sumSign, constants.Addend));
        var quotient = Emit(Opcode.Shr, type, rounded, constants.Shift);
        division.Operands.Clear();
        if (division.Opcode == Opcode.Div)
        {
            // n / d = (n / |d|) negated when d < 0: (q ^ g) - g with g = d >> (w-1).
            division.Operands.AddRange([Emit(Opcode.Xor, type, quotient, constants.Sign), constants.Sign]);
        }
        else
        {
            // n % d = n - (n / |d|) * |d|: the remainder has the dividend's sign whatever the divisor's.
            division.Operands.AddRange([dividend, Emit(Opcode.Mul, type, quotient, constants.Magnitude)]);
        }
        division.Opcode = Opcode.Sub;
        return sequence;
    }
}
