// A Lox-style tree-walker probe (Examples/STYLES-FINDINGS.md, "A Lox-style tree-walker"): not built by the solution; build it
// as Docs/probes/RulesEngine.cs says. Tests/PeJit.TestSubjects/VisitorTreeWalker.cs is its test subject.
// Written the way C# ports of "Crafting Interpreters"' jlox are: expression and statement classes with a generic visitor
// (`Accept<R>(IVisitor<R>)`), values as `object` (double, string, bool, null), environments as chained
// `Dictionary<string, object>`, `return` as an exception, the interpreter an instance whose current environment is a field.
// The hints: the while statement's loop is the portal, its statement green.
using System.Diagnostics;
using System.Globalization;
using PeJit;

enum TokenType { LeftParen, RightParen, LeftBrace, RightBrace, Comma, Minus, Plus, Semicolon, Slash, Star, Percent,
    Bang, BangEqual, Equal, EqualEqual, Greater, GreaterEqual, Less, LessEqual, Identifier, String, Number,
    And, Else, False, Fun, For, If, Nil, Or, Print, Return, True, Var, While, Eof }

[JitImmutable]
sealed class Token
{
    public readonly TokenType Type; public readonly string Lexeme; public readonly object? Literal; public readonly int Line;
    public Token(TokenType type, string lexeme, object? literal, int line) { Type = type; Lexeme = lexeme; Literal = literal; Line = line; }
    public override string ToString() => Lexeme;
}

interface IExprVisitor<R>
{
    R VisitBinary(Binary e); R VisitLogical(Logical e); R VisitLiteral(Literal e); R VisitVariable(Variable e);
    R VisitAssign(Assign e); R VisitCall(Call e); R VisitGrouping(Grouping e); R VisitUnary(Unary e);
}

interface IStmtVisitor<R>
{
    R VisitExpression(ExpressionStmt s); R VisitPrint(PrintStmt s); R VisitVar(VarStmt s); R VisitBlock(BlockStmt s);
    R VisitIf(IfStmt s); R VisitWhile(WhileStmt s); R VisitFunction(FunctionStmt s); R VisitReturn(ReturnStmt s);
}

[JitImmutable] abstract class Expr { public abstract R Accept<R>(IExprVisitor<R> visitor); }
[JitImmutable] sealed class Binary(Expr left, Token op, Expr right) : Expr
{ public readonly Expr Left = left; public readonly Token Op = op; public readonly Expr Right = right; public override R Accept<R>(IExprVisitor<R> v) => v.VisitBinary(this); }
[JitImmutable] sealed class Logical(Expr left, Token op, Expr right) : Expr
{ public readonly Expr Left = left; public readonly Token Op = op; public readonly Expr Right = right; public override R Accept<R>(IExprVisitor<R> v) => v.VisitLogical(this); }
[JitImmutable] sealed class Literal(object? value) : Expr
{ public readonly object? Value = value; public override R Accept<R>(IExprVisitor<R> v) => v.VisitLiteral(this); }
[JitImmutable] sealed class Variable(Token name) : Expr
{ public readonly Token Name = name; public override R Accept<R>(IExprVisitor<R> v) => v.VisitVariable(this); }
[JitImmutable] sealed class Assign(Token name, Expr value) : Expr
{ public readonly Token Name = name; public readonly Expr Value = value; public override R Accept<R>(IExprVisitor<R> v) => v.VisitAssign(this); }
[JitImmutable] sealed class Call(Expr callee, Token paren, Expr[] arguments) : Expr
{ public readonly Expr Callee = callee; public readonly Token Paren = paren; public readonly Expr[] Arguments = arguments; public override R Accept<R>(IExprVisitor<R> v) => v.VisitCall(this); }
[JitImmutable] sealed class Grouping(Expr inner) : Expr
{ public readonly Expr Inner = inner; public override R Accept<R>(IExprVisitor<R> v) => v.VisitGrouping(this); }
[JitImmutable] sealed class Unary(Token op, Expr right) : Expr
{ public readonly Token Op = op; public readonly Expr Right = right; public override R Accept<R>(IExprVisitor<R> v) => v.VisitUnary(this); }

