using System.Reflection;
using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Runtime;

/// <summary>
/// A portal's member resolver, and then those of the other portals its units inline calls of
/// (<see cref="PortalRuntime.OtherPortals"/>): each JIT-enabled portal stores the members of its own graphs only
/// (<c>MemberTableResolver</c>), and an inlined call of another portal puts that portal's members into the unit. A member
/// is looked up in the portal's own resolver first, so a unit that inlines nothing resolves as before. Thread-safe.
/// </summary>
/// <param name="own">The portal's own resolver.</param>
public sealed class ChainedResolver(IMemberResolver own) : IMemberResolver
{
    private IMemberResolver[] others = [];
    private readonly object adding = new();

    /// <summary>Adds the resolver of another portal whose members a unit may hold (once each).</summary>
    public void Add(IMemberResolver other)
    {
        if (ReferenceEquals(other, own) || ReferenceEquals(other, this)) return;
        lock (adding)
        {
            if (Array.IndexOf(others, other) >= 0) return;
            Volatile.Write(ref others, [.. others, other]);
        }
    }

    // Without other portals (most units), straight to the own resolver: no closure made per member (the chained path is apart,
    // so that C# does not make its closure at every call's entry).

    /// <inheritdoc/>
    public Type ResolveType(IrType type) => Volatile.Read(ref others).Length == 0 ? own.ResolveType(type) : ChainedType(type);

    /// <inheritdoc/>
    public MethodBase ResolveMethod(MethodRef method) => Volatile.Read(ref others).Length == 0 ? own.ResolveMethod(method) : ChainedMethod(method);

    /// <inheritdoc/>
    public FieldInfo ResolveField(FieldRef field) => Volatile.Read(ref others).Length == 0 ? own.ResolveField(field) : ChainedField(field);

    private Type ChainedType(IrType type) => Resolve(r => r.ResolveType(type));

    private MethodBase ChainedMethod(MethodRef method) => Resolve(r => r.ResolveMethod(method));

    private FieldInfo ChainedField(FieldRef field) => Resolve(r => r.ResolveField(field));

    /// <summary>
    /// The own resolver's answer; when it has none (a member only another portal's table holds), the first other's that
    /// has one; the own resolver's failure when none has.
    /// </summary>
    private T Resolve<T>(Func<IMemberResolver, T> resolve)
    {
        var chained = Volatile.Read(ref others);
        try
        {
            return resolve(own);
        }
        catch (Exception first) when (first is InvalidOperationException or MemberAccessException or TypeLoadException)
        {
            foreach (var other in chained)
            {
                try
                {
                    return resolve(other);
                }
                catch (Exception e) when (e is InvalidOperationException or MemberAccessException or TypeLoadException)
                {
                    // Not this one's either: the next.
                }
            }
            throw;
        }
    }
}
