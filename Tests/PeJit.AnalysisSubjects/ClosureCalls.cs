namespace PeJit.AnalysisSubjects;

/// <summary>
/// Function calls in a closure-compiled interpreter, reduced from the closure-compiler probe (<c>Docs/probes/ClosureCompiler.cs</c>):
/// a function's body is a tree of delegates (<see cref="ClosureTree"/>'s style) that reads its arguments from the frame, and a
/// call builds the callee's frame and runs the callee through <see cref="Call"/>, a portal whose green key is the function and
/// whose red is the frame. It has no loop (a closure compiler's loops are other closures): its entry is where it gets hot,
/// as a portal without <c>Jit.CanEnterJit</c>, so a recursive function without a loop (<see cref="Fib"/>) is compiled, its
/// recursive calls calls of the portal on the same key.
/// </summary>
public static class ClosureCalls
{
    /// <summary>A call's state: the arguments and locals, by slot.</summary>
    public sealed class Frame(int size)
    {
        /// <summary>The variables, by slot.</summary>
        public readonly long[] Slots = new long[size];
    }

    /// <summary>A compiled expression.</summary>
    public delegate long Node(Frame f);

    /// <summary>A function of the program: its frame size, and its compiled body, set once before the program runs.</summary>
    public sealed class Function(string name, int frameSize)
    {
        /// <summary>For people.</summary>
        public readonly string Name = name;

        /// <summary>The slots a call's frame has.</summary>
        public readonly int FrameSize = frameSize;

        /// <summary>Set once, after the call sites that name the function (recursion) are compiled.</summary>
        [JitImmutable] public Node? Body;
    }

    /// <summary>Runs a function: the function is the position in the program (green), its frame the state (red).</summary>
    [JitPortal(Greens = ["fn"], Reds = ["f"])]
    public static long Call(Function fn, Frame f)
    {
        Jit.MergePoint(fn, f);
        return fn.Body!(f);
    }

    /// <summary>An argument or local.</summary>
    public static Node Slot(int slot) => f => f.Slots[slot];

    /// <summary>A constant.</summary>
    public static Node Const(long value) => f => value;

    /// <summary><c>l + r</c>.</summary>
    public static Node Add(Node l, Node r) => f => l(f) + r(f);

    /// <summary><c>l - r</c>.</summary>
    public static Node Sub(Node l, Node r) => f => l(f) - r(f);

    /// <summary><c>l * r % 1000003</c>.</summary>
    public static Node MulMod(Node l, Node r) => f => l(f) * r(f) % 1000003;

    /// <summary><c>l &lt; r</c>, 1 or 0.</summary>
    public static Node Less(Node l, Node r) => f => l(f) < r(f) ? 1 : 0;

    /// <summary><c>cond ? then : otherwise</c>.</summary>
    public static Node If(Node cond, Node then, Node otherwise) => f => cond(f) != 0 ? then(f) : otherwise(f);

    /// <summary>A call of <paramref name="fn"/> with <paramref name="args"/>: the callee's frame, then the portal.</summary>
    public static Node CallOf(Function fn, params Node[] args) => f =>
    {
        var callee = new Frame(fn.FrameSize);
        for (int i = 0; i < args.Length; i++) callee.Slots[i] = args[i](f);
        return Call(fn, callee);
    };

    /// <summary><c>fib(x) = x &lt; 2 ? x : fib(x - 1) + fib(x - 2)</c>.</summary>
    public static Function Fib()
    {
        var fib = new Function("fib", 1);
        var x = Slot(0);
        fib.Body = If(Less(x, Const(2)), x, Add(CallOf(fib, Sub(x, Const(1))), CallOf(fib, Sub(x, Const(2)))));
        return fib;
    }

    /// <summary>
    /// Two functions calling each other: <c>even(n, acc) = n &lt; 1 ? acc : odd(n - 1, acc * 3 % 1000003)</c>, <c>odd(n, acc) =
    /// n &lt; 1 ? acc + 1 : even(n - 1, acc + n)</c>; returns <c>even</c>.
    /// </summary>
    public static Function EvenOdd()
    {
        var even = new Function("even", 2);
        var odd = new Function("odd", 2);
        Node n = Slot(0), acc = Slot(1);
        even.Body = If(Less(n, Const(1)), acc, CallOf(odd, Sub(n, Const(1)), MulMod(acc, Const(3))));
        odd.Body = If(Less(n, Const(1)), Add(acc, Const(1)), CallOf(even, Sub(n, Const(1)), Add(acc, n)));
        return even;
    }

    /// <summary>The same <c>fib</c> in C#.</summary>
    public static long FibInCSharp(long x) => x < 2 ? x : FibInCSharp(x - 1) + FibInCSharp(x - 2);

    /// <summary>A frame of <paramref name="fn"/> with its arguments.</summary>
    public static Frame FrameOf(Function fn, params long[] args)
    {
        var frame = new Frame(fn.FrameSize);
        args.CopyTo(frame.Slots, 0);
        return frame;
    }
}
