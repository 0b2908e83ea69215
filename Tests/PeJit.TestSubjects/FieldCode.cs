namespace PeJit.TestSubjects;

/// <summary>The program of <see cref="FieldVm"/>: struct instructions in a readonly array.</summary>
/// <param name="instructions">The instructions.</param>
public sealed class FieldCode(FieldInstr[] instructions)
{
    /// <summary>The instructions.</summary>
    public readonly FieldInstr[] Instructions = instructions;
}
