using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// A loop that divides by a value it does not change, which the runtime's sample of the unit's entry says is some
/// number K (<see cref="SampleValues"/>: an interpreted program's register that holds 13, read from the frame the
/// loop got hot with), gets a copy in which the divisor is the constant K, entered when a test before the loop finds
/// the divisor equal to K; otherwise the loop runs as it was. A division by a constant is what the .NET JIT and the
/// AMD64 backend reduce to a multiply-high and shifts tailored to K, shorter than the sequence for a divisor known
/// only at run time (<see cref="ReduceDivisions"/>), which the other copy keeps.
/// </summary>
/// <remarks>
/// <para>Why it is always right: the copy computes what the loop computes whenever it is entered, because the test
/// has just shown the divisor to be K. A wrong guess (the program divides by something else this time) costs one
/// comparison per entry of the loop, not an exit or a recompilation, which is why the fallback is the loop itself
/// rather than an exit: a function called with different divisors keeps compiled code for all of them.</para>
/// <para>Rules: integer divisions and remainders (signed and unsigned, 32 and 64 bits) whose divisor is not a
/// constant and is defined outside the loop; K not 0 (and not -1 for a signed one), which a constant would not make
/// faster. The loop versioned for a division is the outermost one that does not define its divisor, so the test runs
/// as seldom as it can; all of that loop's such divisors are tested together. The loop must be entered by one jump
/// (its preheader's), which is where the tests go. At most <see cref="MaxVersions"/> loops per graph, each of at
/// most <see cref="MaxLoopInstructions"/> instructions: code grows by the loops copied. Graphs with exception
/// regions are left alone (the pipeline runs only region-safe passes on them).</para>
/// <para>Cost: a scan for a candidate division first (most graphs have none); then, per loop versioned, dominators,
/// loops and a copy of the loop.</para>
/// </remarks>
internal static class SpeculateDivisors
{
    private const int MaxVersions = 8;
    private const int MaxLoopInstructions = 4000;

    public static void Run(FlowGraph graph)
    {
        if (graph.SampleArguments is null || graph.RegionCount > 0 || !HasDivisionByAVariable(graph)) return;
        var tried = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        int versions = 0;
        while (versions < MaxVersions && VersionOne(graph, tried)) versions++;
        if (versions > 0) graph.Compact();
    }

    private static bool HasDivisionByAVariable(FlowGraph graph)
    {
        for (int b = 0; b < graph.BlockCount; b++)
            foreach (var instruction in graph[new Block(b)].Instructions)
                if (IsDivision(graph, instruction) && graph[instruction.Operands[1]].DefiningInstruction?.Opcode != Opcode.Const)
                    return true;
        return false;
    }

    private static bool IsDivision(FlowGraph graph, Instruction instruction) =>
        instruction.Opcode is Opcode.Div or Opcode.Rem or Opcode.DivUn or Opcode.RemUn
        && instruction.Result is { } result && graph.TypeOf(result).StackKind is StackKind.Int32 or StackKind.Int64;

    /// <summary>Versions the first loop (outermost first) that has a division to speculate on; false when none is left.</summary>
    private static bool VersionOne(FlowGraph graph, HashSet<Instruction> tried)
    {
        var dominators = Dominators.Compute(graph);
        var predecessors = Predecessors.Compute(graph);
        var definedIn = LoopVersioning.DefiningBlocks(graph);
        foreach (var loop in GraphEdits.Ordered(NaturalLoop.Find(graph, dominators), l => l.Depth))
        {
            if (EntryJump(graph, loop, predecessors) is not { } entry) continue;
            var guesses = new List<Guess>();
            int size = 0;
            foreach (var block in loop.Blocks)
            {
                size += graph[block].Instructions.Count;
                foreach (var division in graph[block].Instructions)
                {
                    if (!IsDivision(graph, division) || tried.Contains(division)) continue;
                    var divisor = division.Operands[1];
                    if (LoopVersioning.DefinedIn(loop, divisor, definedIn) || graph[divisor].DefiningInstruction?.Opcode == Opcode.Const) continue;
                    tried.Add(division);
                    if (guesses.Any(g => g.Divisor == divisor)) continue;
                    if (SampleValues.Integer(graph, divisor) is not { } guess || !WorthAConstant(graph, division, guess)) continue;
                    guesses.Add(new Guess(divisor, guess));
                }
            }
            if (guesses.Count == 0 || size > MaxLoopInstructions) continue;
            Version(graph, loop, entry, guesses);
            return true;
        }
        return false;
    }

