using System.Runtime.ExceptionServices;
using PeJit.IR.Semantics;
using PeJit.IR;

namespace PeJit.IR.Evaluation;

// Terminators: jumps, branches, switches, returns, throws, and the exits of exception regions.
public sealed partial class GraphEvaluator
{
    /// <summary>Runs a terminator: <paramref name="next"/> is the (block, arguments) jump or the completion; false for any other instruction.</summary>
    private bool ExecuteControlFlow(Frame frame, Block block, Instruction instruction, out object? next)
    {
        var graph = frame.Graph;
        object? Operand(int i) => Get(frame, instruction.Operands[i]);
        next = null;

        switch (instruction.Opcode)
        {
            case Opcode.Jump:
                next = (instruction.Targets[0].Target, (IReadOnlyList<object?>)Arguments(frame, instruction.Targets[0]));
                return true;
            case Opcode.BrIf:
            {
                // On a reference, brtrue tests for null: a boxed zero is a (true) object, not the number.
                bool taken = graph.TypeOf(instruction.Operands[0]).IsReference ? Operand(0) is not null : ValueSemantics.IsTrue(Operand(0));
                var target = instruction.Targets[taken ? 0 : 1];
                next = (target.Target, (IReadOnlyList<object?>)Arguments(frame, target));
                return true;
            }
            case Opcode.Switch:
            {
                long index = Operand(0) switch { int i => (uint)i, long l => l, nint n => n, _ => -1 };
                var target = index >= 0 && index < instruction.Targets.Count - 1 ? instruction.Targets[(int)index] : instruction.Targets[^1];
                next = (target.Target, (IReadOnlyList<object?>)Arguments(frame, target));
                return true;
            }
            case Opcode.Return:
                next = new Completion(Ending.Return, instruction.Operands.Count == 1 ? Operand(0) : null);
                return true;
            case Opcode.Throw:
                throw Operand(0) as Exception ?? throw new NullReferenceException();
            case Opcode.Rethrow:
                if (frame.Caught.Count == 0) throw new EvaluationException($"{graph.Name}: rethrow outside a catch handler");
                ExceptionDispatchInfo.Capture(frame.Caught.Peek()).Throw();
                return true;
            case Opcode.Leave:
            {
                var leave = Leave(frame, block, instruction.Targets[0], Arguments(frame, instruction.Targets[0]));
                next = (leave.Item1, leave.Item2);
                return true;
            }
            case Opcode.EndFinally:
                next = new Completion(Ending.EndFinally, null);
                return true;
            case Opcode.EndFilter:
                next = new Completion(Ending.EndFilter, Operand(0));
                return true;
            default:
                return false;
        }
    }
}
