namespace PeJit.TestSubjects;

/// <summary>
/// A generic operand stack as an interpreter's author writes one for reuse: an array of <typeparamref name="T"/> that grows,
/// and a count. <see cref="GenericStackVm"/> runs over a <c>ValueStack&lt;long&gt;</c>; its methods are inlined generic code,
/// which the specializer instantiates.
/// </summary>
public sealed class ValueStack<T>
{
    private T[] items = new T[4];
    private int count;

    /// <summary>How many items the stack holds.</summary>
    public int Count => count;

    public void Push(T item)
    {
        if (count == items.Length) Array.Resize(ref items, count * 2);
        items[count++] = item;
    }

    public T Pop()
    {
        if (count == 0) throw new InvalidOperationException("empty stack");
        return items[--count];
    }

    public T Peek() => count == 0 ? throw new InvalidOperationException("empty stack") : items[count - 1];
}
