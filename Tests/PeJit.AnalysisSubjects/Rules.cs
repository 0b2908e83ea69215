namespace PeJit.AnalysisSubjects;

/// <summary>One portal per binding-time rule; each test names the values it checks by their source names.</summary>
public static class Rules
{
    /// <summary>Jit.Promote: a red value becomes green from the promotion on.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long Promotion(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            int kind = Jit.Promote(frame.Kind);
            int shifted = kind * 2 + code.Ops[pc];
            if (shifted > 100) return shifted;
            frame.Stack[0] += shifted;
            pc = (pc + 1) % code.Ops.Length;
        }
    }

    /// <summary>[Elidable]: run while specializing with green arguments, a residual call with a red one.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long Elidable(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            int constant = LookUp(code, pc);
            long dynamic = LookUp(code, (int)frame.Stack[0]);
            frame.Stack[1] = constant + dynamic;
            if (frame.Stack[1] > 1000) return frame.Stack[1];
            pc = (pc + 1) % code.Ops.Length;
        }
    }

    [Elidable]
    private static int LookUp(Code code, int index) => code.Constants[index % code.Constants.Length];

    /// <summary>readonly and [JitImmutable] fields of a green object are green; a mutable field is red.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long ImmutableFields(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            int op = code.Ops[pc];
            int arity = code.Arity;
            int counter = code.Counter;
            frame.Stack[0] += op + arity + counter;
            if (frame.Stack[0] > 1000) return frame.Stack[0];
            pc = (pc + 1) % code.Ops.Length;
        }
    }

    /// <summary>Polyvariance: one helper called with a green and with a red argument gets two annotated versions.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long Polyvariance(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            long fromCode = Twice(code.Ops[pc]);
            long fromStack = Twice(frame.Stack[0]);
            frame.Stack[0] = fromCode + fromStack;
            if (fromStack > 1000) return fromStack;
            pc = (pc + 1) % code.Ops.Length;
        }
    }

    private static long Twice(long value) => value + value;

    /// <summary>
    /// A generic container's methods inlined with a red receiver: <see cref="RuleStack{T}.Pop"/>'s red <c>ldelem T</c> and
    /// <see cref="RuleStack{T}.Push"/>'s <c>stelem T</c> name the generic parameter, which the specializer instantiates (no
    /// warning); <see cref="RuleStack{T}.Drop"/> is <c>[DontLookInside]</c>, a call; <see cref="FirstOf{T}"/>'s <c>T</c> is green.
    /// </summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame", "stack"])]
    public static long GenericStack(Code code, Frame frame, RuleStack<long> stack)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame, stack);
            stack.Push(frame.Stack[0] + FirstOf(code.Ops));
            frame.Stack[1] = stack.Pop() + stack.Count;
            stack.Drop();
            if (frame.Stack[1] > 1000) return frame.Stack[1];
            pc = (pc + 1) % code.Ops.Length;
        }
    }

    private static T FirstOf<T>(T[] items) => items[0];

    /// <summary>A helper loop whose exit depends on a red value is generalized; one over green data is unrolled.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long Loops(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            long red = SumTo(frame.Stack[0]);
            long green = SumOfOps(code);
            frame.Stack[1] = red + green;
            if (frame.Stack[1] > 1000) return frame.Stack[1];
            pc = (pc + 1) % code.Ops.Length;
        }
    }

    private static long SumTo(long limit)
    {
        long sum = 0;
        for (long i = 0; i < limit; i++) sum += i;
        return sum;
    }

    [Unroll]
    private static long SumOfOps(Code code)
    {
        long total = 0;
        for (int i = 0; i < code.Ops.Length; i++) total += code.Ops[i];
        return total;
    }

    /// <summary>Every kind of residual call.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long ResidualCalls(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            int op = code.Ops[pc];
            long slow = SlowPath(op);
            long opaque = Opaque(op);
            long recursive = Factorial(op);
            long nested = op == 7 ? ResidualCalls(code, frame) : 0;
            frame.Out.WriteLine(slow);
            long outside = Math.BigMul(op, op) + Environment.TickCount64 * 0;
            frame.Stack[0] += slow + opaque + recursive + nested + outside;
            if (frame.Stack[0] > 1000) return frame.Stack[0];
            pc = (pc + 1) % code.Ops.Length;
        }
    }

    [DontLookInside]
    private static long SlowPath(int op) => op * 3;

    private static unsafe long Opaque(int op)
    {
        int* buffer = stackalloc int[4];
        buffer[0] = op;
        return buffer[0];
    }

    private static long Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);

    /// <summary>The exception a catch handler starts with is red: no jump passes it, it is known only when something throws.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long CaughtException(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            frame.Stack[0] += Divides(code.Ops[pc]);
            if (frame.Stack[0] > 1000) return frame.Stack[0];
            pc = (pc + 1) % code.Ops.Length;
        }
    }

    private static int Divides(int op)
    {
        try
        {
            return 100 / op;
        }
        catch (DivideByZeroException caught)
        {
            int length = caught.Message.Length;
            return length;
        }
    }

    /// <summary>
    /// Docs/bta.md rule 11: pc passed by ref to a decoder that advances it over the green code stays green
    /// (<c>op</c> too); passed by ref to a [DontLookInside] helper, it would be red.
    /// </summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long PcAdvancedByRef(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            int op = code.Ops[pc++];
            if (op == 0) return frame.Stack[0];
            frame.Stack[0] += ReadOperand(code, ref pc);
        }
    }

    private static int ReadOperand(Code code, ref int pc) => code.Ops[pc++];

    /// <summary>Docs/bta.md rule 11: pc passed by ref to a helper left residual is red (error PJ0007, naming the address).</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long PcPassedToResidualByRef(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            int op = code.Ops[pc++];
            if (op == 0) return frame.Stack[0];
            frame.Stack[0] += OpaqueOperand(code, ref pc);
        }
    }

    [DontLookInside]
    private static int OpaqueOperand(Code code, ref int pc) => code.Ops[pc++];
}

/// <summary>A generic stack, as an interpreter's author writes one (<see cref="Rules.GenericStack"/>).</summary>
public sealed class RuleStack<T>
{
    private T[] items = new T[8];
    private int count;

    /// <summary>How many items the stack holds.</summary>
    public int Count => count;

    /// <summary>Pushes <paramref name="item"/>.</summary>
    public void Push(T item)
    {
        if (count == items.Length) Array.Resize(ref items, count * 2);
        items[count++] = item;
    }

    /// <summary>Pops the top item.</summary>
    public T Pop() => count == 0 ? throw new InvalidOperationException("empty stack") : items[--count];

    /// <summary>Forgets the top item, if any; kept a call.</summary>
    [DontLookInside]
    public void Drop()
    {
        if (count > 0) items[--count] = default!;
    }
}
