namespace PeJit.Backends.Amd64.Lowering;

/// <summary>One guard's exit: its number (the status the native code returns), why it is taken, and the residual instruction it guards.</summary>
public sealed record MachineExit(int Number, ExitReason Reason, string Instruction)
{
    /// <summary>The exception the CLR throws where this exit is taken, as the interpreter would throw it.</summary>
    public Exception CreateException() => Reason switch
    {
        ExitReason.NullReference => new NullReferenceException(),
        ExitReason.IndexOutOfRange => new IndexOutOfRangeException(),
        ExitReason.DivideByZero => new DivideByZeroException(),
        _ => new OverflowException(),
    };

    /// <inheritdoc/>
    public override string ToString() => $"exit{Number}: {Reason} at {Instruction}";
}
