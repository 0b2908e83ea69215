using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// Loop-invariant code motion of what cannot throw or observe memory that changes: a pure instruction (arithmetic, a
/// compare, an <c>isinst</c>, a call of a pure method that never throws) whose operands the loop does not define, a load of an element of the unit's constants (the
/// entry's first parameter at a constant index, <see cref="FlowGraph.Constants"/>: green, immutable while the unit lives),
/// and a <c>castclass</c> of such a constant that the constant passes, move to the loop's preheader and run once per
/// entry instead of once per turn (an interpreter's constants table read and cast by every interpreted instruction that
/// names a constant, which promotion leaves in a loop with calls).
/// </summary>
/// <remarks>
/// Sound because nothing moved can throw or has an effect: computing it before the loop, even when the turn that used it
/// never reaches it, changes nothing the program sees, and its value is the same on every turn since its operands are.
/// The preheader dominates every block of the loop, so it dominates every use of what moved (a use after the loop was
/// dominated by the loop block that defined it). Operands that are constants defined in the loop are copied with the
/// instruction. Inner loops go first, so what leaves an inner loop may then leave the outer one; a preheader made for an
/// inner loop joins every loop that holds it.
/// <para>Cost: per loop, a pass over its blocks per round; a round hoists every instruction whose operands the last round
/// hoisted, so the rounds are the depth of the longest chain of invariant instructions (constant load, cast: two).</para>
/// </remarks>
internal static class HoistInvariants
{
    public static void Run(FlowGraph graph)
    {
        var dominators = Dominators.Compute(graph);
        var loops = NaturalLoop.Find(graph, dominators);
        // One set for every loop, emptied after each: a set as large as the graph made anew per loop would cost the
        // graph's size per loop (quadratic allocation in a unit of many loops).
        var defined = new ValueSet(graph.ValueCount);
        foreach (var loop in GraphEdits.Ordered(loops, l => l.Blocks.Count))
        {
            Hoist(graph, loop, defined);
            defined.Clear();
        }
    }

