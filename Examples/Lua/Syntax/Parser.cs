namespace PeJit.Examples.Lua.Syntax;

/// <summary>
/// A recursive-descent parser for the Lua subset (operator precedence as in Lua 5.3's <c>lparser.c</c>).
/// It resolves every name while parsing: a local of the function being parsed, a local of an enclosing
/// function (which it marks <see cref="LocalVariable.Captured"/>), or a global.
/// </summary>
public sealed class Parser
{
    private readonly List<Token> tokens;
    private int position;
    private int nextFunctionId;
    // Per function being parsed (innermost last): its id and its block scopes (innermost last).
    private readonly List<(int Id, List<List<LocalVariable>> Scopes)> functions = [];

    private Parser(string source) => tokens = Lexer.Tokenize(source);

    /// <summary>The chunk of <paramref name="source"/>, as a function named <c>main</c> without parameters.</summary>
    public static FunctionBody Parse(string source) => new Parser(source).Chunk();

    private Token Current => tokens[position];

    private Token Next() => tokens[position++];

    private bool Accept(string text)
    {
        if (!Current.Is(text)) return false;
        position++;
        return true;
    }

    private Token Expect(string text, string? what = null)
    {
        if (!Current.Is(text)) throw new LuaSyntaxException(Current.Line, $"'{text}' expected{what} near {Current}");
        return Next();
    }

    private string ExpectName()
    {
        if (Current.Kind != TokenKind.Name) throw new LuaSyntaxException(Current.Line, $"name expected near {Current}");
        return Next().Text;
    }

    private FunctionBody Chunk()
    {
        int id = nextFunctionId++;
        functions.Add((id, [[]]));
        var body = Block();
        if (Current.Kind != TokenKind.End) throw new LuaSyntaxException(Current.Line, $"'<eof>' expected near {Current}");
        functions.RemoveAt(functions.Count - 1);
        return new FunctionBody(id, "main", 0, [], body, Current.Line);
    }

    private static bool BlockEnds(Token token) => token.Kind == TokenKind.End || token.Is("end") || token.Is("else") || token.Is("elseif") || token.Is("until");

    private Block Block()
    {
        var scopes = functions[^1].Scopes;
        scopes.Add([]);
        var statements = new List<Statement>();
        while (!BlockEnds(Current))
        {
            if (Current.Is("return"))
            {
                statements.Add(Return());
                break;
            }
            var statement = Statement();
            if (statement is not null) statements.Add(statement);
        }
        scopes.RemoveAt(scopes.Count - 1);
        return new Block(statements);
    }

    private ReturnStatement Return()
    {
        int line = Next().Line;
        var values = BlockEnds(Current) || Current.Is(";") ? [] : ExpressionList();
        Accept(";");
        if (!BlockEnds(Current)) throw new LuaSyntaxException(Current.Line, $"'end' expected after return near {Current}");
        return new ReturnStatement(line, values);
    }

