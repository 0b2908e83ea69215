// A Scheme probe (Docs/PERFORMANCE.md, "Two more probes: a query engine and a Scheme"): not built by the solution. To try it,
// put it in a console project (net10.0, implicit usings) that references PeJit.Hints, build, and run `pejit build` on the
// DLL. Written the way a small Scheme in C# is (after Norvig's lis.py and SICP's metacircular evaluator): a reader to cons
// cells, interned symbols, boxed longs, booleans and strings; environments as frames of `Dictionary<Symbol, object>` chained
// to their parent; closures capturing their environment; primitives as `Func<object[], object>` delegates; an `Eval(x, env)`
// with special forms (quote, if, define, set!, lambda, begin, let, cond) whose tail positions loop instead of recursing,
// so a tail-recursive Scheme loop runs in constant C# stack. The hints: `Eval` is the portal, the expression green, the
// environment red; a tail call is where a loop of the Scheme program closes (Jit.CanEnterJit); as the analysis's advice led
// there, the body of the closure called is promoted (it is code, read from a run-time closure), and so is a primitive called.
// Run: `SchemeInterpreter fib|loop|lists|assoc [n]`; the program's output goes to stdout, the time to stderr.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using PeJit;

sealed class Symbol
{
    static readonly Dictionary<string, Symbol> Table = new();
    public readonly string Name;
    Symbol(string name) { Name = name; }
    public static Symbol Intern(string name)
    {
        if (!Table.TryGetValue(name, out var s)) Table[name] = s = new Symbol(name);
        return s;
    }
    public override string ToString() => Name;

    public static readonly Symbol Quote = Intern("quote"), If = Intern("if"), Define = Intern("define"), Set = Intern("set!"),
        Lambda = Intern("lambda"), Begin = Intern("begin"), Let = Intern("let"), Cond = Intern("cond"), Else = Intern("else");
}

sealed class Pair(object car, object cdr)
{
    public readonly object Car = car;
    public readonly object Cdr = cdr;
}

sealed class Nil
{
    public static readonly Nil Instance = new();
    public override string ToString() => "()";
}

sealed class Env(Env parent)
{
    readonly Dictionary<Symbol, object> vars = new();
    public readonly Env Parent = parent;

    public void Define(Symbol s, object value) => vars[s] = value;

    public object Lookup(Symbol s)
    {
        for (var e = this; e != null; e = e.Parent)
            if (e.vars.TryGetValue(s, out var v)) return v;
        throw new SchemeError($"unbound variable: {s}");
    }

    public void Set(Symbol s, object value)
    {
        for (var e = this; e != null; e = e.Parent)
            if (e.vars.ContainsKey(s)) { e.vars[s] = value; return; }
        throw new SchemeError($"unbound variable: {s}");
    }
}

sealed class Closure(object parameters, object body, Env env)
{
    public readonly object Params = parameters; // a list of symbols
    public readonly object Body = body;         // a list of expressions
    public readonly Env Env = env;
}

sealed class Primitive(string name, Func<object[], object> fn)
{
    public readonly string Name = name;
    public readonly Func<object[], object> Fn = fn;
}

sealed class SchemeError(string message) : Exception(message);

static class Interpreter
{
    public static bool IsTrue(object v) => v is not bool b || b;

