namespace PeJit.IR;

/// <summary>
/// A stack slot: a local variable kept in memory rather than in SSA form, because its address is taken or
/// because an exception handler must see the value it had where the exception was thrown. Printed <c>slot1</c>.
/// Slots are zero-initialized on entry to the function.
/// </summary>
public readonly record struct Slot(int Index)
{
    /// <inheritdoc/>
    public override string ToString() => $"slot{Index}";
}
