namespace PeJit.IR.Semantics;

/// <summary>
/// Base-library methods whose result depends only on their arguments and that change nothing (reading green
/// objects, which PeJit's contract promises immutable, counts as depending on them). The analysis runs them
/// while specializing when their arguments are green; the optimizer moves memory accesses across them.
/// </summary>
/// <remarks>
/// The base library's collections are not here: whether their lookups are pure depends on how the key type compares, which
/// only the frontend sees; it decides at build time (<c>CollectionMethods</c>, <c>KnownPureCalls</c>) and records it in
/// <see cref="MethodRef.IsPure"/>.
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
        // A float's classification: a function of its bits.
        ["System.Double"] = ["IsNaN", "IsInfinity", "IsPositiveInfinity", "IsNegativeInfinity", "IsFinite", "IsNegative", "IsNormal", "IsSubnormal", "IsInteger"],
        ["System.Single"] = ["IsNaN", "IsInfinity", "IsPositiveInfinity", "IsNegativeInfinity", "IsFinite", "IsNegative", "IsNormal", "IsSubnormal", "IsInteger"],
        ["System.Int32"] = ["CompareTo", "Equals", "GetHashCode"],
        ["System.Int64"] = ["CompareTo", "Equals", "GetHashCode"],
    };

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
