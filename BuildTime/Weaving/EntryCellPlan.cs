using Mono.Cecil;
using PeJit.Runtime;

namespace PeJit.Weaving;

/// <summary>
/// How a portal's woven entry compares and calls its entry cells (<see cref="EntryCell"/>): the kind of each green, the
/// delegate type of the typed code (<c>Func&lt;object[] exit, red..., [this,] result&gt;</c>, an <c>Action</c> for a void
/// portal; <c>this</c> last for an instance portal on a class, as its typed unit takes it) and its <c>Invoke</c>. A portal
/// whose greens or reds a cell cannot take gets none (<see cref="For"/> says why), and its entry counts as before: every
/// entry of a compiled key takes the slow path.
/// </summary>
/// <param name="Greens">How each green is compared, in declared order.</param>
/// <param name="Delegate">The delegate type the cell's code is cast to.</param>
/// <param name="Invoke">Its <c>Invoke</c>.</param>
/// <param name="Layout">The greens' layout, as the runtime reads it (<see cref="EntryCell.Layout(bool[])"/>).</param>
internal sealed record EntryCellPlan(IReadOnlyList<EntryCellPlan.Green> Greens, TypeReference Delegate, MethodReference Invoke, string Layout)
{
    /// <summary>How a green is compared with a cell's.</summary>
    public enum Green
    {
        /// <summary>A signed integer (or an enum over one): <c>conv.i8</c>, then compared with an <c>EntryCell.IntegerN</c>.</summary>
        Signed,

        /// <summary>An unsigned integer, <c>bool</c>, <c>char</c> (or an enum over one): <c>conv.u8</c>, then compared.</summary>
        Unsigned,

        /// <summary>A reference: compared by identity with an <c>EntryCell.ReferenceN</c>.</summary>
        Reference,
    }

    /// <summary>The plan for <paramref name="portal"/>, whose merge point passes <paramref name="types"/> (greens first); null, with the reason, when it gets no cells.</summary>
    public static EntryCellPlan? For(MethodDefinition portal, IReadOnlyList<TypeReference> types, int greenCount, EntryCellReferences references, out string? why)
    {
        why = null;
        var module = portal.Module;
        // An instance portal on a class passes `this` after its reds, as its typed unit takes it (its last parameter). A
        // virtual or interface portal too: the woven method is entered only for an object of its class or a subclass that
        // does not override it, which the unit's parameter (of the declaring class) takes; an override is another method.
        // A struct's `this` is a reference into the caller's struct, which a delegate cannot take.
        bool passesThis = PortalProtocol.PassesThis(portal.HasThis, portal.DeclaringType.IsValueType);
        if (portal.HasThis && !passesThis) return Refused(out why, "the portal is an instance method of a struct (its `this` is a reference a delegate cannot take)");
        var greens = new List<Green>();
        for (int g = 0; g < greenCount && g < types.Count; g++)
        {
            if (KindOf(types[g]) is not { } kind) return Refused(out why, $"green {g} ({types[g].Name}) is neither an integer nor a reference");
            greens.Add(kind);
        }
        if (greens.Count(k => k != Green.Reference) > EntryCell.MaxIntegerGreens || greens.Count(k => k == Green.Reference) > EntryCell.MaxReferenceGreens)
            return Refused(out why, $"more than {EntryCell.MaxIntegerGreens} integer or {EntryCell.MaxReferenceGreens} reference greens");
        var reds = types.Skip(greenCount).ToList();
        if (passesThis) reds.Add(portal.DeclaringType);
        if (reds.Count > EntryCell.MaxReds) return Refused(out why, $"more than {EntryCell.MaxReds} reds{(passesThis ? " with `this`" : "")}");
        if (reds.FirstOrDefault(t => !DelegateCanTake(t)) is { } red) return Refused(out why, $"a red of type {red.Name} cannot be a delegate's argument");
        bool isVoid = portal.ReturnType.MetadataType == MetadataType.Void;
        if (!isVoid && !DelegateCanTake(portal.ReturnType)) return Refused(out why, $"its result type {portal.ReturnType.Name} cannot be a delegate's");

        // A private type (a lambda's closure class, `this` of a lambda portal) may be named by the counter class: the woven
        // assembly ignores access checks to itself (OwnAccessChecks), as its plain twin, which calls private members, needs.
        var objects = new ArrayType(module.TypeSystem.Object);
        // The code is a delegate closed over the unit's constants: it takes the exit buffer, the reds and `this`.
        var arguments = new List<TypeReference> { objects };
        arguments.AddRange(reds.Select(module.ImportReference));
        if (!isVoid) arguments.Add(module.ImportReference(portal.ReturnType));
        var open = new TypeReference("System", $"{(isVoid ? "Action" : "Func")}`{arguments.Count}", module, module.TypeSystem.CoreLibrary);
        foreach (var _ in arguments) open.GenericParameters.Add(new GenericParameter(open));
        var instance = new GenericInstanceType(open);
        foreach (var argument in arguments) instance.GenericArguments.Add(argument);
        var invoke = new MethodReference("Invoke", isVoid ? module.TypeSystem.Void : open.GenericParameters[^1], instance) { HasThis = true };
        int parameters = arguments.Count - (isVoid ? 0 : 1);
        for (int i = 0; i < parameters; i++) invoke.Parameters.Add(new ParameterDefinition(open.GenericParameters[i]));
        return new EntryCellPlan(greens, instance, invoke, EntryCell.Layout(greens.Select(k => k == Green.Reference).ToArray()));
    }

    private static EntryCellPlan? Refused(out string? why, string reason)
    {
        why = reason;
        return null;
    }

    private static Green? KindOf(TypeReference type)
    {
        if (PortalWeaver.IsReference(type)) return Green.Reference;
        var kind = type.MetadataType;
        if (type.Resolve() is { IsEnum: true } enumeration) kind = enumeration.Fields.First(f => !f.IsStatic).FieldType.MetadataType;
        return kind switch
        {
            MetadataType.SByte or MetadataType.Int16 or MetadataType.Int32 or MetadataType.Int64 => Green.Signed,
            MetadataType.Boolean or MetadataType.Char or MetadataType.Byte or MetadataType.UInt16 or MetadataType.UInt32 or MetadataType.UInt64 => Green.Unsigned,
            _ => null,
        };
    }

    /// <summary>Whether <paramref name="type"/> can be a generic argument of <c>Func</c>: not a pointer, a by-reference or a ref struct.</summary>
    private static bool DelegateCanTake(TypeReference type) =>
        !type.IsByReference && !type.IsPointer && !type.IsFunctionPointer && !type.IsGenericParameter && !type.IsPinned
        && type.Resolve()?.CustomAttributes.Any(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.IsByRefLikeAttribute") != true;
}
