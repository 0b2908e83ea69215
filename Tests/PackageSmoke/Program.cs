// An interpreter written only against the packages: an instance portal on a class, [JitImmutable] records
// for instructions, an enum of opcodes. scripts/package-smoke.sh builds it with PeJitEnabled.
using PeJit;

var vm = new Machine(Console.Out);
var prog = new Program2(new[] {
    new Instr(Op.Const, 0), new Instr(Op.Store, 0),            // i = 0
    new Instr(Op.Load, 0), new Instr(Op.AddConst, 1), new Instr(Op.Store, 0),   // 2: i++
    new Instr(Op.Load, 0), new Instr(Op.Const, 0), new Instr(Op.Add, 0), new Instr(Op.Store, 1), // acc
    new Instr(Op.Load, 0), new Instr(Op.LessConst, int.Parse(args.Length > 0 ? args[0] : "1000000")), new Instr(Op.JumpIfTrue, 2),
    new Instr(Op.Load, 1), new Instr(Op.Print, 0), new Instr(Op.Halt, 0) });
vm.Execute(prog);
vm.Execute(prog);
Console.WriteLine("done " + vm.Steps);

enum Op { Const, Load, Store, AddConst, Add, LessConst, JumpIfTrue, Print, Halt }

[JitImmutable]
sealed record Instr(Op Op, int Arg);

sealed class Program2(Instr[] code)
{
    public readonly Instr[] Code = code;
}

sealed class Machine(TextWriter output)
{
    private readonly long[] stack = new long[64];
    private readonly long[] vars = new long[8];
    public long Steps;

    [JitPortal(Greens = new[] { "pc", "program" }, Reds = new[] { "sp" })]
    public void Execute(Program2 program)
    {
        int pc = 0;
        int sp = 0;
        while (true)
        {
            Jit.MergePoint(pc, program, sp);
            var instr = program.Code[pc];
            Steps++;
            {
                switch (instr.Op)
                {
                    case Op.Const: stack[sp++] = instr.Arg; pc++; break;
                    case Op.Load: stack[sp++] = vars[instr.Arg]; pc++; break;
                    case Op.Store: vars[instr.Arg] = stack[--sp]; pc++; break;
                    case Op.AddConst: stack[sp - 1] += instr.Arg; pc++; break;
                    case Op.Add: stack[sp - 2] += stack[sp - 1]; sp--; pc++; break;
                    case Op.LessConst: stack[sp - 1] = stack[sp - 1] < instr.Arg ? 1 : 0; pc++; break;
                    case Op.JumpIfTrue:
                        if (stack[--sp] != 0) { pc = instr.Arg; Jit.CanEnterJit(pc, program, sp); }
                        else pc++;
                        break;
                    case Op.Print: output.WriteLine(stack[--sp]); pc++; break;
                    case Op.Halt: return;
                }
            }
        }
    }
}