    private Statement? Statement()
    {
        var token = Current;
        int line = token.Line;
        if (Accept(";")) return null;
        if (Accept("if"))
        {
            var clauses = new List<(Expression, Block)>();
            var condition = Expression();
            Expect("then");
            clauses.Add((condition, Block()));
            Block? otherwise = null;
            while (true)
            {
                if (Accept("elseif"))
                {
                    var elseCondition = Expression();
                    Expect("then");
                    clauses.Add((elseCondition, Block()));
                }
                else if (Accept("else"))
                {
                    otherwise = Block();
                    Expect("end", $" (to close 'if' at line {line})");
                    break;
                }
                else
                {
                    Expect("end", $" (to close 'if' at line {line})");
                    break;
                }
            }
            return new IfStatement(line, clauses, otherwise);
        }
        if (Accept("while"))
        {
            var condition = Expression();
            Expect("do");
            var body = Block();
            Expect("end", $" (to close 'while' at line {line})");
            return new WhileStatement(line, condition, body);
        }
        if (Accept("do"))
        {
            var body = Block();
            Expect("end", $" (to close 'do' at line {line})");
            return new DoStatement(line, body);
        }
        if (Accept("for"))
        {
            string name = ExpectName();
            if (!Current.Is("=")) throw new LuaSyntaxException(Current.Line, $"only the numeric 'for' is supported: '=' expected near {Current}");
            Next();
            var start = Expression();
            Expect(",");
            var limit = Expression();
            var step = Accept(",") ? Expression() : null;
            Expect("do");
            // The control variable is a local of the body.
            var scopes = functions[^1].Scopes;
            var variable = new LocalVariable(name, functions[^1].Id);
            scopes.Add([variable]);
            var body = Block();
            scopes.RemoveAt(scopes.Count - 1);
            Expect("end", $" (to close 'for' at line {line})");
            return new NumericForStatement(line, variable, start, limit, step, body);
        }
        if (Accept("function"))
        {
            string name = ExpectName();
            Expression target = Resolve(name, line);
            string fullName = name;
            while (Accept("."))
            {
                string field = ExpectName();
                fullName += "." + field;
                target = new IndexExpression(line, target, new StringLiteral(line, field));
            }
            if (Current.Is(":")) throw new LuaSyntaxException(Current.Line, "methods ('function a:b') are not supported");
            var body = FunctionBody(fullName, line);
            return new AssignStatement(line, [target], [new FunctionExpression(line, body)]);
        }
        if (Accept("local"))
        {
            if (Accept("function"))
            {
                var variable = new LocalVariable(ExpectName(), functions[^1].Id);
                Declare(variable);
                return new LocalFunctionStatement(line, variable, FunctionBody(variable.Name, line));
            }
            var variables = new List<LocalVariable> { new(ExpectName(), functions[^1].Id) };
            while (Accept(",")) variables.Add(new LocalVariable(ExpectName(), functions[^1].Id));
            var values = Accept("=") ? ExpressionList() : [];
            // The new locals are in scope only after the statement: 'local x = x' reads the outer x.
            foreach (var variable in variables) Declare(variable);
            return new LocalStatement(line, variables, values);
        }
        if (Accept("break")) return new BreakStatement(line);
        if (Current.Is("repeat") || Current.Is("goto"))
            throw new LuaSyntaxException(line, $"'{Current.Text}' is not supported");

        var first = SuffixedExpression();
        if (Current.Is("=") || Current.Is(","))
        {
            var targets = new List<Expression> { first };
            while (Accept(",")) targets.Add(SuffixedExpression());
            Expect("=");
            foreach (var target in targets)
                if (target is not (LocalExpression or UpvalueExpression or GlobalExpression or IndexExpression))
                    throw new LuaSyntaxException(target.Line, "syntax error: cannot assign to this expression");
            return new AssignStatement(line, targets, ExpressionList());
        }
        if (first is CallExpression call) return new CallStatement(line, call);
        throw new LuaSyntaxException(Current.Line, $"syntax error near {Current}");
    }

    private void Declare(LocalVariable variable) => functions[^1].Scopes[^1].Add(variable);

    private FunctionBody FunctionBody(string name, int line)
    {
        int id = nextFunctionId++;
        var parameters = new List<LocalVariable>();
        Expect("(");
        if (!Current.Is(")"))
        {
            do
            {
                if (Current.Is("...")) throw new LuaSyntaxException(Current.Line, "variable arguments ('...') are not supported");
                parameters.Add(new LocalVariable(ExpectName(), id));
            }
            while (Accept(","));
        }
        Expect(")");
        functions.Add((id, [parameters]));
        var body = Block();
        functions.RemoveAt(functions.Count - 1);
        int endLine = Expect("end", $" (to close 'function' at line {line})").Line;
        return new FunctionBody(id, name, line, parameters, body, endLine);
    }

    private Expression Resolve(string name, int line)
    {
        for (int f = functions.Count - 1; f >= 0; f--)
        {
            var scopes = functions[f].Scopes;
            for (int s = scopes.Count - 1; s >= 0; s--)
                for (int v = scopes[s].Count - 1; v >= 0; v--)
                    if (scopes[s][v].Name == name)
                    {
                        var variable = scopes[s][v];
                        if (f == functions.Count - 1) return new LocalExpression(line, variable);
                        variable.Captured = true;
                        return new UpvalueExpression(line, variable);
                    }
        }
        return new GlobalExpression(line, name);
    }

    private List<Expression> ExpressionList()
    {
        var list = new List<Expression> { Expression() };
        while (Accept(",")) list.Add(Expression());
        return list;
    }