    [JitPortal(Greens = ["x"], Reds = ["env"])]
    public static object Eval(object x, Env env)
    {
        while (true)
        {
            Jit.MergePoint(x, env);
            if (x is Symbol sym) return env.Lookup(sym);
            if (x is not Pair p) return x;
            object op = p.Car;
            if (op == Symbol.Quote) return ((Pair)p.Cdr).Car;
            if (op == Symbol.If)
            {
                var rest = (Pair)p.Cdr;
                var branches = (Pair)rest.Cdr;
                if (IsTrue(Eval(rest.Car, env))) x = branches.Car;
                else if (branches.Cdr is Pair otherwise) x = otherwise.Car;
                else return false;
                continue;
            }
            if (op == Symbol.Define)
            {
                var rest = (Pair)p.Cdr;
                if (rest.Car is Pair signature) // (define (f args...) body...)
                    env.Define((Symbol)signature.Car, new Closure(signature.Cdr, rest.Cdr, env));
                else env.Define((Symbol)rest.Car, Eval(((Pair)rest.Cdr).Car, env));
                return null;
            }
            if (op == Symbol.Set)
            {
                var rest = (Pair)p.Cdr;
                env.Set((Symbol)rest.Car, Eval(((Pair)rest.Cdr).Car, env));
                return null;
            }
            if (op == Symbol.Lambda)
            {
                var rest = (Pair)p.Cdr;
                return new Closure(rest.Car, rest.Cdr, env);
            }
            if (op == Symbol.Begin)
            {
                x = EvalAllButLast(p.Cdr, env);
                continue;
            }
            if (op == Symbol.Let) // (let ((name value) ...) body...)
            {
                var rest = (Pair)p.Cdr;
                var inner = new Env(env);
                for (object b = rest.Car; b is Pair binding; b = binding.Cdr)
                {
                    var def = (Pair)binding.Car;
                    inner.Define((Symbol)def.Car, Eval(((Pair)def.Cdr).Car, env));
                }
                env = inner;
                x = EvalAllButLast(rest.Cdr, env);
                continue;
            }
            if (op == Symbol.Cond)
            {
                object chosen = null;
                for (object c = p.Cdr; c is Pair clause; c = clause.Cdr)
                {
                    var test = (Pair)clause.Car;
                    if (test.Car == Symbol.Else || IsTrue(Eval(test.Car, env))) { chosen = test.Cdr; break; }
                }
                if (chosen == null) return null;
                x = EvalAllButLast(chosen, env);
                continue;
            }

            // An application: the operator, then the arguments, left to right.
            object f = Eval(op, env);
            int n = 0;
            for (object a = p.Cdr; a is Pair ap; a = ap.Cdr) n++;
            var args = new object[n];
            int i = 0;
            for (object a = p.Cdr; a is Pair ap; a = ap.Cdr) args[i++] = Eval(ap.Car, env);
            // A primitive is promoted (its delegate is then green, and the call inlined): the operator of a call site is
            // nearly always the same global. A closure is not: a lambda makes a new one each time it is evaluated.
            if (f is Primitive prim) return Jit.Promote(prim).Fn(args);
            if (f is not Closure closure) throw new SchemeError($"not a procedure: {Printer.Print(f)}");
            var frame = new Env(closure.Env);
            int k = 0;
            for (object ps = closure.Params; ps is Pair pp; ps = pp.Cdr)
            {
                if (k >= args.Length) throw new SchemeError("too few arguments");
                frame.Define((Symbol)pp.Car, args[k++]);
            }
            if (k != args.Length) throw new SchemeError("too many arguments");
            // A tail call: the closure's body replaces the application, in the new frame. The body is code, but read from
            // a closure made at run time, so it is promoted (the analysis's advice): compiled code tests it against the
            // bodies seen here and goes on specialized to each.
            env = frame;
            x = EvalAllButLast(Jit.Promote(closure.Body), env);
            Jit.CanEnterJit(x, env);
        }
    }

    // Evaluates a body's expressions but the last, which it returns for the caller to evaluate in tail position.
    static object EvalAllButLast(object body, Env env)
    {
        var p = (Pair)body;
        while (p.Cdr is Pair next)
        {
            Eval(p.Car, env);
            p = next;
        }
        return p.Car;
    }
}

static class Builtins
{
    static long L(object v) => v is long l ? l : throw new SchemeError($"not an integer: {Printer.Print(v)}");

    public static Env Global(TextWriter output)
    {
        var env = new Env(null);
        void Def(string name, Func<object[], object> fn) => env.Define(Symbol.Intern(name), new Primitive(name, fn));
        Def("+", a => { long s = 0; foreach (var v in a) s += L(v); return s; });
        Def("-", a => a.Length == 1 ? -L(a[0]) : L(a[0]) - L(a[1]));
        Def("*", a => { long s = 1; foreach (var v in a) s *= L(v); return s; });
        Def("quotient", a => L(a[0]) / L(a[1]));
        Def("remainder", a => L(a[0]) % L(a[1]));
        Def("=", a => L(a[0]) == L(a[1]));
        Def("<", a => L(a[0]) < L(a[1]));
        Def(">", a => L(a[0]) > L(a[1]));
        Def("<=", a => L(a[0]) <= L(a[1]));
        Def(">=", a => L(a[0]) >= L(a[1]));
        Def("not", a => a[0] is bool b && !b);
        Def("eq?", a => a[0] is long x && a[1] is long y ? x == y : ReferenceEquals(a[0], a[1]));
        Def("cons", a => new Pair(a[0], a[1]));
        Def("car", a => ((Pair)a[0]).Car);
        Def("cdr", a => ((Pair)a[0]).Cdr);
        Def("null?", a => a[0] == Nil.Instance);
        Def("pair?", a => a[0] is Pair);
        Def("list", a => { object l = Nil.Instance; for (int i = a.Length - 1; i >= 0; i--) l = new Pair(a[i], l); return l; });
        Def("make-vector", a => { var v = new object[L(a[0])]; Array.Fill(v, a.Length > 1 ? a[1] : 0L); return v; });
        Def("vector-ref", a => ((object[])a[0])[L(a[1])]);
        Def("vector-set!", a => { ((object[])a[0])[L(a[1])] = a[2]; return null; });
        Def("vector-length", a => (long)((object[])a[0]).Length);
        Def("display", a => { output.Write(Printer.Print(a[0])); return null; });
        Def("newline", a => { output.WriteLine(); return null; });
        return env;
    }
}

