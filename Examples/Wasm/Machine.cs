namespace PeJit.Examples.Wasm;

/// <summary>The machine's run-time state: value stack, control stack, call stack, linear memory, output.</summary>
public sealed class Machine(int memoryWords, TextWriter output)
{
    public const int MaxStack = 1 << 16, MaxLabels = 1 << 14, MaxFrames = 1 << 12;

    public readonly long[] Stack = new long[MaxStack];
    public readonly Label[] Labels = new Label[MaxLabels];
    public readonly Frame[] Frames = new Frame[MaxFrames];
    public readonly long[] Memory = new long[memoryWords];
    public readonly TextWriter Output = output;
}
