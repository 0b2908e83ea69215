using System.Runtime.CompilerServices;
using System.Text;

namespace PeJit.IR.Binary;

/// <summary>
/// Reads what <see cref="CompactWriter"/> wrote: its string and type tables once, then numbers, strings and types
/// from any position (<see cref="At"/>), each reader its own position over the same bytes and tables, so that parts
/// read lazily on different threads do not share a cursor.
/// </summary>
/// <remarks>
/// This runs while a JIT-enabled process prepares a portal, in a fresh process: a byte array and a position, no
/// generic collection, no parsing of text (Docs/PERFORMANCE.md, "Cold warm-up"). Malformed bytes throw
/// <see cref="FormatException"/> (the caller says which resource and what to do).
/// <para>The string table is decoded one string at a time, when a read first names it: a stored program's table holds the
/// strings of every graph, some of which only graphs a run never loads name (Lua's: 876 strings, 44,000 characters), and in a fresh process
/// each 4 KB of memory a string takes is a page fault, some 20-45 µs on a virtual machine (Docs/PERFORMANCE.md, "Preparation
/// and the first unit, cold: counted by stage"). Readers over the same bytes (<see cref="At"/>) share the decoded strings; two threads decoding the same
/// one at once each make an equal string and one is kept, which no reader can tell apart.</para>
/// <para>The reads a graph makes per value and per instruction (<see cref="Byte"/>, <see cref="Number"/> of one or two bytes,
/// <see cref="String"/>, <see cref="Type"/>) are inlined into their callers (<c>AggressiveInlining</c>; ReadyToRun inlines them
/// across PeJit's assemblies too), the rare longer forms and the errors left in calls of their own. Why: .NET counts the calls
/// of precompiled methods once a JIT-enabled process runs (its runtimeconfig starts counting at once, <c>RuntimeConfigFile</c>),
/// and a method called 300 times is compiled again, twice, on .NET's tier-1 thread; reading Lua's portal graph called these
/// tens of thousands of times, in one burst that is over before the recompiled code is installed, so each short process paid
/// .NET's compiler for them on the core the interpreter and PeJit's thread need (Docs/PERFORMANCE.md, "PeJit's readers
/// out of .NET's tier-1 queue").</para>
/// </remarks>
public sealed class CompactReader
{
    private readonly byte[] data;
    // Per string of the table: its UTF-8 bytes' start in data and length, and the string once decoded (null before).
    private readonly int[] stringStarts;
    private readonly int[] stringLengths;
    private readonly string?[] strings;
    private readonly IrType[] types;
    private int position;

