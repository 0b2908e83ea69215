using System.Globalization;
using PeJit.Examples.TreeWalker.Ast;

namespace PeJit.Examples.TreeWalker.Syntax;

/// <summary>
/// Parses a program into functions whose bodies are trees of <see cref="Node"/>s, resolving every variable
/// to its slot in the function's variable array. The grammar:
/// <code>
/// program    = function*
/// function   = "func" NAME "(" [param ("," param)*] ")" block
/// param      = NAME ["=" ["-"] NUMBER]          (a default, for running the function from the command line)
/// block      = "{" statement* "}"
/// statement  = block | "var" NAME "=" expr ";" | NAME "=" expr ";" | "if" "(" expr ")" statement ["else" statement]
///            | "while" "(" expr ")" statement | "print" expr ";" | "return" expr ";" | expr ";"
/// expr       = sum [("==" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=") sum]
/// sum        = product (("+" | "-") product)*
/// product    = unary (("*" | "/" | "%") unary)*
/// unary      = "-" unary | NUMBER | NAME | NAME "(" [expr ("," expr)*] ")" | "(" expr ")"
/// </code>
/// A <c>var</c> is visible from its declaration to the end of its block; functions are visible everywhere.
/// </summary>
public sealed class Parser
{
    private static readonly HashSet<string> Keywords = ["func", "var", "if", "else", "while", "print", "return"];

    private readonly List<Token> tokens;
    private readonly Dictionary<string, Function> functions;
    private int position;

    // The function being parsed: its scopes (innermost last) and the next free slot.
    private Function current = null!;
    private readonly List<Dictionary<string, int>> scopes = [];
    private int nextSlot;

    private Parser(List<Token> tokens, Dictionary<string, Function> functions)
    {
        this.tokens = tokens;
        this.functions = functions;
    }

    /// <summary>Parses <paramref name="source"/>.</summary>
    /// <exception cref="ParseException">The source has an error; the message gives its line and column.</exception>
    public static Script Parse(string source)
    {
        var tokens = Lexer.Tokenize(source);
        var parser = new Parser(tokens, []);
        // Pass 1: every function's header, so that calls may come before the callee's definition.
        var bodies = parser.DeclareFunctions();
        // Pass 2: the bodies.
        foreach (var (function, start) in bodies)
        {
            parser.position = start;
            parser.ParseBody(function);
        }
        return new Script([.. parser.functions.Values]);
    }

    private List<(Function Function, int BodyStart)> DeclareFunctions()
    {
        var bodies = new List<(Function, int)>();
        while (Peek.Kind != TokenKind.End)
        {
            Expect("func");
            var name = ExpectName("a function name");
            if (functions.ContainsKey(name.Text)) throw Error(name, $"a function '{name.Text}' is already defined");
            Expect("(");
            var parameters = new List<string>();
            var defaults = new List<long?>();
            if (!Peek.Is(")"))
            {
                do
                {
                    var parameter = ExpectName("a parameter name");
                    if (parameters.Contains(parameter.Text)) throw Error(parameter, $"parameter '{parameter.Text}' appears twice");
                    parameters.Add(parameter.Text);
                    long? fallback = null;
                    if (Accept("="))
                    {
                        bool negative = Accept("-");
                        long value = ParseNumber(Next());
                        fallback = negative ? -value : value;
                    }
                    defaults.Add(fallback);
                }
                while (Accept(","));
            }
            Expect(")");
            functions.Add(name.Text, new Function(name.Text, [.. parameters], [.. defaults]));
            bodies.Add((functions[name.Text], position));
            SkipBlock();
        }
        return bodies;
    }

    private void SkipBlock()
    {
        var open = Expect("{");
        for (int depth = 1; depth > 0;)
        {
            var token = Next();
            if (token.Kind == TokenKind.End) throw Error(open, "this '{' is never closed");
            if (token.Is("{")) depth++;
            else if (token.Is("}")) depth--;
        }
    }

    private void ParseBody(Function function)
    {
        current = function;
        scopes.Clear();
        scopes.Add([]);
        for (int i = 0; i < function.Arity; i++) scopes[0][function.Parameters[i]] = i;
        nextSlot = function.ResultSlot + 1;
        function.Body = ParseBlock();
        function.Slots = nextSlot;
    }

    private BlockNode ParseBlock()
    {
        var open = Expect("{");
        scopes.Add([]);
        var statements = new List<Statement>();
        while (!Accept("}"))
        {
            if (Peek.Kind == TokenKind.End) throw Error(open, "this '{' is never closed");
            statements.Add(ParseStatement());
        }
        scopes.RemoveAt(scopes.Count - 1);
        return new BlockNode([.. statements]);
    }

