namespace PeJit.AnalysisSubjects;

/// <summary>
/// A tree-walker as modern C# writes one (the probe of Docs/probes/RecordsEvaluator.cs): the tree is sealed records, the
/// evaluator <c>switch</c> expressions with type, positional (a record's <c>Deconstruct</c>) and property patterns, a
/// <c>switch</c> on a string operator, and variables resolved to slots of an environment array before running. The portal is
/// the <c>while</c> statement's runner, green on the loop's node.
/// </summary>
public static class RecordTree
{
    /// <summary>An expression.</summary>
    public abstract record Expr;
    /// <summary>A constant.</summary>
    public sealed record Num(long Value) : Expr;
    /// <summary>A variable, by slot.</summary>
    public sealed record Var(int Slot) : Expr;
    /// <summary>Arithmetic: <c>+ - * / %</c>.</summary>
    public sealed record Bin(char Op, Expr Left, Expr Right) : Expr;
    /// <summary>A comparison, its operator a string: <c>&lt; &lt;= == !=</c>; 1 or 0.</summary>
    public sealed record Cmp(string Op, Expr Left, Expr Right) : Expr;
    /// <summary>Logical negation, 1 or 0.</summary>
    public sealed record Not(Expr Operand) : Expr;

    /// <summary>A statement.</summary>
    public abstract record Stmt;
    /// <summary><c>slot = value</c>.</summary>
    public sealed record Assign(int Slot, Expr Value) : Stmt;
    /// <summary>Statements in order.</summary>
    public sealed record Seq(Stmt[] Body) : Stmt;
    /// <summary><c>if</c>, the else branch optional.</summary>
    public sealed record If(Expr Cond, Stmt Then, Stmt? Else) : Stmt;
    /// <summary><c>while</c>: run by the portal.</summary>
    public sealed record While(Expr Cond, Stmt Body) : Stmt;
    /// <summary>Writes a value on its line.</summary>
    public sealed record Print(Expr Value) : Stmt;

    /// <summary>An expression's value.</summary>
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

    /// <summary>Runs a statement.</summary>
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

    /// <summary>The portal: one <c>while</c> statement.</summary>
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

    private static Expr N(long v) => new Num(v);
    private static Expr V(int slot) => new Var(slot);
    private static Expr B(char op, Expr left, Expr right) => new Bin(op, left, right);
    private static Expr C(string op, Expr left, Expr right) => new Cmp(op, left, right);
    private static Stmt Set(int slot, Expr value) => new Assign(slot, value);
    private static Stmt Do(params Stmt[] body) => new Seq(body);

    /// <summary>The loop of <c>s = sum of (i * i) % 7 for i &lt; n</c> (slot 0 is i, slot 1 is s; both start at 0).</summary>
    public static While SumLoop(long n) =>
        new(C("<", V(0), N(n)), Do(Set(1, B('+', V(1), B('%', B('*', V(0), V(0)), N(7)))), Set(0, B('+', V(0), N(1)))));

    /// <summary>The total number of Collatz steps of every start below n, printed (slots 0-2).</summary>
    public static Stmt Collatz(long n) => Do(
        Set(0, N(1)), Set(2, N(0)),
        new While(C("<", V(0), N(n)), Do(
            Set(1, V(0)),
            new While(C("!=", V(1), N(1)), Do(
                new If(C("==", B('%', V(1), N(2)), N(0)), Set(1, B('/', V(1), N(2))), Set(1, B('+', B('*', V(1), N(3)), N(1)))),
                Set(2, B('+', V(2), N(1))))),
            Set(0, B('+', V(0), N(1))))),
        new Print(V(2)));

    /// <summary>The number of primes below n by trial division, printed (slots 0-3); an <c>if</c> on a negation.</summary>
    public static Stmt Primes(long n) => Do(
        Set(0, N(2)), Set(3, N(0)),
        new While(C("<", V(0), N(n)), Do(
            Set(1, N(2)), Set(2, N(1)),
            new While(C("<=", B('*', V(1), V(1)), V(0)), Do(
                new If(C("==", B('%', V(0), V(1)), N(0)), Do(Set(2, N(0)), Set(1, V(0))), Set(1, B('+', V(1), N(1)))))),
            new If(new Not(C("==", V(2), N(0))), Set(3, B('+', V(3), N(1))), null),
            Set(0, B('+', V(0), N(1))))),
        new Print(V(3)));

    /// <summary>A statement that divides by a variable that reaches 0 at its 51st turn: the error the interpreter raises.</summary>
    public static Stmt DivideByZero() => Do(
        Set(0, N(50)), Set(1, N(0)),
        new While(C("<", N(-100), V(0)), Do(Set(1, B('+', V(1), B('/', N(100), V(0)))), Set(0, B('-', V(0), N(1))))),
        new Print(V(1)));
}