    // Binary operators: (left priority, right priority), as in lparser.c; right < left makes it right-associative.
    private static readonly Dictionary<string, (int Left, int Right)> Priorities = new()
    {
        ["or"] = (1, 1), ["and"] = (2, 2),
        ["<"] = (3, 3), [">"] = (3, 3), ["<="] = (3, 3), [">="] = (3, 3), ["~="] = (3, 3), ["=="] = (3, 3),
        [".."] = (9, 8), ["+"] = (10, 10), ["-"] = (10, 10),
        ["*"] = (11, 11), ["/"] = (11, 11), ["//"] = (11, 11), ["%"] = (11, 11),
        ["^"] = (14, 13),
    };

    private const int UnaryPriority = 12;

    private Expression Expression(int limit = 0)
    {
        Expression left;
        var token = Current;
        if (token.Is("-") || token.Is("not") || token.Is("#"))
        {
            Next();
            var operand = Expression(UnaryPriority);
            // A negative number literal is a constant.
            left = (token.Text, operand) switch
            {
                ("-", IntegerLiteral integer) => new IntegerLiteral(token.Line, unchecked(-integer.Value)),
                ("-", FloatLiteral number) => new FloatLiteral(token.Line, -number.Value),
                _ => new UnaryExpression(token.Line, token.Text, operand),
            };
        }
        else left = SimpleExpression();
        while (Current.Kind is TokenKind.Symbol or TokenKind.Keyword && Priorities.TryGetValue(Current.Text, out var priority) && priority.Left > limit)
        {
            var op = Next();
            var right = Expression(priority.Right);
            left = new BinaryExpression(op.Line, op.Text, left, right);
        }
        return left;
    }

    private Expression SimpleExpression()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Integer:
                Next();
                return new IntegerLiteral(token.Line, token.Integer);
            case TokenKind.Float:
                Next();
                return new FloatLiteral(token.Line, token.Float);
            case TokenKind.String:
                Next();
                return new StringLiteral(token.Line, token.Text);
        }
        if (Accept("nil")) return new NilLiteral(token.Line);
        if (Accept("true")) return new BooleanLiteral(token.Line, true);
        if (Accept("false")) return new BooleanLiteral(token.Line, false);
        if (Accept("function")) return new FunctionExpression(token.Line, FunctionBody("anonymous", token.Line));
        if (Current.Is("{")) return Table();
        return SuffixedExpression();
    }

    private TableExpression Table()
    {
        int line = Expect("{").Line;
        var fields = new List<(Expression, Expression)>();
        long next = 1;
        while (!Current.Is("}"))
        {
            int fieldLine = Current.Line;
            if (Accept("["))
            {
                var key = Expression();
                Expect("]");
                Expect("=");
                fields.Add((key, Expression()));
            }
            else if (Current.Kind == TokenKind.Name && tokens[position + 1].Is("="))
            {
                string name = Next().Text;
                Next();
                fields.Add((new StringLiteral(fieldLine, name), Expression()));
            }
            else fields.Add((new IntegerLiteral(fieldLine, next++), Expression()));
            if (!Accept(",") && !Accept(";")) break;
        }
        Expect("}", $" (to close '{{' at line {line})");
        return new TableExpression(line, fields);
    }

    private Expression SuffixedExpression()
    {
        var token = Current;
        Expression expression;
        if (token.Kind == TokenKind.Name)
        {
            Next();
            expression = Resolve(token.Text, token.Line);
        }
        else if (Accept("("))
        {
            expression = Expression();
            Expect(")");
        }
        else throw new LuaSyntaxException(token.Line, $"unexpected symbol near {token}");
        while (true)
        {
            int line = Current.Line;
            if (Accept("."))
                expression = new IndexExpression(line, expression, new StringLiteral(line, ExpectName()));
            else if (Accept("["))
            {
                var key = Expression();
                Expect("]");
                expression = new IndexExpression(line, expression, key);
            }
            else if (Accept("("))
            {
                var arguments = Current.Is(")") ? [] : ExpressionList();
                Expect(")");
                expression = new CallExpression(line, expression, arguments);
            }
            else if (Current.Is(":")) throw new LuaSyntaxException(line, "method calls ('a:b()') are not supported");
            else return expression;
        }
    }
}
