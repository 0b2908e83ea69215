namespace PeJit.AnalysisSubjects;

/// <summary>
/// An interpreter as people write their first one: the operand stack a <c>Stack&lt;long&gt;</c>, the variables a
/// <c>Dictionary</c> by name. The framework is not analyzed but for a few small collection methods (the stack's <c>Push</c> and
/// <c>Pop</c> are inlined), so every access to the variables stays a call; the report says so and what to do instead.
/// </summary>
public static class CollectionsVm
{
    public sealed class Machine
    {
        public readonly Stack<long> Data = new();
        public readonly Dictionary<string, long> Variables = [];
    }

    [JitPortal(Greens = ["pc", "code"], Reds = ["machine"])]
    public static long Run(Code code, Machine machine)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, machine);
            switch (code.Ops[pc++])
            {
                case 0: machine.Data.Push(code.Constants[pc++]); break;
                case 1: machine.Data.Push(machine.Data.Pop() + machine.Data.Pop()); break;
                case 2: machine.Variables["x"] = machine.Data.Pop(); break;
                case 3: machine.Data.Push(machine.Variables["x"]); break;
                case 4: if (machine.Data.Pop() != 0) { pc = 0; Jit.CanEnterJit(pc, code, machine); } break;
                default: return machine.Data.Pop();
            }
        }
    }
}
