using PeJit;

namespace PeJit.Examples.TreeWalker.Ast;

/// <summary><c>x = e;</c>, and <c>var x = e;</c> (the parser gave x its slot).</summary>
[JitImmutable]
public sealed class AssignNode(string name, int slot, Expression value) : Statement(NodeKind.Assign)
{
    /// <summary>The variable's name in the source.</summary>
    public readonly string Name = name;

    /// <summary>The variable's slot.</summary>
    public readonly int Slot = slot;

    /// <summary>The value assigned.</summary>
    public readonly Expression Value = value;

    /// <inheritdoc/>
    public override bool Execute(long[] env, TextWriter output)
    {
        env[Slot] = Value.Execute(env, output);
        return false;
    }
}

/// <summary><c>if (c) then else otherwise</c>; any non-zero condition is true.</summary>
[JitImmutable]
public sealed class IfNode(Expression condition, Statement then, Statement? otherwise) : Statement(NodeKind.If)
{
    /// <summary>The condition.</summary>
    public readonly Expression Condition = condition;

    /// <summary>Run when the condition is not zero.</summary>
    public readonly Statement Then = then;

    /// <summary>Run when it is zero; null without <c>else</c>.</summary>
    public readonly Statement? Else = otherwise;

    /// <inheritdoc/>
    public override bool Execute(long[] env, TextWriter output)
    {
        if (Condition.Execute(env, output) != 0) return Then.Execute(env, output);
        return Else != null && Else.Execute(env, output);
    }
}

/// <summary><c>while (c) body</c>: the loops of the interpreted program, so the JIT's portals.</summary>
[JitImmutable]
public sealed class WhileNode(Expression condition, Statement body) : Statement(NodeKind.While)
{
    /// <summary>The condition, tested before each turn.</summary>
    public readonly Expression Condition = condition;

    /// <summary>The body.</summary>
    public readonly Statement Body = body;

    /// <inheritdoc/>
    public override bool Execute(long[] env, TextWriter output) => Loop(this, env, output);

    /// <summary>Runs <paramref name="loop"/> through the nodes' own <c>Execute</c> methods; true when a <c>return</c> in its body ran.</summary>
    [JitPortal(Greens = ["loop"], Reds = ["env", "output"])]
    public static bool Loop(WhileNode loop, long[] env, TextWriter output)
    {
        while (true)
        {
            Jit.MergePoint(loop, env, output);
            if (loop.Condition.Execute(env, output) == 0) return false;
            if (loop.Body.Execute(env, output)) return true;
            Jit.CanEnterJit(loop, env, output);
        }
    }
}

/// <summary><c>{ s1 s2 ... }</c>.</summary>
[JitImmutable]
public sealed class BlockNode(Statement[] statements) : Statement(NodeKind.Block)
{
    /// <summary>The statements, in order.</summary>
    public readonly Statement[] Statements = statements;

    /// <inheritdoc/>
    public override bool Execute(long[] env, TextWriter output)
    {
        foreach (var statement in Statements)
            if (statement.Execute(env, output)) return true;
        return false;
    }
}

/// <summary><c>print e;</c>: writes the value and a newline.</summary>
[JitImmutable]
public sealed class PrintNode(Expression value) : Statement(NodeKind.Print)
{
    /// <summary>The value printed.</summary>
    public readonly Expression Value = value;

    /// <inheritdoc/>
    public override bool Execute(long[] env, TextWriter output)
    {
        output.WriteLine(Value.Execute(env, output));
        return false;
    }
}

/// <summary><c>return e;</c>: leaves the value in the function's result slot and ends the function.</summary>
[JitImmutable]
public sealed class ReturnNode(Expression value, int resultSlot) : Statement(NodeKind.Return)
{
    /// <summary>The value returned.</summary>
    public readonly Expression Value = value;

    /// <summary>The enclosing function's result slot.</summary>
    public readonly int ResultSlot = resultSlot;

    /// <inheritdoc/>
    public override bool Execute(long[] env, TextWriter output)
    {
        env[ResultSlot] = Value.Execute(env, output);
        return true;
    }
}

/// <summary><c>e;</c>: evaluates e (a call, for its effects) and drops the value.</summary>
[JitImmutable]
public sealed class ExpressionStatementNode(Expression value) : Statement(NodeKind.ExpressionStatement)
{
    /// <summary>The expression.</summary>
    public readonly Expression Value = value;

    /// <inheritdoc/>
    public override bool Execute(long[] env, TextWriter output)
    {
        Value.Execute(env, output);
        return false;
    }
}
