using System.Runtime.InteropServices;

namespace PeJit.Backends.Amd64.Memory;

/// <summary>
/// One mapping of a <see cref="CodePool"/>, sub-allocated to units in blocks of whole granules, first fit. A code
/// chunk is an anonymous memory file mapped read-execute for good; its bytes are written through a second,
/// read-write mapping of the same file that exists only while a unit's code is copied in (<see cref="Write"/>).
/// A data chunk is private read-write memory. No mapping of either is ever writable and executable.
/// </summary>
public sealed class PoolChunk
{
    // Free ranges (offset, length) in offset order, adjacent ones merged.
    private readonly List<(int Offset, int Length)> free;
    private readonly int descriptor;

    private PoolChunk(nint address, int length, bool executable, int descriptor)
    {
        Address = address;
        Length = length;
        Executable = executable;
        this.descriptor = descriptor;
        free = [(0, length)];
    }

    /// <summary>The first byte of the chunk's own mapping (read-execute for code, read-write for data).</summary>
    public nint Address { get; }

    /// <summary>Bytes mapped (whole pages).</summary>
    public int Length { get; }

    /// <summary>True for a code chunk (mapped read-execute).</summary>
    public bool Executable { get; }

    /// <summary>Bytes held by blocks now.</summary>
    public int Used { get; private set; }

    /// <summary>Maps a code chunk of <paramref name="length"/> bytes (whole pages): a memory file mapped read-execute.</summary>
    internal static PoolChunk MapCode(int length)
    {
        int descriptor = LibC.memfd_create("pejit-code", LibC.MemoryFileCloseOnExec);
        if (descriptor < 0)
            throw new BackendException($"memfd_create failed with errno {Marshal.GetLastPInvokeError()}: the AMD64 backend maps code through a memory file (Linux 3.17 and later, not blocked by seccomp); use the CIL backend");
        try
        {
            if (LibC.ftruncate(descriptor, length) != 0)
                throw new BackendException($"ftruncate of a {length}-byte code file failed with errno {Marshal.GetLastPInvokeError()}; use the CIL backend");
            var address = LibC.mmap(0, (nuint)length, LibC.ProtectRead | LibC.ProtectExecute, LibC.MapShared, descriptor, 0);
            if (address == LibC.MapFailed)
                throw new BackendException($"mapping {length} bytes of code read-execute failed with errno {Marshal.GetLastPInvokeError()} (a policy forbidding executable file mappings?); use the CIL backend");
            return new PoolChunk(address, length, executable: true, descriptor);
        }
        catch
        {
            LibC.close(descriptor);
            throw;
        }
    }

    /// <summary>Maps a data chunk of <paramref name="length"/> bytes (whole pages), read-write.</summary>
    internal static PoolChunk MapData(int length)
    {
        var address = LibC.mmap(0, (nuint)length, LibC.ProtectRead | LibC.ProtectWrite, LibC.MapPrivate | LibC.MapAnonymous, -1, 0);
        if (address == LibC.MapFailed)
            throw new InvalidOperationException($"mmap of {length} bytes of data failed with errno {Marshal.GetLastPInvokeError()}");
        return new PoolChunk(address, length, executable: false, descriptor: -1);
    }

    /// <summary>Takes the first free range that holds <paramref name="length"/> bytes (a multiple of the granule).</summary>
    internal bool TryAllocate(int length, out int offset)
    {
        for (int i = 0; i < free.Count; i++)
        {
            var range = free[i];
            if (range.Length < length) continue;
            offset = range.Offset;
            if (range.Length == length) free.RemoveAt(i);
            else free[i] = (range.Offset + length, range.Length - length);
            Used += length;
            return true;
        }
        offset = 0;
        return false;
    }

    /// <summary>Gives back the block at <paramref name="offset"/>, merged with its free neighbours.</summary>
    internal void Free(int offset, int length)
    {
        int i = 0;
        while (i < free.Count && free[i].Offset < offset) i++;
        if (i > 0 && free[i - 1].Offset + free[i - 1].Length > offset || i < free.Count && offset + length > free[i].Offset)
            throw new InvalidOperationException($"block at {offset} (+{length}) of the chunk at 0x{Address:x} freed twice");
        free.Insert(i, (offset, length));
        if (i + 1 < free.Count && offset + length == free[i + 1].Offset)
        {
            free[i] = (offset, length + free[i + 1].Length);
            free.RemoveAt(i + 1);
        }
        if (i > 0 && free[i - 1].Offset + free[i - 1].Length == offset)
        {
            free[i - 1] = (free[i - 1].Offset, free[i - 1].Length + free[i].Length);
            free.RemoveAt(i);
        }
        Used -= length;
    }

    /// <summary>
    /// Copies <paramref name="code"/> to <paramref name="offset"/> and fills the rest of its block (to
    /// <paramref name="length"/>) with <c>int3</c>, through a read-write mapping of the pages concerned that is
    /// unmapped before this returns: the chunk's own mapping stays read-execute throughout.
    /// </summary>
    internal unsafe void Write(int offset, int length, ReadOnlySpan<byte> code)
    {
        int page = Environment.SystemPageSize;
        int first = offset / page * page;
        int end = (offset + length + page - 1) / page * page;
        var view = LibC.mmap(0, (nuint)(end - first), LibC.ProtectRead | LibC.ProtectWrite, LibC.MapShared, descriptor, first);
        if (view == LibC.MapFailed)
            throw new InvalidOperationException($"mapping {end - first} bytes of a code file read-write failed with errno {Marshal.GetLastPInvokeError()}");
        try
        {
            var block = new Span<byte>((void*)(view + (offset - first)), length);
            code.CopyTo(block);
            block[code.Length..].Fill(0xCC);
        }
        finally
        {
            LibC.munmap(view, (nuint)(end - first));
        }
    }

    /// <summary>Unmaps the chunk (and closes its memory file); no block of it may be in use.</summary>
    internal void Unmap()
    {
        LibC.munmap(Address, (nuint)Length);
        if (descriptor >= 0) LibC.close(descriptor);
    }
}
