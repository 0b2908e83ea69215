namespace PeJit.TestSubjects;

/// <summary>
/// The machine state of one step of <see cref="FieldVm"/>, a mutable struct local: its program counter is known while
/// specializing (green), its accumulator only when the program runs (red).
/// </summary>
public struct FieldState
{
    /// <summary>The program counter.</summary>
    public int Pc;

    /// <summary>The accumulator.</summary>
    public long Acc;

    /// <summary>How many values were added.</summary>
    public int Adds;

    /// <summary>Adds <paramref name="value"/> to the accumulator: reads and writes it.</summary>
    public void Accumulate(long value)
    {
        Acc += value;
        Adds++;
    }

    /// <summary>The accumulator, written by a setter.</summary>
    public long Accumulator
    {
        readonly get => Acc;
        set => Acc = value;
    }

    /// <summary>Moves to the next instruction.</summary>
    public void Next() => Pc++;

    /// <summary>For <see cref="FieldOp.Print"/>.</summary>
    public override readonly string ToString() => $"pc {Pc} acc {Acc} adds {Adds}";
}
