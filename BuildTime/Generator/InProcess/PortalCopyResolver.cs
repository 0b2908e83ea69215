using System.Reflection;
using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Runtime;

/// <summary>
/// The resolver of <see cref="PortalJit"/>'s backend: resolves like the one it wraps, except that the portal
/// itself, once its JIT-enabled copy exists, resolves to the copy. So an interpreted call of the portal (an
/// interpreter running a called function by calling itself) runs JIT-enabled in the copy and in compiled
/// units alike, as it does in an assembly <c>pejit build</c> rewrote, where the portal is changed in place.
/// </summary>
/// <remarks>
/// Only a static portal is redirected: the copy is a static method, and an instance portal may be called
/// virtually on another receiver (or with the null check a <c>callvirt</c> makes), which a call of the copy
/// would not do. Calls of an instance portal keep running the original, without the JIT.
/// </remarks>
internal sealed class PortalCopyResolver(IMemberResolver inner, MethodInfo portal) : IMemberResolver
{
    private MethodInfo? copy;

    /// <summary>The portal's JIT-enabled copy, set once, before the copy's own body is emitted.</summary>
    public MethodInfo? Copy
    {
        get => Volatile.Read(ref copy);
        set => Volatile.Write(ref copy, portal.IsStatic ? value : null);
    }

    /// <inheritdoc/>
    public Type ResolveType(IrType type) => inner.ResolveType(type);

    /// <inheritdoc/>
    public MethodBase ResolveMethod(MethodRef method)
    {
        var resolved = inner.ResolveMethod(method);
        return Copy is { } target && resolved == portal ? target : resolved;
    }

    /// <inheritdoc/>
    public FieldInfo ResolveField(FieldRef field) => inner.ResolveField(field);
}
