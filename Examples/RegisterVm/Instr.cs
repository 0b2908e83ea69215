namespace PeJit.Examples.RegisterVm;

/// <summary>One instruction: an operation and up to three operands (registers, a constant's index, a target, a function).</summary>
/// <param name="Op">The operation.</param>
/// <param name="A">The first operand: usually the register written.</param>
/// <param name="B">The second operand.</param>
/// <param name="C">The third operand.</param>
public readonly record struct Instr(Op Op, int A, int B, int C);
