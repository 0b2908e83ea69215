using PeJit.Frontend.Construction;
using Mono.Cecil;

namespace PeJit.Analysis.Hints;

/// <summary>Facts about methods and fields the analysis asks: hint attributes, immutability, purity.</summary>
public static class MemberFacts
{
    /// <summary>True when <paramref name="member"/> carries the attribute named <paramref name="attribute"/>.</summary>
    public static bool Has(ICustomAttributeProvider member, string attribute) =>
        member.HasCustomAttributes && member.CustomAttributes.Any(a => a.AttributeType.FullName == attribute);

    /// <summary>
    /// True when a field's value never changes after construction: <c>readonly</c>, <c>[JitImmutable]</c>, or
    /// declared in a <c>[JitImmutable]</c> class.
    /// </summary>
    public static bool IsImmutable(FieldDefinition field) =>
        field.IsInitOnly || field.IsLiteral || Has(field, HintNames.JitImmutable) || Has(field.DeclaringType, HintNames.JitImmutable);

    /// <summary>Resolves a method reference, or null when its assembly cannot be found.</summary>
    public static MethodDefinition? TryResolve(MethodReference method) => ClassHierarchy.TryResolve(method);

    /// <summary>Resolves a field reference, or null when its assembly cannot be found.</summary>
    public static FieldDefinition? TryResolve(FieldReference field) => ClassHierarchy.TryResolve(field);

    // Methods of the base library whose result depends only on their arguments (reading green objects,
    // which PeJit's contract promises immutable, counts as depending on them). Each entry is a declaring
    // type and either "*" (every static method) or a method name.
    private static readonly Dictionary<string, HashSet<string>> PureLibraryMethods = new()
    {
        ["System.Math"] = ["*"],
        ["System.MathF"] = ["*"],
        ["System.Numerics.BitOperations"] = ["*"],
        ["System.String"] = ["get_Length", "get_Chars", "Equals", "op_Equality", "op_Inequality", "CompareOrdinal", "IndexOf", "Substring", "Concat", "StartsWith", "EndsWith", "Contains", "GetHashCode"],
        ["System.Char"] = ["IsDigit", "IsLetter", "IsLetterOrDigit", "IsWhiteSpace", "IsUpper", "IsLower", "ToUpperInvariant", "ToLowerInvariant", "IsAsciiDigit", "IsAsciiLetter"],
        ["System.Array"] = ["get_Length", "get_Rank", "GetLength", "get_LongLength"],
        ["System.Int32"] = ["CompareTo", "Equals", "GetHashCode"],
        ["System.Int64"] = ["CompareTo", "Equals", "GetHashCode"],
        ["System.Collections.Generic.List`1"] = ["get_Item", "get_Count"],
        ["System.Collections.Generic.Dictionary`2"] = ["get_Item", "get_Count", "ContainsKey"],
        ["System.Collections.Immutable.ImmutableArray`1"] = ["get_Item", "get_Length"],
    };

    /// <summary>True for the base-library methods PeJit knows to be pure (see the table in this file).</summary>
    public static bool IsKnownPure(MethodDefinition method) => IsKnownPure(method.DeclaringType.FullName, method.Name, method.IsStatic);

    /// <summary>
    /// True for the base-library methods PeJit knows to be pure, named by declaring type (generic arguments, if
    /// printed, are ignored), simple name and whether the method is static: for graphs that name methods without
    /// a Cecil reference (residual graphs read back from text).
    /// </summary>
    public static bool IsKnownPure(string declaringType, string name, bool isStatic)
    {
        int generic = declaringType.IndexOf('<');
        if (generic >= 0) declaringType = declaringType[..generic];
        if (!PureLibraryMethods.TryGetValue(declaringType, out var names)) return false;
        return names.Contains(name) || (names.Contains("*") && isStatic);
    }
}
