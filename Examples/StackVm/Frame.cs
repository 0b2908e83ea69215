namespace PeJit.Examples.StackVm;

/// <summary>One activation of a function: its operand stack and locals, and where printing goes.</summary>
public sealed class Frame(int locals, TextWriter output)
{
    /// <summary>The operand stack.</summary>
    public readonly long[] Stack = new long[256];

    /// <summary>Arguments, then other locals.</summary>
    public readonly long[] Locals = new long[Math.Max(locals, 1)];

    /// <summary>Where <c>print</c> writes.</summary>
    public readonly TextWriter Output = output;
}
