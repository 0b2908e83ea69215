namespace PeJit.AnalysisSubjects;

/// <summary>
/// An interpreter with two portals, reduced from the closure-compiler probe (<c>Docs/probes/ClosureCompiler.cs</c>): statements
/// and expressions compiled to delegates (<see cref="ClosureCalls"/>' style), a loop run by <see cref="While"/>, a portal whose
/// green key is the loop's compiled condition and body, and a function call run by <see cref="Call"/>, another portal (no loop:
/// its entry is where it gets hot) whose green key is the function. A loop whose body calls a function calls one portal from
/// the other: a unit of the loop may inline that call (the function is known where it is called), as it inlines a call of
/// its own portal. Programs: a loop calling a small function; one whose function throws at a given turn; one whose
/// function has a loop of its own (its own unit, a call of the loop portal from the function portal); one whose function
/// promotes a value (compiled code inlining it would leave inside the call).
/// </summary>
public static class PortalCalls
{
    /// <summary>A call's or the program's state: its variables, by slot.</summary>
    public sealed class Frame(int size)
    {
        /// <summary>The variables, by slot.</summary>
        public readonly long[] Slots = new long[size];
    }

    /// <summary>A compiled expression or statement.</summary>
    public delegate long Node(Frame f);

    /// <summary>A function of the program: its frame size, and its compiled body, set once before the program runs.</summary>
    public sealed class Function(int frameSize)
    {
        /// <summary>The slots a call's frame has.</summary>
        public readonly int FrameSize = frameSize;

        /// <summary>Set once, after the call sites that name the function are compiled.</summary>
        [JitImmutable] public Node? Body;
    }

    /// <summary>Runs a function: the function is the position in the program (green), its frame the state (red).</summary>
    [JitPortal(Greens = ["fn"], Reds = ["f"])]
    public static long Call(Function fn, Frame f)
    {
        Jit.MergePoint(fn, f);
        return fn.Body!(f);
    }

    /// <summary>Runs a loop: while <paramref name="cond"/> is not 0, <paramref name="body"/>; the loop's value is 0.</summary>
    [JitPortal(Greens = ["cond", "body"], Reds = ["f"])]
    public static long While(Node cond, Node body, Frame f)
    {
        while (true)
        {
            Jit.MergePoint(cond, body, f);
            if (cond(f) == 0) return 0;
            body(f);
            Jit.CanEnterJit(cond, body, f);
        }
    }

    /// <summary>A variable.</summary>
    public static Node Slot(int slot) => f => f.Slots[slot];

    /// <summary>A constant.</summary>
    public static Node Const(long value) => f => value;

    /// <summary><c>l + r</c>.</summary>
    public static Node Add(Node l, Node r) => f => l(f) + r(f);

    /// <summary><c>l - r</c>.</summary>
    public static Node Sub(Node l, Node r) => f => l(f) - r(f);

    /// <summary><c>l * r % 1000003</c>.</summary>
    public static Node MulMod(Node l, Node r) => f => l(f) * r(f) % 1000003;

    /// <summary><c>l / r</c>: throws <see cref="DivideByZeroException"/> when <c>r</c> is 0.</summary>
    public static Node Div(Node l, Node r) => f => l(f) / r(f);

    /// <summary><c>l % r</c>.</summary>
    public static Node Mod(Node l, Node r) => f => l(f) % r(f);

    /// <summary><c>l &lt; r</c>, 1 or 0.</summary>
    public static Node Less(Node l, Node r) => f => l(f) < r(f) ? 1 : 0;

    /// <summary><c>slot = value</c>; its value is the value assigned.</summary>
    public static Node Set(int slot, Node value) => f => f.Slots[slot] = value(f);

    /// <summary><c>first; second</c>; the value of the second.</summary>
    public static Node Seq(Node first, Node second) => f =>
    {
        first(f);
        return second(f);
    };

    /// <summary><c>x</c>, promoted: compiled code has a case per value seen, and leaves at any other.</summary>
    public static Node Promoted(Node x) => f => Jit.Promote(x(f));

    /// <summary>A <c>while</c> statement: runs the loop portal.</summary>
    public static Node Loop(Node cond, Node body) => f => While(cond, body, f);

    /// <summary>A call of <paramref name="fn"/> with <paramref name="args"/>: the callee's frame, then the function portal.</summary>
    public static Node CallOf(Function fn, params Node[] args) => f =>
    {
        var callee = new Frame(fn.FrameSize);
        for (int i = 0; i < args.Length; i++) callee.Slots[i] = args[i](f);
        return Call(fn, callee);
    };

    /// <summary>
    /// The program's loop: <c>while (i &lt; n) { s = fn(i, s); i = i + 1; }</c>, <c>i</c> in slot 0, <c>n</c> in slot 1, <c>s</c> in
    /// slot 2; its condition and body, for <see cref="While"/>.
    /// </summary>
    public static (Node Cond, Node Body) LoopCalling(Function fn) =>
        (Less(Slot(0), Slot(1)), Seq(Set(2, CallOf(fn, Slot(0), Slot(2))), Set(0, Add(Slot(0), Const(1)))));

    /// <summary><c>mix(a, b) = (a * 3 + b) * 7 % 1000003</c>: a small function, no loop.</summary>
    public static Function Mix()
    {
        var mix = new Function(2);
        mix.Body = MulMod(Add(MulMod(Slot(0), Const(3)), Slot(1)), Const(7));
        return mix;
    }

    /// <summary><c>divide(a, b) = b + 1000 / (k - a)</c>: throws <see cref="DivideByZeroException"/> at <c>a == k</c>.</summary>
    public static Function DivideAt(long k)
    {
        var divide = new Function(2);
        divide.Body = Add(Slot(1), Div(Const(1000), Sub(Const(k), Slot(0))));
        return divide;
    }

    /// <summary>
    /// <c>shift(a, b) = (b + promoted(a % 3)) % 1000003</c>: compiled code inlining it would leave where it promotes a value it
    /// has no case for, inside the call.
    /// </summary>
    public static Function Shift()
    {
        var shift = new Function(2);
        shift.Body = MulMod(Add(Slot(1), Promoted(Mod(Slot(0), Const(3)))), Const(1));
        return shift;
    }

    /// <summary>
    /// <c>sum(a, b) = { j = 0; t = b; while (j &lt; a % 5) { t = t + j; j = j + 1; } t }</c> (<c>j</c>, <c>t</c> in slots 2, 3): a
    /// function with a loop of its own, run by the loop portal from inside the function portal.
    /// </summary>
    public static Function SumTo()
    {
        var sum = new Function(4);
        var loop = Loop(Less(Slot(2), Mod(Slot(0), Const(5))), Seq(Set(3, Add(Slot(3), Slot(2))), Set(2, Add(Slot(2), Const(1)))));
        sum.Body = Seq(Seq(Set(2, Const(0)), Set(3, Slot(1))), Seq(loop, Slot(3)));
        return sum;
    }

    /// <summary>The program's frame: <c>i = 0</c>, <c>n</c>, <c>s = 1</c>.</summary>
    public static Frame ProgramFrame(long n)
    {
        var frame = new Frame(3);
        frame.Slots[1] = n;
        frame.Slots[2] = 1;
        return frame;
    }
}
