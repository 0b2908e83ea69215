// A records-and-patterns evaluator probe (Examples/STYLES-FINDINGS.md, "Records and patterns"): not built by the solution. To
// try it, put it in a console project (net10.0, implicit usings, nullable) that references PeJit.Hints, build, and run
// `pejit build` on the DLL; `Probe.dll sum|primes|collatz [n]` prints the result on stdout and the time on stderr. Its
// interpreter is also a test subject (Tests/PeJit.AnalysisSubjects/RecordTree.cs, RecordTreeJitTests).
// A records-and-patterns evaluator probe: a small statement language as modern C# writes one, with sealed records
// for the tree, `switch` expressions with type, positional and property patterns, a `switch` on a string operator,
// and slots resolved before running (an environment array). The portal is the `while` statement's runner.
using PeJit;

abstract record Expr;
sealed record Num(long Value) : Expr;
sealed record Var(int Slot) : Expr;
sealed record Bin(char Op, Expr Left, Expr Right) : Expr;
sealed record Cmp(string Op, Expr Left, Expr Right) : Expr;
sealed record Not(Expr Operand) : Expr;

abstract record Stmt;
sealed record Assign(int Slot, Expr Value) : Stmt;
sealed record Seq(Stmt[] Body) : Stmt;
sealed record If(Expr Cond, Stmt Then, Stmt? Else) : Stmt;
sealed record While(Expr Cond, Stmt Body) : Stmt;
sealed record Print(Expr Value) : Stmt;

static class Interpreter
{
    public static long Eval(Expr e, long[] env) => e switch
    {
        Num(var value) => value,
        Var { Slot: var slot } => env[slot],
        Bin { Op: '+' } b => Eval(b.Left, env) + Eval(b.Right, env),
        Bin(var op, var left, var right) => op switch
        {
            '-' => Eval(left, env) - Eval(right, env),
            '*' => Eval(left, env) * Eval(right, env),
            '/' => Eval(left, env) / Eval(right, env),
            '%' => Eval(left, env) % Eval(right, env),
            _ => throw new InvalidOperationException($"unknown operator '{op}'"),
        },
        Cmp c => c.Op switch
        {
            "<" => Eval(c.Left, env) < Eval(c.Right, env) ? 1 : 0,
            "<=" => Eval(c.Left, env) <= Eval(c.Right, env) ? 1 : 0,
            "==" => Eval(c.Left, env) == Eval(c.Right, env) ? 1 : 0,
            "!=" => Eval(c.Left, env) != Eval(c.Right, env) ? 1 : 0,
            _ => throw new InvalidOperationException($"unknown comparison '{c.Op}'"),
        },
        Not(var operand) => Eval(operand, env) == 0 ? 1 : 0,
        _ => throw new InvalidOperationException($"unknown expression {e}"),
    };

    public static void Exec(Stmt s, long[] env, TextWriter output)
    {
        switch (s)
        {
            case Assign(var slot, var value): env[slot] = Eval(value, env); break;
            case Seq seq: foreach (var inner in seq.Body) Exec(inner, env, output); break;
            case If { Cond: var cond, Then: var then, Else: var otherwise }:
                if (Eval(cond, env) != 0) Exec(then, env, output);
                else if (otherwise is not null) Exec(otherwise, env, output);
                break;
            case While w: RunWhile(w, env, output); break;
            case Print p: output.WriteLine(Eval(p.Value, env)); break;
            default: throw new InvalidOperationException($"unknown statement {s}");
        }
    }

    [JitPortal(Greens = ["loop"], Reds = ["env", "output"])]
    public static void RunWhile(While loop, long[] env, TextWriter output)
    {
        while (true)
        {
            Jit.MergePoint(loop, env, output);
            if (Eval(loop.Cond, env) == 0) return;
            Exec(loop.Body, env, output);
            Jit.CanEnterJit(loop, env, output);
        }
    }
}

static class Programs
{
    static Expr N(long v) => new Num(v);
    static Expr V(int s) => new Var(s);
    static Expr B(char op, Expr l, Expr r) => new Bin(op, l, r);
    static Expr C(string op, Expr l, Expr r) => new Cmp(op, l, r);
    static Stmt Set(int s, Expr e) => new Assign(s, e);
    static Stmt Do(params Stmt[] body) => new Seq(body);

    // sum: s = sum of (i * i) % 7 for i < n
    public static (Stmt, int) Sum(long n) => (Do(
        Set(0, N(0)), Set(1, N(0)),
        new While(C("<", V(0), N(n)), Do(Set(1, B('+', V(1), B('%', B('*', V(0), V(0)), N(7)))), Set(0, B('+', V(0), N(1))))),
        new Print(V(1))), 2);

    // primes: count the primes below n by trial division (nested loops, an if with an else)
    public static (Stmt, int) Primes(long n) => (Do(
        Set(0, N(2)), Set(3, N(0)),
        new While(C("<", V(0), N(n)), Do(
            Set(1, N(2)), Set(2, N(1)),
            new While(C("<=", B('*', V(1), V(1)), V(0)), Do(
                new If(C("==", B('%', V(0), V(1)), N(0)), Do(Set(2, N(0)), Set(1, V(0))), Set(1, B('+', V(1), N(1)))))),
            new If(new Not(C("==", V(2), N(0))), Set(3, B('+', V(3), N(1))), null),
            Set(0, B('+', V(0), N(1))))),
        new Print(V(3))), 4);

    // collatz: the total number of steps of every start below n
    public static (Stmt, int) Collatz(long n) => (Do(
        Set(0, N(1)), Set(2, N(0)),
        new While(C("<", V(0), N(n)), Do(
            Set(1, V(0)),
            new While(C("!=", V(1), N(1)), Do(
                new If(C("==", B('%', V(1), N(2)), N(0)), Set(1, B('/', V(1), N(2))), Set(1, B('+', B('*', V(1), N(3)), N(1)))),
                Set(2, B('+', V(2), N(1))))),
            Set(0, B('+', V(0), N(1))))),
        new Print(V(2))), 3);
}

static class Program
{
    static int Main(string[] args)
    {
        string name = args.Length > 0 ? args[0] : "sum";
        long n = args.Length > 1 ? long.Parse(args[1]) : name switch { "sum" => 3_000_000, "primes" => 30_000, _ => 100_000 };
        var (program, slots) = name switch
        {
            "sum" => Programs.Sum(n),
            "primes" => Programs.Primes(n),
            "collatz" => Programs.Collatz(n),
            _ => throw new ArgumentException($"unknown program '{name}': sum, primes or collatz"),
        };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Interpreter.Exec(program, new long[slots], Console.Out);
        Console.Error.WriteLine($"{name} {n}: {watch.Elapsed.TotalMilliseconds:F0} ms");
        return 0;
    }
}