    private static void Hoist(FlowGraph graph, NaturalLoop loop, ValueSet defined)
    {
        // The values the loop defines (parameters and results of its blocks): anything else is invariant in it.
        foreach (var block in loop.Blocks)
        {
            foreach (var parameter in graph[block].Parameters) defined.Add(parameter);
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Result is { } result) defined.Add(result);
        }
        Block? preheader = null;
        var hoisted = new List<Instruction>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var block in loop.Blocks)
            {
                var instructions = graph[block].Instructions;
                for (int i = 0; i < instructions.Count; i++)
                {
                    var instruction = instructions[i];
                    if (instruction.Result is not { } result || !Movable(graph, instruction)) continue;
                    bool invariant = true;
                    foreach (var operand in instruction.Operands)
                        if (defined.Contains(operand) && !IsConstant(graph, operand)) { invariant = false; break; }
                    if (!invariant) continue;
                    preheader ??= Preheader(graph, loop);
                    // Constants the loop defines are copied before the instruction: other users in the loop keep theirs.
                    for (int o = 0; o < instruction.Operands.Count; o++)
                        if (defined.Contains(instruction.Operands[o]))
                        {
                            var copy = LoopVersioning.Duplicate(graph[instruction.Operands[o]].DefiningInstruction!);
                            var value = graph.SetResult(copy, graph.TypeOf(instruction.Operands[o]), graph[instruction.Operands[o]].Name);
                            hoisted.Add(copy);
                            instruction.Operands[o] = value;
                        }
                    instructions.RemoveAt(i--);
                    hoisted.Add(instruction);
                    defined.Remove(result);
                    changed = true;
                }
            }
        }
        if (preheader is { } target)
        {
            var instructions = graph[target].Instructions;
            instructions.InsertRange(instructions.Count - 1, hoisted);
        }
    }

    /// <summary>Whether <paramref name="instruction"/> can neither throw nor read memory that may change: see the class remarks. Constants stay (they cost nothing in the loop).</summary>
    private static bool Movable(FlowGraph graph, Instruction instruction)
    {
        switch (instruction.Opcode)
        {
            case Opcode.Const or Opcode.Null or Opcode.String or Opcode.Token or Opcode.Default or Opcode.SizeOf or Opcode.SlotAddr:
                return false;
            case Opcode.LoadElement:
                return IsUnitConstant(graph, instruction);
            case Opcode.CastClass:
                // A cast of a unit constant (or of a cast of one) that the constant passes: it cannot throw.
                if (!ConstantObject(graph, instruction.Operands[0], out var constant)
                    || graph.Members is not { } members || instruction.TypeOperand is not { } type) return false;
                if (constant is null) return true;   // castclass of null is null
                try
                {
                    return members.ResolveType(type).IsInstanceOfType(constant);
                }
                catch (Exception e) when (e is TypeLoadException or ArgumentException or InvalidOperationException or NotSupportedException or System.IO.IOException)
                {
                    return false;
                }
            case Opcode.Call when instruction.Method is { IsPure: true } method:
                return NeverThrows.Contains(method.FullName);
            default:
                return (instruction.Info.Flags & OpcodeFlags.Pure) != 0 && !instruction.IsTerminator && instruction.Targets.Count == 0;
        }
    }

    /// <summary>
    /// Pure methods that throw for no argument, so a call of one moves as an operation does: a <c>Jit.Promote</c> case's
    /// delegate guard (its operands are the delegate a loop calls and the case's, both invariant when the loop reads the
    /// delegate before it: a builtin function made afresh for each run of a program fails the reference test, and the
    /// guard's call on every turn kept the loop's values in the stack frame), class handle compares, and a few of
    /// <see cref="Math"/>'s.
    /// </summary>
    private static readonly HashSet<string> NeverThrows = new(StringComparer.Ordinal)
    {
        "System.Boolean PeJit.Specializer.Engine.DelegateGuard::Matches(System.Object,System.Object)",
        "System.Boolean System.Type::op_Equality(System.Type,System.Type)",
        "System.Boolean System.Type::op_Inequality(System.Type,System.Type)",
        "System.Double System.Math::Sqrt(System.Double)",
        "System.Double System.Math::Abs(System.Double)",
    };

    /// <summary>The unit constant <paramref name="value"/> is: an <c>ldelem</c> of the constants array, or a cast of one.</summary>
    private static bool ConstantObject(FlowGraph graph, Value value, out object? constant)
    {
        constant = null;
        var definition = graph[value].DefiningInstruction;
        while (definition is { Opcode: Opcode.CastClass } cast) definition = graph[cast.Operands[0]].DefiningInstruction;
        if (definition is null || !IsUnitConstant(graph, definition)) return false;
        constant = graph.Constants![(int)graph[definition.Operands[1]].DefiningInstruction!.Integer];
        return true;
    }

    /// <summary>An <c>ldelem</c> of the unit's constants array at a constant index within it.</summary>
    private static bool IsUnitConstant(FlowGraph graph, Instruction load) =>
        load.Opcode == Opcode.LoadElement && graph.Constants is { } constants && graph.Parameters.Count > 0
        && load.Operands[0] == graph.Parameters[0] && graph[load.Operands[1]].DefiningInstruction is { Opcode: Opcode.Const } index
        && index.Integer >= 0 && index.Integer < constants.Count;

    private static bool IsConstant(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction is { Opcode: Opcode.Const or Opcode.Null or Opcode.String or Opcode.Token or Opcode.Default or Opcode.SizeOf } definition
        && definition.Operands.Count == 0;

    /// <summary>The block before the header that only jumps to it: the one entering block that jumps there unconditionally, or a new one.</summary>
    private static Block Preheader(FlowGraph graph, NaturalLoop loop)
    {
        var entering = new EdgeList();
        foreach (var block in graph.Blocks)
        {
            if (loop.Blocks.Contains(block) || graph[block].Terminator is not { } terminator) continue;
            for (int i = 0; i < terminator.Targets.Count; i++)
                if (terminator.Targets[i].Target == loop.Header) entering.Add(new Edge(block, i, terminator.Targets[i]));
        }
        var preheader = Preheaders.Of(graph, loop.Header, entering, out bool made);
        // The preheader is in every loop that holds this one: what moved into it is not invariant there by that alone.
        if (made)
            for (var outer = loop.Parent; outer is not null; outer = outer.Parent) outer.Blocks.Add(preheader);
        return preheader;
    }
}
