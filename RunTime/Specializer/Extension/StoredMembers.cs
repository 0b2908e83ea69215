using PeJit.IR.Binary;

namespace PeJit.Specializer.Extension;

/// <summary>
/// The fields and methods of a member table in the compact binary form (<see cref="ExtensionBinary"/>), decoded one entry at a
/// time when a lookup first names it (<see cref="MemberTable.TryGetField"/>, <see cref="MemberTable.TryGetMethod"/>). A stored
/// program's table names the members of every graph, and preparing a portal links only its own graph's: decoding every entry
/// made Lua's 580 distinct strings of the table (38,000 characters, some 90 KB of fresh memory, each 4 KB a page fault in a fresh
/// process) where its portal's graph needs about a third of them.
/// </summary>
/// <remarks>
/// The stored entries are sorted by key (<see cref="StringComparer.Ordinal"/>, as <see cref="ExtensionBinary.Write"/> writes
/// them), so a lookup is a binary search over the keys' table indexes that compares the stored bytes with the name asked for
/// (<see cref="CompactReader.CompareOrdinal"/>) and decodes none of the keys it passes. Not thread-safe: <see cref="MemberTable"/>
/// calls it under its lock, and one reader's position serves every lookup.
/// </remarks>
internal sealed class StoredMembers
{
    private readonly CompactReader input;
    // Per entry, in stored (key) order: the key's index in the string table, and where the rest of the entry starts.
    private readonly int[] fieldKeys, fieldStarts, methodKeys, methodStarts;

    /// <summary>Notes where each field and method entry starts, from <paramref name="outline"/>'s position, which is left just after them.</summary>
    /// <exception cref="FormatException">The entries are malformed.</exception>
    public StoredMembers(CompactReader outline)
    {
        int fields = outline.Count();
        fieldKeys = new int[fields];
        fieldStarts = new int[fields];
        for (int i = 0; i < fields; i++)
        {
            fieldKeys[i] = outline.TextIndex();
            fieldStarts[i] = outline.Position;
            outline.TextIndex();
            outline.TextIndex();
        }
        int methods = outline.Count();
        methodKeys = new int[methods];
        methodStarts = new int[methods];
        for (int i = 0; i < methods; i++)
        {
            methodKeys[i] = outline.TextIndex();
            methodStarts[i] = outline.Position;
            outline.TextIndex();
            outline.TextIndex();
            outline.TextIndex();
            for (int count = outline.Count(), a = 0; a < count; a++) outline.TextIndex();
        }
        input = outline.At(outline.Position);
    }

    /// <summary>How many fields and methods the table holds.</summary>
    public int FieldCount => fieldKeys.Length;

    /// <inheritdoc cref="FieldCount"/>
    public int MethodCount => methodKeys.Length;

    /// <summary>The field entry of the IR's full name <paramref name="fullName"/>, or null when the table has none.</summary>
    public MemberTable.FieldEntry? FindField(string fullName)
    {
        int at = Search(fieldKeys, fullName);
        return at < 0 ? null : Field(at);
    }

    /// <summary>The method entry of the IR's full name <paramref name="fullName"/>, or null when the table has none.</summary>
    public MemberTable.MethodEntry? FindMethod(string fullName)
    {
        int at = Search(methodKeys, fullName);
        return at < 0 ? null : Method(at);
    }

    /// <summary>The key and entry of the field at <paramref name="at"/> in stored order.</summary>
    public string FieldKey(int at) => input.StringAt(fieldKeys[at]);

    /// <inheritdoc cref="FieldKey"/>
    public string MethodKey(int at) => input.StringAt(methodKeys[at]);

    /// <summary>The field entry at <paramref name="at"/> in stored order.</summary>
    public MemberTable.FieldEntry Field(int at)
    {
        input.MoveTo(fieldStarts[at]);
        return new MemberTable.FieldEntry(input.Text(), input.Text());
    }

    /// <summary>The method entry at <paramref name="at"/> in stored order.</summary>
    public MemberTable.MethodEntry Method(int at)
    {
        input.MoveTo(methodStarts[at]);
        string declaring = input.Text(), name = input.Text(), signature = input.Text();
        var arguments = new string[input.Count()];
        for (int a = 0; a < arguments.Length; a++) arguments[a] = input.Text();
        return new MemberTable.MethodEntry(declaring, name, signature, arguments);
    }

    private int Search(int[] keys, string key)
    {
        int low = 0, high = keys.Length - 1;
        while (low <= high)
        {
            int middle = low + ((high - low) >> 1);
            int order = input.CompareOrdinal(keys[middle], key);
            if (order == 0) return middle;
            if (order < 0) low = middle + 1;
            else high = middle - 1;
        }
        return -1;
    }
}
