using PeJit;

namespace PeJit.Examples.TreeWalker.Ast;

/// <summary>What a node is: the switch evaluator dispatches on it.</summary>
public enum NodeKind
{
    /// <summary>An integer literal.</summary>
    Number,
    /// <summary>A variable's value.</summary>
    Variable,
    /// <summary><c>-e</c>.</summary>
    Negate,
    /// <summary><c>a + b</c>.</summary>
    Add,
    /// <summary><c>a - b</c>.</summary>
    Subtract,
    /// <summary><c>a * b</c>.</summary>
    Multiply,
    /// <summary><c>a / b</c>, truncated.</summary>
    Divide,
    /// <summary><c>a % b</c>, with the sign of a.</summary>
    Remainder,
    /// <summary><c>a == b</c>: 1 or 0.</summary>
    Equal,
    /// <summary><c>a != b</c>: 1 or 0.</summary>
    NotEqual,
    /// <summary><c>a &lt; b</c>: 1 or 0.</summary>
    Less,
    /// <summary><c>a &lt;= b</c>: 1 or 0.</summary>
    LessOrEqual,
    /// <summary><c>a &gt; b</c>: 1 or 0.</summary>
    Greater,
    /// <summary><c>a &gt;= b</c>: 1 or 0.</summary>
    GreaterOrEqual,
    /// <summary><c>f(a, b)</c>.</summary>
    Call,
    /// <summary><c>x = e;</c> and <c>var x = e;</c>.</summary>
    Assign,
    /// <summary><c>if (c) s else s</c>.</summary>
    If,
    /// <summary><c>while (c) s</c>.</summary>
    While,
    /// <summary><c>{ s... }</c>.</summary>
    Block,
    /// <summary><c>print e;</c>.</summary>
    Print,
    /// <summary><c>return e;</c>.</summary>
    Return,
    /// <summary><c>e;</c>, for a call whose result is not used.</summary>
    ExpressionStatement,
}

/// <summary>A node of the syntax tree. Nodes never change once the parser has built them.</summary>
[JitImmutable]
public abstract class Node(NodeKind kind)
{
    /// <summary>What the node is.</summary>
    public readonly NodeKind Kind = kind;
}

/// <summary>An expression: evaluates to a 64-bit integer.</summary>
[JitImmutable]
public abstract class Expression(NodeKind kind) : Node(kind)
{
    /// <summary>Evaluates the expression with the variables in <paramref name="env"/> (by slot).</summary>
    public abstract long Execute(long[] env, TextWriter output);
}

/// <summary>A statement.</summary>
[JitImmutable]
public abstract class Statement(NodeKind kind) : Node(kind)
{
    /// <summary>
    /// Runs the statement with the variables in <paramref name="env"/> (by slot); returns true when a
    /// <c>return</c> ran, whose value is then in the function's result slot.
    /// </summary>
    public abstract bool Execute(long[] env, TextWriter output);
}
