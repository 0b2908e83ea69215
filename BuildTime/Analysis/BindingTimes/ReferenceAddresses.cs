using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Addresses of green locals passed by reference (rule 9 of ContextAnalyzer, Docs/bta.md rule 11): <c>ReadOperand(code, ref pc)</c>, the usual C# way for a
/// decoder to advance a program counter. Such an address keeps the local green while every store through it, in this
/// graph or in the callees it is passed on to (inlined), is of a green value; the specializer then reads and writes
/// the local's green contents through it (a <c>GreenSlotAddress</c>).
/// </summary>
/// <remarks>
/// Strategy: the address of a local that is not a struct (structs have rule 7) is followed when every use of it is a
/// load or store through it, or an argument at a by-reference parameter of a call. What it cannot see from the
/// uses alone, whether the stores are green and whether each call is inlined, the fixpoint decides
/// (<see cref="ContextAnalyzer"/>: a red store, a residual call, or a callee that lets the address escape makes the
/// local red, with the address named in the reason). One look at each use: O(uses).
/// </remarks>
internal static class ReferenceAddresses
{
    /// <summary>True when every use of <paramref name="address"/> is one the analysis follows (see the remarks).</summary>
    public static bool IsFollowed(Instruction[] instructions, IndexLists usersOf, Value address)
    {
        foreach (int user in usersOf[address.Index])
        {
            var instruction = instructions[user];
            foreach (var target in instruction.Targets)
                if (target.Arguments.Contains(address)) return false;
            for (int operand = 0; operand < instruction.Operands.Count; operand++)
            {
                if (instruction.Operands[operand] != address) continue;
                bool followed = instruction.Opcode switch
                {
                    Opcode.Load or Opcode.Store => operand == 0 && (instruction.Operands.Count < 2 || instruction.Operands[1] != address),
                    Opcode.Call or Opcode.CallVirt => IsReferenceArgument(instruction, operand),
                    _ => false,
                };
                if (!followed) return false;
            }
        }
        return true;
    }

    /// <summary>True when operand <paramref name="operand"/> of a call is a by-reference parameter of the callee (not <c>this</c>).</summary>
    public static bool IsReferenceArgument(Instruction call, int operand)
    {
        if (ReadOnlyAddresses.Callee(call) is not { } callee) return false;
        int parameter = operand - (callee.HasThis ? 1 : 0);
        return parameter >= 0 && parameter < callee.Parameters.Count && callee.Parameters[parameter].ParameterType.IsByReference;
    }
}
