using System.Reflection;

namespace PeJit.Specializer.Extension;

/// <summary>
/// A green <c>ldflda</c>: the address of a field of a green struct local (analysis rule 7, <c>s.F++</c>,
/// <c>s.F += x</c>), held as the struct copy the local's green address stands for and the field. Only loaded
/// and stored through (the analysis checks that), so it never reaches residual code.
/// </summary>
/// <param name="Struct">The boxed struct copy the local's address stands for (see <see cref="GreenOperation.LoadSlot"/>).</param>
/// <param name="Field">The field.</param>
/// <param name="IrField">The field as the IR names it, for residual code that writes it (a struct local with red fields).</param>
internal sealed record GreenFieldAddress(object Struct, FieldInfo Field, PeJit.IR.FieldRef IrField)
{
    /// <summary>The field's value.</summary>
    public object? Load() => Field.GetValue(Struct);

    /// <summary>Writes the field of the copy in place.</summary>
    public void Store(object? value) => Field.SetValue(Struct, value);
}