    /// <summary>Reads the tables <see cref="CompactWriter.ToArray"/> wrote at <paramref name="start"/>; the reader is then just after them.</summary>
    /// <exception cref="FormatException">The tables are malformed.</exception>
    public CompactReader(byte[] data, int start)
    {
        this.data = data;
        position = start;
        int count = Count();
        strings = new string?[count];
        stringStarts = new int[count];
        stringLengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            int length = Count();
            if (length > data.Length - position) throw Malformed($"string {i} runs past the end");
            stringStarts[i] = position;
            stringLengths[i] = length;
            position += length;
        }
        types = new IrType[Count()];
        for (int i = 0; i < types.Length; i++) types[i] = ReadTableType(i);
    }

    private CompactReader(CompactReader tables, int position)
    {
        data = tables.data;
        strings = tables.strings;
        stringStarts = tables.stringStarts;
        stringLengths = tables.stringLengths;
        types = tables.types;
        this.position = position;
    }

    /// <summary>A reader over the same bytes and tables at <paramref name="offset"/>.</summary>
    public CompactReader At(int offset) =>
        offset >= 0 && offset <= data.Length ? new CompactReader(this, offset) : throw Malformed($"offset {offset} is outside the {data.Length} bytes");

    /// <summary>Where the next read starts.</summary>
    public int Position => position;

    /// <summary>One byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte Byte()
    {
        int at = position;
        byte[] bytes = data;
        if ((uint)at >= (uint)bytes.Length) ThrowAtEnd();
        position = at + 1;
        return bytes[at];
    }

    /// <summary>A non-negative number <see cref="CompactWriter.Number"/> wrote.</summary>
    /// <remarks>Numbers below 16,384 (one or two bytes: value, string, type and block indexes, counts) are decoded inline; longer ones by <see cref="LongNumber"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Number()
    {
        int at = position;
        byte[] bytes = data;
        if ((uint)(at + 1) < (uint)bytes.Length)
        {
            int first = bytes[at];
            if (first < 0x80)
            {
                position = at + 1;
                return first;
            }
            int second = bytes[at + 1];
            if (second < 0x80)
            {
                position = at + 2;
                return (first & 0x7f) | (second << 7);
            }
        }
        return LongNumber();
    }

    // Three bytes or more, or the last byte of the data: the general loop, with its errors.
    private int LongNumber()
    {
        uint value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = Byte();
            value |= (uint)(b & 0x7f) << shift;
            if (b < 0x80) return value <= int.MaxValue ? (int)value : throw Malformed("a number is out of range");
        }
        throw Malformed("a number is too long");
    }

    /// <summary>A count: a <see cref="Number"/> no larger than the bytes left could hold, so that a malformed one cannot make a huge array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Count()
    {
        int count = Number();
        if (count > data.Length - position + 1) ThrowCount(count);
        return count;
    }

    /// <summary>A number <see cref="CompactWriter.Signed"/> wrote.</summary>
    /// <remarks>One byte (-64 to 63: most source lines and IL offsets of none) inline, longer ones by <see cref="LongSigned"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Signed()
    {
        int at = position;
        byte[] bytes = data;
        if ((uint)at < (uint)bytes.Length && bytes[at] < 0x80)
        {
            position = at + 1;
            int zigzag = bytes[at];
            return (zigzag >> 1) ^ -(zigzag & 1);
        }
        return LongSigned();
    }

    private long LongSigned()
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            byte b = Byte();
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return (long)(value >> 1) ^ -(long)(value & 1);
        }
        throw Malformed("a number is too long");
    }

    /// <summary>A double <see cref="CompactWriter.Float"/> wrote.</summary>
    public double Float()
    {
        long bits = 0;
        for (int i = 0; i < 8; i++) bits |= (long)Byte() << (8 * i);
        return BitConverter.Int64BitsToDouble(bits);
    }

    /// <summary>A string or null <see cref="CompactWriter.String"/> wrote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public string? String()
    {
        int index = Number();
        if (index == 0) return null;
        var table = strings;
        if ((uint)(index - 1) >= (uint)table.Length) ThrowNotInTable("string", index - 1);
        return table[index - 1] ?? Decode(index - 1);
    }

    // O(length) the first time a string is named, O(1) after.
    private string TableString(int index) => strings[index] ?? Decode(index);

    private string Decode(int index) => strings[index] = Encoding.UTF8.GetString(data, stringStarts[index], stringLengths[index]);

    /// <summary>
    /// The table index of a string that must not be null, read where <see cref="Text"/> would read it, without decoding it: for a
    /// reader that decodes it only if it needs it (<see cref="StringAt"/>, <see cref="CompareOrdinal"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int TextIndex()
    {
        int index = Number();
        if (index == 0) ThrowMissing("string");
        if ((uint)(index - 1) >= (uint)strings.Length) ThrowNotInTable("string", index - 1);
        return index - 1;
    }

    /// <summary>The string of the table at <paramref name="index"/> (<see cref="TextIndex"/>), decoded now if it was not.</summary>
    public string StringAt(int index)
    {
        if ((uint)index >= (uint)strings.Length) ThrowNotInTable("string", index);
        return strings[index] ?? Decode(index);
    }

    /// <summary>
    /// <see cref="string.CompareOrdinal(string, string)"/>'s sign for the string of the table at <paramref name="index"/> and
    /// <paramref name="value"/>, without decoding the string while both are ASCII: a binary search over sorted names
    /// (a member table's keys) decodes none of the names it passes. Inlined into the search's loop, as the per-item reads are.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int CompareOrdinal(int index, string value)
    {
        if ((uint)index >= (uint)strings.Length) ThrowNotInTable("string", index);
        if (strings[index] is { } decoded) return string.CompareOrdinal(decoded, value);
        int start = stringStarts[index], length = stringLengths[index];
        int common = Math.Min(length, value.Length);
        for (int i = 0; i < common; i++)
        {
            int stored = data[start + i], wanted = value[i];
            // Past ASCII, UTF-8's bytes are not UTF-16's characters: compare the decoded string.
            if (stored >= 0x80 || wanted >= 0x80) return string.CompareOrdinal(Decode(index), value);
            if (stored != wanted) return stored - wanted;
        }
        // An ASCII prefix of the other: the one with more left (bytes or characters) is the greater.
        return length - value.Length;
    }

    /// <summary>Moves this reader to <paramref name="offset"/> (a position an earlier read noted).</summary>
    public void MoveTo(int offset) =>
        position = offset >= 0 && offset <= data.Length ? offset : throw Malformed($"offset {offset} is outside the {data.Length} bytes");

    /// <summary>A string that must not be null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public string Text()
    {
        string? text = String();
        if (text is null) ThrowMissing("string");
        return text;
    }

    /// <summary>A type or null <see cref="CompactWriter.Type"/> wrote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public IrType? Type()
    {
        int index = Number();
        if (index == 0) return null;
        var table = types;
        if ((uint)(index - 1) >= (uint)table.Length) ThrowNotInTable("type", index - 1);
        return table[index - 1];
    }

    /// <summary>A type that must not be null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public IrType RequiredType()
    {
        var type = Type();
        if (type is null) ThrowMissing("type");
        return type;
    }

    private IrType ReadTableType(int index)
    {
        var kind = (TypeKind)Byte();
        IrType Earlier()
        {
            int earlier = Number();
            return earlier < index ? types[earlier] : throw Malformed($"type {index} refers to type {earlier}, not an earlier one");
        }
        string Name()
        {
            int name = Number();
            return name < strings.Length ? TableString(name) : throw Malformed($"type {index} names string {name}, not in the table");
        }
        return kind switch
        {
            TypeKind.Class => IrType.Class(Name()),
            TypeKind.ValueType => IrType.ValueType(Name()),
            TypeKind.GenericParameter => IrType.GenericParameter(Name()),
            TypeKind.Enum => IrType.Enum(Name(), Earlier()),
            TypeKind.ByRef => IrType.ByRef(Earlier()),
            TypeKind.Pointer => IrType.Pointer(Earlier()),
            _ => IrType.Primitive(kind) ?? throw Malformed($"type kind {(int)kind} is unknown"),
        };
    }

    // The errors of the inlined reads, out of line: they keep the inlined code small and are never called on well-formed bytes.
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowAtEnd() => throw Malformed("it ends in the middle of a value");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowCount(int count) => throw Malformed($"a count of {count} exceeds what is left");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowNotInTable(string what, int index) => throw Malformed($"{what} {index} is not in the table");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowMissing(string what) => throw Malformed($"a required {what} is missing");

    /// <summary>The error for malformed bytes, at the current position.</summary>
    public FormatException Malformed(string what) => new($"the compact binary form is malformed at byte {position}: {what}");
}
