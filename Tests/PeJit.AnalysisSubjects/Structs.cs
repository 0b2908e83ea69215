namespace PeJit.AnalysisSubjects;

/// <summary>An instruction as a readonly record struct: its property getters are called on a local's address.</summary>
/// <param name="Op">The operation.</param>
/// <param name="Arg">Its operand.</param>
public readonly record struct Step(int Op, int Arg);

/// <summary>A mutable struct whose <see cref="Advance"/> writes through <c>this</c>.</summary>
public struct Cursor
{
    /// <summary>Where the cursor is.</summary>
    public int Position;

    /// <summary>Moves the cursor on by one: a write through the address of the local it is called on.</summary>
    public void Advance() => Position++;
}

/// <summary>An interpreter's machine state in one mutable struct: the program counter, the stack pointer and an accumulator.</summary>
public struct MachineState
{
    /// <summary>The program counter.</summary>
    public int Pc;

    /// <summary>The stack pointer.</summary>
    public int Sp;

    /// <summary>The accumulator.</summary>
    public long Acc;

    /// <summary>Adds to the accumulator: a field writer.</summary>
    public void Add(long value) => Acc += value;
}

/// <summary>A struct whose setter and mutating method call static helpers.</summary>
public struct Scaled
{
    /// <summary>Written by <see cref="Input"/>.</summary>
    public int Value;

    /// <summary>Written by <see cref="Shift"/>.</summary>
    public int Offset;

    /// <summary>A mutable static: what <see cref="Bias"/> reads is red.</summary>
    public static int Bias0 = 3;

    /// <summary>Sets <see cref="Value"/> through a pure helper.</summary>
    public int Input { set => Value = Scale(value); }

    /// <summary>Sets <see cref="Offset"/> through a helper that reads mutable memory.</summary>
    public void Shift(int by) => Offset = Bias(by);

    private static int Scale(int x) => x * 2 + 1;

    private static int Bias(int x) => x + Bias0;
}

/// <summary>Code made of struct instructions in a readonly array.</summary>
public sealed class StructCode(Step[] steps)
{
    /// <summary>The instructions.</summary>
    public readonly Step[] Steps = steps;
}

/// <summary>Green structs: a struct read from green memory stays green through copies and readonly members.</summary>
public static class Structs
{
    /// <summary>A record struct copied from a green array into a local; its getters read it through the local's address.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long RecordStructFromGreenArray(StructCode code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            Step step = code.Steps[pc];
            int op = step.Op;
            int arg = step.Arg;
            frame.Stack[0] += op * arg;
            if (frame.Stack[0] > 1000) return frame.Stack[0];
            pc = (pc + 1) % code.Steps.Length;
        }
    }

    /// <summary>A struct method that writes through <c>this</c> makes that local red; the green instruction stays green.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long MutatingStructMethod(StructCode code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            Step step = code.Steps[pc];
            Cursor cursor = default;
            cursor.Advance();
            int advanced = cursor.Position;
            int op = step.Op;
            frame.Stack[0] += op + advanced;
            if (frame.Stack[0] > 1000) return frame.Stack[0];
            pc = (pc + 1) % code.Steps.Length;
            // Back to the first instruction: a backward jump of the interpreted program.
            if (pc == 0) Jit.CanEnterJit(pc, code, frame);
        }
    }

    /// <summary>A <c>with</c> expression on a green record struct, with a green and with a red new value.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long WithOnGreenRecordStruct(StructCode code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            Step step = code.Steps[pc];
            Step doubled = step with { Arg = step.Arg * 2 };
            int twice = doubled.Arg;
            Step loaded = step with { Arg = (int)frame.Stack[1] };
            int loadedArg = loaded.Arg;
            int op = step.Op;
            frame.Stack[0] += op + twice + loadedArg;
            if (frame.Stack[0] > 1000) return frame.Stack[0];
            pc = (pc + 1) % code.Steps.Length;
            // Back to the first instruction: a backward jump of the interpreted program.
            if (pc == 0) Jit.CanEnterJit(pc, code, frame);
        }
    }

    /// <summary>
    /// The machine state in one mutable struct whose accumulator gets a red value: fields have binding times of their
    /// own, so only the accumulator is red; the program counter read from the struct stays green.
    /// </summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long StateStructWithRedAccumulator(StructCode code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            MachineState state = default;
            state.Pc = pc;
            state.Sp = 1;
            state.Add(frame.Stack[0]);
            Step step = code.Steps[state.Pc];
            state.Pc++;
            frame.Stack[0] = state.Acc + step.Arg;
            if (frame.Stack[0] > 1000) return frame.Stack[0];
            pc = state.Pc % code.Steps.Length;
            // Back to the first instruction: a backward jump of the interpreted program.
            if (pc == 0) Jit.CanEnterJit(pc, code, frame);
        }
    }

    /// <summary>
    /// <c>with</c> expressions whose new value depends on a branch, green or red: the C# compiler takes the temporary's
    /// address before the branch and uses it after it, then copies the temporary into the local. Each branch gives a green
    /// value, so the copies stay green (on each path of a red branch).
    /// </summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long WithAfterABranch(StructCode code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            Step step = code.Steps[pc];
            Step chosen = step with { Arg = step.Op > 1 ? step.Arg : -step.Arg };
            int arg = chosen.Arg;
            Step counted = step with { Arg = frame.Stack[1] > 2 ? 1 : 2 };
            int op = counted.Op;
            frame.Stack[0] += arg + op + counted.Arg;
            if (frame.Stack[0] > 1000) return frame.Stack[0];
            pc = (pc + 1) % code.Steps.Length;
            // Back to the first instruction: a backward jump of the interpreted program.
            if (pc == 0) Jit.CanEnterJit(pc, code, frame);
        }
    }

    /// <summary>
    /// Field writers that call helpers: a setter through a pure helper writes a green value; a method through a helper
    /// reading a mutable static writes a red one, from a green argument.
    /// </summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long SetterCallingAHelper(StructCode code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            Step step = code.Steps[pc];
            Scaled scaled = default;
            scaled.Input = step.Arg;
            scaled.Shift(step.Op);
            int value = scaled.Value;
            frame.Stack[0] += value + scaled.Offset;
            if (frame.Stack[0] > 1000) return frame.Stack[0];
            pc = (pc + 1) % code.Steps.Length;
            // Back to the first instruction: a backward jump of the interpreted program.
            if (pc == 0) Jit.CanEnterJit(pc, code, frame);
        }
    }

    /// <summary>The same machine with the red accumulator in a local of its own: the state struct stays green.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long StateStructWithAccumulatorApart(StructCode code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            MachineState state = default;
            state.Pc = pc;
            state.Sp = 1;
            long acc = frame.Stack[0];
            Step step = code.Steps[state.Pc];
            state.Pc++;
            int next = state.Pc;
            frame.Stack[0] = acc + step.Arg + state.Sp;
            if (frame.Stack[0] > 1000) return frame.Stack[0];
            pc = next % code.Steps.Length;
            // Back to the first instruction: a backward jump of the interpreted program.
            if (pc == 0) Jit.CanEnterJit(pc, code, frame);
        }
    }
}
