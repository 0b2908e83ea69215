namespace PeJit.TestSubjects;

/// <summary>
/// A stack VM in the style of "Crafting Interpreters" readers' C# (clox): a tagged-union <see cref="LoxValue"/> struct with
/// property getters, the operand stack an array of it in a state object, <c>Push</c>/<c>Pop</c>/<c>Peek</c> moving the state's
/// stack pointer field. C# calls each getter on a copy's address (a slot), which the optimizer's <c>structs</c> pass turns
/// back into values. <c>StructValueVmJitTests</c>.
/// </summary>
public static class StructValueVm
{
    public const int Constant = 0, GetLocal = 1, SetLocal = 2, Pop = 3, Add = 4, Modulo = 5, Less = 6, JumpIfFalse = 7, Loop = 8, Return = 9;

    /// <summary>Runs <paramref name="code"/> with <paramref name="constants"/> on a fresh stack; the number on top at Return, or -1 on a type error.</summary>
    [JitPortal(Greens = ["pc", "code", "constants"], Reds = ["state"])]
    public static double Run(int[] code, LoxValue[] constants, StructStack state)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, constants, state);
            switch (code[pc])
            {
                case Constant: state.Push(constants[code[pc + 1]]); pc += 2; break;
                case GetLocal: state.Push(state.Stack[code[pc + 1]]); pc += 2; break;
                case SetLocal: state.Stack[code[pc + 1]] = state.Peek(0); pc += 2; break;
                case Pop: state.Pop(); pc++; break;
                case Add:
                case Modulo:
                case Less:
                {
                    if (!state.Peek(0).IsNumber || !state.Peek(1).IsNumber) return -1;
                    double b = state.Pop().AsNumber, a = state.Pop().AsNumber;
                    state.Push(code[pc] == Add ? LoxValue.Number(a + b) : code[pc] == Modulo ? LoxValue.Number(a % b) : LoxValue.Bool(a < b));
                    pc++;
                    break;
                }
                case JumpIfFalse: pc = state.Peek(0).IsFalsey ? code[pc + 1] : pc + 2; break;
                case Loop:
                    pc = code[pc + 1];
                    Jit.CanEnterJit(pc, code, constants, state);
                    break;
                default:
                    return state.Peek(0).AsNumber;
            }
        }
    }

    /// <summary>sum = 0; i = 0; while (i &lt; n) { sum = sum + i % 7; i = i + 1; } sum: locals 0 and 1, constants n, 7, 1, 0.</summary>
    public static int[] SumProgram() =>
    [
        Constant, 3, Constant, 3,                    // 0: sum, i
        GetLocal, 1, Constant, 0, Less,              // 4: i < n
        JumpIfFalse, 33, Pop,                        // 9
        GetLocal, 0, GetLocal, 1, Constant, 1, Modulo, Add, SetLocal, 0, Pop, // 12: sum = sum + i % 7
        GetLocal, 1, Constant, 2, Add, SetLocal, 1, Pop, // 23: i = i + 1
        Loop, 4,                                     // 31
        Pop, GetLocal, 0, Return,                    // 33
    ];

    /// <summary>The constants of <see cref="SumProgram"/> for <paramref name="n"/> turns.</summary>
    public static LoxValue[] SumConstants(double n) => [LoxValue.Number(n), LoxValue.Number(7), LoxValue.Number(1), LoxValue.Number(0)];
}
