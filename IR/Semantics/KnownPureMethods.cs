namespace PeJit.IR.Semantics;

/// <summary>
/// Base-library methods whose result depends only on their arguments and that change nothing (reading green
/// objects, which PeJit's contract promises immutable, counts as depending on them). The analysis runs them
/// while specializing when their arguments are green; the optimizer moves memory accesses across them.
/// </summary>
/// <remarks>
/// A collection's lookup that compares keys (<c>Dictionary.get_Item</c>, <c>ContainsKey</c>: <see cref="ComparesKeys"/>)
/// runs the key type's <c>Equals</c> and <c>GetHashCode</c>, which may be a program's code that writes memory (a cache, a
/// counter). It is not in the table: whether it is pure depends on its type arguments, which only the frontend sees
/// (<c>KnownPureCalls</c> decides, at build time, and records it in <see cref="MethodRef.IsPure"/>). Lookups that compare
/// nothing (<c>List.get_Item</c>, <c>get_Count</c>) are in the table whatever the type arguments.
/// </remarks>
public static class KnownPureMethods
{
    // Each entry is a declaring type and either "*" (every static method) or a method name.
    private static readonly Dictionary<string, HashSet<string>> Table = new()
    {
        ["System.Math"] = ["*"],
        ["System.MathF"] = ["*"],
        ["System.Numerics.BitOperations"] = ["*"],
        // The constants of a division by a loop-invariant divisor, which the optimizer computes in a preheader.
        ["PeJit.IR.Semantics.DivisionMagic"] = ["*"],
        ["System.String"] = ["get_Length", "get_Chars", "Equals", "op_Equality", "op_Inequality", "CompareOrdinal", "IndexOf", "Substring", "Concat", "StartsWith", "EndsWith", "Contains", "GetHashCode"],
        ["System.Char"] = ["IsDigit", "IsLetter", "IsLetterOrDigit", "IsWhiteSpace", "IsUpper", "IsLower", "ToUpperInvariant", "ToLowerInvariant", "IsAsciiDigit", "IsAsciiLetter"],
        // Reading a value's bytes out of an array (a bytecode's immediates): green on a green code array at a green pc.
        ["System.BitConverter"] = ["ToInt16", "ToInt32", "ToInt64", "ToUInt16", "ToUInt32", "ToUInt64", "ToDouble", "ToSingle", "ToBoolean", "ToChar",
                                   "DoubleToInt64Bits", "Int64BitsToDouble", "SingleToInt32Bits", "Int32BitsToSingle", "DoubleToUInt64Bits", "UInt64BitsToDouble"],
        ["System.Buffers.Binary.BinaryPrimitives"] = ["ReverseEndianness"],
        // Array.Empty<T>() is one array per T, made once: a constant of the unit.
        ["System.Array"] = ["get_Length", "get_Rank", "GetLength", "get_LongLength", "Empty"],
        ["System.Int32"] = ["CompareTo", "Equals", "GetHashCode"],
        ["System.Int64"] = ["CompareTo", "Equals", "GetHashCode"],
        ["System.Collections.Generic.List`1"] = ["get_Item", "get_Count"],
        ["System.Collections.Generic.Dictionary`2"] = ["get_Count"],
        ["System.Collections.Immutable.ImmutableArray`1"] = ["get_Item", "get_Length"],
    };

    // Lookups that are pure when their key type compares with the framework's own code (ComparesKeys).
    private static readonly Dictionary<string, HashSet<string>> KeyedLookups = new()
    {
        ["System.Collections.Generic.Dictionary`2"] = ["get_Item", "ContainsKey"],
    };

    /// <summary>
    /// True for a lookup that is pure when the comparison of its first type argument (the key) is the framework's own
    /// code, and an ordinary call otherwise: <c>Dictionary.get_Item</c> and <c>ContainsKey</c>. Named by declaring type
    /// (generic arguments, if printed, are ignored) and simple name. <see cref="Contains(string, string, bool)"/> is false
    /// for them: by name alone, the key type is not known.
    /// </summary>
    public static bool ComparesKeys(string declaringType, string name)
    {
        int generic = declaringType.IndexOf('<');
        if (generic >= 0) declaringType = declaringType[..generic];
        return KeyedLookups.TryGetValue(declaringType, out var names) && names.Contains(name);
    }

    /// <summary>
    /// True for the methods in the table, named by declaring type (generic arguments, if printed, are
    /// ignored), simple name and whether the method is static.
    /// </summary>
    public static bool Contains(string declaringType, string name, bool isStatic)
    {
        int generic = declaringType.IndexOf('<');
        if (generic >= 0) declaringType = declaringType[..generic];
        if (!Table.TryGetValue(declaringType, out var names)) return false;
        return names.Contains(name) || (names.Contains("*") && isStatic);
    }

    /// <summary>True for a method in the table, named by its IR reference.</summary>
    public static bool Contains(MethodRef method) => Contains(method.DeclaringTypeName, method.Name, !method.HasThis);
}
