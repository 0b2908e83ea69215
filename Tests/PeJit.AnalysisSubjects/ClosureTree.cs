namespace PeJit.AnalysisSubjects;

/// <summary>
/// A closure-compiled interpreter, reduced from the closure-compiler probe (<c>Docs/probes/ClosureCompiler.cs</c>): an AST
/// compiled once into a tree of delegates that capture their compiled children, and a loop closure run by a portal whose
/// green key is the loop's compiled condition and body. The children live in the C# compiler's display classes, whose
/// fields are mutable in IL but written once before any delegate that reads them exists (<c>CapturedVariables</c>):
/// the binary node's two children; a leaf's value or slot, in one closure shared by switch sections without braces; a sequence's array, stored after a <c>Select</c> lambda over the same closure exists
/// (that lambda never reads it); a constant looked up with a captured <c>out var</c> (its address goes to
/// <c>TryGetValue</c>). And the captured variables that do change, whose reads must stay red: a counter closure, a
/// variable written after its delegate exists, one a nested closure assigns, one written after its closure is linked
/// into a nested closure.
/// </summary>
public static class ClosureTree
{
    /// <summary>The run-time state: the program's variables.</summary>
    public sealed class Frame(int size)
    {
        /// <summary>The variables, by slot.</summary>
        public readonly long[] Slots = new long[size];
    }

    /// <summary>A compiled expression or statement.</summary>
    public delegate long Node(Frame f);

    /// <summary>A node of the source tree.</summary>
    public abstract record Ast;

    /// <summary>A constant.</summary>
    public sealed record Num(long Value) : Ast;

    /// <summary>A variable, by slot.</summary>
    public sealed record Local(int Slot) : Ast;

    /// <summary>A binary operation: + - * % &lt;.</summary>
    public sealed record Bin(char Op, Ast Left, Ast Right) : Ast;

    /// <summary>Each item in turn; the value of the last.</summary>
    public sealed record Seq(Ast[] Items) : Ast;

    /// <summary>An assignment; its value is the value assigned.</summary>
    public sealed record Set(int Slot, Ast Value) : Ast;

    /// <summary>A named constant, looked up when compiling.</summary>
    public sealed record Named(string Name) : Ast;

    /// <summary>Compiles a tree to closures, with the named constants it may refer to.</summary>
    public sealed class Compiler(Dictionary<string, long> constants)
    {
        /// <summary>The compiled form of <paramref name="ast"/>.</summary>
        public Node Compile(Ast ast)
        {
            switch (ast)
            {
                case Num or Local:
                    return CompileLeaf(ast);
                case Set s:
                {
                    int slot = s.Slot;
                    var value = Compile(s.Value);
                    return f => f.Slots[slot] = value(f);
                }
                case Bin b:
                    return CompileBinary(b);
                case Seq s:
                    return CompileSequence(s);
                case Named n:
                    return CompileNamed(n);
                default:
                    throw new ArgumentException($"unknown node {ast}");
            }
        }

        // Switch sections without braces share one scope, so `value` and `slot` share one closure, made on entry to the
        // switch: each is written on its own path, before its own lambda, and neither lambda reads the other's.
        private static Node CompileLeaf(Ast ast)
        {
            switch (ast)
            {
                case Num n:
                    long value = n.Value;
                    return f => value;
                case Local l:
                    int slot = l.Slot;
                    return f => f.Slots[slot];
                default:
                    throw new ArgumentException($"not a leaf: {ast}");
            }
        }

        private Node CompileBinary(Bin b)
        {
            var l = Compile(b.Left);
            var r = Compile(b.Right);
            switch (b.Op)
            {
                case '+': return f => l(f) + r(f);
                case '-': return f => l(f) - r(f);
                case '*': return f => l(f) * r(f);
                case '%': return f => l(f) % r(f);
                case '<': return f => l(f) < r(f) ? 1 : 0;
                default: throw new ArgumentException($"unknown operator {b.Op}");
            }
        }

        // The Select lambda captures `this` in the closure that also holds `items`, and exists before `items` is stored.
        private Node CompileSequence(Seq s)
        {
            var items = s.Items.Select(item => Compile(item)).ToArray();
            return f =>
            {
                long last = 0;
                foreach (var item in items) last = item(f);
                return last;
            };
        }

