// A command-pattern VM probe (Examples/STYLES-FINDINGS.md, "A command-pattern VM"): not built by the solution. Each
// instruction is an object of its own class with a virtual Execute returning the next pc; the machine's operand stack, stack
// pointer and locals are fields of the Machine, the portal an instance method with only green state (pc, code). To try it,
// put it in a console project (net10.0, implicit usings) that references PeJit.Hints, build, and run `pejit build` on the
// DLL; `Probe.dll [n]` prints the sum and the stack pointer on stdout (twice: the machine runs the program twice) and the
// time on stderr.
using System.Diagnostics;
using PeJit;

abstract class Instr
{
    public abstract int Execute(Machine m, int pc);
}

sealed class Push(long value) : Instr
{
    readonly long value = value;
    public override int Execute(Machine m, int pc) { m.Stack[m.Sp++] = value; return pc + 1; }
}

sealed class Load(int slot) : Instr
{
    readonly int slot = slot;
    public override int Execute(Machine m, int pc) { m.Stack[m.Sp++] = m.Locals[slot]; return pc + 1; }
}

sealed class Store(int slot) : Instr
{
    readonly int slot = slot;
    public override int Execute(Machine m, int pc) { m.Locals[slot] = m.Stack[--m.Sp]; return pc + 1; }
}

sealed class Binary(char op) : Instr
{
    readonly char op = op;
    public override int Execute(Machine m, int pc)
    {
        long b = m.Stack[--m.Sp], a = m.Stack[--m.Sp];
        m.Stack[m.Sp++] = op switch { '+' => a + b, '-' => a - b, '*' => a * b, '%' => a % b, '<' => a < b ? 1 : 0, _ => throw new InvalidOperationException(op.ToString()) };
        return pc + 1;
    }
}

sealed class JumpIfZero(int target) : Instr
{
    readonly int target = target;
    public override int Execute(Machine m, int pc) => m.Stack[--m.Sp] == 0 ? target : pc + 1;
}

sealed class Jump(int target) : Instr
{
    public readonly int Target = target;
    public override int Execute(Machine m, int pc) => Target;
}

sealed class Print : Instr
{
    public override int Execute(Machine m, int pc) { m.Output.WriteLine(m.Stack[--m.Sp]); return pc + 1; }
}

sealed class Halt : Instr
{
    public override int Execute(Machine m, int pc) => -1;
}

sealed class Machine(TextWriter output)
{
    public long[] Stack = new long[64];
    public int Sp;
    public long[] Locals = new long[8];
    public readonly TextWriter Output = output;

    [JitPortal(Greens = ["pc", "code"], Reds = [])]
    public void Run(Instr[] code)
    {
        int pc = 0;
        while (pc >= 0)
        {
            Jit.MergePoint(pc, code);
            var instr = code[pc];
            int next = instr.Execute(this, pc);
            bool backwards = next >= 0 && next <= pc;
            pc = next;
            if (backwards) Jit.CanEnterJit(pc, code);
        }
    }
}

static class Program
{
    static int Main(string[] args)
    {
        long n = args.Length > 0 ? long.Parse(args[0]) : 10_000_000;
        // i = 0; s = 0; while (i < n) { s = s + i * i % 7; i = i + 1 } print s
        var code = new Instr[]
        {
            new Push(0), new Store(0), new Push(0), new Store(1),
            /* 4 */ new Load(0), new Push(n), new Binary('<'), new JumpIfZero(20),
            new Load(1), new Load(0), new Load(0), new Binary('*'), new Push(7), new Binary('%'), new Binary('+'), new Store(1),
            new Load(0), new Push(1), new Binary('+'), new Store(0),
            /* 20 would be here: patch below */
        };
        code = [.. code[..20], new Jump(4), new Load(1), new Print(), new Halt()];
        code[7] = new JumpIfZero(21);
        var sw = Stopwatch.StartNew();
        var machine = new Machine(Console.Out);
        for (int run = 0; run < 2; run++)
        {
            machine.Run(code);
            Console.WriteLine($"sp {machine.Sp}");
        }
        Console.Error.WriteLine($"{sw.ElapsedMilliseconds} ms");
        return 0;
    }
}
