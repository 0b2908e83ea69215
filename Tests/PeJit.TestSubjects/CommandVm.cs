namespace PeJit.TestSubjects;

/// <summary>
/// A command-pattern VM: each instruction is an object of its own class with a virtual <c>Execute</c>, and the machine's
/// operand stack, stack pointer and locals are fields of the machine object, read and written by the commands through
/// the <c>CommandVm</c> they are given. The portal's only state at the merge point is green (the pc and the program): a
/// command read at a green pc is a green receiver, so its <c>Execute</c> is resolved and inlined, and the stack pointer lives
/// in memory until the optimizer's loop promotion keeps it in a register.
/// </summary>
public sealed class CommandVm(TextWriter output)
{
    /// <summary>The operand stack (a command past its end throws, as any array access would).</summary>
    public long[] Stack = new long[16];

    /// <summary>The number of values on <see cref="Stack"/>.</summary>
    public int Sp;

    /// <summary>The program's variables.</summary>
    public long[] Locals = new long[8];

    /// <summary>Where <see cref="Print"/> writes.</summary>
    public readonly TextWriter Output = output;

    /// <summary>One instruction: <c>Execute</c> runs it on the machine it is given and returns the next pc (negative to stop).</summary>
    public abstract class Command
    {
        public abstract int Execute(CommandVm vm, int pc);
    }

    public sealed class Push(long value) : Command
    {
        private readonly long value = value;
        public override int Execute(CommandVm vm, int pc) { vm.Stack[vm.Sp++] = value; return pc + 1; }
    }

    public sealed class Load(int slot) : Command
    {
        private readonly int slot = slot;
        public override int Execute(CommandVm vm, int pc) { vm.Stack[vm.Sp++] = vm.Locals[slot]; return pc + 1; }
    }

    public sealed class Store(int slot) : Command
    {
        private readonly int slot = slot;
        public override int Execute(CommandVm vm, int pc) { vm.Locals[slot] = vm.Stack[--vm.Sp]; return pc + 1; }
    }

    /// <summary>An arithmetic or comparison operator, named by its character.</summary>
    public sealed class Binary(char op) : Command
    {
        private readonly char op = op;

        public override int Execute(CommandVm vm, int pc)
        {
            long b = vm.Stack[--vm.Sp], a = vm.Stack[--vm.Sp];
            vm.Stack[vm.Sp++] = op switch
            {
                '+' => a + b,
                '-' => a - b,
                '*' => a * b,
                '%' => a % b,
                '<' => a < b ? 1 : 0,
                _ => throw new InvalidOperationException($"no operator '{op}'"),
            };
            return pc + 1;
        }
    }

    public sealed class JumpIfZero(int target) : Command
    {
        private readonly int target = target;
        public override int Execute(CommandVm vm, int pc) => vm.Stack[--vm.Sp] == 0 ? target : pc + 1;
    }

    public sealed class Jump(int target) : Command
    {
        private readonly int target = target;
        public override int Execute(CommandVm vm, int pc) => target;
    }

    public sealed class Print : Command
    {
        public override int Execute(CommandVm vm, int pc) { vm.Output.WriteLine(vm.Stack[--vm.Sp]); return pc + 1; }
    }

    public sealed class Halt : Command
    {
        public override int Execute(CommandVm vm, int pc) => -1;
    }

    [JitPortal(Greens = ["pc", "code"], Reds = [])]
    public void Run(Command[] code)
    {
        int pc = 0;
        while (pc >= 0)
        {
            Jit.MergePoint(pc, code);
            int next = code[pc].Execute(this, pc);
            bool backwards = next >= 0 && next <= pc;
            pc = next;
            if (backwards) Jit.CanEnterJit(pc, code);
        }
    }

    /// <summary><c>i = 0; s = 0; while (i &lt; n) { s = s + i * i % 7; i = i + 1 } print s</c></summary>
    public static Command[] Sum(long n) =>
    [
        new Push(0), new Store(0), new Push(0), new Store(1),
        new Load(0), new Push(n), new Binary('<'), new JumpIfZero(21),
        new Load(1), new Load(0), new Load(0), new Binary('*'), new Push(7), new Binary('%'), new Binary('+'), new Store(1),
        new Load(0), new Push(1), new Binary('+'), new Store(0),
        new Jump(4),
        new Load(1), new Print(), new Halt(),
    ];

    /// <summary>
    /// <c>i = 0; while (i &lt; n) { push i; i = i + 1 }</c>: each turn leaves a value on the stack, so a run of more turns than
    /// the stack holds ends in an <see cref="IndexOutOfRangeException"/> with the stack full.
    /// </summary>
    public static Command[] Leak(long n) =>
    [
        new Push(0), new Store(0),
        new Load(0), new Push(n), new Binary('<'), new JumpIfZero(12),
        new Load(0), new Load(0), new Push(1), new Binary('+'), new Store(0),
        new Jump(2),
        new Halt(),
    ];
}
