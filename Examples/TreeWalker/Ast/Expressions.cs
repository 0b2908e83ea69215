using PeJit;

namespace PeJit.Examples.TreeWalker.Ast;

/// <summary>An integer literal.</summary>
[JitImmutable]
public sealed class NumberNode(long value) : Expression(NodeKind.Number)
{
    /// <summary>The value.</summary>
    public readonly long Value = value;

    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => Value;
}

/// <summary>A variable, by the slot the parser gave it.</summary>
[JitImmutable]
public sealed class VariableNode(string name, int slot) : Expression(NodeKind.Variable)
{
    /// <summary>Its name in the source.</summary>
    public readonly string Name = name;

    /// <summary>Its index in the function's variable array.</summary>
    public readonly int Slot = slot;

    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => env[Slot];
}

/// <summary><c>-e</c>.</summary>
[JitImmutable]
public sealed class NegateNode(Expression operand) : Expression(NodeKind.Negate)
{
    /// <summary>The operand.</summary>
    public readonly Expression Operand = operand;

    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => -Operand.Execute(env, output);
}

/// <summary>An operator with two operands; <see cref="Node.Kind"/> says which.</summary>
[JitImmutable]
public abstract class BinaryNode(NodeKind kind, Expression left, Expression right) : Expression(kind)
{
    /// <summary>The left operand, evaluated first.</summary>
    public readonly Expression Left = left;

    /// <summary>The right operand.</summary>
    public readonly Expression Right = right;

    /// <summary>The node for operator <paramref name="symbol"/>.</summary>
    public static BinaryNode Create(string symbol, Expression left, Expression right) => symbol switch
    {
        "+" => new AddNode(left, right),
        "-" => new SubtractNode(left, right),
        "*" => new MultiplyNode(left, right),
        "/" => new DivideNode(left, right),
        "%" => new RemainderNode(left, right),
        "==" => new EqualNode(left, right),
        "!=" => new NotEqualNode(left, right),
        "<" => new LessNode(left, right),
        "<=" => new LessOrEqualNode(left, right),
        ">" => new GreaterNode(left, right),
        ">=" => new GreaterOrEqualNode(left, right),
        _ => throw new ArgumentException($"'{symbol}' is not a binary operator", nameof(symbol)),
    };
}

/// <summary><c>a + b</c>.</summary>
[JitImmutable]
public sealed class AddNode(Expression left, Expression right) : BinaryNode(NodeKind.Add, left, right)
{
    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => Left.Execute(env, output) + Right.Execute(env, output);
}

/// <summary><c>a - b</c>.</summary>
[JitImmutable]
public sealed class SubtractNode(Expression left, Expression right) : BinaryNode(NodeKind.Subtract, left, right)
{
    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => Left.Execute(env, output) - Right.Execute(env, output);
}

/// <summary><c>a * b</c>.</summary>
[JitImmutable]
public sealed class MultiplyNode(Expression left, Expression right) : BinaryNode(NodeKind.Multiply, left, right)
{
    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => Left.Execute(env, output) * Right.Execute(env, output);
}

/// <summary><c>a / b</c>.</summary>
[JitImmutable]
public sealed class DivideNode(Expression left, Expression right) : BinaryNode(NodeKind.Divide, left, right)
{
    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => Left.Execute(env, output) / Right.Execute(env, output);
}

/// <summary><c>a % b</c>.</summary>
[JitImmutable]
public sealed class RemainderNode(Expression left, Expression right) : BinaryNode(NodeKind.Remainder, left, right)
{
    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => Left.Execute(env, output) % Right.Execute(env, output);
}

/// <summary><c>a == b</c>.</summary>
[JitImmutable]
public sealed class EqualNode(Expression left, Expression right) : BinaryNode(NodeKind.Equal, left, right)
{
    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => Left.Execute(env, output) == Right.Execute(env, output) ? 1 : 0;
}

/// <summary><c>a != b</c>.</summary>
[JitImmutable]
public sealed class NotEqualNode(Expression left, Expression right) : BinaryNode(NodeKind.NotEqual, left, right)
{
    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => Left.Execute(env, output) != Right.Execute(env, output) ? 1 : 0;
}

/// <summary><c>a &lt; b</c>.</summary>
[JitImmutable]
public sealed class LessNode(Expression left, Expression right) : BinaryNode(NodeKind.Less, left, right)
{
    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => Left.Execute(env, output) < Right.Execute(env, output) ? 1 : 0;
}

/// <summary><c>a &lt;= b</c>.</summary>
[JitImmutable]
public sealed class LessOrEqualNode(Expression left, Expression right) : BinaryNode(NodeKind.LessOrEqual, left, right)
{
    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => Left.Execute(env, output) <= Right.Execute(env, output) ? 1 : 0;
}

/// <summary><c>a &gt; b</c>.</summary>
[JitImmutable]
public sealed class GreaterNode(Expression left, Expression right) : BinaryNode(NodeKind.Greater, left, right)
{
    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => Left.Execute(env, output) > Right.Execute(env, output) ? 1 : 0;
}

/// <summary><c>a &gt;= b</c>.</summary>
[JitImmutable]
public sealed class GreaterOrEqualNode(Expression left, Expression right) : BinaryNode(NodeKind.GreaterOrEqual, left, right)
{
    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output) => Left.Execute(env, output) >= Right.Execute(env, output) ? 1 : 0;
}

/// <summary><c>f(a, b)</c>: the arguments are evaluated into a fresh variable array for the callee.</summary>
[JitImmutable]
public sealed class CallNode(Function function, Expression[] arguments) : Expression(NodeKind.Call)
{
    /// <summary>The function called.</summary>
    public readonly Function Function = function;

    /// <summary>The arguments, one per parameter.</summary>
    public readonly Expression[] Arguments = arguments;

    /// <inheritdoc/>
    public override long Execute(long[] env, TextWriter output)
    {
        var callee = new long[Function.Slots];
        for (int i = 0; i < Arguments.Length; i++) callee[i] = Arguments[i].Execute(env, output);
        Function.Body.Execute(callee, output);
        return callee[Function.ResultSlot];
    }
}