static class Reader
{
    public static List<object> ReadAll(string text)
    {
        var tokens = new List<string>();
        var sb = new StringBuilder();
        foreach (char c in text.Replace("(", " ( ").Replace(")", " ) ").Replace("'", " ' "))
        {
            if (char.IsWhiteSpace(c)) { if (sb.Length > 0) { tokens.Add(sb.ToString()); sb.Clear(); } }
            else sb.Append(c);
        }
        if (sb.Length > 0) tokens.Add(sb.ToString());
        int pos = 0;
        var forms = new List<object>();
        while (pos < tokens.Count) forms.Add(Read(tokens, ref pos));
        return forms;
    }

    static object Read(List<string> tokens, ref int pos)
    {
        string t = tokens[pos++];
        if (t == "'") return new Pair(Symbol.Quote, new Pair(Read(tokens, ref pos), Nil.Instance));
        if (t == "(")
        {
            var items = new List<object>();
            while (tokens[pos] != ")") items.Add(Read(tokens, ref pos));
            pos++;
            object list = Nil.Instance;
            for (int i = items.Count - 1; i >= 0; i--) list = new Pair(items[i], list);
            return list;
        }
        if (t == "#t") return true;
        if (t == "#f") return false;
        if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)) return n;
        return Symbol.Intern(t);
    }
}

static class Printer
{
    public static string Print(object v) => v switch
    {
        null => "",
        bool b => b ? "#t" : "#f",
        long l => l.ToString(CultureInfo.InvariantCulture),
        Pair p => PrintList(p),
        object[] vec => "#(" + string.Join(" ", vec.Select(Print)) + ")",
        Closure => "#<procedure>",
        Primitive prim => $"#<primitive {prim.Name}>",
        _ => v.ToString(),
    };

    static string PrintList(Pair p)
    {
        var sb = new StringBuilder("(");
        object o = p;
        while (o is Pair q) { sb.Append(Print(q.Car)); o = q.Cdr; if (o is Pair) sb.Append(' '); }
        if (o != Nil.Instance) sb.Append(" . ").Append(Print(o));
        return sb.Append(')').ToString();
    }
}

static class Program
{
    static readonly Dictionary<string, (string Source, long Default)> Programs = new()
    {
        ["fib"] = ("""
            (define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
            (display (fib N)) (newline)
            """, 25),
        ["loop"] = ("""
            (define (loop i acc)
              (if (= i 0) acc (loop (- i 1) (+ acc (remainder i 7)))))
            (display (loop N 0)) (newline)
            """, 1_000_000),
        ["lists"] = ("""
            (define (range a b) (if (>= a b) '() (cons a (range (+ a 1) b))))
            (define (map f l) (if (null? l) '() (cons (f (car l)) (map f (cdr l)))))
            (define (filter p l) (cond ((null? l) '()) ((p (car l)) (cons (car l) (filter p (cdr l)))) (else (filter p (cdr l)))))
            (define (sum l acc) (if (null? l) acc (sum (cdr l) (+ acc (car l)))))
            (define (repeat k total)
              (if (= k 0) total
                  (let ((squares (map (lambda (x) (* x x)) (range 0 100))))
                    (repeat (- k 1) (+ total (sum (filter (lambda (x) (= (remainder x 3) 1)) squares) 0))))))
            (display (repeat N 0)) (newline)
            """, 2_000),
        ["assoc"] = ("""
            (define (assq key alist) (cond ((null? alist) #f) ((eq? (car (car alist)) key) (car alist)) (else (assq key (cdr alist)))))
            (define weights '((a 3) (b 5) (c 7) (d 11) (e 13) (f 17) (g 19) (h 23)))
            (define keys (list 'a 'b 'c 'd 'e 'f 'g 'h))
            (define counts (make-vector 16 0))
            (define (tally i ks total)
              (cond ((= i 0) total)
                    ((null? ks) (tally i keys total))
                    (else
                      (let ((w (car (cdr (assq (car ks) weights)))))
                        (let ((slot (remainder (* i w) 16)))
                          (vector-set! counts slot (+ 1 (vector-ref counts slot)))
                          (tally (- i 1) (cdr ks) (+ total w)))))))
            (display (tally N keys 0)) (newline)
            (display counts) (newline)
            """, 200_000),
    };

    static int Main(string[] args)
    {
        if (args.Length < 1 || !Programs.TryGetValue(args[0], out var program))
        {
            Console.Error.WriteLine($"usage: SchemeInterpreter <{string.Join("|", Programs.Keys)}> [n]");
            return 2;
        }
        long n = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : program.Default;
        var env = Builtins.Global(Console.Out);
        env.Define(Symbol.Intern("N"), n);
        var watch = Stopwatch.StartNew();
        try
        {
            foreach (var form in Reader.ReadAll(program.Source)) Interpreter.Eval(form, env);
        }
        catch (SchemeError e) { Console.WriteLine($"error: {e.Message}"); }
        Console.Error.WriteLine($"{args[0]}: {watch.Elapsed.TotalMilliseconds:F0} ms");
        return 0;
    }
}
