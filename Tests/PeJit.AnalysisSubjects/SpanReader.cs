using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace PeJit.AnalysisSubjects;

/// <summary>
/// A bytecode reader written with spans, as performance-minded C# writes one (Docs/bta.md rule 12): the opcode is
/// <c>bytes[pc]</c> on <c>ReadOnlySpan&lt;byte&gt; bytes = code.Bytes</c>; operands are read with <c>BinaryPrimitives</c> over
/// <c>bytes.Slice(pc + 1)</c> (little- and big-endian) and a range (<c>bytes[(pc + 1)..]</c>), with <c>MemoryMarshal.Read</c>
/// over <c>code.Bytes.AsSpan(pc + 1, 8)</c>, and from a span constructed over the jump target; one op adds the span's
/// <c>Length</c>. The span over the green code is green, so the dispatch and the operands are. One op reads through a span over
/// the red <c>scratch</c> array, which stays red; and one op, on a side the programs never take (the accumulator is never
/// negative), reads 8 bytes where fewer are left: while specializing that read throws, so compiled code calls it there (it
/// would throw), as the interpreter would.
/// </summary>
public static class SpanReader
{
    /// <summary>The opcodes; the operand bytes follow each.</summary>
    public enum Op : byte
    {
        /// <summary>acc += the little-endian int32 after the opcode.</summary>
        AddLittle,
        /// <summary>acc += the big-endian int16 after the opcode, read through a range.</summary>
        AddBig,
        /// <summary>acc += the int64 after the opcode, read with MemoryMarshal.Read over an 8-byte <c>AsSpan</c> of the code array.</summary>
        AddWide,
        /// <summary>acc += the number of code bytes from this opcode on (the span's Length).</summary>
        AddRemaining,
        /// <summary>acc += scratch[counter % scratch.Length], read through a span over the red scratch array.</summary>
        AddScratch,
        /// <summary>acc = acc &lt; 0 ? the big-endian int64 after the opcode : acc + the byte after it.</summary>
        Widen,
        /// <summary>While --counter &gt; 0, jump to the little-endian int32 target after the opcode (read from a span constructed over it).</summary>
        Loop,
        /// <summary>Return acc.</summary>
        Halt,
    }

    /// <summary>The program.</summary>
    public sealed class Code(byte[] bytes)
    {
        /// <summary>The byte code.</summary>
        [JitImmutable] public readonly byte[] Bytes = bytes;
    }

    /// <summary>The portal: pc and the code green, the accumulator, the counter and the scratch array red.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["acc", "counter", "scratch"])]
    public static long Run(Code code, long counter, byte[] scratch)
    {
        int pc = 0;
        long acc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, acc, counter, scratch);
            ReadOnlySpan<byte> bytes = code.Bytes;
            switch ((Op)bytes[pc])
            {
                case Op.AddLittle:
                    acc += BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(pc + 1));
                    pc += 5;
                    break;
                case Op.AddBig:
                    acc += BinaryPrimitives.ReadInt16BigEndian(bytes[(pc + 1)..]);
                    pc += 3;
                    break;
                case Op.AddWide:
                    acc += MemoryMarshal.Read<long>(code.Bytes.AsSpan(pc + 1, 8));
                    pc += 9;
                    break;
                case Op.AddRemaining:
                    acc += bytes.Length - pc;
                    pc += 1;
                    break;
                case Op.AddScratch:
                {
                    ReadOnlySpan<byte> data = scratch;
                    acc += data[(int)(counter % data.Length)];
                    pc += 1;
                    break;
                }
                case Op.Widen:
                    acc = acc < 0 ? BinaryPrimitives.ReadInt64BigEndian(bytes.Slice(pc + 1)) : acc + bytes[pc + 1];
                    pc += 2;
                    break;
                case Op.Loop:
                    if (--counter > 0)
                    {
                        var target = new ReadOnlySpan<byte>(code.Bytes, pc + 1, 4);
                        pc = BinaryPrimitives.ReadInt32LittleEndian(target);
                        Jit.CanEnterJit(pc, code, acc, counter, scratch);
                    }
                    else pc += 5;
                    break;
                default:
                    return acc;
            }
        }
    }

    /// <summary>
    /// One loop of every op, <c>Widen</c> 7 bytes before the code's end (its int64 read would pass it) and the loop's jump
    /// after it: <c>AddLittle little; AddBig big; AddWide wide; AddRemaining; AddScratch; Widen 7; Loop 0; Halt</c>.
    /// </summary>
    public static Code Program(int little, short big, long wide)
    {
        var bytes = new List<byte> { (byte)Op.AddLittle };
        var int32 = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(int32, little);
        bytes.AddRange(int32);
        bytes.Add((byte)Op.AddBig);
        var int16 = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(int16, big);
        bytes.AddRange(int16);
        bytes.Add((byte)Op.AddWide);
        var int64 = new byte[8];
        MemoryMarshal.Write(int64, in wide);
        bytes.AddRange(int64);
        bytes.Add((byte)Op.AddRemaining);
        bytes.Add((byte)Op.AddScratch);
        bytes.Add((byte)Op.Widen);
        bytes.Add(7);
        bytes.Add((byte)Op.Loop);
        BinaryPrimitives.WriteInt32LittleEndian(int32, 0);
        bytes.AddRange(int32);
        bytes.Add((byte)Op.Halt);
        return new Code([.. bytes]);
    }

    /// <summary>The scratch data the programs read through a red span.</summary>
    public static byte[] Scratch() => [3, 1, 4, 1, 5, 9, 2, 6];
}
