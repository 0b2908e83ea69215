// A closure-compiling interpreter probe (Docs/PERFORMANCE.md, "A closure compiler" and "A closure compiler, finished"): not
// built by the solution. To try it, put it in a console project (net10.0, implicit usings) that references PeJit.Hints, build,
// and run `pejit build` on the DLL. Written the way a fast interpreter is often written in C#: a tokenizer and a
// recursive-descent parser to an AST, then the AST "compiled" once into a tree of delegates: an expression becomes a
// `Func<Frame, long>` that captures its compiled children (`var l = Compile(left); var r = Compile(right); return f => l(f) +
// r(f);`), a statement a `Func<Frame, Signal>` (Signal.Return unwinds a `return`), variables are slots of a frame array
// resolved when compiling (lexical addressing), a call builds the callee's frame and runs the callee. No AST node is looked
// at while the program runs.
// The hints, as DESIGN.md leads a user to them. The `while` statement's closure is the portal that runs its loop (the
// attribute on the lambda): its compiled condition and body are the position in the program, the frame the state. Named
// as greens directly they are refused (PJ0002/PJ0003: they are fields of the lambda's closure), and the advice is what is
// written here: copy them into locals at the lambda's start with Jit.Promote. A function call runs the callee through
// `Calls.Run`, a second portal whose green is the function (its FunctionInfo) and whose red is the callee's frame; it has
// no loop and no Jit.CanEnterJit, so its entry is where it gets hot and a recursive function without a loop (`fib`) is
// compiled, its recursive calls direct calls of its own unit.
// A function's body is compiled after every call site that names it (recursion), so a call reads it from its FunctionInfo,
// set once before the program runs: [JitImmutable] says so (see the field; without it the BTA report's one residual call is
// `fn.Body(f)`, "a call through the red delegate ...: read it from green or immutable memory, or Jit.Promote it").
// `pejit bta` lists every captured variable the loops read ("Captured variables read on a green closure", also in the JSON
// and HTML reports): all green, so each loop's closure tree is unfolded.
// Run: `ClosureCompiler count|primes|fib|calls [n]`; the program's output goes to stdout, the time to stderr.
using System.Diagnostics;
using System.Globalization;
using PeJit;

// ---- tokens and AST ----

enum TokenKind { Number, Name, Symbol, End }

readonly record struct Token(TokenKind Kind, string Text, int Line);

static class Lexer
{
    static readonly string[] TwoCharSymbols = ["<=", ">=", "==", "!=", "&&", "||"];

    public static List<Token> Tokenize(string source)
    {
        var tokens = new List<Token>();
        int i = 0, line = 1;
        while (i < source.Length)
        {
            char c = source[i];
            if (c == '\n') { line++; i++; continue; }
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '#') { while (i < source.Length && source[i] != '\n') i++; continue; }
            if (char.IsDigit(c))
            {
                int start = i;
                while (i < source.Length && char.IsDigit(source[i])) i++;
                tokens.Add(new Token(TokenKind.Number, source[start..i], line));
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                int start = i;
                while (i < source.Length && (char.IsLetterOrDigit(source[i]) || source[i] == '_')) i++;
                tokens.Add(new Token(TokenKind.Name, source[start..i], line));
                continue;
            }
            if (i + 1 < source.Length && Array.IndexOf(TwoCharSymbols, source.Substring(i, 2)) >= 0)
            {
                tokens.Add(new Token(TokenKind.Symbol, source.Substring(i, 2), line));
                i += 2;
                continue;
            }
            if ("+-*/%<>=(){},;!".Contains(c))
            {
                tokens.Add(new Token(TokenKind.Symbol, c.ToString(), line));
                i++;
                continue;
            }
            throw new CompileError($"line {line}: unexpected character '{c}'");
        }
        tokens.Add(new Token(TokenKind.End, "", line));
        return tokens;
    }
}

sealed class CompileError(string message) : Exception(message);

abstract record Node;
sealed record Num(long Value) : Node;
sealed record Var(string Name) : Node;
sealed record Unary(string Op, Node Operand) : Node;
sealed record Binary(string Op, Node Left, Node Right) : Node;
sealed record CallExpr(string Name, List<Node> Args) : Node;

abstract record Stmt;
sealed record VarDecl(string Name, Node Init) : Stmt;
sealed record Assign(string Name, Node Value) : Stmt;
sealed record If(Node Cond, List<Stmt> Then, List<Stmt> Else) : Stmt;
sealed record While(Node Cond, List<Stmt> Body) : Stmt;
sealed record Return(Node Value) : Stmt;
sealed record Print(Node Value) : Stmt;
sealed record ExprStmt(Node Value) : Stmt;

