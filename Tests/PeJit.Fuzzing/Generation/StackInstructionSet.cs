namespace PeJit.Fuzzing.Generation;

/// <summary>
/// Where a stack machine's assembly language differs from the stack VM's, for <see cref="StackVmGenerator"/>:
/// the same <c>push</c>, <c>pop</c>, <c>dup</c>, arithmetic, comparisons, jumps, locals, <c>call</c>,
/// <c>ret</c> and <c>print</c>, with or without the rest.
/// </summary>
/// <param name="Swap">Whether it has <c>swap</c> (a b → b a).</param>
/// <param name="Over">Whether it has <c>over</c> (a b → a b a).</param>
/// <param name="Neg">Whether it has <c>neg</c>.</param>
/// <param name="WidePush">Whether <c>push</c> takes any 64-bit constant; otherwise only 32-bit ones, and wider ones are built by arithmetic.</param>
/// <param name="CheckedLocals">Whether the assembler rejects a local out of range (then that runtime error cannot be generated).</param>
public sealed record StackInstructionSet(bool Swap, bool Over, bool Neg, bool WidePush, bool CheckedLocals)
{
    /// <summary>Examples/StackVm.</summary>
    public static StackInstructionSet StackVm { get; } = new(Swap: true, Over: true, Neg: true, WidePush: true, CheckedLocals: false);

    /// <summary>Examples/HandlerTable: no <c>swap</c>, <c>over</c> nor <c>neg</c>, 32-bit <c>push</c>, locals checked when assembled.</summary>
    public static StackInstructionSet HandlerTable { get; } = new(Swap: false, Over: false, Neg: false, WidePush: false, CheckedLocals: true);
}
