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

    /// <summary>Fields by the IR's full name.</summary>
    public Dictionary<string, FieldEntry> Fields { get; } = new(StringComparer.Ordinal);

    /// <summary>Methods by the IR's full name.</summary>
    public Dictionary<string, MethodEntry> Methods { get; } = new(StringComparer.Ordinal);

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
                Fields[Arg(1)] = new FieldEntry(Arg(2), Arg(3));
                return true;
            case "method":
                string generic = Arg(5);
                Methods[Arg(1)] = new MethodEntry(Arg(2), Arg(3), Arg(4), generic.Length == 0 ? [] : generic.Split('|'));
                return true;
            default:
                return false;
        }
    }
}
