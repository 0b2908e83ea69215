namespace PeJit.TestSubjects;

/// <summary>The operations of <see cref="FieldVm"/>.</summary>
public enum FieldOp
{
    /// <summary>acc = r[b] (the instruction's cached operand).</summary>
    Load,
    /// <summary>acc += r[b], through a mutating method that reads the accumulator.</summary>
    Add,
    /// <summary>acc += b, through the accumulator's address (<c>state.Acc += b</c>).</summary>
    AddImmediate,
    /// <summary>r[a] = acc, through a setter of the cached operand.</summary>
    Store,
    /// <summary>r[a]--.</summary>
    Decrement,
    /// <summary>If r[a] != 0: go to instruction b.</summary>
    JumpNonZero,
    /// <summary>Print the machine state, passed as a whole.</summary>
    Print,
    /// <summary>Return acc.</summary>
    Halt,
}
