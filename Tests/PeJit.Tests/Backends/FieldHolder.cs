namespace PeJit.Tests.Backends;

/// <summary>An object with an array field, for the AMD64 stub's hoisted field reads.</summary>
public sealed class FieldHolder
{
    /// <summary>The array native code indexes after the stub read and pinned it.</summary>
    public long[] Items = [];
}
