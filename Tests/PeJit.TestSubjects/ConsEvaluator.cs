namespace PeJit.TestSubjects;

/// <summary>
/// A small Lisp evaluator over cons cells, reduced from the Scheme probe (<c>Docs/probes/SchemeInterpreter.cs</c>): the
/// portal <see cref="Eval"/> takes the expression green and the environment red, and a body's expressions but the last
/// are evaluated by a helper, <see cref="EvalAllButLast"/>, that calls the portal back for each and returns the last for
/// the portal to evaluate in tail position, as Norvig's lis.py and SICP's evaluator do. That helper is on a cycle of the
/// call graph only through the portal, whose calls are never inlined: it is inlined like any helper and returns a green
/// expression (it was once taken for a recursive one, its result red, and the portal's green <c>x</c> refused).
/// A closure's call is a tail call, where the Lisp program's loops close (<c>Jit.CanEnterJit</c>); its body is promoted.
/// </summary>
public static class ConsEvaluator
{
    /// <summary>An interned name.</summary>
    public sealed class Symbol(string name)
    {
        /// <summary>The name.</summary>
        public readonly string Name = name;

        /// <inheritdoc/>
        public override string ToString() => Name;
    }

    /// <summary>A cons cell.</summary>
    public sealed class Pair(object car, object? cdr)
    {
        /// <summary>The first element.</summary>
        public readonly object Car = car;

        /// <summary>The rest: a pair, or null for the end of a list.</summary>
        public readonly object? Cdr = cdr;
    }

    /// <summary>A frame of variables chained to the frame it was made in.</summary>
    public sealed class Env(Env? parent)
    {
        private readonly Dictionary<Symbol, object?> vars = [];

        /// <summary>The enclosing frame.</summary>
        public readonly Env? Parent = parent;

        /// <summary>Defines or redefines <paramref name="name"/> in this frame.</summary>
        public void Define(Symbol name, object? value) => vars[name] = value;

        /// <summary>The value of the innermost <paramref name="name"/>.</summary>
        public object? Lookup(Symbol name)
        {
            for (var e = this; e != null; e = e.Parent)
                if (e.vars.TryGetValue(name, out var v)) return v;
            throw new InvalidOperationException($"unbound {name}");
        }

        /// <summary>Assigns the innermost <paramref name="name"/>.</summary>
        public void Set(Symbol name, object? value)
        {
            for (var e = this; e != null; e = e.Parent)
                if (e.vars.ContainsKey(name)) { e.vars[name] = value; return; }
            throw new InvalidOperationException($"unbound {name}");
        }
    }

    /// <summary>A procedure: its parameter list and body (code), and the frame it was made in.</summary>
    public sealed class Closure(object? parameters, object body, Env env)
    {
        /// <summary>A list of symbols.</summary>
        public readonly object? Params = parameters;

        /// <summary>A list of expressions.</summary>
        public readonly object Body = body;

        /// <summary>The frame the lambda was evaluated in.</summary>
        public readonly Env Env = env;
    }

    /// <summary>The special forms' and built-ins' names.</summary>
    public static readonly Symbol Quote = new("quote"), If = new("if"), Begin = new("begin"), Lambda = new("lambda"), Define = new("define"),
        Set = new("set!"), Add = new("+"), Sub = new("-"), Less = new("<"), Rem = new("remainder");

    private static bool IsTrue(object? v) => v is not bool b || b;

    private static long L(object? v) => v is long l ? l : throw new InvalidOperationException($"not a number: {v}");

    /// <summary>Evaluates <paramref name="x"/> in <paramref name="env"/>.</summary>
    [JitPortal(Greens = ["x"], Reds = ["env"])]
    public static object? Eval(object x, Env env)
    {
        while (true)
        {
            Jit.MergePoint(x, env);
            if (x is Symbol symbol) return env.Lookup(symbol);
            if (x is not Pair p) return x;
            object op = p.Car;
            if (op == Quote) return ((Pair)p.Cdr!).Car;
            if (op == If)
            {
                var rest = (Pair)p.Cdr!;
                var branches = (Pair)rest.Cdr!;
                if (IsTrue(Eval(rest.Car, env))) x = branches.Car;
                else if (branches.Cdr is Pair otherwise) x = otherwise.Car;
                else return false;
                continue;
            }
            if (op == Begin)
            {
                x = EvalAllButLast(p.Cdr!, env);
                continue;
            }
            if (op == Lambda)
            {
                var rest = (Pair)p.Cdr!;
                return new Closure(rest.Car, rest.Cdr!, env);
            }
            if (op == Define)
            {
                var rest = (Pair)p.Cdr!;
                env.Define((Symbol)rest.Car, Eval(((Pair)rest.Cdr!).Car, env));
                return null;
            }
            if (op == Set)
            {
                var rest = (Pair)p.Cdr!;
                env.Set((Symbol)rest.Car, Eval(((Pair)rest.Cdr!).Car, env));
                return null;
            }
            if (op == Add || op == Sub || op == Less || op == Rem)
            {
                var args = (Pair)p.Cdr!;
                long a = L(Eval(args.Car, env)), b = L(Eval(((Pair)args.Cdr!).Car, env));
                if (op == Add) return a + b;
                if (op == Sub) return a - b;
                if (op == Less) return a < b;
                return a % b;
            }
            // A closure's call: the arguments in a new frame, then its body in tail position.
            if (Eval(op, env) is not Closure closure) throw new InvalidOperationException("not a procedure");
            var frame = new Env(closure.Env);
            object? a2 = p.Cdr;
            for (object? ps = closure.Params; ps is Pair pp; ps = pp.Cdr)
            {
                var ap = (Pair)a2!;
                frame.Define((Symbol)pp.Car, Eval(ap.Car, env));
                a2 = ap.Cdr;
            }
            env = frame;
            x = EvalAllButLast(Jit.Promote(closure.Body), env);
            Jit.CanEnterJit(x, env);
        }
    }

    /// <summary>Evaluates a body's expressions but the last, which it returns for the caller to evaluate in tail position.</summary>
    public static object EvalAllButLast(object body, Env env)
    {
        var p = (Pair)body;
        while (p.Cdr is Pair next)
        {
            Eval(p.Car, env);
            p = next;
        }
        return p.Car;
    }

    /// <summary>A list of <paramref name="items"/>.</summary>
    public static Pair List(params object[] items)
    {
        object? list = null;
        for (int i = items.Length - 1; i >= 0; i--) list = new Pair(items[i], list);
        return (Pair)list!;
    }

    /// <summary>
    /// The loop program: <c>(define loop (lambda (i acc) (begin (set! total (+ total 1)) (if (&lt; i 1) acc (loop (- i 1) (+ acc
    /// (remainder i 7)))))))</c> as one form, and <c>(loop n 0)</c> as another; <c>total</c> counts the turns through
    /// <c>begin</c>, the helper's side effect.
    /// </summary>
    public static (Pair Definition, Pair Call, Symbol Total) LoopProgram(long n)
    {
        Symbol loop = new("loop"), i = new("i"), acc = new("acc"), total = new("total");
        var body = List(Begin,
            List(Set, total, List(Add, total, 1L)),
            List(If, List(Less, i, 1L), acc, List(loop, List(Sub, i, 1L), List(Add, acc, List(Rem, i, 7L)))));
        var definition = List(Define, loop, List(Lambda, List(i, acc), body));
        return (definition, List(loop, n, 0L), total);
    }
}