[JitImmutable] abstract class Stmt { public abstract R Accept<R>(IStmtVisitor<R> visitor); }
[JitImmutable] sealed class ExpressionStmt(Expr e) : Stmt { public readonly Expr Expression = e; public override R Accept<R>(IStmtVisitor<R> v) => v.VisitExpression(this); }
[JitImmutable] sealed class PrintStmt(Expr e) : Stmt { public readonly Expr Expression = e; public override R Accept<R>(IStmtVisitor<R> v) => v.VisitPrint(this); }
[JitImmutable] sealed class VarStmt(Token name, Expr? init) : Stmt { public readonly Token Name = name; public readonly Expr? Initializer = init; public override R Accept<R>(IStmtVisitor<R> v) => v.VisitVar(this); }
[JitImmutable] sealed class BlockStmt(Stmt[] statements) : Stmt { public readonly Stmt[] Statements = statements; public override R Accept<R>(IStmtVisitor<R> v) => v.VisitBlock(this); }
[JitImmutable] sealed class IfStmt(Expr c, Stmt then, Stmt? otherwise) : Stmt { public readonly Expr Condition = c; public readonly Stmt Then = then; public readonly Stmt? Else = otherwise; public override R Accept<R>(IStmtVisitor<R> v) => v.VisitIf(this); }
[JitImmutable] sealed class WhileStmt(Expr c, Stmt body) : Stmt { public readonly Expr Condition = c; public readonly Stmt Body = body; public override R Accept<R>(IStmtVisitor<R> v) => v.VisitWhile(this); }
[JitImmutable] sealed class FunctionStmt(Token name, Token[] parameters, Stmt[] body) : Stmt { public readonly Token Name = name; public readonly Token[] Params = parameters; public readonly Stmt[] Body = body; public override R Accept<R>(IStmtVisitor<R> v) => v.VisitFunction(this); }
[JitImmutable] sealed class ReturnStmt(Token keyword, Expr? value) : Stmt { public readonly Token Keyword = keyword; public readonly Expr? Value = value; public override R Accept<R>(IStmtVisitor<R> v) => v.VisitReturn(this); }

sealed class RuntimeError(Token token, string message) : Exception(message) { public readonly Token Token = token; }
sealed class ReturnException(object? value) : Exception { public readonly object? Value = value; }

sealed class Environment(Environment? enclosing)
{
    private readonly Dictionary<string, object?> values = new();
    public readonly Environment? Enclosing = enclosing;

    public void Define(string name, object? value) => values[name] = value;

    public object? Get(Token name)
    {
        if (values.TryGetValue(name.Lexeme, out var value)) return value;
        if (Enclosing != null) return Enclosing.Get(name);
        throw new RuntimeError(name, $"Undefined variable '{name.Lexeme}'.");
    }

    public void Assign(Token name, object? value)
    {
        if (values.ContainsKey(name.Lexeme)) { values[name.Lexeme] = value; return; }
        if (Enclosing != null) { Enclosing.Assign(name, value); return; }
        throw new RuntimeError(name, $"Undefined variable '{name.Lexeme}'.");
    }
}

sealed class LoxFunction(FunctionStmt declaration, Environment closure)
{
    public readonly FunctionStmt Declaration = declaration; public readonly Environment Closure = closure;
    public object? Call(Interpreter interpreter, List<object?> arguments)
    {
        var environment = new Environment(Closure);
        for (int i = 0; i < Declaration.Params.Length; i++) environment.Define(Declaration.Params[i].Lexeme, arguments[i]);
        try { interpreter.ExecuteBlock(Declaration.Body, environment); }
        catch (ReturnException r) { return r.Value; }
        return null;
    }
    public override string ToString() => $"<fn {Declaration.Name.Lexeme}>";
}

sealed class Interpreter : IExprVisitor<object?>, IStmtVisitor<object?>
{
    public readonly Environment Globals = new(null);
    private Environment environment;
    public readonly TextWriter Output;

    public Interpreter(TextWriter output) { environment = Globals; Output = output; }

    public void Interpret(Stmt[] statements)
    {
        try { foreach (var s in statements) Execute(s); }
        catch (RuntimeError e) { Output.WriteLine($"{e.Message}\n[line {e.Token.Line}]"); }
    }