    private Statement ParseStatement()
    {
        var token = Peek;
        if (token.Is("{")) return ParseBlock();
        if (Accept("var"))
        {
            var name = ExpectName("a variable name");
            Expect("=");
            var value = ParseExpression();
            Expect(";");
            // Declared after its initializer: `var x = x + 1;` reads an outer x.
            if (scopes[^1].ContainsKey(name.Text)) throw Error(name, $"'{name.Text}' is already declared in this block");
            scopes[^1][name.Text] = nextSlot;
            return new AssignNode(name.Text, nextSlot++, value);
        }
        if (Accept("if"))
        {
            Expect("(");
            var condition = ParseExpression();
            Expect(")");
            var then = ParseStatement();
            return new IfNode(condition, then, Accept("else") ? ParseStatement() : null);
        }
        if (Accept("while"))
        {
            Expect("(");
            var condition = ParseExpression();
            Expect(")");
            return new WhileNode(condition, ParseStatement());
        }
        if (Accept("print"))
        {
            var value = ParseExpression();
            Expect(";");
            return new PrintNode(value);
        }
        if (Accept("return"))
        {
            var value = ParseExpression();
            Expect(";");
            return new ReturnNode(value, current.ResultSlot);
        }
        if (token.Kind == TokenKind.Name && tokens[position + 1].Is("="))
        {
            position++;
            position++;
            var value = ParseExpression();
            Expect(";");
            return new AssignNode(token.Text, Resolve(token), value);
        }
        var expression = ParseExpression();
        Expect(";");
        return new ExpressionStatementNode(expression);
    }

    private Expression ParseExpression()
    {
        var left = ParseSum();
        if (Peek.Text is "==" or "!=" or "<" or "<=" or ">" or ">=" && Peek.Kind == TokenKind.Symbol)
            return BinaryNode.Create(Next().Text, left, ParseSum());
        return left;
    }

    private Expression ParseSum()
    {
        var left = ParseProduct();
        while (Peek.Kind == TokenKind.Symbol && Peek.Text is "+" or "-")
            left = BinaryNode.Create(Next().Text, left, ParseProduct());
        return left;
    }

    private Expression ParseProduct()
    {
        var left = ParseUnary();
        while (Peek.Kind == TokenKind.Symbol && Peek.Text is "*" or "/" or "%")
            left = BinaryNode.Create(Next().Text, left, ParseUnary());
        return left;
    }

    private Expression ParseUnary()
    {
        var token = Next();
        if (token.Is("-")) return new NegateNode(ParseUnary());
        if (token.Kind == TokenKind.Number) return new NumberNode(ParseNumber(token));
        if (token.Is("("))
        {
            var inner = ParseExpression();
            Expect(")");
            return inner;
        }
        if (token.Kind != TokenKind.Name || Keywords.Contains(token.Text)) throw Error(token, $"expected an expression, found {Describe(token)}");
        if (!Accept("(")) return new VariableNode(token.Text, Resolve(token));
        if (!functions.TryGetValue(token.Text, out var function)) throw Error(token, $"no function '{token.Text}'");
        var arguments = new List<Expression>();
        if (!Peek.Is(")"))
            do arguments.Add(ParseExpression());
            while (Accept(","));
        Expect(")");
        if (arguments.Count != function.Arity)
            throw Error(token, $"'{function.Name}' takes {function.Arity} argument(s), {arguments.Count} given");
        return new CallNode(function, [.. arguments]);
    }

    private int Resolve(Token name)
    {
        for (int i = scopes.Count - 1; i >= 0; i--)
            if (scopes[i].TryGetValue(name.Text, out int slot)) return slot;
        throw Error(name, $"'{name.Text}' is not declared; declare it with 'var {name.Text} = ...;'");
    }

    private static long ParseNumber(Token token) =>
        token.Kind == TokenKind.Number && long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value : throw Error(token, $"expected a number that fits in 64 bits, found {Describe(token)}");

    private Token Peek => tokens[position];

    private Token Next() => tokens[position].Kind == TokenKind.End ? tokens[position] : tokens[position++];

    private bool Accept(string text)
    {
        if (!Peek.Is(text)) return false;
        position++;
        return true;
    }

    private Token Expect(string text) =>
        Peek.Is(text) ? Next() : throw Error(Peek, $"expected '{text}', found {Describe(Peek)}");

    private Token ExpectName(string what) =>
        Peek.Kind == TokenKind.Name && !Keywords.Contains(Peek.Text) ? Next() : throw Error(Peek, $"expected {what}, found {Describe(Peek)}");

    private static string Describe(Token token) => token.Kind == TokenKind.End ? "the end of the program" : $"'{token.Text}'";

    private static ParseException Error(Token token, string message) => new($"{token.Where}: {message}");
}
