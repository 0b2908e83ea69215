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
        }
    }
}
