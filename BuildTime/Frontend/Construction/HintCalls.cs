using Mono.Cecil;
using Mono.Cecil.Cil;
using HintNames = PeJit.IR.HintNames;

namespace PeJit.Frontend.Construction;

/// <summary>
/// Recognizes a call of a hint method in Cecil's IL, before (the frontend) or instead of (the weaver) the IR's
/// <see cref="HintNames.IsJitMethod"/>: both build-time stages that read IL directly ask the same question, so it is
/// spelled once.
/// </summary>
public static class HintCalls
{
    /// <summary>True when <paramref name="instruction"/> is <c>call Jit.</c><paramref name="hint"/> (any overload).</summary>
    public static bool IsCallOf(Instruction instruction, string hint) =>
        instruction.OpCode.Code == Code.Call
        && instruction.Operand is MethodReference { Name: var name, DeclaringType.FullName: HintNames.JitClass }
        && name == hint;
}
