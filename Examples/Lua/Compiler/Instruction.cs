namespace PeJit.Examples.Lua.Compiler;

/// <summary>One instruction: an operation and up to three operands (registers, constants, targets; see <see cref="OpCode"/>).</summary>
public readonly record struct Instruction(OpCode Op, int A, int B, int C)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Op} {A} {B} {C}";
}
