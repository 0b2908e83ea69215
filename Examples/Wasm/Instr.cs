namespace PeJit.Examples.Wasm;

/// <summary>
/// One decoded instruction. <see cref="A"/> is the immediate: the value of <c>i64.const</c>, the local of
/// <c>local.*</c>, the label depth of <c>br</c>/<c>br_if</c>, the table of <c>br_table</c>, the function of
/// <c>call</c>, the offset of a load or store, and for <c>block</c>/<c>loop</c>/<c>if</c> the pc just past the
/// matching <c>end</c>. <see cref="B"/> is a block's arity (0 or 1), and a branch's target pc (<c>br</c>,
/// <c>br_if</c>, a <c>br_table</c> entry, <c>else</c>, <c>return</c>), worked out by the assembler. <see cref="C"/> is
/// an <c>if</c>'s pc just past its <c>else</c> (its <c>end</c> when it has none), and a branch's target's
/// <see cref="LabelKind"/>. A branch's <see cref="Drop"/> and <see cref="Keep"/> say how it moves the value stack: it keeps
/// its top <see cref="Keep"/> values (0 or 1) and lowers the stack pointer by <see cref="Drop"/>, as the assembler works
/// out from each instruction's stack effect (a wasm engine's side table has the same two numbers).
/// </summary>
public readonly struct Instr(Op op, long a = 0, int b = 0, int c = 0, int drop = 0, int keep = 0)
{
    public readonly Op Op = op;
    public readonly long A = a;
    public readonly int B = b;
    public readonly int C = c;
    public readonly int Drop = drop;
    public readonly int Keep = keep;

    public override string ToString() => $"{Op} {A} {B} {C}";
}
