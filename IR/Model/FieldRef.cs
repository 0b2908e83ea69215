namespace PeJit.IR;

/// <summary>
/// A field named by an instruction, by its text: the name resolves to a member (<see cref="Semantics.IMemberResolver"/>).
/// The producer of a graph may attach what it made the reference from (<see cref="Origin"/>: the frontend
/// attaches its Cecil reference); the IR never looks at it. Equal when the names are.
/// </summary>
public sealed class FieldRef : IEquatable<FieldRef>
{
    /// <summary>Creates a reference from its text form.</summary>
    /// <param name="fullName">Cecil's full name: <c>FieldType DeclaringType::Name</c>.</param>
    /// <param name="origin">What the producer made the reference from, when there is one.</param>
    public FieldRef(string fullName, object? origin = null)
    {
        FullName = fullName;
        Origin = origin;
    }

    /// <summary>Cecil's full name of the field.</summary>
    public string FullName { get; }

    /// <summary>What the producer made the reference from (opaque to the IR); null for a parsed graph.</summary>
    public object? Origin { get; }

    /// <summary>The field's simple name.</summary>
    public string Name => FullName[(FullName.LastIndexOf("::", StringComparison.Ordinal) + 2)..];

    /// <summary>The full name of the field's declaring type (<c>System.Int32 Ns.VM::ip</c>: <c>Ns.VM</c>).</summary>
    public string DeclaringTypeName
    {
        get
        {
            int separator = FullName.LastIndexOf("::", StringComparison.Ordinal);
            return FullName[(FullName.LastIndexOf(' ', separator) + 1)..separator];
        }
    }

    /// <inheritdoc/>
    public override string ToString() => IrType.Quote(FullName);

    /// <inheritdoc/>
    public bool Equals(FieldRef? other) => other is not null && FullName == other.FullName;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FieldRef other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => FullName.GetHashCode(StringComparison.Ordinal);
}
