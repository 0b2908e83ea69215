namespace PeJit.TestSubjects;

/// <summary>
/// A tree-walker the way C# ports of "Crafting Interpreters"' jlox are written (Examples/STYLES-FINDINGS.md, "A Lox-style
/// tree-walker"): values are <c>object</c> (boxed doubles and booleans), nodes are visited through a visitor interface that
/// the sealed interpreter implements, passing itself (<c>expr.Accept(this)</c>), and the portal is an instance method, the
/// interpreted program's while loop. Two interpreters walk the same nodes: <see cref="Interpreter"/> through a visitor
/// returning <c>object</c>, <see cref="GenericInterpreter"/> through the generic <c>R Accept&lt;R&gt;(IVisitor&lt;R&gt;)</c>
/// most ports use. <c>VisitorTreeWalkerJitTests</c>.
/// </summary>
public static class VisitorTreeWalker
{
    public interface IVisitor
    {
        object? VisitLiteral(Literal e);
        object? VisitLocal(Local e);
        object? VisitAssign(Assign e);
        object? VisitBinary(Binary e);
        object? VisitWhile(While s);
        object? VisitBlock(Block s);
    }

    public interface IVisitor<R>
    {
        R VisitLiteral(Literal e);
        R VisitLocal(Local e);
        R VisitAssign(Assign e);
        R VisitBinary(Binary e);
        R VisitWhile(While s);
        R VisitBlock(Block s);
    }

    [JitImmutable]
    public abstract class Node
    {
        public abstract object? Accept(IVisitor visitor);
        public abstract R Accept<R>(IVisitor<R> visitor);
    }

    [JitImmutable]
    public sealed class Literal(object? value) : Node
    {
        public readonly object? Value = value;
        public override object? Accept(IVisitor v) => v.VisitLiteral(this);
        public override R Accept<R>(IVisitor<R> v) => v.VisitLiteral(this);
    }

    [JitImmutable]
    public sealed class Local(int slot) : Node
    {
        public readonly int Slot = slot;
        public override object? Accept(IVisitor v) => v.VisitLocal(this);
        public override R Accept<R>(IVisitor<R> v) => v.VisitLocal(this);
    }

    [JitImmutable]
    public sealed class Assign(int slot, Node value) : Node
    {
        public readonly int Slot = slot;
        public readonly Node Value = value;
        public override object? Accept(IVisitor v) => v.VisitAssign(this);
        public override R Accept<R>(IVisitor<R> v) => v.VisitAssign(this);
    }

    public enum Operator { Add, Subtract, Multiply, Remainder, Less, Concatenate }

    [JitImmutable]
    public sealed class Binary(Node left, Operator op, Node right) : Node
    {
        public readonly Node Left = left;
        public readonly Operator Op = op;
        public readonly Node Right = right;
        public override object? Accept(IVisitor v) => v.VisitBinary(this);
        public override R Accept<R>(IVisitor<R> v) => v.VisitBinary(this);
    }

    [JitImmutable]
    public sealed class While(Node condition, Node body) : Node
    {
        public readonly Node Condition = condition;
        public readonly Node Body = body;
        public override object? Accept(IVisitor v) => v.VisitWhile(this);
        public override R Accept<R>(IVisitor<R> v) => v.VisitWhile(this);
    }

    [JitImmutable]
    public sealed class Block(Node[] statements) : Node
    {
        public readonly Node[] Statements = statements;
        public override object? Accept(IVisitor v) => v.VisitBlock(this);
        public override R Accept<R>(IVisitor<R> v) => v.VisitBlock(this);
    }

    /// <summary>What both interpreters compute, as jlox does: numbers are doubles, <c>+</c> on two strings concatenates.</summary>
    private static object? Apply(Operator op, object? left, object? right) => op switch
    {
        Operator.Add when left is double a && right is double b => a + b,
        Operator.Add when left is string x && right is string y => x + y,
        Operator.Subtract => (double)left! - (double)right!,
        Operator.Multiply => (double)left! * (double)right!,
        Operator.Remainder => (double)left! % (double)right!,
        Operator.Less => (double)left! < (double)right!,
        Operator.Concatenate => $"{left}{right}",
        _ => throw new InvalidOperationException($"operands must be two numbers or two strings, not {left} and {right}"),
    };

    private static bool IsTruthy(object? value) => value switch { null => false, bool b => b, _ => true };

    /// <summary>The interpreter over the visitor that returns <c>object</c>; the portal is the interpreted while loop.</summary>
    public sealed class Interpreter(int locals) : IVisitor
    {
        public readonly object?[] Locals = new object?[locals];

        public object? Evaluate(Node node) => node.Accept(this);

        public object? VisitLiteral(Literal e) => e.Value;
        public object? VisitLocal(Local e) => Locals[e.Slot];
        public object? VisitAssign(Assign e) => Locals[e.Slot] = Evaluate(e.Value);
        public object? VisitBinary(Binary e) => Apply(e.Op, Evaluate(e.Left), Evaluate(e.Right));

        public object? VisitBlock(Block s)
        {
            foreach (var statement in s.Statements) Evaluate(statement);
            return null;
        }

        [JitPortal(Greens = ["s"], Reds = [])]
        public object? VisitWhile(While s)
        {
            while (true)
            {
                Jit.MergePoint(s);
                if (!IsTruthy(Evaluate(s.Condition))) break;
                Evaluate(s.Body);
                Jit.CanEnterJit(s);
            }
            return null;
        }
    }

    /// <summary>The same interpreter over the generic visitor (<c>Accept&lt;object&gt;</c>).</summary>
    public sealed class GenericInterpreter(int locals) : IVisitor<object?>
    {
        public readonly object?[] Locals = new object?[locals];

        public object? Evaluate(Node node) => node.Accept(this);

        public object? VisitLiteral(Literal e) => e.Value;
        public object? VisitLocal(Local e) => Locals[e.Slot];
        public object? VisitAssign(Assign e) => Locals[e.Slot] = Evaluate(e.Value);
        public object? VisitBinary(Binary e) => Apply(e.Op, Evaluate(e.Left), Evaluate(e.Right));

        public object? VisitBlock(Block s)
        {
            foreach (var statement in s.Statements) Evaluate(statement);
            return null;
        }

        [JitPortal(Greens = ["s"], Reds = [])]
        public object? VisitWhile(While s)
        {
            while (true)
            {
                Jit.MergePoint(s);
                if (!IsTruthy(Evaluate(s.Condition))) break;
                Evaluate(s.Body);
                Jit.CanEnterJit(s);
            }
            return null;
        }
    }

    /// <summary>
    /// <c>s = 0; i = 0; while (i &lt; n) { s = s + i % 7; i = i + 1; }</c>, or with <paramref name="strings"/>
    /// <c>t = t + "x"</c> in the body too: locals s (0), i (1), t (2), n (3).
    /// </summary>
    public static Block Sum(double n, bool strings = false)
    {
        Node body = new Block([
            new Assign(0, new Binary(new Local(0), Operator.Add, new Binary(new Local(1), Operator.Remainder, new Literal(7.0)))),
            .. strings ? new Node[] { new Assign(2, new Binary(new Local(2), Operator.Add, new Literal("x"))) } : [],
            new Assign(1, new Binary(new Local(1), Operator.Add, new Literal(1.0))),
        ]);
        return new Block([
            new Assign(0, new Literal(0.0)), new Assign(1, new Literal(0.0)), new Assign(2, new Literal("")), new Assign(3, new Literal(n)),
            new While(new Binary(new Local(1), Operator.Less, new Local(3)), body),
        ]);
    }
}
