using System.Runtime.InteropServices;

namespace PeJit.Backends.Amd64.Memory;

/// <summary>
/// The native memory of AMD64 units: code packed into shared read-execute chunks, data (exit counters, exit
/// target slots) packed into shared read-write chunks, both handed out in blocks and taken back when a unit is
/// freed (<see cref="NativeCode"/>), so that units compiled and dropped reuse the same pages.
/// </summary>
/// <remarks>
/// Strategy: code is written once and then only executed, and a unit runs as soon as it is compiled, so a chunk
/// that stayed read-write until full and was then sealed read-execute would hold one unit (sealed for its first
/// run) or leave units waiting to run. Instead each code chunk is an anonymous memory file (<c>memfd_create</c>)
/// mapped read-execute for its whole life; a unit's code is copied in through a second mapping of the same file
/// pages, read-write, made for that one copy and unmapped at once (what .NET's own W^X does with its double
/// mapping). So no mapping is ever writable and executable, a new unit shares pages with running ones, and a freed
/// block is rewritten in place without any page changing protection. Blocks are whole granules (64 bytes, a cache
/// line: no two units share a line, so writing one never touches a line another thread is executing), taken first
/// fit; a unit larger than a chunk gets a chunk of its own. A chunk left empty is unmapped, except one spare per
/// kind, so that a unit compiled right after one was dropped does not map again. One lock guards the pool: it is
/// taken once per unit compiled or freed, never while a unit runs.
/// </remarks>
public sealed class CodePool
{
    /// <summary>Granule of both code and data blocks: a cache line.</summary>
    public const int Granule = 64;

    private readonly List<PoolChunk> code = [];
    private readonly List<PoolChunk> data = [];
    private readonly object gate = new();
    private long mapped;

    /// <summary>A pool whose chunks hold <paramref name="chunkBytes"/> bytes (rounded up to whole pages).</summary>
    public CodePool(int chunkBytes = 256 * 1024)
    {
        ChunkBytes = RoundUp(Math.Max(chunkBytes, 1), Environment.SystemPageSize);
    }

    /// <summary>The pool every <see cref="Amd64Backend"/> uses unless given another (tests give their own, to count).</summary>
    public static CodePool Shared { get; } = new();

    /// <summary>True on the one platform the AMD64 backend emits for: Linux on x86-64.</summary>
    public static bool Available => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>Bytes of a chunk (a unit larger than that gets a chunk of its own size).</summary>
    public int ChunkBytes { get; }

    /// <summary>Bytes mapped now, code and data (the transient read-write views of code are not counted).</summary>
    public long MappedBytes => Interlocked.Read(ref mapped);

    /// <summary>Bytes held by blocks now, code and data.</summary>
    public long UsedBytes
    {
        get
        {
            lock (gate) return code.Concat(data).Sum(c => (long)c.Used);
        }
    }

    /// <summary>The chunks mapped now: where, how long, and whether read-execute (code) or read-write (data).</summary>
    public IReadOnlyList<(nint Address, int Length, bool Executable)> Chunks()
    {
        lock (gate) return code.Concat(data).Select(c => (c.Address, c.Length, c.Executable)).ToList();
    }

    /// <summary>Copies <paramref name="bytes"/> into a code block, read-execute as soon as this returns.</summary>
    /// <exception cref="BackendException">The system refuses the code file or its mapping (the CIL backend still works).</exception>
    public PoolBlock Code(ReadOnlySpan<byte> bytes)
    {
        var block = Allocate(code, bytes.Length, executable: true);
        try
        {
            block.Chunk.Write(block.Offset, block.Length, bytes);
        }
        catch
        {
            Free(block);
            throw;
        }
        return block;
    }

    /// <summary>A zeroed read-write data block of at least <paramref name="bytes"/> bytes.</summary>
    public unsafe PoolBlock Data(int bytes)
    {
        var block = Allocate(data, bytes, executable: false);
        new Span<byte>((void*)block.Address, block.Length).Clear();
        return block;
    }

    /// <summary>Takes back <paramref name="block"/>; no thread may be running or about to run code in it, or use its data.</summary>
    public void Free(PoolBlock block)
    {
        lock (gate)
        {
            var chunks = block.Chunk.Executable ? code : data;
            block.Chunk.Free(block.Offset, block.Length);
            if (block.Chunk.Used > 0) return;
            // Keep one empty chunk of a pool's own size per kind; unmap the others.
            bool spare = block.Chunk.Length == ChunkBytes && !chunks.Any(c => c != block.Chunk && c.Used == 0);
            if (spare) return;
            chunks.Remove(block.Chunk);
            block.Chunk.Unmap();
            Interlocked.Add(ref mapped, -block.Chunk.Length);
        }
    }

    private PoolBlock Allocate(List<PoolChunk> chunks, int bytes, bool executable)
    {
        int length = RoundUp(Math.Max(bytes, 1), Granule);
        lock (gate)
        {
            foreach (var chunk in chunks)
                if (chunk.TryAllocate(length, out int offset)) return new PoolBlock(chunk, offset, length);
            int size = Math.Max(ChunkBytes, RoundUp(length, Environment.SystemPageSize));
            var fresh = executable ? PoolChunk.MapCode(size) : PoolChunk.MapData(size);
            chunks.Add(fresh);
            Interlocked.Add(ref mapped, size);
            fresh.TryAllocate(length, out int first);
            return new PoolBlock(fresh, first, length);
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
