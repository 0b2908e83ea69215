namespace PeJit.Examples.HandlerTable;

/// <summary>What the handlers work on for one activation of a function: operand stack, locals, output.</summary>
public sealed class State(int locals, TextWriter output)
{
    /// <summary>The operand stack.</summary>
    public readonly long[] Stack = new long[256];

    /// <summary>The number of entries on the stack.</summary>
    public int Sp;

    /// <summary>Arguments, then other locals.</summary>
    public readonly long[] Locals = new long[Math.Max(locals, 1)];

    /// <summary>Where <c>print</c> writes.</summary>
    public readonly TextWriter Output = output;

    /// <summary>Pushes <paramref name="value"/>.</summary>
    public void Push(long value) => Stack[Sp++] = value;

    /// <summary>Pops the top.</summary>
    public long Pop() => Stack[--Sp];

    /// <summary>The top, left in place.</summary>
    public long Peek() => Stack[Sp - 1];
}
