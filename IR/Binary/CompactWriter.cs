using System.Text;

namespace PeJit.IR.Binary;

/// <summary>
/// Writes the IR's compact binary form (<see cref="CompactReader"/> reads it): unsigned numbers as LEB128, signed
/// ones zigzag-encoded, floats as their eight bytes, and strings and types as indexes into tables that every part
/// written with <see cref="Part"/> shares, so that a name is stored, and decoded, once however often it is used.
/// The tables come first in <see cref="ToArray"/>; each part's bytes are the caller's to place.
/// </summary>
/// <remarks>Build time only: the run time reads, never writes, so this may use what it likes.</remarks>
public sealed class CompactWriter
{
    private readonly Tables tables;
    private readonly MemoryStream bytes = new();

    /// <summary>A writer with tables of its own.</summary>
    public CompactWriter() => tables = new Tables();

    private CompactWriter(Tables shared) => tables = shared;

    private sealed class Tables
    {
        public readonly Dictionary<string, int> StringIndexes = new(StringComparer.Ordinal);
        public readonly List<string> Strings = [];
        public readonly Dictionary<IrType, int> TypeIndexes = [];
        public readonly List<IrType> Types = [];
    }

    /// <summary>A writer whose strings and types go into this one's tables.</summary>
    public CompactWriter Part() => new(tables);

    /// <summary>The bytes written so far (not the tables).</summary>
    public byte[] Bytes => bytes.ToArray();

    /// <summary>How many bytes were written so far.</summary>
    public int Length => (int)bytes.Length;

    /// <summary>One byte.</summary>
    public void Byte(byte value) => bytes.WriteByte(value);

    /// <summary>Raw bytes.</summary>
    public void Raw(byte[] data) => bytes.Write(data);

    /// <summary>A non-negative number (LEB128).</summary>
    public void Number(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        uint rest = (uint)value;
        while (rest >= 0x80)
        {
            bytes.WriteByte((byte)(rest | 0x80));
            rest >>= 7;
        }
        bytes.WriteByte((byte)rest);
    }

    /// <summary>Any 64-bit number (zigzag, then LEB128).</summary>
    public void Signed(long value)
    {
        ulong rest = (ulong)((value << 1) ^ (value >> 63));
        while (rest >= 0x80)
        {
            bytes.WriteByte((byte)(rest | 0x80));
            rest >>= 7;
        }
        bytes.WriteByte((byte)rest);
    }

    /// <summary>A double, bit for bit.</summary>
    public void Float(double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        for (int i = 0; i < 8; i++) bytes.WriteByte((byte)(bits >> (8 * i)));
    }

    /// <summary>A string or null: its index in the string table, plus one (0 is null).</summary>
    public void String(string? value)
    {
        if (value is null)
        {
            Number(0);
            return;
        }
        Number(StringIndex(value) + 1);
    }

    private int StringIndex(string value)
    {
        if (!tables.StringIndexes.TryGetValue(value, out int index))
        {
            index = tables.Strings.Count;
            tables.Strings.Add(value);
            tables.StringIndexes.Add(value, index);
        }
        return index;
    }

    /// <summary>A type or null: its index in the type table, plus one (0 is null).</summary>
    public void Type(IrType? type) => Number(type is null ? 0 : TypeIndex(type) + 1);

    private int TypeIndex(IrType type)
    {
        if (tables.TypeIndexes.TryGetValue(type, out int index)) return index;
        // The element first, so that the reader meets every type after the ones it is made of.
        if (type.Element is { } element) TypeIndex(element);
        // The name goes into the string table now: the strings are written before the types.
        if (!type.IsPrimitive && !type.IsAddress) StringIndex(type.Name);
        index = tables.Types.Count;
        tables.Types.Add(type);
        tables.TypeIndexes.Add(type, index);
        return index;
    }

    /// <summary>
    /// The tables, then this writer's bytes: what <see cref="CompactReader(byte[], int)"/> reads from. Write every part
    /// first: a string or type a part adds after this is not in the tables.
    /// </summary>
    public byte[] ToArray()
    {
        var head = new CompactWriter(new Tables());
        head.Number(tables.Strings.Count);
        foreach (string text in tables.Strings)
        {
            var utf8 = Encoding.UTF8.GetBytes(text);
            head.Number(utf8.Length);
            head.Raw(utf8);
        }
        head.Number(tables.Types.Count);
        foreach (var type in tables.Types)
        {
            head.Byte((byte)type.Kind);
            if (type.IsPrimitive) continue;
            if (type.IsAddress)
            {
                head.Number(tables.TypeIndexes[type.Element!]);
                continue;
            }
            head.Number(tables.StringIndexes[type.Name]);
            if (type.Kind == TypeKind.Enum) head.Number(tables.TypeIndexes[type.Element!]);
        }
        head.Raw(Bytes);
        return head.Bytes;
    }
}
