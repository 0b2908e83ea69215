namespace PeJit.Frontend.Construction;

/// <summary>
/// Thrown inside the converter when a method uses a construct the IR cannot express; the method becomes
/// opaque with this message as its reason.
/// </summary>
internal sealed class UnsupportedConstructException(string reason, int ilOffset, string? advice = null) : Exception(reason)
{
    /// <summary>Offset of the offending instruction, or -1.</summary>
    public int ILOffset { get; } = ilOffset;

    /// <summary>What the user can do about this construct, when it is more than the general advice of an opaque method.</summary>
    public string? Advice { get; } = advice;
}
