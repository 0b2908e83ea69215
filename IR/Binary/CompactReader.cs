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
    public byte Byte() => position < data.Length ? data[position++] : throw Malformed("it ends in the middle of a value");

    /// <summary>A non-negative number <see cref="CompactWriter.Number"/> wrote.</summary>
    public int Number()
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
    public int Count()
    {
        int count = Number();
        return count <= data.Length - position + 1 ? count : throw Malformed($"a count of {count} exceeds what is left");
    }

    /// <summary>A number <see cref="CompactWriter.Signed"/> wrote.</summary>
    public long Signed()
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
    public string? String()
    {
        int index = Number();
        return index == 0 ? null : index <= strings.Length ? TableString(index - 1) : throw Malformed($"string {index - 1} is not in the table");
    }

    // O(length) the first time a string is named, O(1) after.
    private string TableString(int index) =>
        strings[index] ??= Encoding.UTF8.GetString(data, stringStarts[index], stringLengths[index]);

    /// <summary>A string that must not be null.</summary>
    public string Text() => String() ?? throw Malformed("a required string is missing");

    /// <summary>A type or null <see cref="CompactWriter.Type"/> wrote.</summary>
    public IrType? Type()
    {
        int index = Number();
        return index == 0 ? null : index <= types.Length ? types[index - 1] : throw Malformed($"type {index - 1} is not in the table");
    }

    /// <summary>A type that must not be null.</summary>
    public IrType RequiredType() => Type() ?? throw Malformed("a required type is missing");

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

    /// <summary>The error for malformed bytes, at the current position.</summary>
    public FormatException Malformed(string what) => new($"the compact binary form is malformed at byte {position}: {what}");
}
