using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Folds operations whose operands are all constants, and reassociates additions and subtractions of
/// integer constants (<c>(sp + 1) - 1</c> becomes <c>sp</c>; <c>(sp - 1) - 1</c> becomes <c>sp - 2</c>), which
/// is most of what a stack machine's stack pointer does once its dispatch is gone. Class tests decided by what is
/// known (<see cref="TypeObjects"/>): <c>GetType()</c> of an object just allocated or of a unit constant is <c>typeof</c>
/// its class, <c>ceq</c>/<c>cne</c> of two <c>typeof</c>s is a constant, an <c>isinst</c> of such an object is null or a
/// cast that passes (<c>FlowGraph.Members</c> says which), and two such objects of different classes are not the same.
/// An <c>isinst</c> or <c>unbox.any</c> of an object the unit holds (a constant, a string literal) is decided by that object
/// (<see cref="KnownObjects"/>).
/// </summary>
/// <remarks>Cost: linear in the graph's size: one pass over the instructions in layout order with maps of known constants and offsets, one replacement of uses (inserting a constant into a block's list costs that block's length, so a single huge block is quadratic in its own size).</remarks>
internal static class FoldConstants
{
    public static void Run(FlowGraph graph)
    {
        // The IR's maps, a small class for an offset and loops, not dictionaries over values and tuples or LINQ over
        // values: those are compiled by .NET on the first unit's path (Docs/PERFORMANCE.md, warm-up).
        var constants = new ValueMap<object>(graph.ValueCount);
        var offsets = new ValueMap<RootAndOffset>(graph.ValueCount);
        var replacement = new ValueToValueMap();
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                var instruction = instructions[i];
                if (instruction.Result is not { } result) continue;
                var type = graph.TypeOf(result);
                // A field of a value a store-only constructor or default made: the argument stored there, or zero (StructSlots).
                if (instruction.Opcode == Opcode.LoadField && StructSlots.FoldField(graph, instruction, out var stored))
                {
                    if (stored is { } argument)
                    {
                        replacement[result] = argument;
                        if (constants.TryGetValue(argument, out var argumentConstant)) constants[result] = argumentConstant;
                    }
                    else if (instruction.Opcode == Opcode.Const && type.StackKind is StackKind.Int32 or StackKind.Int64)
                        constants[result] = type.StackKind == StackKind.Int32 ? (int)instruction.Integer : instruction.Integer;
                    continue;
                }
                // x.GetType() of an object just made is its class; two known type objects are equal when their types are.
                if (TypeObjects.IsGetType(instruction) && TypeObjects.ExactClassOf(graph, instruction.Operands[0]) is { } exactClass)
                {
                    i += TypeObjects.Replace(graph, instructions, instruction, exactClass);
                    continue;
                }
                // An isinst of an object whose class is known: null when it is not an instance, a cast that passes when it is.
                if (instruction.Opcode == Opcode.IsInst && graph.Members is { } members && instruction.TypeOperand is { Kind: TypeKind.Class or TypeKind.Object } target
                    && TypeObjects.ExactClassOf(graph, instruction.Operands[0]) is { Kind: TypeKind.Class } knownClass
                    && TypeObjects.InstanceOf(members, knownClass, target) is { } instance)
                {
                    if (instance) instruction.Opcode = Opcode.CastClass;
                    else
                    {
                        instruction.Opcode = Opcode.Null;
                        instruction.Operands.Clear();
                        instruction.TypeOperand = null;
                    }
                    continue;
                }
                // An isinst or unbox.any of a known object (a unit constant, a string literal): a query engine's
                // `b is long y` or `b is string t` on a constant operand that the analysis saw red but the unit holds.
                if (instruction.Opcode is Opcode.IsInst or Opcode.UnboxAny && KnownObjects.Decide(graph, instruction, result, constants, replacement))
                    continue;
                // Two objects of different known classes are two objects (an interpreter's `value == nil` on a constant).
                if (instruction.Opcode is Opcode.Ceq or Opcode.Cne && instruction.Operands.Count == 2 && graph.TypeOf(instruction.Operands[0]).IsReference
                    && TypeObjects.ExactClassOf(graph, instruction.Operands[0]) is { } leftClass
                    && TypeObjects.ExactClassOf(graph, instruction.Operands[1]) is { } rightClass && leftClass != rightClass)
                {
                    instruction.Integer = instruction.Opcode == Opcode.Ceq ? 0 : 1;
                    instruction.Opcode = Opcode.Const;
                    instruction.Operands.Clear();
                    constants[result] = (int)instruction.Integer;
                    continue;
                }
                if (TypeObjects.Compare(graph, instruction) is { } same)
                {
                    instruction.Opcode = Opcode.Const;
                    instruction.Operands.Clear();
                    instruction.Integer = same ? 1 : 0;
                    constants[result] = same ? 1 : 0;
                    continue;
                }
                // Native ints too: allocation removal makes an array's length (ldlen) a native-int constant, and the
                // `k < results.Length` after it decides whether a virtual object flows on or a join makes it real.
                if (instruction.Opcode == Opcode.Const)
                {
                    if (type.StackKind is StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt)
                        constants[result] = type.StackKind switch { StackKind.Int32 => (int)instruction.Integer, StackKind.NativeInt => (object)(nint)instruction.Integer, _ => instruction.Integer };
                    continue;
                }
                if ((instruction.Info.Flags & OpcodeFlags.Pure) != 0 && instruction.Operands.Count > 0
                    && AllConstant(instruction.Operands, constants) && type.StackKind is StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt)
                {
                    object? folded;
                    try
                    {
                        var operands = new List<object?>(instruction.Operands.Count);
                        foreach (var operand in instruction.Operands) operands.Add(constants[operand]);
                        folded = ValueSemantics.Pure(instruction.Opcode, operands, type);
                    }
                    catch (Exception e) when (e is ArithmeticException or EvaluationException)
                    {
                        continue;
                    }
                    if (folded is int or long or nint)
                    {
                        instruction.Opcode = Opcode.Const;
                        instruction.Operands.Clear();
                        instruction.Integer = folded switch { int n => n, nint n => n, _ => (long)folded };
                        constants[result] = folded;
                    }
                    continue;
                }
                if (instruction.Opcode is not (Opcode.Add or Opcode.Sub) || type.StackKind is not (StackKind.Int32 or StackKind.Int64)) continue;
                if (!constants.TryGetValue(instruction.Operands[1], out var k) || k is nint) continue;
                long delta = instruction.Opcode == Opcode.Add ? Convert.ToInt64(k) : -Convert.ToInt64(k);
                var left = instruction.Operands[0];
                var (root, offset) = offsets.TryGetValue(left, out var known) ? (known.Root, known.Offset) : (left, 0L);
                long total = offset + delta;
                if (type.StackKind == StackKind.Int32) total = unchecked((int)total);
                offsets[result] = new RootAndOffset(root, total);
                if (graph.TypeOf(root) != type) continue;
                if (total == 0)
                {
                    replacement[result] = root;
                    continue;
                }
                if (root == left) continue;
                // result = root + total: one operation on the root instead of a chain.
                var constant = new Instruction(Opcode.Const) { Integer = total, Location = instruction.Location };
                graph.SetResult(constant, type);
                instructions.Insert(i, constant);
                i++;
                constants[constant.Result!.Value] = type.StackKind == StackKind.Int32 ? (int)total : total;
                instruction.Opcode = Opcode.Add;
                instruction.Operands[0] = root;
                instruction.Operands[1] = constant.Result!.Value;
            }
        }
        GraphEdits.Replace(graph, replacement);
    }

    private static bool AllConstant(List<Value> operands, ValueMap<object> constants)
    {
        foreach (var operand in operands)
            if (!constants.ContainsKey(operand)) return false;
        return true;
    }

    /// <summary>A value as a root plus a constant offset (a chain of additions and subtractions of constants).</summary>
    private sealed class RootAndOffset(Value root, long offset)
    {
        public Value Root { get; } = root;
        public long Offset { get; } = offset;
    }
}
