using System.Reflection;
using System.Runtime.CompilerServices;

namespace PeJit.IR.Evaluation;

/// <summary>
/// A managed pointer while evaluating: where a value lives (a stack slot, a field, an array element, a
/// static, the inside of a box) with a way to read and write it. Values are in the declared CLR form;
/// value types boxed, and a load returns a copy so no two places share a mutable box.
/// </summary>
public abstract class Address
{
    /// <summary>The value at the address (a fresh box for value types).</summary>
    public abstract object? Load();

    /// <summary>Writes the value at the address.</summary>
    public abstract void Store(object? value);

    /// <summary>
    /// The address of element <paramref name="index"/> of <paramref name="array"/>: what compiled code leaving in the middle
    /// of a step hands the evaluator for a live <c>ref</c> to an array element (<c>ref Frame f = ref frames[fp]</c>), which
    /// it cannot put in its exit buffer as a managed pointer.
    /// </summary>
    public static Address OfElement(Array array, long index) =>
        (ulong)index < (ulong)array.LongLength ? new ElementAddress(array, index) : throw new IndexOutOfRangeException("Index was outside the bounds of the array.");

    /// <summary>A copy of a boxed value type, so that mutating one does not change the other.</summary>
    protected static object? Copy(object? value) => RuntimeHelpers.GetObjectValue(value);
}

/// <summary>A stack slot of an evaluated frame.</summary>
internal sealed class SlotAddress(object?[] slots, int index) : Address
{
    public override object? Load() => Copy(slots[index]);

    public override void Store(object? value) => slots[index] = Copy(value);
}

/// <summary>A field of an object, or of a struct reached through another address.</summary>
internal sealed class FieldAddress(FieldInfo field, object? target, Address? container) : Address
{
    public override object? Load()
    {
        var owner = container is null ? target : container.Load();
        if (owner is null) throw new NullReferenceException();
        return Copy(field.GetValue(owner));
    }

    public override void Store(object? value)
    {
        if (container is null)
        {
            if (target is null) throw new NullReferenceException();
            field.SetValue(target, value);
            return;
        }
        var box = container.Load();
        field.SetValue(box, value);
        container.Store(box);
    }
}

/// <summary>An element of an array.</summary>
internal sealed class ElementAddress(Array array, long index) : Address
{
    public override object? Load() => Copy(array.GetValue(index));

    public override void Store(object? value) => array.SetValue(value, index);
}

/// <summary>A character of a string, read through a <c>ReadOnlySpan&lt;char&gt;</c> of it: read-only, as the span's <c>ref readonly</c> is.</summary>
internal sealed class CharacterAddress(string text, int index) : Address
{
    public override object? Load() => text[index];

    public override void Store(object? value) =>
        throw new EvaluationException("a store through a read-only span's element: a string's characters cannot be written");
}

/// <summary>A static field.</summary>
internal sealed class StaticAddress(FieldInfo field) : Address
{
    public override object? Load() => Copy(field.GetValue(null));

    public override void Store(object? value) => field.SetValue(null, value);
}

/// <summary>The value inside a box (what <c>unbox</c> points at): changes are made to the box itself.</summary>
internal sealed class BoxAddress(object box) : Address
{
    public override object? Load() => Copy(box);

    public override void Store(object? value)
    {
        foreach (var field in box.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            field.SetValue(box, field.GetValue(value));
    }
}

/// <summary>A function pointer (<c>ldftn</c>, <c>ldvirtftn</c>): the method it points to.</summary>
/// <param name="Method">The method.</param>
public sealed record FunctionPointer(MethodBase Method);
