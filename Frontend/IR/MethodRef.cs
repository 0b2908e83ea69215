using Mono.Cecil;

namespace PeJit.Frontend.IR;

/// <summary>
/// A method named by an instruction (a call target, a constructor, a function pointer). Kept as a Cecil
/// reference when the frontend built it; a parsed graph has the name only. Equal when the names are.
/// </summary>
public sealed class MethodRef : IEquatable<MethodRef>
{
    /// <summary>Creates a reference from its text form.</summary>
    /// <param name="fullName">Cecil's full name: <c>ReturnType DeclaringType::Name(ParameterTypes)</c>.</param>
    /// <param name="hasThis">True for an instance method, whose first argument is <c>this</c>.</param>
    /// <param name="cecil">The Cecil reference, when there is one.</param>
    public MethodRef(string fullName, bool hasThis, MethodReference? cecil = null)
    {
        FullName = fullName;
        HasThis = hasThis;
        Cecil = cecil;
        ParameterCount = CountParameters(fullName);
    }

    /// <summary>Wraps a Cecil reference.</summary>
    public static MethodRef From(MethodReference method) => new(method.FullName, method.HasThis, method);

    /// <summary>Cecil's full name of the method.</summary>
    public string FullName { get; }

    /// <summary>True when the method takes <c>this</c> as its first argument.</summary>
    public bool HasThis { get; }

    /// <summary>Number of declared parameters, not counting <c>this</c>.</summary>
    public int ParameterCount { get; }

    /// <summary>Number of arguments a call passes: parameters plus <c>this</c> when present.</summary>
    public int ArgumentCount => ParameterCount + (HasThis ? 1 : 0);

    /// <summary>The Cecil reference; null for a parsed graph.</summary>
    public MethodReference? Cecil { get; }

    /// <summary>The method's simple name (between <c>::</c> and the parameter list).</summary>
    public string Name
    {
        get
        {
            int colons = FullName.IndexOf("::", StringComparison.Ordinal);
            int paren = FullName.IndexOf('(', colons + 2);
            int angle = FullName.IndexOf('<', colons + 2);
            int end = angle >= 0 && angle < paren ? angle : paren;
            return FullName[(colons + 2)..end];
        }
    }

    /// <summary>The full name of the declaring type.</summary>
    public string DeclaringTypeName
    {
        get
        {
            int colons = FullName.IndexOf("::", StringComparison.Ordinal);
            int space = FullName.LastIndexOf(' ', colons);
            return FullName[(space + 1)..colons];
        }
    }

    // The parameter list is the last parenthesized group; commas nested in generic arguments don't count.
    private static int CountParameters(string fullName)
    {
        int open = fullName.IndexOf('(', Math.Max(0, fullName.IndexOf("::", StringComparison.Ordinal)));
        if (open < 0 || fullName.EndsWith("()", StringComparison.Ordinal)) return 0;
        int depth = 0, count = 1;
        for (int i = open + 1; i < fullName.Length; i++)
        {
            char c = fullName[i];
            if (c is '<' or '[' or '(') depth++;
            else if (c is '>' or ']' or ')') { if (depth == 0) break; depth--; }
            else if (c == ',' && depth == 0) count++;
        }
        return count;
    }

    /// <summary>The text form: <c>instance "name"</c> or <c>"name"</c>.</summary>
    public override string ToString() => (HasThis ? "instance " : "") + IrType.Quote(FullName);

    /// <inheritdoc/>
    public bool Equals(MethodRef? other) => other is not null && FullName == other.FullName && HasThis == other.HasThis;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MethodRef other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => FullName.GetHashCode(StringComparison.Ordinal);
}