    private object? Evaluate(Expr expr) => expr.Accept(this);
    private void Execute(Stmt stmt) => stmt.Accept(this);

    public void ExecuteBlock(Stmt[] statements, Environment inner)
    {
        var previous = environment;
        try
        {
            environment = inner;
            foreach (var s in statements) Execute(s);
        }
        finally { environment = previous; }
    }

    public object? VisitBlock(BlockStmt s) { ExecuteBlock(s.Statements, new Environment(environment)); return null; }
    public object? VisitExpression(ExpressionStmt s) { Evaluate(s.Expression); return null; }
    public object? VisitFunction(FunctionStmt s) { environment.Define(s.Name.Lexeme, new LoxFunction(s, environment)); return null; }
    public object? VisitIf(IfStmt s)
    {
        if (IsTruthy(Evaluate(s.Condition))) Execute(s.Then);
        else if (s.Else != null) Execute(s.Else);
        return null;
    }
    public object? VisitPrint(PrintStmt s) { Output.WriteLine(Stringify(Evaluate(s.Expression))); return null; }
    public object? VisitReturn(ReturnStmt s) => throw new ReturnException(s.Value == null ? null : Evaluate(s.Value));
    public object? VisitVar(VarStmt s) { environment.Define(s.Name.Lexeme, s.Initializer == null ? null : Evaluate(s.Initializer)); return null; }

    // The interpreted program's loop is the portal: the statement is green, the interpreter (and through it the
    // environment) red.
    [JitPortal(Greens = ["s"], Reds = [])]
    public object? VisitWhile(WhileStmt s)
    {
        while (true)
        {
            Jit.MergePoint(s);
            if (!IsTruthy(Evaluate(s.Condition))) break;
            Execute(s.Body);
            Jit.CanEnterJit(s);
        }
        return null;
    }

    public object? VisitAssign(Assign e) { var value = Evaluate(e.Value); environment.Assign(e.Name, value); return value; }
    public object? VisitLiteral(Literal e) => e.Value;
    public object? VisitGrouping(Grouping e) => Evaluate(e.Inner);
    public object? VisitVariable(Variable e) => environment.Get(e.Name);
    public object? VisitLogical(Logical e)
    {
        var left = Evaluate(e.Left);
        if (e.Op.Type == TokenType.Or) { if (IsTruthy(left)) return left; }
        else if (!IsTruthy(left)) return left;
        return Evaluate(e.Right);
    }
    public object? VisitUnary(Unary e)
    {
        var right = Evaluate(e.Right);
        switch (e.Op.Type)
        {
            case TokenType.Bang: return !IsTruthy(right);
            case TokenType.Minus: CheckNumber(e.Op, right); return -(double)right!;
        }
        return null;
    }
    public object? VisitBinary(Binary e)
    {
        var left = Evaluate(e.Left);
        var right = Evaluate(e.Right);
        switch (e.Op.Type)
        {
            case TokenType.Greater: CheckNumbers(e.Op, left, right); return (double)left! > (double)right!;
            case TokenType.GreaterEqual: CheckNumbers(e.Op, left, right); return (double)left! >= (double)right!;
            case TokenType.Less: CheckNumbers(e.Op, left, right); return (double)left! < (double)right!;
            case TokenType.LessEqual: CheckNumbers(e.Op, left, right); return (double)left! <= (double)right!;
            case TokenType.BangEqual: return !IsEqual(left, right);
            case TokenType.EqualEqual: return IsEqual(left, right);
            case TokenType.Minus: CheckNumbers(e.Op, left, right); return (double)left! - (double)right!;
            case TokenType.Slash: CheckNumbers(e.Op, left, right); return (double)left! / (double)right!;
            case TokenType.Star: CheckNumbers(e.Op, left, right); return (double)left! * (double)right!;
            case TokenType.Percent: CheckNumbers(e.Op, left, right); return (double)left! % (double)right!;
            case TokenType.Plus:
                if (left is double a && right is double b) return a + b;
                if (left is string x && right is string y) return x + y;
                throw new RuntimeError(e.Op, "Operands must be two numbers or two strings.");
        }
        return null;
    }
    public object? VisitCall(Call e)
    {
        var callee = Evaluate(e.Callee);
        var arguments = new List<object?>();
        foreach (var argument in e.Arguments) arguments.Add(Evaluate(argument));
        if (callee is not LoxFunction function) throw new RuntimeError(e.Paren, "Can only call functions and classes.");
        if (arguments.Count != function.Declaration.Params.Length)
            throw new RuntimeError(e.Paren, $"Expected {function.Declaration.Params.Length} arguments but got {arguments.Count}.");
        return function.Call(this, arguments);
    }

