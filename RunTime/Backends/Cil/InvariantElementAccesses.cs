using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Backends.Cil;

/// <summary>
/// The element reads and element addresses inside a loop whose array and index are the same on every turn: the
/// accesses the CIL backend bounds-checks with a branch of its own before the <c>ldelem</c>.
/// </summary>
/// <remarks>
/// Why: .NET's loop hoisting (9, 10 and 11; dotnet/runtime#133585, fixed by PR #133642) never hoists a bounds
/// check, and a loop-invariant one does not close its barrier for throwing expressions either, so a later
/// loop-invariant division is hoisted ahead of it into the preheader: a unit whose first turn reads out of bounds
/// and then divides by zero throws <see cref="DivideByZeroException"/> where the interpreter, the graph evaluator
/// and native code throw <see cref="IndexOutOfRangeException"/>. An explicit <c>blt.un</c> ends .NET's basic
/// block there, and .NET hoists throwing expressions only from a loop's first block; the compare also proves
/// the <c>ldelem</c>'s own check redundant, so .NET removes that one and the access costs what it did.
/// A value is invariant in a loop when it is defined outside it, is a constant, or is the result of a pure
/// instruction (no memory, no exception) on invariant operands: .NET's value numbering sees at least as much.
/// Cost: dominators and loops, then O(instructions) per loop a block is in.
/// </remarks>
internal static class InvariantElementAccesses
{
    /// <summary>The accesses to check, or null when the graph has none (no loops, or no such access).</summary>
    public static HashSet<Instruction>? Find(FlowGraph graph)
    {
        var loops = NaturalLoop.Find(graph, Dominators.Compute(graph));
        if (loops.Count == 0) return null;
        HashSet<Instruction>? found = null;
        var invariant = new ValueSet(graph.ValueCount);
        foreach (var loop in loops)
        {
            invariant.Clear();
            // Everything defined outside the loop, then pure instructions over invariant operands, in layout order
            // (a forward pass suffices for straight-line definitions; a value defined later in layout order than
            // its use inside the loop is a loop-carried one, which is not invariant anyway).
            var insideDefinitions = new ValueSet(graph.ValueCount);
            foreach (var block in loop.Blocks)
            {
                foreach (var parameter in graph[block].Parameters) insideDefinitions.Add(parameter);
                foreach (var instruction in graph[block].Instructions)
                    if (instruction.Result is { } result) insideDefinitions.Add(result);
            }
            foreach (var block in loop.Blocks)
                foreach (var instruction in graph[block].Instructions)
                {
                    if (instruction.Result is { } result
                        && (instruction.Opcode is Opcode.Const or Opcode.Null
                            || (OpcodeInfo.Of(instruction.Opcode).Flags & OpcodeFlags.Pure) != 0 && AllInvariant(instruction)))
                        invariant.Add(result);
                    if (instruction.Opcode is Opcode.LoadElement or Opcode.ElementAddr
                        && IsInvariant(instruction.Operands[0]) && IsInvariant(instruction.Operands[1]))
                        (found ??= []).Add(instruction);
                }

            bool IsInvariant(Value value) => !insideDefinitions.Contains(value) || invariant.Contains(value);
            bool AllInvariant(Instruction instruction)
            {
                foreach (var operand in instruction.Operands)
                    if (!IsInvariant(operand)) return false;
                return true;
            }
        }
        return found;
    }
}