        // `value` is captured, and its address is TryGetValue's out argument.
        private Node CompileNamed(Named n)
        {
            if (!constants.TryGetValue(n.Name, out var value)) throw new ArgumentException($"unknown constant {n.Name}");
            return f => value;
        }
    }

    /// <summary>The loop closure's body: the portal, its compiled condition and body green, the frame red.</summary>
    [JitPortal(Greens = ["cond", "body"], Reds = ["f"])]
    public static long While(Node cond, Node body, Frame f)
    {
        while (true)
        {
            Jit.MergePoint(cond, body, f);
            if (cond(f) == 0) return f.Slots[0];
            body(f);
            Jit.CanEnterJit(cond, body, f);
        }
    }

    /// <summary>
    /// <c>s = 0; i = 0; while (i &lt; n) { s = s + (i * k) % seven; i = i + 1; }</c> in slots 0 (s), 1 (i), 2 (n), with
    /// <c>seven</c> a named constant: the loop's condition and body.
    /// </summary>
    public static (Node Cond, Node Body) SumLoop(long k)
    {
        var compiler = new Compiler(new() { ["seven"] = 7 });
        var cond = compiler.Compile(new Bin('<', new Local(1), new Local(2)));
        var body = compiler.Compile(new Seq(
        [
            new Set(0, new Bin('+', new Local(0), new Bin('%', new Bin('*', new Local(1), new Num(k)), new Named("seven")))),
            new Set(1, new Bin('+', new Local(1), new Num(1))),
        ]));
        return (cond, body);
    }

    /// <summary>The same loop in C#.</summary>
    public static long SumLoopInCSharp(long k, long n)
    {
        long s = 0;
        for (long i = 0; i < n; i++) s += i * k % 7;
        return s;
    }

    // ---- captured variables that change: their reads stay red ----

    /// <summary>A closure whose captured variable changes while it runs: each family has its own delegate type.</summary>
    public delegate long Step(Frame f);

    /// <summary>A counter: the lambda writes the variable it captured.</summary>
    public static Step Counter()
    {
        long count = 0;
        return f => ++count;
    }

    /// <summary>A nested closure assigns the variable of the closure it is nested in: the running total changes on every call.</summary>
    public static Func<long, Step> Accumulator()
    {
        long total = 0;
        return step => f => total += step;
    }

    /// <summary>Runs a green <see cref="Step"/> until it returns at least slot 0, or 10,000 times; returns its last value.</summary>
    [JitPortal(Greens = ["step"], Reds = ["f", "turns"])]
    public static long RunSteps(Step step, Frame f)
    {
        long turns = 0;
        while (true)
        {
            Jit.MergePoint(step, f, turns);
            long value = step(f);
            turns++;
            if (value >= f.Slots[0] || turns >= 10_000) return value * 100_000 + turns;
            Jit.CanEnterJit(step, f, turns);
        }
    }

    /// <summary>A closure linked into a nested one.</summary>
    public delegate long Linked(Frame f);

    /// <summary>
    /// <c>x</c> lives in the method's closure, <c>y</c> in the loop body's, linked to it; the lambda reads both, and
    /// <c>x</c> is written after the lambda exists (no delegate of the outer closure's own is ever made).
    /// </summary>
    public static Linked LinkedThenWritten(long a)
    {
        long x = a;
        Linked made = f => 0;
        for (int i = 0; i < 1; i++)
        {
            long y = i + 1;
            made = f => x * 10 + y + f.Slots[0];
        }
        x = a * 2;
        return made;
    }

    /// <summary>A captured variable written again after its delegate exists.</summary>
    public delegate long Late(Frame f);

    /// <summary><c>value</c> is written after the delegate over it exists.</summary>
    public static Late WrittenLate(long start)
    {
        long value = start;
        Late late = f => value + f.Slots[0];
        value = start * 3;
        return late;
    }

    /// <summary>Runs a green <see cref="Linked"/> and a green <see cref="Late"/>, 100 times each.</summary>
    [JitPortal(Greens = ["linked", "late"], Reds = ["f", "turns", "sum"])]
    public static long RunChanged(Linked linked, Late late, Frame f)
    {
        long turns = 0;
        long sum = 0;
        while (true)
        {
            Jit.MergePoint(linked, late, f, turns, sum);
            long fromLinked = linked(f);
            long fromLate = late(f);
            sum += fromLinked + fromLate;
            turns++;
            if (turns >= 100) return sum;
            Jit.CanEnterJit(linked, late, f, turns, sum);
        }
    }
}
