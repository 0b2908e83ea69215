using PeJit.IR;

namespace PeJit.Backends.Amd64.Lowering;

/// <summary>One guard's exit: its number (the status the native code returns), why it is taken, and the residual instruction it guards.</summary>
public sealed record MachineExit(int Number, ExitReason Reason, string Instruction)
{
    /// <summary>A <see cref="ExitReason.Transition"/>: the tail block the managed stub goes on from.</summary>
    public Block? Target { get; init; }

    /// <summary>A transition's values native code stores into the argument block, word by word, before it returns.</summary>
    public IReadOnlyList<MachineOperand> Values { get; init; } = [];

    /// <summary>The residual values <see cref="Values"/> hold, in the same order.</summary>
    public IReadOnlyList<Value> Stored { get; init; } = [];

    /// <summary>A transition's target parameters and the residual values the edge passes them.</summary>
    public IReadOnlyList<(Value Parameter, Value Source)> Parameters { get; init; } = [];

    /// <summary>The exception the CLR throws where this exit is taken, as the interpreter would throw it.</summary>
    public Exception CreateException() => Reason switch
    {
        ExitReason.NullReference => new NullReferenceException(),
        ExitReason.IndexOutOfRange => new IndexOutOfRangeException(),
        ExitReason.DivideByZero => new DivideByZeroException(),
        ExitReason.Overflow => new OverflowException(),
        _ => new InvalidOperationException($"exit{Number} is a transition to {Target}, not a guard"),
    };

    /// <inheritdoc/>
    public override string ToString() => Reason == ExitReason.Transition
        ? $"exit{Number}: transition to {Target} storing [{string.Join(", ", Values)}] at {Instruction}"
        : $"exit{Number}: {Reason} at {Instruction}";
}
