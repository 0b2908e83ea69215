using System.Text;

namespace PeJit.Specializer.Extension;

/// <summary>
/// How each type and member an extension program names (by the IR's text, Cecil's full names) is found in the
/// running process, by name and signature rather than by metadata token (Cecil's write changes tokens): written
/// by <c>pejit build</c> from the frontend's Cecil references, stored with the program
/// (<see cref="ExtensionSerializer"/>), read by <see cref="MemberTableResolver"/>. One line per entry:
/// <code>
/// type "IR NAME" "ASSEMBLY-QUALIFIED REFLECTION NAME"
/// field "IR FULL NAME" "DECLARING TYPE (assembly-qualified)" "NAME"
/// method "IR FULL NAME" "DECLARING TYPE (assembly-qualified)" "NAME" "SIGNATURE" "GENERIC ARGUMENT|..."
/// </code>
/// where a method's signature is its definition's return and parameter types (<see cref="MemberSignature"/>),
/// and its generic arguments (assembly-qualified, <c>|</c>-separated) instantiate a generic method.
/// </summary>
public sealed class MemberTable
{
    /// <summary>Types by the IR's name (<c>IrType.Name</c>): their assembly-qualified reflection names.</summary>
    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);

    private readonly Dictionary<string, FieldEntry> fields = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MethodEntry> methods = new(StringComparer.Ordinal);

    // A table read from the compact binary form keeps its fields and methods stored until a lookup names one (StoredMembers);
    // null once every entry is decoded, and for a table built or read from text. While it is not null, the dictionaries are
    // filled under `gate`; once it is null (written last) they no longer change, and lookups read them without the lock.
    private StoredMembers? stored;
    private readonly object gate = new();

    /// <summary>An empty table, filled by <c>pejit build</c> or by <see cref="Read"/>.</summary>
    public MemberTable() { }

    /// <summary>A table whose fields and methods <paramref name="storedMembers"/> decodes when a lookup first names them.</summary>
    internal MemberTable(StoredMembers storedMembers) => stored = storedMembers;

    /// <summary>Fields by the IR's full name (every stored entry decoded first: to look one up, <see cref="TryGetField"/> decodes only it).</summary>
    public Dictionary<string, FieldEntry> Fields { get { DecodeAll(); return fields; } }

    /// <summary>Methods by the IR's full name (every stored entry decoded first: to look one up, <see cref="TryGetMethod"/> decodes only it).</summary>
    public Dictionary<string, MethodEntry> Methods { get { DecodeAll(); return methods; } }

    /// <summary>The field of the IR's full name <paramref name="fullName"/>, decoding only its entry when the table is stored.</summary>
    public bool TryGetField(string fullName, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out FieldEntry entry) =>
        TryGet(fields, fullName, static (all, name) => all.FindField(name), out entry);

    /// <summary>The method of the IR's full name <paramref name="fullName"/>, decoding only its entry when the table is stored.</summary>
    public bool TryGetMethod(string fullName, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out MethodEntry entry) =>
        TryGet(methods, fullName, static (all, name) => all.FindMethod(name), out entry);

    // One lookup for both kinds of member: the decoded dictionary alone once nothing is stored, else under the lock, decoding
    // the one entry named and keeping it.
    private bool TryGet<TEntry>(Dictionary<string, TEntry> decoded, string fullName, Func<StoredMembers, string, TEntry?> find,
        [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TEntry entry) where TEntry : class
    {
        if (Volatile.Read(ref stored) is null) return decoded.TryGetValue(fullName, out entry);
        lock (gate)
        {
            if (decoded.TryGetValue(fullName, out entry)) return true;
            if (stored is not { } all || find(all, fullName) is not { } found) return false;
            decoded[fullName] = entry = found;
            return true;
        }
    }

    // What enumerates or changes the table (dumps, the text form, pejit build) sees every entry.
    private void DecodeAll()
    {
        if (Volatile.Read(ref stored) is null) return;
        lock (gate)
        {
            if (stored is not { } all) return;
            fields.EnsureCapacity(all.FieldCount);
            for (int i = 0; i < all.FieldCount; i++)
            {
                string key = all.FieldKey(i);
                if (!fields.ContainsKey(key)) fields[key] = all.Field(i);
            }
            methods.EnsureCapacity(all.MethodCount);
            for (int i = 0; i < all.MethodCount; i++)
            {
                string key = all.MethodKey(i);
                if (!methods.ContainsKey(key)) methods[key] = all.Method(i);
            }
            Volatile.Write(ref stored, null);
        }
    }

    /// <summary>A field: its declaring type, assembly-qualified, and its name.</summary>
    /// <summary>
    /// A qualified name with the metadata token <c>pejit build</c> found for it in the JIT-enabled assembly (a type it defines):
    /// <c>#0200000c#Name, Assembly</c>. The run time resolves it by the token, checking the name (<c>MemberTableResolver</c>),
    /// so that no type name is parsed: the process's first parse makes .NET compile vectorized searches ReadyToRun leaves
    /// out, some 4 ms of a portal's preparation (Docs/PERFORMANCE.md, "Preparation: where its milliseconds went").
    /// </summary>
    public static string WithToken(int token, string qualified) => "#" + token.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + "#" + qualified;

    /// <summary>Splits a name written by <see cref="WithToken"/>; false (and <paramref name="qualified"/> the name as it is) for any other.</summary>
    public static bool TrySplitToken(string stored, out int token, out string qualified)
    {
        token = 0;
        qualified = stored;
        // Parsed by hand: number parsing's own first times are not worth paying here.
        if (stored.Length < 11 || stored[0] != '#' || stored[9] != '#') return false;
        for (int i = 1; i < 9; i++)
        {
            int digit = stored[i] switch { >= '0' and <= '9' and var c => c - '0', >= 'a' and <= 'f' and var c => c - 'a' + 10, _ => -1 };
            if (digit < 0) return false;
            token = (token << 4) | digit;
        }
        qualified = stored[10..];
        return true;
    }

    public sealed record FieldEntry(string DeclaringType, string Name);

    /// <summary>A method: its declaring type (assembly-qualified), name, definition's signature (<see cref="MemberSignature"/>) and generic arguments (assembly-qualified).</summary>
    public sealed record MethodEntry(string DeclaringType, string Name, string Signature, IReadOnlyList<string> GenericArguments);

    /// <summary>The table as text, one entry per line, sorted.</summary>
    public void Write(StringBuilder text)
    {
        foreach (var (name, aqn) in Types.OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append("type ").Append(ExtensionTokens.Quote(name)).Append(' ').Append(ExtensionTokens.Quote(aqn)).Append('\n');
        foreach (var (name, field) in Fields.OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append("field ").Append(ExtensionTokens.Quote(name)).Append(' ').Append(ExtensionTokens.Quote(field.DeclaringType))
                .Append(' ').Append(ExtensionTokens.Quote(field.Name)).Append('\n');
        foreach (var (name, method) in Methods.OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append("method ").Append(ExtensionTokens.Quote(name)).Append(' ').Append(ExtensionTokens.Quote(method.DeclaringType))
                .Append(' ').Append(ExtensionTokens.Quote(method.Name)).Append(' ').Append(ExtensionTokens.Quote(method.Signature))
                .Append(' ').Append(ExtensionTokens.Quote(string.Join("|", method.GenericArguments))).Append('\n');
    }

    /// <summary>Reads one line <see cref="Write"/> wrote into the table; false when the line is not an entry.</summary>
    /// <exception cref="FormatException">The line starts like an entry but is malformed.</exception>
    public bool Read(string line, int lineNumber)
    {
        var tokens = ExtensionTokens.Split(line, lineNumber);
        if (tokens.Count == 0) return false;
        string Arg(int i) => i < tokens.Count ? ExtensionTokens.Unquote(tokens[i], lineNumber)
            : throw ExtensionTokens.Error(lineNumber, $"a '{tokens[0]}' entry needs {i + 1} fields");
        switch (tokens[0])
        {
            case "type":
                Types[Arg(1)] = Arg(2);
                return true;
            case "field":
                fields[Arg(1)] = new FieldEntry(Arg(2), Arg(3));
                return true;
            case "method":
                string generic = Arg(5);
                methods[Arg(1)] = new MethodEntry(Arg(2), Arg(3), Arg(4), generic.Length == 0 ? [] : generic.Split('|'));
                return true;
            default:
                return false;
        }
    }
}