    private static void CheckNumber(Token op, object? operand) { if (operand is not double) throw new RuntimeError(op, "Operand must be a number."); }
    private static void CheckNumbers(Token op, object? l, object? r) { if (l is not double || r is not double) throw new RuntimeError(op, "Operands must be numbers."); }
    private static bool IsTruthy(object? o) => o switch { null => false, bool b => b, _ => true };
    private static bool IsEqual(object? a, object? b) => a == null ? b == null : a.Equals(b);
    private static string Stringify(object? o) => o switch
    {
        null => "nil",
        double d => d.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => o.ToString()!,
    };
}

sealed class Scanner(string source)
{
    private static readonly Dictionary<string, TokenType> Keywords = new()
    {
        ["and"] = TokenType.And, ["else"] = TokenType.Else, ["false"] = TokenType.False, ["fun"] = TokenType.Fun,
        ["for"] = TokenType.For, ["if"] = TokenType.If, ["nil"] = TokenType.Nil, ["or"] = TokenType.Or,
        ["print"] = TokenType.Print, ["return"] = TokenType.Return, ["true"] = TokenType.True, ["var"] = TokenType.Var,
        ["while"] = TokenType.While,
    };
    private readonly List<Token> tokens = new();
    private int start, current, line = 1;

    public List<Token> Scan()
    {
        while (current < source.Length) { start = current; ScanToken(); }
        tokens.Add(new Token(TokenType.Eof, "", null, line));
        return tokens;
    }

    private void ScanToken()
    {
        char c = source[current++];
        switch (c)
        {
            case '(': Add(TokenType.LeftParen); break; case ')': Add(TokenType.RightParen); break;
            case '{': Add(TokenType.LeftBrace); break; case '}': Add(TokenType.RightBrace); break;
            case ',': Add(TokenType.Comma); break; case '-': Add(TokenType.Minus); break; case '+': Add(TokenType.Plus); break;
            case ';': Add(TokenType.Semicolon); break; case '*': Add(TokenType.Star); break; case '%': Add(TokenType.Percent); break;
            case '!': Add(Match('=') ? TokenType.BangEqual : TokenType.Bang); break;
            case '=': Add(Match('=') ? TokenType.EqualEqual : TokenType.Equal); break;
            case '<': Add(Match('=') ? TokenType.LessEqual : TokenType.Less); break;
            case '>': Add(Match('=') ? TokenType.GreaterEqual : TokenType.Greater); break;
            case '/':
                if (Match('/')) { while (current < source.Length && source[current] != '\n') current++; }
                else Add(TokenType.Slash);
                break;
            case ' ': case '\r': case '\t': break;
            case '\n': line++; break;
            case '"':
                while (current < source.Length && source[current] != '"') { if (source[current] == '\n') line++; current++; }
                current++;
                Add(TokenType.String, source.Substring(start + 1, current - start - 2));
                break;
            default:
                if (char.IsDigit(c))
                {
                    while (current < source.Length && (char.IsDigit(source[current]) || source[current] == '.')) current++;
                    Add(TokenType.Number, double.Parse(source[start..current], CultureInfo.InvariantCulture));
                }
                else if (char.IsLetter(c) || c == '_')
                {
                    while (current < source.Length && (char.IsLetterOrDigit(source[current]) || source[current] == '_')) current++;
                    Add(Keywords.TryGetValue(source[start..current], out var type) ? type : TokenType.Identifier);
                }
                else throw new InvalidOperationException($"line {line}: unexpected character '{c}'");
                break;
        }
    }

