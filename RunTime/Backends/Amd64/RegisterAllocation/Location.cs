using Iced.Intel;

namespace PeJit.Backends.Amd64.RegisterAllocation;

/// <summary>Where a virtual register lives for its whole life: a physical register, or a stack slot (spilled).</summary>
public readonly record struct Location(Register Register, int Slot)
{
    /// <summary>The physical register <paramref name="register"/>.</summary>
    public static Location In(Register register) => new(register, -1);

    /// <summary>The stack slot <paramref name="slot"/>.</summary>
    public static Location Spilled(int slot) => new(Register.None, slot);

    /// <summary>True for a stack slot.</summary>
    public bool IsSpilled => Register == Register.None;

    /// <inheritdoc/>
    public override string ToString() => IsSpilled ? $"slot{Slot}" : Register.ToString().ToLowerInvariant();
}