    /// <summary>
    /// A divisor and the value guessed for it: a small class, not a tuple, whose list .NET would compile on the first
    /// unit's path (Docs/PERFORMANCE.md, warm-up).
    /// </summary>
    private sealed class Guess(Value divisor, long value)
    {
        public Value Divisor { get; } = divisor;
        public long Value { get; } = value;

        public void Deconstruct(out Value divisor, out long value) => (divisor, value) = (Divisor, Value);
    }

    /// <summary>A divisor the .NET JIT turns into something cheaper than the run-time sequence: not 0 or, signed, -1, and within the division's width.</summary>
    private static bool WorthAConstant(FlowGraph graph, Instruction division, long guess)
    {
        bool wide = graph.TypeOf(division.Result!.Value).StackKind == StackKind.Int64;
        bool signed = division.Opcode is Opcode.Div or Opcode.Rem;
        if (guess == 0 || (signed && guess == -1)) return false;
        return wide || guess is >= int.MinValue and <= uint.MaxValue;
    }

    /// <summary>The one jump from outside the loop into its header, when that is how the loop is entered.</summary>
    private static Edge? EntryJump(FlowGraph graph, NaturalLoop loop, Predecessors predecessors)
    {
        Edge? found = null;
        foreach (var edge in predecessors.EdgesInto(loop.Header))
        {
            if (loop.Blocks.Contains(edge.Source)) continue;
            if (found is not null || graph[edge.Source].Terminator is not { Opcode: Opcode.Jump }) return null;
            found = edge;
        }
        return found;
    }

    /// <summary>
    /// Copies <paramref name="loop"/>, makes each guessed divisor a constant in the copy, and enters the copy from the
    /// preheader when every divisor equals its guess (one test block each), the loop otherwise.
    /// </summary>
    private static void Version(FlowGraph graph, NaturalLoop loop, Edge entry, List<Guess> guesses)
    {
        var preheader = entry.Source;
        var index = new PromotionIndex(graph);
        var copies = LoopVersioning.Copy(graph, loop, index);
        var location = graph[preheader].Terminator!.Location;

        // The constants, in the preheader (which dominates the tests and both loops).
        var preheaderCode = graph[preheader].Instructions;
        preheaderCode.RemoveAt(preheaderCode.Count - 1);   // the jump into the loop, replaced by the tests
        var constants = new ValueToValueMap();
        foreach (var (divisor, guess) in guesses)
        {
            var constant = new Instruction(Opcode.Const) { Integer = guess, Location = location };
            constants[divisor] = graph.SetResult(constant, graph.TypeOf(divisor));
            preheaderCode.Add(constant);
        }
        foreach (var copy in copies.Values)
            foreach (var instruction in graph[copy].Instructions)
            {
                for (int k = 0; k < instruction.Operands.Count; k++)
                    if (constants.TryGetValue(instruction.Operands[k], out var constant)) instruction.Operands[k] = constant;
                foreach (var target in instruction.Targets)
                    for (int k = 0; k < target.Arguments.Count; k++)
                        if (constants.TryGetValue(target.Arguments[k], out var constant)) target.Arguments[k] = constant;
            }

        // The tests: each equal goes on to the next test, the last to the copy; any other value to the loop, through
        // a block of its own, which then dominates the loop alone: what the divisions pass computes before the loop
        // goes there, and the copy's path does not compute it.
        var arguments = new List<Value>(entry.Call.Arguments.Count);
        foreach (var argument in entry.Call.Arguments) arguments.Add(argument);
        var fallback = graph.AddBlock();
        graph[fallback].Instructions.Add(new Instruction(Opcode.Jump) { Location = location, Targets = { new BlockCall(loop.Header, arguments) } });
        var testing = preheader;
        for (int i = 0; i < guesses.Count; i++)
        {
            var (divisor, _) = guesses[i];
            var equal = new Instruction(Opcode.Ceq, divisor, constants[divisor]) { Location = location };
            graph.SetResult(equal, IrType.Bool);
            graph[testing].Instructions.Add(equal);
            var onEqual = i == guesses.Count - 1 ? new BlockCall(copies[loop.Header], arguments) : new BlockCall(graph.AddBlock(), []);
            var branch = new Instruction(Opcode.BrIf, equal.Result!.Value) { Location = location };
            branch.Targets.Add(onEqual);
            branch.Targets.Add(new BlockCall(fallback, []));
            graph[testing].Instructions.Add(branch);
            testing = onEqual.Target;
        }
    }
}
