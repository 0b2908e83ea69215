using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

/// <summary>
/// Another portal of the unit's assembly whose calls a unit inlines (<c>UnitSpecializer.OtherPortals.cs</c>): its extension
/// program, which the unit runs the callee in. One object per portal and engine, so that it can lead the keys of the
/// callee's activations (<see cref="InlinedPortal.Entry"/>): compared by identity, such a key is never one of the unit's own
/// portal, whose greens may have the same values.
/// </summary>
/// <param name="program">The other portal's extension program, linked in this process.</param>
public sealed class OtherPortal(ExtensionProgram program)
{
    /// <summary>The other portal's extension program.</summary>
    public ExtensionProgram Program { get; } = program;

    /// <summary>The portal's full name (how a key that holds it prints).</summary>
    public override string ToString() => Program.Shape.FullName;
}
