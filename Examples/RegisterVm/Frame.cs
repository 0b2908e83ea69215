namespace PeJit.Examples.RegisterVm;

/// <summary>One activation of a function: its registers, and where printing goes.</summary>
public sealed class Frame(int registers, TextWriter output)
{
    /// <summary>The registers; the arguments are the first ones.</summary>
    public readonly long[] Registers = new long[Math.Max(registers, 1)];

    /// <summary>Where <c>print</c> writes.</summary>
    public readonly TextWriter Output = output;
}
