using System.Buffers.Binary;

namespace PeJit.Specializer.Extension;

/// <summary>
/// The compression of a stored extension program (<see cref="ExtensionSerializer.Compress"/>): a byte-oriented LZ77
/// of PeJit's own, after LZ4's block format, instead of gzip. Why not gzip: reading a gzip resource at run time
/// loads System.IO.Compression, its native zlib library and its interop stubs, which cost a fresh process 3-6 ms of
/// the portal's preparation (issue 12's bar is 10 ms for all of it); decoding this format is a loop over a byte array
/// in PeJit's own precompiled code, well under a millisecond for the largest program. A NuGet LZ4 (K4os.Compression.LZ4)
/// would be one more assembly in every output, loaded and JIT-compiled cold outside PeJit's ReadyToRun images. The price is size: the stored
/// text compresses about 4-5 times instead of 8-10.
/// </summary>
/// <remarks>
/// The format: the magic <c>PJZ1</c>, the decoded length (4 bytes, little-endian), then sequences until that length is
/// written. A sequence is a token byte (high nibble: literal count; low nibble: match length minus 4), when the
/// literal count is 15 further bytes added to it (each 255 means another follows), the literals, then, unless the
/// output is complete, a 2-byte little-endian offset back into the output (1 to 65535) and, when the low nibble is 15,
/// further bytes added to the match length the same way. A match may overlap the bytes it writes (a run).
/// </remarks>
public static class ExtensionCompression
{
    private static ReadOnlySpan<byte> Magic => "PJZ1"u8;
    private const int MinMatch = 4;
    private const int MaxOffset = 65535;
    private const int HashBits = 16;

    /// <summary>Whether <paramref name="data"/> starts as <see cref="Compress"/>'s output does.</summary>
    public static bool IsCompressed(ReadOnlySpan<byte> data) => data.Length >= 8 && data[..4].SequenceEqual(Magic);

    /// <summary>
    /// <paramref name="data"/> compressed. Strategy: greedy; a hash of the next 4 bytes names the last position
    /// they were seen at, and a match there is taken as long as it goes (build time only: speed hardly matters).
    /// </summary>
    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        var output = new List<byte>(data.Length / 3 + 16);
        output.AddRange(Magic);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, data.Length);
        output.AddRange(length);
        var last = new int[1 << HashBits];
        Array.Fill(last, -1);
        int literalStart = 0, at = 0;
        while (at + MinMatch <= data.Length)
        {
            uint hash = (BinaryPrimitives.ReadUInt32LittleEndian(data[at..]) * 2654435761u) >> (32 - HashBits);
            int candidate = last[hash];
            last[hash] = at;
            if (candidate < 0 || at - candidate > MaxOffset || !data.Slice(candidate, MinMatch).SequenceEqual(data.Slice(at, MinMatch)))
            {
                at++;
                continue;
            }
            int matched = MinMatch;
            while (at + matched < data.Length && data[candidate + matched] == data[at + matched]) matched++;
            WriteSequence(output, data[literalStart..at], at - candidate, matched);
            at += matched;
            literalStart = at;
        }
        if (literalStart < data.Length || data.Length == 0) WriteSequence(output, data[literalStart..], 0, 0);
        return output.ToArray();
    }

    private static void WriteSequence(List<byte> output, ReadOnlySpan<byte> literals, int offset, int matched)
    {
        int extraMatch = offset == 0 ? 0 : matched - MinMatch;
        output.Add((byte)((Math.Min(literals.Length, 15) << 4) | Math.Min(extraMatch, 15)));
        if (literals.Length >= 15) WriteCount(output, literals.Length - 15);
        foreach (byte b in literals) output.Add(b);
        if (offset == 0) return;
        output.Add((byte)offset);
        output.Add((byte)(offset >> 8));
        if (extraMatch >= 15) WriteCount(output, extraMatch - 15);
    }

    private static void WriteCount(List<byte> output, int count)
    {
        for (; count >= 255; count -= 255) output.Add(255);
        output.Add((byte)count);
    }

    /// <summary>What <see cref="Compress"/> compressed into <paramref name="data"/>.</summary>
    /// <exception cref="InvalidDataException">The data is not in this format, or is cut short or damaged.</exception>
    public static byte[] Decompress(ReadOnlySpan<byte> data)
    {
        if (!IsCompressed(data)) throw Damaged("it does not start with PJZ1");
        int length = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
        if (length < 0) throw Damaged("its length is negative");
        var output = new byte[length];
        int at = 8, written = 0;
        while (written < length || at < data.Length)
        {
            if (at >= data.Length) throw Damaged("it ends before its length");
            int token = data[at++];
            int literals = token >> 4;
            if (literals == 15) literals += ReadCount(data, ref at);
            if (literals > data.Length - at || literals > length - written) throw Damaged("a literal run goes past its end");
            data.Slice(at, literals).CopyTo(output.AsSpan(written));
            at += literals;
            written += literals;
            if (written == length && at == data.Length) break;
            if (at + 2 > data.Length) throw Damaged("a match has no offset");
            int offset = data[at] | (data[at + 1] << 8);
            at += 2;
            int matched = (token & 15) + MinMatch;
            if ((token & 15) == 15) matched += ReadCount(data, ref at);
            if (offset == 0 || offset > written || matched > length - written) throw Damaged("a match reaches outside the output");
            // A match that does not overlap what it writes is one block copy; one that does (a run) goes byte by byte.
            if (offset >= matched)
            {
                output.AsSpan(written - offset, matched).CopyTo(output.AsSpan(written));
                written += matched;
            }
            else
                for (int i = 0; i < matched; i++, written++) output[written] = output[written - offset];
        }
        return output;
    }

    // Inlined into Decompress's loop: a long literal run or match is one per few dozen bytes of a stored program, and .NET
    // compiles again a precompiled method a JIT-enabled process calls 300 times (PeJit.IR.Binary.CompactReader's remarks).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int ReadCount(ReadOnlySpan<byte> data, ref int at)
    {
        int count = 0;
        while (true)
        {
            if (at >= data.Length) throw Damaged("a length runs past its end");
            byte b = data[at++];
            count += b;
            if (count < 0) throw Damaged("a length overflows");
            if (b != 255) return count;
        }
    }

    private static InvalidDataException Damaged(string why) =>
        new($"the stored extension program is damaged ({why}); build the assembly again with pejit build");
}
