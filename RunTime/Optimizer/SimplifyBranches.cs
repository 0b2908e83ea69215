using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// A <c>brif</c> on a test of a test branches on the inner test: <c>cne x, 0</c> (or null) is non-zero exactly
/// when x is, <c>ceq x, 0</c> exactly when x is zero (so the targets swap), and a <c>conv</c> of a compare's 0 or 1
/// is zero exactly when the compare is. The interpreter's <c>if ((value == 0) == (op == JumpIfZero))</c> leaves
/// such chains; RyuJIT does not always see through them (a compare whose 0 or 1 is also stored is materialized),
/// and with the targets in the interpreted program's own order the loop's back edge is the taken branch. A <c>brif</c> on
/// a constant is a jump.
/// </summary>
/// <remarks>Cost: linear in the graph's size: each branch follows its chain of tests once, and looks at its arguments once.
/// The sets and maps by value number it fills per branch are one for the whole pass, emptied of what each branch put in
/// them: a new one per branch, grown to the highest value it held, allocated branches × values bytes.</remarks>
internal static class SimplifyBranches
{
    public static void Run(FlowGraph graph)
    {
        var predecessors = Predecessors.Compute(graph);
        var seen = new ValueSet(graph.ValueCount);
        var seenValues = new List<Value>();
        var constants = new ValueToValueMap(graph.ValueCount);
        bool decided = false;
        foreach (var block in graph.Blocks)
        {
            if (graph[block].Terminator is not { Opcode: Opcode.BrIf } branch) continue;
            // A branch on a constant (a type test of a value pushed and popped in one turn, folded once promotion made the
            // pop the pushed value, after the last guards; a merged join's constant argument) is a jump.
            // A string literal is never null (an isinst a literal passes is the literal: KnownObjects).
            if (graph[branch.Operands[0]].DefiningInstruction is { } constant
                && ((constant.Opcode == Opcode.Const && IsInteger(graph.TypeOf(branch.Operands[0]))) || constant.Opcode is Opcode.Null or Opcode.String))
            {
                var jump = new Instruction(Opcode.Jump) { Location = branch.Location };
                jump.Targets.Add(branch.Targets[(constant.Opcode == Opcode.Const && constant.Integer != 0) || constant.Opcode == Opcode.String ? 0 : 1]);
                graph[block].Instructions[^1] = jump;
                decided = true;
                continue;
            }
            foreach (var value in seenValues) seen.Remove(value);
            seenValues.Clear();
            while (Seen(branch.Operands[0]) && graph[branch.Operands[0]].DefiningInstruction is { } test)
            {
                if (test.Opcode is Opcode.Cne or Opcode.Ceq && ZeroTested(graph, test) is { } tested)
                {
                    branch.Operands[0] = tested;
                    if (test.Opcode == Opcode.Ceq) (branch.Targets[0], branch.Targets[1]) = (branch.Targets[1], branch.Targets[0]);
                }
                else if (test.Opcode == Opcode.Conv && IsCompare(graph, test.Operands[0]) && IsInteger(graph.TypeOf(branch.Operands[0])))
                    branch.Operands[0] = test.Operands[0];
                else break;
            }
            FoldKnownArguments(graph, block, branch, predecessors, constants);
        }
        if (decided) GraphEdits.RemoveUnreachable(graph);

        bool Seen(Value value)
        {
            if (!seen.Add(value)) return false;
            seenValues.Add(value);
            return true;
        }
    }

    /// <summary>
    /// What a <c>brif</c>'s own condition c is, is known on each edge: on the false edge c is 0, on the true edge a
    /// compare's c is 1, and so are their integer conversions. Where the branch passes them to a target, and in a
    /// target the branch is the only way into, they become those constants. A loop that leaves when its test fails
    /// and hands the test's value to the code after it (the interpreter stores the compare's 0 or 1 in a register)
    /// then computes the value only for the branch, so the backend fuses the compare with it.
    /// </summary>
    private static void FoldKnownArguments(FlowGraph graph, Block block, Instruction branch, Predecessors predecessors, ValueToValueMap constants)
    {
        var condition = branch.Operands[0];
        bool compare = IsCompare(graph, condition);
        if (!compare && !IsInteger(graph.TypeOf(condition))) return;
        bool Known(Value value) => value == condition
            || (graph[value].DefiningInstruction is { Opcode: Opcode.Conv or Opcode.ConvUn } conversion
                && conversion.Operands[0] == condition && IsInteger(graph.TypeOf(value)));
        for (int t = 0; t < branch.Targets.Count; t++)
        {
            long known = t == 0 ? 1 : 0;
            if (known == 1 && !compare) continue;   // x != 0 is all a true edge says of an integer x
            var target = branch.Targets[t];
            Value Constant(Value replaced, List<Instruction> code, int at)
            {
                var constant = new Instruction(Opcode.Const) { Integer = known, Location = branch.Location };
                var value = graph.SetResult(constant, graph.TypeOf(replaced));
                code.Insert(at, constant);
                return value;
            }
            var here = graph[block].Instructions;
            for (int k = 0; k < target.Arguments.Count; k++)
                if (Known(target.Arguments[k])) target.Arguments[k] = Constant(target.Arguments[k], here, here.Count - 1);
            // Inside the target, when this edge is the only way in (and not the block itself, where c is computed).
            var inside = target.Target;
            if (inside == block || branch.Targets[1 - t].Target == inside || predecessors.EdgesInto(inside).Count != 1) continue;
            var code = graph[inside].Instructions;
            // Empty: a target's constants are its own (the conditions replaced are few, each removed after).
            var replaced = new List<Value>();
            // Each replaced value's constant goes first in the block, so the instruction being looked at moves down.
            int at = 0;
            void Replace(List<Value> values)
            {
                for (int k = 0; k < values.Count; k++)
                {
                    if (!Known(values[k])) continue;
                    if (!constants.TryGetValue(values[k], out var constant))
                    {
                        constants[values[k]] = constant = Constant(values[k], code, 0);
                        replaced.Add(values[k]);
                        at++;
                    }
                    values[k] = constant;
                }
            }
            for (; at < code.Count; at++)
            {
                Replace(code[at].Operands);
                foreach (var call in code[at].Targets) Replace(call.Arguments);
            }
            foreach (var value in replaced) constants.Remove(value);
        }
    }

    /// <summary>The x of <c>ceq x, 0</c> or <c>cne x, 0</c> (either side; zero or null), when x is a valid branch condition.</summary>
    private static Value? ZeroTested(FlowGraph graph, Instruction compare)
    {
        for (int side = 0; side < 2; side++)
        {
            var zero = compare.Operands[side];
            var other = compare.Operands[1 - side];
            bool isZero = graph[zero].DefiningInstruction is { Opcode: Opcode.Null }
                || (graph[zero].DefiningInstruction is { Opcode: Opcode.Const, Integer: 0 } && IsInteger(graph.TypeOf(zero)));
            var kind = graph.TypeOf(other).StackKind;
            if (isZero && kind is StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt or StackKind.Reference) return other;
        }
        return null;
    }

    private static bool IsInteger(IrType type) => type.StackKind is StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt;

    private static bool IsCompare(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction?.Opcode is Opcode.Ceq or Opcode.Cne or Opcode.Clt or Opcode.Cle or Opcode.Cgt or Opcode.Cge
            or Opcode.CltUn or Opcode.CleUn or Opcode.CgtUn or Opcode.CgeUn;
}
