namespace PeJit.Examples.Lua.Syntax;

/// <summary>A statement, with the line it starts on.</summary>
public abstract record Statement(int Line);

/// <summary><c>local a, b = x, y</c>.</summary>
public sealed record LocalStatement(int Line, IReadOnlyList<LocalVariable> Variables, IReadOnlyList<Expression> Values) : Statement(Line);

/// <summary><c>local function f(...) ... end</c>: <c>f</c> is in scope in its own body.</summary>
public sealed record LocalFunctionStatement(int Line, LocalVariable Variable, FunctionBody Body) : Statement(Line);

/// <summary><c>a, b.c, d[e] = x, y, z</c> (and <c>function a.b() end</c>).</summary>
public sealed record AssignStatement(int Line, IReadOnlyList<Expression> Targets, IReadOnlyList<Expression> Values) : Statement(Line);

/// <summary>A call whose results are dropped.</summary>
public sealed record CallStatement(int Line, CallExpression Call) : Statement(Line);

/// <summary><c>if c then ... elseif c then ... else ... end</c>.</summary>
public sealed record IfStatement(int Line, IReadOnlyList<(Expression Condition, Block Body)> Clauses, Block? Else) : Statement(Line);

/// <summary><c>while c do ... end</c>.</summary>
public sealed record WhileStatement(int Line, Expression Condition, Block Body) : Statement(Line);

/// <summary><c>for v = start, limit [, step] do ... end</c>.</summary>
public sealed record NumericForStatement(int Line, LocalVariable Variable, Expression Start, Expression Limit, Expression? Step, Block Body) : Statement(Line);

/// <summary><c>do ... end</c>.</summary>
public sealed record DoStatement(int Line, Block Body) : Statement(Line);

/// <summary><c>return a, b</c>.</summary>
public sealed record ReturnStatement(int Line, IReadOnlyList<Expression> Values) : Statement(Line);

/// <summary><c>break</c>.</summary>
public sealed record BreakStatement(int Line) : Statement(Line);

/// <summary>A sequence of statements: a scope for the locals it declares.</summary>
public sealed record Block(IReadOnlyList<Statement> Statements);

/// <summary>A function's parameters and body; <see cref="Id"/> tells which function a <see cref="LocalVariable"/> belongs to.</summary>
public sealed record FunctionBody(int Id, string Name, int Line, IReadOnlyList<LocalVariable> Parameters, Block Body, int EndLine);
