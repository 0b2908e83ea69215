namespace PeJit.AnalysisSubjects;

/// <summary>Portals with hint errors the analysis must report, each with its location.</summary>
public static class Errors
{
    /// <summary>The declared green pc is read from the red stack.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long GreenFromRed(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            if (code.Ops[pc] == 0) return frame.Stack[0];
            pc = (int)frame.Stack[pc];
        }
    }

    /// <summary>The opcode is read through a span over the red frame's stack: the dispatch is on a red value (PJ1001).</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long DispatchThroughSpan(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            ReadOnlySpan<long> ops = frame.Stack;
            switch ((int)ops[pc])
            {
                case 0: return frame.Stack[0];
                case 1: frame.Stack[0]++; pc++; break;
                case 2: frame.Stack[0]--; pc++; break;
                case 3: frame.Stack[0] *= 2; pc++; break;
                case 4: frame.Stack[0] = -frame.Stack[0]; pc++; break;
                default: pc = 0; break;
            }
        }
    }

    /// <summary>The value stack is a stackalloc'd span in the portal: the portal cannot be converted (PJ0010).</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame", "stack", "sp"])]
    public static long StackAllocatedStack(Code code, Frame frame)
    {
        Span<long> stack = stackalloc long[16];
        int pc = 0, sp = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame, sp);
            if (code.Ops[pc] == 0) return stack[sp - 1];
            stack[sp++] = frame.Stack[pc];
            pc++;
        }
    }

    /// <summary>
    /// The declared green pc is read from the green code through a span method PeJit does not run (<c>MemoryMarshal.Cast</c>):
    /// the call stays residual, so the span it returns, and the pc read through it, are red.
    /// </summary>
    [JitPortal(Greens = ["pc", "bytes"], Reds = ["frame"])]
    public static long GreenReadThroughSpan(byte[] bytes, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, bytes, frame);
            if (bytes[pc] == 0) return frame.Stack[0];
            pc = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(bytes.AsSpan(pc + 1))[0];
        }
    }

    /// <summary>The same read as <see cref="GreenReadThroughSpan"/> as it is usually written, which PeJit runs on the green span: green, no error.</summary>
    [JitPortal(Greens = ["pc", "bytes"], Reds = ["frame"])]
    public static long GreenReadThroughBinaryPrimitives(byte[] bytes, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, bytes, frame);
            if (bytes[pc] == 0) return frame.Stack[0];
            pc = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(pc + 1));
        }
    }

    /// <summary>What the advice for <see cref="GreenReadThroughSpan"/> says to write: the same read through <c>BitConverter</c>, green.</summary>
    [JitPortal(Greens = ["pc", "bytes"], Reds = ["frame"])]
    public static long GreenReadThroughBitConverter(byte[] bytes, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, bytes, frame);
            if (bytes[pc] == 0) return frame.Stack[0];
            frame.Stack[0]++;
            pc = BitConverter.ToInt32(bytes, pc + 1);
            Jit.CanEnterJit(pc, bytes, frame);
        }
    }

    /// <summary>
    /// The declared green pc is passed by reference to a helper that writes a red value through it (an operand read
    /// from the red stack): the slot is red, so the merge point's pc is too.
    /// </summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long GreenWrittenRedByRef(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            if (code.Ops[pc] == 0) return frame.Stack[0];
            JumpTo(frame, ref pc);
        }
    }

    private static void JumpTo(Frame frame, ref int pc) => pc = (int)frame.Stack[pc];

    /// <summary>The merge point does not pass the live variable 'total'.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long MissingLiveVariable(Code code, Frame frame)
    {
        int pc = 0;
        long total = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            total += code.Ops[pc];
            if (total > 1000) return total;
            pc = (pc + 1) % code.Ops.Length;
            frame.Stack[0] = total;
        }
    }

    /// <summary>A lambda made the portal, naming the variables it captures (fields of its closure class) as its greens.</summary>
    public static Func<Frame, long> LambdaPortal(Code code, int start) =>
        [JitPortal(Greens = ["start", "code"], Reds = ["frame"])] (Frame frame) =>
        {
            while (true)
            {
                Jit.MergePoint(start, code, frame);
                if (code.Ops[start] == 0) return frame.Stack[0];
                Jit.CanEnterJit(start, code, frame);
            }
        };

    /// <summary>A merge point outside any loop, with a Jit.CanEnterJit that has no loop to close (without one it is a function portal).</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long NoLoop(Code code, Frame frame)
    {
        int pc = 0;
        Jit.MergePoint(pc, code, frame);
        if (code.Ops[pc] == 0) Jit.CanEnterJit(pc, code, frame);
        return code.Ops[pc] + frame.Stack[0];
    }

    /// <summary>Arguments in the wrong order, and an expression instead of a variable.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long WrongArguments(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(code, pc, frame);
            if (code.Ops[pc] == 0) return frame.Stack[0];
            pc = (pc + 1) % code.Ops.Length;
            Jit.CanEnterJit(pc + 1, code, frame);
        }
    }

    /// <summary>Jit.AssertGreen on a red value.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long AssertGreenOnRed(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            long top = frame.Stack[0];
            Jit.AssertGreen(top);
            if (top == 0) return top;
            pc = (pc + 1) % code.Ops.Length;
        }
    }
}