    private bool Match(char expected) { if (current >= source.Length || source[current] != expected) return false; current++; return true; }
    private void Add(TokenType type, object? literal = null) => tokens.Add(new Token(type, source[start..current], literal, line));
}

sealed class Parser(List<Token> tokens)
{
    private int current;

    public Stmt[] Parse() { var statements = new List<Stmt>(); while (!Check(TokenType.Eof)) statements.Add(Declaration()); return statements.ToArray(); }

    private Stmt Declaration()
    {
        if (Match(TokenType.Fun)) return Function();
        if (Match(TokenType.Var)) return VarDeclaration();
        return Statement();
    }

    private Stmt Function()
    {
        var name = Consume(TokenType.Identifier, "function name");
        Consume(TokenType.LeftParen, "'('");
        var parameters = new List<Token>();
        if (!Check(TokenType.RightParen)) do parameters.Add(Consume(TokenType.Identifier, "parameter name")); while (Match(TokenType.Comma));
        Consume(TokenType.RightParen, "')'");
        Consume(TokenType.LeftBrace, "'{'");
        return new FunctionStmt(name, parameters.ToArray(), Block());
    }

    private Stmt VarDeclaration()
    {
        var name = Consume(TokenType.Identifier, "variable name");
        Expr? init = Match(TokenType.Equal) ? Expression() : null;
        Consume(TokenType.Semicolon, "';'");
        return new VarStmt(name, init);
    }

    private Stmt Statement()
    {
        if (Match(TokenType.For)) return ForStatement();
        if (Match(TokenType.If))
        {
            Consume(TokenType.LeftParen, "'('"); var c = Expression(); Consume(TokenType.RightParen, "')'");
            var then = Statement();
            return new IfStmt(c, then, Match(TokenType.Else) ? Statement() : null);
        }
        if (Match(TokenType.Print)) { var e = Expression(); Consume(TokenType.Semicolon, "';'"); return new PrintStmt(e); }
        if (Match(TokenType.Return))
        {
            var keyword = Previous();
            Expr? value = Check(TokenType.Semicolon) ? null : Expression();
            Consume(TokenType.Semicolon, "';'");
            return new ReturnStmt(keyword, value);
        }
        if (Match(TokenType.While))
        {
            Consume(TokenType.LeftParen, "'('"); var c = Expression(); Consume(TokenType.RightParen, "')'");
            return new WhileStmt(c, Statement());
        }
        if (Match(TokenType.LeftBrace)) return new BlockStmt(Block());
        var expr = Expression();
        Consume(TokenType.Semicolon, "';'");
        return new ExpressionStmt(expr);
    }

    // for (init; cond; incr) body, desugared to a block with a while, as jlox does.
    private Stmt ForStatement()
    {
        Consume(TokenType.LeftParen, "'('");
        Stmt? init = Match(TokenType.Semicolon) ? null : Match(TokenType.Var) ? VarDeclaration() : new ExpressionStmt(ExpressionThen(TokenType.Semicolon));
        Expr condition = Check(TokenType.Semicolon) ? new Literal(true) : Expression();
        Consume(TokenType.Semicolon, "';'");
        Expr? increment = Check(TokenType.RightParen) ? null : Expression();
        Consume(TokenType.RightParen, "')'");
        var body = Statement();
        if (increment != null) body = new BlockStmt([body, new ExpressionStmt(increment)]);
        Stmt loop = new WhileStmt(condition, body);
        return init != null ? new BlockStmt([init, loop]) : loop;
    }

    private Expr ExpressionThen(TokenType end) { var e = Expression(); Consume(end, "';'"); return e; }

    private Stmt[] Block()
    {
        var statements = new List<Stmt>();
        while (!Check(TokenType.RightBrace) && !Check(TokenType.Eof)) statements.Add(Declaration());
        Consume(TokenType.RightBrace, "'}'");
        return statements.ToArray();
    }

    private Expr Expression() => Assignment();

    private Expr Assignment()
    {
        var expr = Or();
        if (Match(TokenType.Equal))
        {
            var equals = Previous();
            var value = Assignment();
            if (expr is Variable v) return new Assign(v.Name, value);
            throw new InvalidOperationException($"line {equals.Line}: invalid assignment target");
        }
        return expr;
    }

