using PeJit;
using PeJit.Examples.TreeWalker.Ast;

namespace PeJit.Examples.TreeWalker;

/// <summary>
/// The evaluator written as one switch on <see cref="Node.Kind"/>: <see cref="Eval"/> for expressions,
/// <see cref="Exec"/> for statements, <see cref="RunWhile"/> for the loops (the JIT's portal).
/// </summary>
public static class SwitchEvaluator
{
    /// <summary>Evaluates the expression <paramref name="node"/> with the variables in <paramref name="env"/>.</summary>
    public static long Eval(Node node, long[] env, TextWriter output)
    {
        switch (node.Kind)
        {
            case NodeKind.Number:
                return ((NumberNode)node).Value;
            case NodeKind.Variable:
                return env[((VariableNode)node).Slot];
            case NodeKind.Negate:
                return -Eval(((NegateNode)node).Operand, env, output);
            case NodeKind.Add:
            {
                var binary = (BinaryNode)node;
                return Eval(binary.Left, env, output) + Eval(binary.Right, env, output);
            }
            case NodeKind.Subtract:
            {
                var binary = (BinaryNode)node;
                return Eval(binary.Left, env, output) - Eval(binary.Right, env, output);
            }
            case NodeKind.Multiply:
            {
                var binary = (BinaryNode)node;
                return Eval(binary.Left, env, output) * Eval(binary.Right, env, output);
            }
            case NodeKind.Divide:
            {
                var binary = (BinaryNode)node;
                return Eval(binary.Left, env, output) / Eval(binary.Right, env, output);
            }
            case NodeKind.Remainder:
            {
                var binary = (BinaryNode)node;
                return Eval(binary.Left, env, output) % Eval(binary.Right, env, output);
            }
            case NodeKind.Equal:
            {
                var binary = (BinaryNode)node;
                return Eval(binary.Left, env, output) == Eval(binary.Right, env, output) ? 1 : 0;
            }
            case NodeKind.NotEqual:
            {
                var binary = (BinaryNode)node;
                return Eval(binary.Left, env, output) != Eval(binary.Right, env, output) ? 1 : 0;
            }
            case NodeKind.Less:
            {
                var binary = (BinaryNode)node;
                return Eval(binary.Left, env, output) < Eval(binary.Right, env, output) ? 1 : 0;
            }
            case NodeKind.LessOrEqual:
            {
                var binary = (BinaryNode)node;
                return Eval(binary.Left, env, output) <= Eval(binary.Right, env, output) ? 1 : 0;
            }
            case NodeKind.Greater:
            {
                var binary = (BinaryNode)node;
                return Eval(binary.Left, env, output) > Eval(binary.Right, env, output) ? 1 : 0;
            }
            case NodeKind.GreaterOrEqual:
            {
                var binary = (BinaryNode)node;
                return Eval(binary.Left, env, output) >= Eval(binary.Right, env, output) ? 1 : 0;
            }
            case NodeKind.Call:
            {
                var call = (CallNode)node;
                var callee = new long[call.Function.Slots];
                for (int i = 0; i < call.Arguments.Length; i++) callee[i] = Eval(call.Arguments[i], env, output);
                Exec(call.Function.Body, callee, output);
                return callee[call.Function.ResultSlot];
            }
            default:
                throw new InvalidOperationException($"{node.Kind} is not an expression");
        }
    }

    /// <summary>Runs the statement <paramref name="node"/>; true when a <c>return</c> ran (its value is in the result slot).</summary>
    public static bool Exec(Node node, long[] env, TextWriter output)
    {
        switch (node.Kind)
        {
            case NodeKind.Assign:
            {
                var assign = (AssignNode)node;
                env[assign.Slot] = Eval(assign.Value, env, output);
                return false;
            }
            case NodeKind.If:
            {
                var branch = (IfNode)node;
                if (Eval(branch.Condition, env, output) != 0) return Exec(branch.Then, env, output);
                return branch.Else != null && Exec(branch.Else, env, output);
            }
            case NodeKind.While:
                return RunWhile((WhileNode)node, env, output);
            case NodeKind.Block:
                foreach (var statement in ((BlockNode)node).Statements)
                    if (Exec(statement, env, output)) return true;
                return false;
            case NodeKind.Print:
                output.WriteLine(Eval(((PrintNode)node).Value, env, output));
                return false;
            case NodeKind.Return:
            {
                var ret = (ReturnNode)node;
                env[ret.ResultSlot] = Eval(ret.Value, env, output);
                return true;
            }
            case NodeKind.ExpressionStatement:
                Eval(((ExpressionStatementNode)node).Value, env, output);
                return false;
            default:
                throw new InvalidOperationException($"{node.Kind} is not a statement");
        }
    }

    /// <summary>Runs a <c>while</c> loop; true when a <c>return</c> in its body ran.</summary>
    [JitPortal(Greens = ["loop"], Reds = ["env", "output"])]
    public static bool RunWhile(WhileNode loop, long[] env, TextWriter output)
    {
        while (true)
        {
            Jit.MergePoint(loop, env, output);
            if (Eval(loop.Condition, env, output) == 0) return false;
            if (Exec(loop.Body, env, output)) return true;
            Jit.CanEnterJit(loop, env, output);
        }
    }
}
