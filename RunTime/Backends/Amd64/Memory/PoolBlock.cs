namespace PeJit.Backends.Amd64.Memory;

/// <summary>A unit's piece of a <see cref="PoolChunk"/>: its code (read-execute) or its data (read-write).</summary>
/// <param name="Chunk">The chunk it is in.</param>
/// <param name="Offset">Where it starts in the chunk.</param>
/// <param name="Length">Its bytes (whole granules).</param>
public readonly record struct PoolBlock(PoolChunk Chunk, int Offset, int Length)
{
    /// <summary>The first byte.</summary>
    public nint Address => Chunk.Address + Offset;

    /// <summary>True when the two blocks share a byte.</summary>
    public bool Overlaps(PoolBlock other) => Address < other.Address + other.Length && other.Address < Address + Length;
}
