using PeJit;

namespace PeJit.Examples.HandlerTable;

/// <summary>
/// The machine: a table of handlers, one per <see cref="Op"/>, each doing its operation on the state and
/// returning the next pc (or <see cref="Halt"/>); the dispatch loop calls the handler of the operation at pc.
/// </summary>
public static class Interpreter
{
    /// <summary>What a handler returns to end the function; the result is then on top of the stack.</summary>
    public const int Halt = -1;

    /// <summary>The handlers, indexed by <see cref="Op"/>: lambdas for the short ones, methods for the rest.</summary>
    public static readonly Func<Code, State, int, int>[] Handlers = CreateHandlers();

    /// <summary>Runs the function whose code starts at <paramref name="pc"/> on <paramref name="state"/>; returns its result.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["state"])]
    public static long Run(Code code, int pc, State state)
    {
        while (true)
        {
            Jit.MergePoint(pc, code, state);
            int previous = pc;
            pc = Handlers[code.Ops[pc]](code, state, pc);
            if (pc == Halt) return state.Pop();
            if (pc <= previous) Jit.CanEnterJit(pc, code, state);
        }
    }

    private static Func<Code, State, int, int>[] CreateHandlers()
    {
        var handlers = new Func<Code, State, int, int>[Enum.GetValues<Op>().Length];
        handlers[(int)Op.Push] = (code, state, pc) =>
        {
            state.Push(code.Ops[pc + 1]);
            return pc + 2;
        };
        handlers[(int)Op.Pop] = (_, state, pc) =>
        {
            state.Sp--;
            return pc + 1;
        };
        handlers[(int)Op.Dup] = (_, state, pc) =>
        {
            state.Push(state.Peek());
            return pc + 1;
        };
        handlers[(int)Op.Add] = Add;
        handlers[(int)Op.Sub] = Sub;
        handlers[(int)Op.Mul] = Mul;
        handlers[(int)Op.Div] = Div;
        handlers[(int)Op.Mod] = Mod;
        handlers[(int)Op.Eq] = Eq;
        handlers[(int)Op.Lt] = Lt;
        handlers[(int)Op.Gt] = Gt;
        handlers[(int)Op.Jump] = (code, _, pc) => code.Ops[pc + 1];
        handlers[(int)Op.JumpIfZero] = (code, state, pc) => state.Pop() == 0 ? code.Ops[pc + 1] : pc + 2;
        handlers[(int)Op.JumpIfNotZero] = (code, state, pc) => state.Pop() != 0 ? code.Ops[pc + 1] : pc + 2;
        handlers[(int)Op.Load] = (code, state, pc) =>
        {
            state.Push(state.Locals[code.Ops[pc + 1]]);
            return pc + 2;
        };
        handlers[(int)Op.Store] = (code, state, pc) =>
        {
            state.Locals[code.Ops[pc + 1]] = state.Pop();
            return pc + 2;
        };
        handlers[(int)Op.Call] = Call;
        handlers[(int)Op.Return] = (_, _, _) => Halt;
        handlers[(int)Op.Print] = Print;
        for (int op = 0; op < handlers.Length; op++)
            if (handlers[op] is null) throw new InvalidOperationException($"no handler for {(Op)op}");
        return handlers;
    }

    private static int Add(Code code, State state, int pc)
    {
        long right = state.Pop();
        state.Push(state.Pop() + right);
        return pc + 1;
    }

    private static int Sub(Code code, State state, int pc)
    {
        long right = state.Pop();
        state.Push(state.Pop() - right);
        return pc + 1;
    }

    private static int Mul(Code code, State state, int pc)
    {
        long right = state.Pop();
        state.Push(state.Pop() * right);
        return pc + 1;
    }

    private static int Div(Code code, State state, int pc)
    {
        long right = state.Pop();
        state.Push(state.Pop() / right);
        return pc + 1;
    }

    private static int Mod(Code code, State state, int pc)
    {
        long right = state.Pop();
        state.Push(state.Pop() % right);
        return pc + 1;
    }

    private static int Eq(Code code, State state, int pc)
    {
        long right = state.Pop();
        state.Push(state.Pop() == right ? 1 : 0);
        return pc + 1;
    }

    private static int Lt(Code code, State state, int pc)
    {
        long right = state.Pop();
        state.Push(state.Pop() < right ? 1 : 0);
        return pc + 1;
    }

    private static int Gt(Code code, State state, int pc)
    {
        long right = state.Pop();
        state.Push(state.Pop() > right ? 1 : 0);
        return pc + 1;
    }

    private static int Call(Code code, State state, int pc)
    {
        var function = code.Functions[code.Ops[pc + 1]];
        var callee = new State(function.Locals, state.Output);
        for (int i = function.Arity - 1; i >= 0; i--) callee.Locals[i] = state.Pop();
        state.Push(Run(code, function.Entry, callee));
        return pc + 2;
    }

    private static int Print(Code code, State state, int pc)
    {
        state.Output.WriteLine(state.Peek());
        return pc + 1;
    }
}
