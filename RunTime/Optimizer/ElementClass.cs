using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Which arrays an element access may touch, by its element type: the runtime lets an array be read and
/// written as another array type of the same size and kind (a <c>byte[]</c> as <c>sbyte[]</c>, an <c>int[]</c>
/// as <c>uint[]</c>, an enum array as its underlying type's; a <c>string[]</c> as <c>object[]</c>), never as an
/// array of another size or of floats instead of integers. Two accesses of different classes touch different arrays.
/// </summary>
/// <param name="Kind">Integers (bool, char and enums included), floats, references, or a value type.</param>
/// <param name="Size">The element size in bytes; 0 for references and value types.</param>
/// <param name="Name">For a value type other than a generic parameter, its name: an array of a struct is only ever read and written as
/// an array of that struct (no variance between arrays of value types), so arrays of two structs are different arrays.</param>
internal readonly record struct ElementClass(StackKind Kind, int Size, string? Name = null)
{
    /// <summary>The same kind and size. Written out: the record's own compares through <c>EqualityComparer&lt;StackKind&gt;</c>,
    /// which .NET compiles on the first unit's path (Docs/PERFORMANCE.md, warm-up).</summary>
    public bool Equals(ElementClass other) => Kind == other.Kind && Size == other.Size && string.Equals(Name, other.Name, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)Kind * 397 ^ Size ^ (Name is null ? 0 : StringComparer.Ordinal.GetHashCode(Name));

    /// <summary>The class of arrays with elements of <paramref name="type"/>; null for element types not classified (generic parameters), which may be anything.</summary>
    public static ElementClass? Of(IrType type)
    {
        if (type.Kind == TypeKind.Enum) type = type.Element!;
        return type.StackKind switch
        {
            StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt => new(StackKind.Int64, type.PrimitiveSize),
            StackKind.Float => new(StackKind.Float, type.PrimitiveSize),
            StackKind.Reference => new(StackKind.Reference, 0),
            StackKind.ValueType when type.Kind == TypeKind.ValueType => new(StackKind.ValueType, 0, type.Name),
            _ => null,
        };
    }
}