    private Expr Or() { var e = And(); while (Match(TokenType.Or)) e = new Logical(e, Previous(), And()); return e; }
    private Expr And() { var e = Equality(); while (Match(TokenType.And)) e = new Logical(e, Previous(), Equality()); return e; }
    private Expr Equality() { var e = Comparison(); while (Match(TokenType.BangEqual, TokenType.EqualEqual)) e = new Binary(e, Previous(), Comparison()); return e; }
    private Expr Comparison() { var e = Term(); while (Match(TokenType.Greater, TokenType.GreaterEqual, TokenType.Less, TokenType.LessEqual)) e = new Binary(e, Previous(), Term()); return e; }
    private Expr Term() { var e = Factor(); while (Match(TokenType.Minus, TokenType.Plus)) e = new Binary(e, Previous(), Factor()); return e; }
    private Expr Factor() { var e = UnaryExpr(); while (Match(TokenType.Slash, TokenType.Star, TokenType.Percent)) e = new Binary(e, Previous(), UnaryExpr()); return e; }
    private Expr UnaryExpr() => Match(TokenType.Bang, TokenType.Minus) ? new Unary(Previous(), UnaryExpr()) : CallExpr();

    private Expr CallExpr()
    {
        var expr = Primary();
        while (Match(TokenType.LeftParen))
        {
            var arguments = new List<Expr>();
            if (!Check(TokenType.RightParen)) do arguments.Add(Expression()); while (Match(TokenType.Comma));
            expr = new Call(expr, Consume(TokenType.RightParen, "')'"), arguments.ToArray());
        }
        return expr;
    }

    private Expr Primary()
    {
        if (Match(TokenType.False)) return new Literal(false);
        if (Match(TokenType.True)) return new Literal(true);
        if (Match(TokenType.Nil)) return new Literal(null);
        if (Match(TokenType.Number, TokenType.String)) return new Literal(Previous().Literal);
        if (Match(TokenType.Identifier)) return new Variable(Previous());
        if (Match(TokenType.LeftParen)) { var e = Expression(); Consume(TokenType.RightParen, "')'"); return new Grouping(e); }
        throw new InvalidOperationException($"line {Peek().Line}: expected an expression at '{Peek().Lexeme}'");
    }

    private bool Match(params TokenType[] types) { foreach (var t in types) if (Check(t)) { current++; return true; } return false; }
    private bool Check(TokenType t) => Peek().Type == t;
    private Token Peek() => tokens[current];
    private Token Previous() => tokens[current - 1];
    private Token Consume(TokenType t, string what) => Check(t) ? tokens[current++] : throw new InvalidOperationException($"line {Peek().Line}: expected {what} at '{Peek().Lexeme}'");
}

static class Program
{
    static readonly Dictionary<string, string> Programs = new()
    {
        ["sum"] = "var s = 0; for (var i = 0; i < N; i = i + 1) { s = s + i % 7; } print s;",
        ["fib"] = "fun fib(n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); } print fib(N);",
        ["calls"] = "fun sq(x) { return x * x; } var s = 0; var i = 0; while (i < N) { s = s + sq(i % 10); i = i + 1; } print s;",
        ["strings"] = "var s = \"\"; var i = 0; while (i < N) { if (i % 1000 == 0) s = s + \"x\"; i = i + 1; } print s;",
        ["error"] = "var i = 0; while (i < N) { i = i + 1; } print i + \"!\";",
    };

    static int Main(string[] args)
    {
        if (args.Length < 1 || !Programs.TryGetValue(args[0], out var source))
        {
            Console.Error.WriteLine($"usage: Lox <{string.Join("|", Programs.Keys)}> [N]");
            return 2;
        }
        double n = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
        var statements = new Parser(new Scanner(source).Scan()).Parse();
        var interpreter = new Interpreter(Console.Out);
        interpreter.Globals.Define("N", n);
        var watch = Stopwatch.StartNew();
        interpreter.Interpret(statements);
        Console.Error.WriteLine($"{args[0]}: {watch.Elapsed.TotalMilliseconds:F0} ms");
        return 0;
    }
}
