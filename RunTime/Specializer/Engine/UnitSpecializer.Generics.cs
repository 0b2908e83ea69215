using System.Reflection;
using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Inlined generic code: the type arguments a callee's frame carries (Instantiation), found from the call that enters it.
public sealed partial class UnitSpecializer
{
    // Per closed method, for the portal's lifetime: an instantiation caches the closed types and members it named.
    // Made when first needed: most portals inline no generic code.
    private Dictionary<MethodBase, Instantiation?>? instantiations;

    /// <summary>The instantiation of a frame running <paramref name="method"/> (null when its code names no generic parameter), made once.</summary>
    private Instantiation? InstantiationOf(MethodBase method)
    {
        instantiations ??= [];
        if (!instantiations.TryGetValue(method, out var known))
            instantiations[method] = known = Instantiation.Of(method, resolver);
        return known;
    }

    private sealed partial class Run
    {
        /// <summary>
        /// The type arguments of the frame <paramref name="call"/> enters <paramref name="target"/> with: those of the method
        /// the call names (<c>ValueStack`1&lt;System.Int64&gt;::Pop()</c>, <c>Accept&lt;System.Object&gt;</c>), resolved in the
        /// caller's own instantiation first (a generic class's call of its own methods names <c>ValueStack`1&lt;T&gt;</c>); for
        /// a virtual call resolved to an override on <paramref name="receiverClass"/>, that override's. Null for a callee that
        /// is no generic code. A call outside generic code that cannot be resolved gets none: its residual code, if it names a
        /// generic parameter, is refused where it is copied (<see cref="Residualize"/>).
        /// </summary>
        private Instantiation? CalleeInstantiation(ExtensionFrame caller, ExtensionOp call, ExtensionGraph target, Type? receiverClass = null)
        {
            if (call.Instruction.Method is not { } reference) return null;
            if (caller.Generic is null && !NamesInstantiation(reference) && !(receiverClass is not null && OfGenericClass(receiverClass))) return null;
            MethodBase called;
            try
            {
                called = caller.Generic?.ResolveMethod(reference) ?? owner.resolver.ResolveMethod(reference);
                if (receiverClass is not null && called.IsVirtual) called = OverrideOn(receiverClass, called, call, target) ?? called;
            }
            catch (Exception e) when (Instantiation.CannotInstantiate(e))
            {
                if (caller.Generic is null) return null;
                throw new SpecializationException($"{caller.Graph.Name} ({call.Instruction.Location}): the call of {reference.Name} in generic code cannot be "
                    + $"resolved for {caller.Generic.Method.DeclaringType}::{caller.Generic.Method.Name}: {e.Message}", e);
            }
            return owner.InstantiationOf(called);
        }

        /// <summary>Whether a call names a constructed generic class or method (<c>&lt;</c> in its class's name or after its own).</summary>
        private static bool NamesInstantiation(MethodRef reference)
        {
            if (reference.DeclaringTypeName.Contains('<')) return true;
            string full = reference.FullName;
            int end = full.IndexOf("::", StringComparison.Ordinal) + 2 + reference.Name.Length;
            return end < full.Length && full[end] == '<';
        }

        private static bool OfGenericClass(Type type)
        {
            for (var t = type; t is not null; t = t.BaseType)
                if (t.IsConstructedGenericType) return true;
            return false;
        }

        /// <summary>
        /// The closed override of <paramref name="called"/> that <paramref name="target"/> compiles, on <paramref name="receiverClass"/>:
        /// its class the constructed one among the receiver's classes, its method arguments the call's; null when the
        /// target is not among the call's analyzed methods.
        /// </summary>
        private MethodBase? OverrideOn(Type receiverClass, MethodBase called, ExtensionOp call, ExtensionGraph target)
        {
            int index = Array.IndexOf(call.Callees, target);
            if (index < 0 || index >= call.CalleeMethods.Length) return null;
            var open = owner.resolver.ResolveMethod(call.CalleeMethods[index]);
            if (open.DeclaringType is { IsGenericTypeDefinition: true } definition)
            {
                for (var type = receiverClass; type is not null; type = type.BaseType)
                    if (type.IsConstructedGenericType && type.GetGenericTypeDefinition() == definition)
                    {
                        open = (MethodBase)type.GetMemberWithSameMetadataDefinitionAs(open);
                        break;
                    }
            }
            if (open is MethodInfo { IsGenericMethodDefinition: true } generic && called is MethodInfo { IsGenericMethod: true } instance)
                open = generic.MakeGenericMethod(instance.GetGenericArguments());
            return open;
        }
    }
}
