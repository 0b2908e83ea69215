namespace PeJit.Examples.Wasm;

/// <summary>A caller's state while a callee runs: where to go back to, its locals, its label stack's height.</summary>
public sealed class Frame(int returnPc, long[] locals, int labelBase)
{
    public readonly int ReturnPc = returnPc;
    public readonly long[] Locals = locals;
    public readonly int LabelBase = labelBase;
}
