using Mono.Cecil;

namespace PeJit.Frontend.IR;

/// <summary>
/// A field named by an instruction. Kept as a Cecil reference when the frontend built it; a parsed graph
/// has the name only. Equal when the names are.
/// </summary>
public sealed class FieldRef : IEquatable<FieldRef>
{
    /// <summary>Creates a reference from its text form.</summary>
    /// <param name="fullName">Cecil's full name: <c>FieldType DeclaringType::Name</c>.</param>
    /// <param name="cecil">The Cecil reference, when there is one.</param>
    public FieldRef(string fullName, FieldReference? cecil = null)
    {
        FullName = fullName;
        Cecil = cecil;
    }

    /// <summary>Wraps a Cecil reference.</summary>
    public static FieldRef From(FieldReference field) => new(field.FullName, field);

    /// <summary>Cecil's full name of the field.</summary>
    public string FullName { get; }

    /// <summary>The Cecil reference; null for a parsed graph.</summary>
    public FieldReference? Cecil { get; }

    /// <summary>The field's simple name.</summary>
    public string Name => FullName[(FullName.LastIndexOf("::", StringComparison.Ordinal) + 2)..];

    /// <inheritdoc/>
    public override string ToString() => IrType.Quote(FullName);

    /// <inheritdoc/>
    public bool Equals(FieldRef? other) => other is not null && FullName == other.FullName;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FieldRef other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => FullName.GetHashCode(StringComparison.Ordinal);
}
