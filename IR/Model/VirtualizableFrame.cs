using System.Text;

namespace PeJit.IR;

/// <summary>
/// A class the interpreter marked <c>[Virtualizable(...)]</c>, as the optimizer needs it: which fields and which arrays'
/// elements compiled code may keep in SSA values, and what a reference must be typed as to be one of its frames.
/// Built by the analysis from the attribute, stored with the extension program, attached by the specializer to every
/// residual graph of the portal (<see cref="FlowGraph.Virtualizables"/>); the contract is the attribute's (PeJit.Hints).
/// </summary>
/// <param name="ClassName">The frame class's full name (Cecil's form, as <see cref="IrType.Name"/>).</param>
/// <param name="Sealed">True when no class derives from it, so a reference of another class type is never a frame.</param>
/// <param name="Supertypes">Its base classes and interfaces, by full name: a reference typed as one of them may be a frame.</param>
/// <param name="Fields">The named fields kept in SSA values (Cecil's full field names).</param>
/// <param name="Arrays">The named array fields whose elements are kept in SSA values (readonly fields, Cecil's full names).</param>
public sealed record VirtualizableFrame(string ClassName, bool Sealed, IReadOnlyList<string> Supertypes,
    IReadOnlyList<string> Fields, IReadOnlyList<string> Arrays)
{
    /// <summary>
    /// <see cref="Arrays"/> as field references, in the same order: what an instruction the optimizer adds names. The
    /// analysis attaches its own (with what the in-process resolver needs, <see cref="FieldRef.Origin"/>); a frame read
    /// back from a stored program names them only (its member table resolves them by name).
    /// </summary>
    public IReadOnlyList<FieldRef> ArrayFields
    {
        get => arrayFields ??= Arrays.Select(a => new FieldRef(a)).ToArray();
        init => arrayFields = value;
    }

    private IReadOnlyList<FieldRef>? arrayFields;

    /// <summary>True when <paramref name="field"/> (a full name) is one of <see cref="Arrays"/>.</summary>
    public bool IsNamedArray(string field)
    {
        foreach (var array in Arrays)
            if (array == field) return true;
        return false;
    }

    /// <summary>True when <paramref name="field"/> (a full name) is a field of the frame class, named or not.</summary>
    public bool DeclaresField(string field)
    {
        int separator = field.LastIndexOf("::", StringComparison.Ordinal);
        int space = field.LastIndexOf(' ', separator < 0 ? field.Length - 1 : separator);
        return separator > 0 && field.AsSpan(space + 1, separator - space - 1).SequenceEqual(ClassName);
    }

    /// <summary>The text form after the keyword: <c>"Demo.Frame" sealed bases("System.Object") fields() arrays("System.Int64[] Demo.Frame::Registers")</c>.</summary>
    public string Print()
    {
        var text = new StringBuilder(IrType.Quote(ClassName));
        if (Sealed) text.Append(" sealed");
        List(text, "bases", Supertypes);
        List(text, "fields", Fields);
        List(text, "arrays", Arrays);
        return text.ToString();
    }

    private static void List(StringBuilder text, string name, IReadOnlyList<string> items)
    {
        text.Append(' ').Append(name).Append('(');
        for (int i = 0; i < items.Count; i++) text.Append(i == 0 ? "" : ", ").Append(IrType.Quote(items[i]));
        text.Append(')');
    }
}