sealed record FuncDecl(string Name, List<string> Params, List<Stmt> Body);

sealed record ProgramAst(List<FuncDecl> Functions, List<Stmt> Main);

sealed class Parser(List<Token> tokens)
{
    int pos;

    Token Peek => tokens[pos];
    Token Next() => tokens[pos++];
    bool At(string text) => Peek.Kind is TokenKind.Symbol or TokenKind.Name && Peek.Text == text;

    void Expect(string text)
    {
        if (!At(text)) throw new CompileError($"line {Peek.Line}: expected '{text}', found '{Peek.Text}'");
        pos++;
    }

    string Name()
    {
        if (Peek.Kind != TokenKind.Name) throw new CompileError($"line {Peek.Line}: expected a name, found '{Peek.Text}'");
        return Next().Text;
    }

    public ProgramAst ParseProgram()
    {
        var functions = new List<FuncDecl>();
        var main = new List<Stmt>();
        while (Peek.Kind != TokenKind.End)
        {
            if (At("func")) functions.Add(ParseFunction());
            else main.Add(ParseStatement());
        }
        return new ProgramAst(functions, main);
    }

    FuncDecl ParseFunction()
    {
        Expect("func");
        string name = Name();
        Expect("(");
        var parameters = new List<string>();
        if (!At(")"))
        {
            parameters.Add(Name());
            while (At(",")) { pos++; parameters.Add(Name()); }
        }
        Expect(")");
        return new FuncDecl(name, parameters, ParseBlock());
    }

    List<Stmt> ParseBlock()
    {
        Expect("{");
        var body = new List<Stmt>();
        while (!At("}")) body.Add(ParseStatement());
        Expect("}");
        return body;
    }

    Stmt ParseStatement()
    {
        if (At("var"))
        {
            pos++;
            string name = Name();
            Expect("=");
            var init = ParseExpr();
            Expect(";");
            return new VarDecl(name, init);
        }
        if (At("if"))
        {
            pos++;
            Expect("(");
            var cond = ParseExpr();
            Expect(")");
            var then = ParseBlock();
            var otherwise = new List<Stmt>();
            if (At("else"))
            {
                pos++;
                otherwise = At("if") ? [ParseStatement()] : ParseBlock();
            }
            return new If(cond, then, otherwise);
        }
        if (At("while"))
        {
            pos++;
            Expect("(");
            var cond = ParseExpr();
            Expect(")");
            return new While(cond, ParseBlock());
        }
        if (At("return"))
        {
            pos++;
            var value = ParseExpr();
            Expect(";");
            return new Return(value);
        }
        if (At("print"))
        {
            pos++;
            var value = ParseExpr();
            Expect(";");
            return new Print(value);
        }
        if (Peek.Kind == TokenKind.Name && tokens[pos + 1].Text == "=")
        {
            string name = Name();
            Expect("=");
            var value = ParseExpr();
            Expect(";");
            return new Assign(name, value);
        }
        var e = ParseExpr();
        Expect(";");
        return new ExprStmt(e);
    }

    static readonly string[][] Levels =
    [
        ["||"], ["&&"], ["==", "!="], ["<", "<=", ">", ">="], ["+", "-"], ["*", "/", "%"],
    ];

    Node ParseExpr(int level = 0)
    {
        if (level == Levels.Length) return ParseUnary();
        var left = ParseExpr(level + 1);
        while (Peek.Kind == TokenKind.Symbol && Array.IndexOf(Levels[level], Peek.Text) >= 0)
        {
            string op = Next().Text;
            left = new Binary(op, left, ParseExpr(level + 1));
        }
        return left;
    }

    Node ParseUnary()
    {
        if (At("-")) { pos++; return new Unary("-", ParseUnary()); }
        if (At("!")) { pos++; return new Unary("!", ParseUnary()); }
        return ParsePrimary();
    }

    Node ParsePrimary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Number:
                return new Num(long.Parse(t.Text, CultureInfo.InvariantCulture));
            case TokenKind.Name when At("("):
            {
                pos++;
                var args = new List<Node>();
                if (!At(")"))
                {
                    args.Add(ParseExpr());
                    while (At(",")) { pos++; args.Add(ParseExpr()); }
                }
                Expect(")");
                return new CallExpr(t.Text, args);
            }
            case TokenKind.Name:
                return new Var(t.Text);
            case TokenKind.Symbol when t.Text == "(":
            {
                var e = ParseExpr();
                Expect(")");
                return e;
            }
            default:
                throw new CompileError($"line {t.Line}: unexpected '{t.Text}'");
        }
    }
}

// ---- run time ----

enum Signal { Normal, Return }

sealed class Frame(int size)
{
    public readonly long[] Slots = new long[size];
    public long Ret;
}

