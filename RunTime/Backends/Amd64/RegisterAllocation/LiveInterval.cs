using PeJit.Backends.Amd64.Lowering;

namespace PeJit.Backends.Amd64.RegisterAllocation;

/// <summary>
/// The positions over the block order where a virtual register may be live, as one range [Start, End]: the
/// hull of its definition, its uses and every block boundary it is live across. Holes are not kept, so a
/// register's interval may be longer than needed, never shorter.
/// </summary>
public sealed class LiveInterval(VirtualRegister register)
{
    /// <summary>The virtual register.</summary>
    public VirtualRegister Register { get; } = register;

    /// <summary>The first position.</summary>
    public int Start { get; private set; } = int.MaxValue;

    /// <summary>The last position.</summary>
    public int End { get; private set; } = int.MinValue;

    /// <summary>Widens the interval to cover <paramref name="position"/>.</summary>
    public void Cover(int position)
    {
        Start = Math.Min(Start, position);
        End = Math.Max(End, position);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Register} [{Start}, {End}]";
}
