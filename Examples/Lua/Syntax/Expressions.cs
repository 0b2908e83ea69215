namespace PeJit.Examples.Lua.Syntax;

/// <summary>An expression, with the line it starts on (run-time errors name the line of the operation).</summary>
public abstract record Expression(int Line);

/// <summary><c>nil</c>.</summary>
public sealed record NilLiteral(int Line) : Expression(Line);

/// <summary><c>true</c> or <c>false</c>.</summary>
public sealed record BooleanLiteral(int Line, bool Value) : Expression(Line);

/// <summary>An integer literal.</summary>
public sealed record IntegerLiteral(int Line, long Value) : Expression(Line);

/// <summary>A float literal.</summary>
public sealed record FloatLiteral(int Line, double Value) : Expression(Line);

/// <summary>A string literal.</summary>
public sealed record StringLiteral(int Line, string Value) : Expression(Line);

/// <summary>A local variable of the function being compiled.</summary>
public sealed record LocalExpression(int Line, LocalVariable Variable) : Expression(Line);

/// <summary>A local variable of an enclosing function (an upvalue).</summary>
public sealed record UpvalueExpression(int Line, LocalVariable Variable) : Expression(Line);

/// <summary>A global variable.</summary>
public sealed record GlobalExpression(int Line, string Name) : Expression(Line);

/// <summary><c>target[key]</c> (and <c>target.name</c>).</summary>
public sealed record IndexExpression(int Line, Expression Target, Expression Key) : Expression(Line);

/// <summary><c>function(arguments)</c>.</summary>
public sealed record CallExpression(int Line, Expression Function, IReadOnlyList<Expression> Arguments) : Expression(Line);

/// <summary><c>function (...) ... end</c>.</summary>
public sealed record FunctionExpression(int Line, FunctionBody Body) : Expression(Line);

/// <summary>A binary operation: arithmetic, <c>..</c>, comparison, <c>and</c>, <c>or</c>.</summary>
public sealed record BinaryExpression(int Line, string Operator, Expression Left, Expression Right) : Expression(Line);

/// <summary>A unary operation: <c>-</c>, <c>not</c>, <c>#</c>.</summary>
public sealed record UnaryExpression(int Line, string Operator, Expression Operand) : Expression(Line);

/// <summary><c>{ a, b, key = c, [k] = d }</c>: positional items get the keys 1, 2, ...</summary>
public sealed record TableExpression(int Line, IReadOnlyList<(Expression Key, Expression Value)> Fields) : Expression(Line);