sealed class FunctionInfo(string name, int arity)
{
    public readonly string Name = name;
    public readonly int Arity = arity;
    // Both set once, when the function's body is compiled, after the call sites that name it (a recursive function names
    // itself) and before the program runs; never changed afterwards.
    [JitImmutable] public int FrameSize;
    [JitImmutable] public Func<Frame, Signal> Body;
}

static class Calls
{
    // A call of one of the program's functions: the function is the position in the program (green), the callee's frame
    // the state (red). No loop: each call runs one function, and its entry is where it gets hot (a function portal).
    [JitPortal(Greens = ["fn"], Reds = ["f"])]
    public static long Run(FunctionInfo fn, Frame f)
    {
        Jit.MergePoint(fn, f);
        fn.Body(f);
        return f.Ret;
    }
}

// ---- the compiler: AST to closures ----

sealed class Scope
{
    readonly Dictionary<string, int> slots = [];

    public int Count => slots.Count;

    public int Declare(string name)
    {
        if (!slots.TryGetValue(name, out int slot)) slots[name] = slot = slots.Count;
        return slot;
    }

    public int Lookup(string name, string what) =>
        slots.TryGetValue(name, out int slot) ? slot : throw new CompileError($"{what}: unknown variable '{name}'");
}

sealed class Compiler
{
    readonly Dictionary<string, FunctionInfo> functions = [];

    public FunctionInfo CompileProgram(ProgramAst program, string[] mainParameters)
    {
        foreach (var fn in program.Functions)
        {
            if (functions.ContainsKey(fn.Name)) throw new CompileError($"function '{fn.Name}' is defined twice");
            functions[fn.Name] = new FunctionInfo(fn.Name, fn.Params.Count);
        }
        foreach (var fn in program.Functions) CompileFunction(functions[fn.Name], fn.Params, fn.Body);
        var main = new FunctionInfo("main", mainParameters.Length);
        CompileFunction(main, [.. mainParameters], program.Main);
        return main;
    }

    void CompileFunction(FunctionInfo info, List<string> parameters, List<Stmt> body)
    {
        var scope = new Scope();
        foreach (var p in parameters) scope.Declare(p);
        info.Body = CompileBlock(body, scope);
        info.FrameSize = Math.Max(scope.Count, 1);
    }

    Func<Frame, Signal> CompileBlock(List<Stmt> body, Scope scope)
    {
        var statements = body.Select(s => CompileStatement(s, scope)).ToArray();
        if (statements.Length == 1) return statements[0];
        return f =>
        {
            foreach (var statement in statements)
            {
                var signal = statement(f);
                if (signal != Signal.Normal) return signal;
            }
            return Signal.Normal;
        };
    }

    Func<Frame, Signal> CompileStatement(Stmt stmt, Scope scope)
    {
        switch (stmt)
        {
            case VarDecl d:
            {
                var init = CompileExpr(d.Init, scope);
                int slot = scope.Declare(d.Name);
                return f => { f.Slots[slot] = init(f); return Signal.Normal; };
            }
            case Assign a:
            {
                var value = CompileExpr(a.Value, scope);
                int slot = scope.Lookup(a.Name, "assignment");
                return f => { f.Slots[slot] = value(f); return Signal.Normal; };
            }
            case If i:
            {
                var cond = CompileExpr(i.Cond, scope);
                var then = CompileBlock(i.Then, scope);
                var otherwise = CompileBlock(i.Else, scope);
                return f => cond(f) != 0 ? then(f) : otherwise(f);
            }
            case While w:
            {
                var cond = CompileExpr(w.Cond, scope);
                var body = CompileBlock(w.Body, scope);
                // The loop's closure is the portal: its compiled condition and body, promoted, are the position in the
                // program (green), the frame is the program's state (red).
                return [JitPortal(Greens = ["c", "b"], Reds = ["f"])] (Frame f) =>
                {
                    var c = Jit.Promote(cond);
                    var b = Jit.Promote(body);
                    while (true)
                    {
                        Jit.MergePoint(c, b, f);
                        if (c(f) == 0) return Signal.Normal;
                        var signal = b(f);
                        if (signal != Signal.Normal) return signal;
                        Jit.CanEnterJit(c, b, f);
                    }
                };
            }
            case Return r:
            {
                var value = CompileExpr(r.Value, scope);
                return f => { f.Ret = value(f); return Signal.Return; };
            }
            case Print p:
            {
                var value = CompileExpr(p.Value, scope);
                return f => { Console.WriteLine(value(f)); return Signal.Normal; };
            }
            case ExprStmt e:
            {
                var value = CompileExpr(e.Value, scope);
                return f => { value(f); return Signal.Normal; };
            }
            default:
                throw new CompileError($"unknown statement {stmt.GetType().Name}");
        }
    }

