using Mono.Cecil.Cil;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// The control-flow predecessors of each instruction of a CIL method body, by index, with the exception edges: every
/// instruction of a protected region may go to its handler (and filter), an <c>endfinally</c> or <c>endfilter</c> to
/// every <c>leave</c> target and handler of the method. Coarser than the real flow, never finer, which is what the
/// questions asked of it ("can this run after that?") need.
/// </summary>
/// <remarks>Cost: linear in the instructions plus, per handler, the instructions of its protected region.</remarks>
internal sealed class IlPredecessors
{
    private readonly List<int>[] predecessors;
    private readonly Dictionary<Instruction, int> indexOf;

    public IlPredecessors(MethodBody body)
    {
        var instructions = body.Instructions;
        indexOf = new Dictionary<Instruction, int>(instructions.Count);
        for (int i = 0; i < instructions.Count; i++) indexOf[instructions[i]] = i;
        predecessors = new List<int>[instructions.Count];
        for (int i = 0; i < predecessors.Length; i++) predecessors[i] = [];
        var leaveTargets = instructions.Where(i => i.OpCode.Code is Code.Leave or Code.Leave_S).Select(i => (Instruction)i.Operand).ToList();
        var handlerStarts = body.ExceptionHandlers.SelectMany(h => h.FilterStart is null ? [h.HandlerStart] : new[] { h.HandlerStart, h.FilterStart })
            .Where(i => i is not null).ToList();
        for (int i = 0; i < instructions.Count; i++)
        {
            var instruction = instructions[i];
            switch (instruction.OpCode.Code)
            {
                case Code.Ret or Code.Throw or Code.Rethrow:
                    break;
                case Code.Endfinally or Code.Endfilter:
                    foreach (var resumed in leaveTargets.Concat(handlerStarts)) Edge(i, resumed);
                    break;
                default:
                    if (instruction.OpCode.FlowControl != FlowControl.Branch && i + 1 < instructions.Count) predecessors[i + 1].Add(i);
                    if (instruction.Operand is Instruction target) Edge(i, target);
                    else if (instruction.Operand is Instruction[] targets) foreach (var t in targets) Edge(i, t);
                    break;
            }
        }
        foreach (var handler in body.ExceptionHandlers)
        {
            int start = indexOf[handler.TryStart], end = handler.TryEnd is null ? instructions.Count : indexOf[handler.TryEnd];
            for (int i = start; i < end; i++)
            {
                Edge(i, handler.HandlerStart);
                if (handler.FilterStart is not null) Edge(i, handler.FilterStart);
            }
        }
    }

    /// <summary>The index of <paramref name="instruction"/> in the body.</summary>
    public int IndexOf(Instruction instruction) => indexOf[instruction];

    /// <summary>The indices of the instructions that may run just before the one at <paramref name="index"/>.</summary>
    public IReadOnlyList<int> Of(int index) => predecessors[index];

    private void Edge(int from, Instruction? to)
    {
        if (to is not null && indexOf.TryGetValue(to, out int target)) predecessors[target].Add(from);
    }
}
