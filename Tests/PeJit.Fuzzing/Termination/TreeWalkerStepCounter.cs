using PeJit.Examples.TreeWalker.Ast;

namespace PeJit.Fuzzing.Termination;

/// <summary>
/// A step-counting copy of the tree-walker's evaluator (Examples/TreeWalker/SwitchEvaluator.cs; the virtual
/// evaluator computes the same): every node evaluated is a step, every call of a function of the program an
/// interpreted call. It decides whether a program ends within the bounds without running the real evaluators,
/// which could loop forever or overflow the stack. Its output goes nowhere.
/// </summary>
public static class TreeWalkerStepCounter
{
    /// <summary>Runs <c>main</c>'s body on <paramref name="env"/> (a copy is made) within the bounds.</summary>
    public static BoundedRun Check(Function main, long[] env, long stepLimit, int depthLimit) =>
        StepBudget.Measure(stepLimit, depthLimit, budget => new Model(budget).Exec(main.Body, (long[])env.Clone(), 0));

    private sealed class Model(StepBudget budget)
    {
        private long Eval(Node node, long[] env, int depth)
        {
            budget.Step();
            switch (node)
            {
                case NumberNode number: return number.Value;
                case VariableNode variable: return env[variable.Slot];
                case NegateNode negate: return unchecked(-Eval(negate.Operand, env, depth));
                case CallNode call:
                {
                    var callee = new long[call.Function.Slots];
                    for (int i = 0; i < call.Arguments.Length; i++) callee[i] = Eval(call.Arguments[i], env, depth);
                    budget.Enter(depth + 1);
                    Exec(call.Function.Body, callee, depth + 1);
                    return callee[call.Function.ResultSlot];
                }
                case BinaryNode binary:
                {
                    long left = Eval(binary.Left, env, depth), right = Eval(binary.Right, env, depth);
                    return binary.Kind switch
                    {
                        NodeKind.Add => unchecked(left + right),
                        NodeKind.Subtract => unchecked(left - right),
                        NodeKind.Multiply => unchecked(left * right),
                        NodeKind.Divide => left / right,
                        NodeKind.Remainder => left % right,
                        NodeKind.Equal => left == right ? 1 : 0,
                        NodeKind.NotEqual => left != right ? 1 : 0,
                        NodeKind.Less => left < right ? 1 : 0,
                        NodeKind.LessOrEqual => left <= right ? 1 : 0,
                        NodeKind.Greater => left > right ? 1 : 0,
                        NodeKind.GreaterOrEqual => left >= right ? 1 : 0,
                        _ => throw new InvalidOperationException($"{binary.Kind} is not a binary operator"),
                    };
                }
                default: throw new InvalidOperationException($"{node.Kind} is not an expression");
            }
        }

        public bool Exec(Node node, long[] env, int depth)
        {
            budget.Step();
            switch (node)
            {
                case AssignNode assign:
                    env[assign.Slot] = Eval(assign.Value, env, depth);
                    return false;
                case IfNode branch:
                    if (Eval(branch.Condition, env, depth) != 0) return Exec(branch.Then, env, depth);
                    return branch.Else != null && Exec(branch.Else, env, depth);
                case WhileNode loop:
                    while (true)
                    {
                        budget.Step();
                        if (Eval(loop.Condition, env, depth) == 0) return false;
                        if (Exec(loop.Body, env, depth)) return true;
                    }
                case BlockNode block:
                    foreach (var statement in block.Statements)
                        if (Exec(statement, env, depth)) return true;
                    return false;
                case PrintNode print:
                    Eval(print.Value, env, depth);
                    return false;
                case ReturnNode ret:
                    env[ret.ResultSlot] = Eval(ret.Value, env, depth);
                    return true;
                case ExpressionStatementNode statement:
                    Eval(statement.Value, env, depth);
                    return false;
                default: throw new InvalidOperationException($"{node.Kind} is not a statement");
            }
        }
    }
}