    Func<Frame, long> CompileExpr(Node node, Scope scope)
    {
        switch (node)
        {
            case Num n:
            {
                long value = n.Value;
                return f => value;
            }
            case Var v:
            {
                int slot = scope.Lookup(v.Name, "expression");
                return f => f.Slots[slot];
            }
            case Unary u:
            {
                var operand = CompileExpr(u.Operand, scope);
                return u.Op == "-" ? f => -operand(f) : f => operand(f) == 0 ? 1 : 0;
            }
            case Binary b:
                return CompileBinary(b, scope);
            case CallExpr c:
                return CompileCall(c, scope);
            default:
                throw new CompileError($"unknown expression {node.GetType().Name}");
        }
    }

    Func<Frame, long> CompileBinary(Binary b, Scope scope)
    {
        var l = CompileExpr(b.Left, scope);
        var r = CompileExpr(b.Right, scope);
        switch (b.Op)
        {
            case "+": return f => l(f) + r(f);
            case "-": return f => l(f) - r(f);
            case "*": return f => l(f) * r(f);
            case "/": return f => l(f) / r(f);
            case "%": return f => l(f) % r(f);
            case "<": return f => l(f) < r(f) ? 1 : 0;
            case "<=": return f => l(f) <= r(f) ? 1 : 0;
            case ">": return f => l(f) > r(f) ? 1 : 0;
            case ">=": return f => l(f) >= r(f) ? 1 : 0;
            case "==": return f => l(f) == r(f) ? 1 : 0;
            case "!=": return f => l(f) != r(f) ? 1 : 0;
            case "&&": return f => l(f) != 0 && r(f) != 0 ? 1 : 0;
            case "||": return f => l(f) != 0 || r(f) != 0 ? 1 : 0;
            default: throw new CompileError($"unknown operator {b.Op}");
        }
    }

    Func<Frame, long> CompileCall(CallExpr c, Scope scope)
    {
        if (!functions.TryGetValue(c.Name, out var fn)) throw new CompileError($"call of the unknown function '{c.Name}'");
        if (fn.Arity != c.Args.Count) throw new CompileError($"'{c.Name}' takes {fn.Arity} argument(s), the call passes {c.Args.Count}");
        var args = c.Args.Select(a => CompileExpr(a, scope)).ToArray();
        return f =>
        {
            var callee = new Frame(fn.FrameSize);
            for (int i = 0; i < args.Length; i++) callee.Slots[i] = args[i](f);
            return Calls.Run(fn, callee);
        };
    }
}

// ---- programs ----

static class Program
{
    static readonly Dictionary<string, (string Source, long Default)> Programs = new()
    {
        ["count"] = ("""
            var i = 0;
            var s = 0;
            while (i < n) {
              s = s + i % 7;
              i = i + 1;
            }
            print s;
            """, 10_000_000),
        ["primes"] = ("""
            var count = 0;
            var k = 2;
            while (k < n) {
              var d = 2;
              var prime = 1;
              while (d * d <= k) {
                if (k % d == 0) { prime = 0; d = k; }
                d = d + 1;
              }
              count = count + prime;
              k = k + 1;
            }
            print count;
            """, 300_000),
        ["fib"] = ("""
            func fib(x) {
              if (x < 2) { return x; }
              return fib(x - 1) + fib(x - 2);
            }
            print fib(n);
            """, 27),
        ["calls"] = ("""
            func step(acc, i) {
              return (acc * 3 + i) % 1000003;
            }
            var i = 0;
            var acc = 1;
            while (i < n) {
              acc = step(acc, i);
              i = i + 1;
            }
            print acc;
            """, 3_000_000),
    };

    static int Main(string[] args)
    {
        if (args.Length < 1 || !Programs.TryGetValue(args[0], out var program))
        {
            Console.Error.WriteLine($"usage: ClosureCompiler <{string.Join("|", Programs.Keys)}> [n]");
            return 2;
        }
        long n = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : program.Default;
        var watch = Stopwatch.StartNew();
        try
        {
            var ast = new Parser(Lexer.Tokenize(program.Source)).ParseProgram();
            var main = new Compiler().CompileProgram(ast, ["n"]);
            var frame = new Frame(main.FrameSize);
            frame.Slots[0] = n;
            main.Body(frame);
        }
        catch (CompileError e)
        {
            Console.WriteLine($"error: {e.Message}");
            return 1;
        }
        Console.Error.WriteLine($"{args[0]}: {watch.Elapsed.TotalMilliseconds:F0} ms");
        return 0;
    }
}
