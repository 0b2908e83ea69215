using PeJit.Frontend.Construction;
using Mono.Cecil;
using PeJit.IR;
using PeJit.IR.Semantics;

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

    /// <summary>
    /// True for the base-library methods PeJit knows to be pure (<see cref="KnownPureCalls"/>), named as the caller's IL names
    /// them: a dictionary's lookup is pure only when its key type compares with the framework's own code.
    /// </summary>
    public static bool IsKnownPure(MethodReference method) => KnownPureCalls.IsPure(method);
}
