namespace PeJit.TestSubjects;

/// <summary>One instruction of <see cref="FieldVm"/>: a readonly record struct with a cached operand the dispatch fills in.</summary>
/// <param name="Op">The operation (green: read from the program).</param>
/// <param name="A">The register written.</param>
/// <param name="B">The register read, the immediate, or the target.</param>
/// <param name="Cache">The value of register B, filled in with <c>with</c> when the instruction runs (red).</param>
public readonly record struct FieldInstr(FieldOp Op, int A, int B, long Cache = 0);
