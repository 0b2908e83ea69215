namespace PeJit.Backends.Amd64.Lowering;

/// <summary>The operations of the machine-level form: each is a short, fixed x86-64 sequence (see <c>Emission/CodeEmitter</c>).</summary>
public enum MachineOpcode
{
    /// <summary><c>d = argument n</c>: the n-th 64-bit word the managed stub passes in.</summary>
    LoadArgument,
    /// <summary><c>d = a</c>.</summary>
    Move,
    /// <summary><c>d = a + b</c> (an <see cref="MachineInstruction.Edge"/> exit on overflow when checked).</summary>
    Add,
    /// <summary><c>d = a - b</c>.</summary>
    Subtract,
    /// <summary><c>d = a * b</c>.</summary>
    Multiply,
    /// <summary><c>d</c> = the high half of the signed product <c>a * b</c> (twice <see cref="MachineInstruction.Width"/> bits wide).</summary>
    MultiplyHigh,
    /// <summary><c>d = a &amp; b</c>.</summary>
    And,
    /// <summary><c>d = a | b</c>.</summary>
    Or,
    /// <summary><c>d = a ^ b</c>.</summary>
    Xor,
    /// <summary><c>d = a &lt;&lt; b</c> (the count masked by the width, as x86-64 and .NET do).</summary>
    ShiftLeft,
    /// <summary><c>d = a &gt;&gt; b</c>, arithmetic.</summary>
    ShiftRight,
    /// <summary><c>d = a &gt;&gt;&gt; b</c>, logical.</summary>
    ShiftRightUnsigned,
    /// <summary><c>d = -a</c>.</summary>
    Negate,
    /// <summary><c>d = ~a</c>.</summary>
    Not,
    /// <summary><c>d = a</c> narrowed to <see cref="MachineInstruction.Width"/> bits and sign- or zero-extended back to 64.</summary>
    Extend,
    /// <summary><c>d = a / b</c>, signed, guarded: exits on b == 0 and on MinValue / -1.</summary>
    Divide,
    /// <summary><c>d = a / b</c>, unsigned, guarded: exits on b == 0.</summary>
    DivideUnsigned,
    /// <summary><c>d = a % b</c>, signed, guarded as <see cref="Divide"/>.</summary>
    Remainder,
    /// <summary><c>d = a % b</c>, unsigned, guarded as <see cref="DivideUnsigned"/>.</summary>
    RemainderUnsigned,
    /// <summary><c>d = (a cond b) ? 1 : 0</c>.</summary>
    SetCondition,
    /// <summary><c>d = [address]</c>, <see cref="MachineInstruction.Width"/> bits, sign- or zero-extended.</summary>
    Load,
    /// <summary><c>[address] = a</c>, the low <see cref="MachineInstruction.Width"/> bits.</summary>
    Store,
    /// <summary><c>if (a cond b) goto edge</c>; else on with the next instruction. Flags-setting compare fused with the branch.</summary>
    CompareBranch,
    /// <summary><c>goto edge</c>: the block's terminator.</summary>
    Jump,
    /// <summary>Returns a (or nothing) to the managed stub.</summary>
    Return,

    /// <summary>Calls static helper number <c>ArgumentIndex</c> (<c>MachineFunction.Calls</c>) with the operands as words; the result (if any) is its return value; its one exit is taken when the helper threw.</summary>
    CallHelper,
}
