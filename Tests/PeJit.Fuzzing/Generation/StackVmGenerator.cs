using System.Globalization;
using System.Text;

namespace PeJit.Fuzzing.Generation;

/// <summary>
/// Generates random stack VM programs (the assembly language of Examples/StackVm) from a <see cref="Random"/>,
/// or programs of another stack machine whose instructions are a subset of the stack VM's
/// (<see cref="StackInstructionSet"/>: Examples/HandlerTable).
/// </summary>
/// <remarks>
/// Strategy: programs are built from statements that leave the operand stack as they found it, made of
/// expressions that push exactly one value, so a program is well-formed by construction. Termination is by
/// construction too: every backward jump closes a loop whose counter is a local that nothing else in the
/// loop writes, counted towards its bound; recursive functions take a depth as their first argument, never
/// written, and recurse only with a smaller one; other functions call only functions defined before them.
/// Every <c>main</c> has a loop: a <c>PortalJit</c> runs called functions in the original interpreter (only
/// the weaved configuration compiles their loops). Divisors are constants or <c>x * x + 1</c> (never 0 nor
/// -1), breaks and early returns wait for the counter to reach a value, so that most programs run long
/// enough for their loops to compile. Half the loops neither print nor call, so that the optimizer keeps
/// their locals and stack slots in SSA values (it does only in loops without calls). Runtime errors are
/// generated on purpose in a quarter of the programs: the operand stack under- or overflowed, a local out
/// of range, running off the end of a function, divisions by zero and <c>long.MinValue / -1</c> (of
/// constants, which an optimizer may try to fold, or of a value that becomes a trap when a counter reaches
/// a value); inside a loop most are guarded by the counter reaching a value, so that the error happens in
/// compiled code. The caller checks the step count with the step-counting model and asks again, smaller,
/// when a program runs too long.
/// </remarks>
public sealed class StackVmGenerator
{
    private static readonly string[] Comparisons = ["eq", "lt", "gt"];
    private static readonly string[] Arithmetic = ["add", "sub", "mul", "div", "mod"];
    private static readonly long[] EdgeConstants =
    [
        0, 1, -1, 2, 3, 7, 10, 13, 255, 256, 65536, int.MaxValue, int.MinValue, (long)int.MaxValue + 1,
        long.MaxValue, long.MinValue, long.MaxValue - 1, long.MinValue + 1, 4611686018427387904, -4611686018427387904,
    ];

    /// <summary>A function of the program, decided before any code is generated.</summary>
    private sealed record Shape(string Name, int Arity, bool Recursive, int Index);

    /// <summary>Labels of a loop: where <c>continue</c> and <c>break</c> go.</summary>
    private readonly record struct LoopLabels(string Continue, string Exit, int Counter);

    private readonly Random random;
    private readonly double scale;
    private readonly bool errors;
    private readonly StackInstructionSet instructions;
    private readonly List<Shape> helpers = [];
    private readonly List<string> lines = [];
    private int errorsLeft;
    private int labelCount;

    // The function being generated.
    private Shape current = null!;
    private int localCount;
    private readonly HashSet<int> protectedLocals = [];
    private readonly Stack<LoopLabels> loops = new();
    private int selfCallsLeft;
    private int quiet;
    private int callsLeft;

    private StackVmGenerator(Random random, double scale, StackInstructionSet instructions)
    {
        this.random = random;
        this.scale = scale;
        this.instructions = instructions;
        errors = random.NextDouble() < 0.25;
        errorsLeft = errors ? 1 + random.Next(2) : 0;
    }

    /// <summary>
    /// A program from <paramref name="random"/>; <paramref name="scale"/> (0 to 1) shrinks loop counts and
    /// sizes, for a second try when the first program ran too long. <paramref name="instructions"/>: the
    /// stack VM's (the default), or those of another stack machine.
    /// </summary>
    public static string Generate(Random random, double scale = 1.0, StackInstructionSet? instructions = null) =>
        new StackVmGenerator(random, scale, instructions ?? StackInstructionSet.StackVm).Program();

    private string Program()
    {
        // 1. Decide the functions: helpers call only helpers before them (and themselves when recursive).
        int helperCount = random.Next(4);
        for (int i = 0; i < helperCount; i++)
        {
            bool recursive = random.NextDouble() < 0.4;
            helpers.Add(new Shape($"f{i}", recursive ? 1 + random.Next(3) : random.Next(4), recursive, i));
        }
        var main = new Shape("main", random.Next(3), false, helperCount);
        // 2. Generate each; main first or last, the helpers in order.
        var text = new StringBuilder();
        if (main.Arity > 0)
            text.AppendLine(".args " + string.Join(" ", Enumerable.Range(0, main.Arity).Select(_ => Format(Constant()))));
        bool mainFirst = random.NextDouble() < 0.3;
        if (mainFirst) text.Append(Function(main));
        foreach (var helper in helpers) text.Append(Function(helper));
        if (!mainFirst) text.Append(Function(main));
        return text.ToString();
    }

    private string Function(Shape shape)
    {
        current = shape;
        lines.Clear();
        protectedLocals.Clear();
        loops.Clear();
        localCount = shape.Arity + random.Next(4);
        selfCallsLeft = shape.Recursive ? 1 + random.Next(2) : 0;
        callsLeft = 4;
        if (shape.Recursive)
        {
            // Local 0 is the depth: never written; the base case when it is below 1.
            protectedLocals.Add(0);
            Emit("load 0");
            Emit("push 1");
            Emit("lt");
            Emit("jnz base");
        }
        bool isMain = shape.Name == "main";
        int statements = isMain ? 2 + random.Next(6) : 1 + random.Next(4);
        bool loopDone = false;
        for (int i = 0; i < statements; i++)
        {
            if (isMain && !loopDone && (i == statements - 1 || random.NextDouble() < 0.4) && random.NextDouble() < 0.95)
            {
                Loop(0);
                loopDone = true;
            }
            else
            {
                Statement(0);
            }
        }
        if (errorsLeft > 0 && random.NextDouble() < 0.15)
        {
            // Runtime error: no ret, so the code runs on into the next function, or off the end of the code.
            errorsLeft--;
            Emit("push 1");
        }
        else
        {
            Expression(0);
            Emit("ret");
        }
        if (shape.Recursive)
        {
            protectedLocals.Remove(0);
            selfCallsLeft = 0;
            lines.Add("base:");
            Expression(1);
            Emit("ret");
        }
        // Fewer locals declared than there are arguments: the assembler makes room for the arguments.
        int declared = random.NextDouble() < 0.1 && localCount == shape.Arity ? Math.Max(0, shape.Arity - 1) : Math.Max(localCount, shape.Arity);
        var text = new StringBuilder();
        text.AppendLine($"func {shape.Name} {shape.Arity} {declared}");
        foreach (var line in lines) text.AppendLine(line);
        text.AppendLine("end");
        return text.ToString();
    }

    // ---- Statements: each leaves the operand stack as it found it. ----

    private void Statements(int count, int nesting)
    {
        for (int i = 0; i < count; i++) Statement(nesting);
    }

    private void Statement(int nesting)
    {
        if (errorsLeft > 0 && random.NextDouble() < 0.08)
        {
            Error(nesting);
            return;
        }
        int choice = random.Next(100);
        if (choice < 25) { Expression(0); Emit("store " + WritableLocal()); }
        else if (choice < 35 && quiet == 0) { Expression(0); Emit("print"); Emit("pop"); }
        else if (choice < 40) { Expression(0); Emit("pop"); }
        else if (choice < 50)
        {
            string skip = Label();
            Expression(1);
            Emit((random.Next(2) == 0 ? "jz " : "jnz ") + skip);
            Statements(1 + random.Next(2), nesting);
            Place(skip);
        }
        else if (choice < 57)
        {
            string otherwise = Label(), done = Label();
            Expression(1);
            Emit((random.Next(2) == 0 ? "jz " : "jnz ") + otherwise);
            Statements(1 + random.Next(2), nesting);
            Emit("jump " + done);
            Place(otherwise);
            Statements(1 + random.Next(2), nesting);
            Place(done);
        }
        else if (choice < 75 && nesting < 3) Loop(nesting + 1);
        else if (choice < 83 && loops.Count > 0)
        {
            // break (when the counter reaches a value: after some turns) or continue (when a condition holds).
            var loop = loops.Peek();
            bool exit = random.Next(2) == 0;
            Condition(late: exit);
            Emit("jnz " + (exit ? loop.Exit : loop.Continue));
        }
        else if (choice < 86 && loops.Count > 0)
        {
            // An early return when the counter reaches a value.
            string skip = Label();
            Condition(late: true);
            Emit("jz " + skip);
            Expression(1);
            Emit("ret");
            Place(skip);
        }
        else if (choice < 94 && Callable().Count > 0) { Call(1); Emit(random.Next(2) == 0 ? "pop" : "store " + WritableLocal()); }
        else { Expression(0); Emit("store " + WritableLocal()); }
    }

    /// <summary>
    /// A counted loop in one of three shapes (counting down with <c>jnz</c>, counting up with a test at the
    /// head and <c>jump</c> back, counting down by a step with <c>gt</c>), its counter a fresh local that only
    /// the loop's own update writes.
    /// </summary>
    private void Loop(int nesting)
    {
        int counter = localCount++;
        long count = LoopCount(nesting);
        string top = Label(), next = Label(), exit = Label();
        protectedLocals.Add(counter);
        loops.Push(new LoopLabels(next, exit, counter));
        // Half the loops neither print nor call: the optimizer keeps their memory in SSA values only without calls.
        bool silent = random.Next(2) == 0;
        if (silent) quiet++;
        int statements = 1 + random.Next(nesting == 0 ? 4 : 3);
        switch (random.Next(3))
        {
            case 0:
                Emit($"push {count}");
                Emit($"store {counter}");
                Place(top);
                Statements(statements, nesting);
                Place(next);
                Emit($"load {counter}");
                Emit("push 1");
                Emit("sub");
                Emit("dup");
                Emit($"store {counter}");
                Emit("jnz " + top);
                break;
            case 1:
                Emit("push 0");
                Emit($"store {counter}");
                Place(top);
                Emit($"load {counter}");
                Emit($"push {count}");
                Emit("lt");
                Emit("jz " + exit);
                Statements(statements, nesting);
                Place(next);
                Emit($"load {counter}");
                Emit("push 1");
                Emit("add");
                Emit($"store {counter}");
                Emit("jump " + top);
                break;
            default:
            {
                long step = 1 + random.Next(3);
                Emit($"push {count * step}");
                Emit($"store {counter}");
                Place(top);
                Statements(statements, nesting);
                Place(next);
                Emit($"load {counter}");
                Emit($"push {step}");
                Emit("sub");
                Emit($"store {counter}");
                if (random.Next(2) == 0)
                {
                    Emit($"load {counter}");
                    Emit("push 0");
                    Emit("gt");
                }
                else
                {
                    Emit("push 0");
                    Emit($"load {counter}");
                    Emit("lt");
                }
                Emit("jnz " + top);
                break;
            }
        }
        Place(exit);
        if (silent) quiet--;
        loops.Pop();
        protectedLocals.Remove(counter);
    }

    private long LoopCount(int nesting)
    {
        int roll = random.Next(100);
        long count = nesting switch
        {
            0 => roll < 50 ? random.Next(5, 21) : roll < 85 ? random.Next(20, 101) : random.Next(100, 401),
            1 => roll < 70 ? random.Next(2, 16) : random.Next(15, 41),
            _ => random.Next(2, 9),
        };
        return Math.Max(nesting == 0 ? 5 : 2, (long)(count * scale));
    }

    /// <summary>
    /// A deliberate runtime error of the stack VM. Inside a loop it is usually guarded by the counter reaching a
    /// value, so that it happens in compiled code, and the optimizer sees its constant operands.
    /// </summary>
    private void Error(int nesting)
    {
        errorsLeft--;
        string? skip = null;
        if (loops.Count > 0 && random.Next(4) != 0)
        {
            skip = Label();
            Condition(late: true);
            Emit("jz " + skip);
        }
        switch (random.Next(6))
        {
            case 0:
                // Under the bottom of the operand stack: the next push or read is out of range.
                Emit("pop");
                break;
            case 1:
                // A value left behind in each iteration: the operand stack overflows after 256 of them.
                if (nesting == 0 && loops.Count == 0)
                {
                    int counter = localCount++;
                    string top = Label();
                    Emit($"push {random.Next(100, 400)}");
                    Emit($"store {counter}");
                    Place(top);
                    Push(Constant());
                    Emit($"load {counter}");
                    Emit("push 1");
                    Emit("sub");
                    Emit("dup");
                    Emit($"store {counter}");
                    Emit("jnz " + top);
                }
                else
                {
                    Push(Constant());
                }
                break;
            case 2 or 3 when instructions.CheckedLocals:
                // The assembler rejects a local out of range: take a value too many from the stack instead.
                Emit("pop");
                break;
            case 2:
                Emit("load " + (random.Next(2) == 0 ? -1 : 1000 + random.Next(100)));
                Emit("pop");
                break;
            case 3:
                Expression(0);
                Emit("store " + (random.Next(2) == 0 ? -1 : 1000 + random.Next(100)));
                break;
            case 4:
                // Division of constants by zero: an optimizer that folds it must not fold it away.
                Push(Constant());
                Emit("push 0");
                Emit(random.Next(2) == 0 ? "div" : "mod");
                Emit("pop");
                break;
            default:
                Push(long.MinValue);
                Emit("push -1");
                Emit(random.Next(2) == 0 ? "div" : "mod");
                Emit("pop");
                break;
        }
        if (skip is not null) Place(skip);
    }

    // ---- Expressions: each pushes exactly one value. ----

    private void Expression(int level)
    {
        if (level >= 3)
        {
            Leaf();
            return;
        }
        int choice = random.Next(100);
        if (choice < 35) Leaf();
        else if (choice < 50) { Expression(level + 1); Expression(level + 1); Emit(Pick(random.Next(3) == 0 ? Comparisons : Arithmetic[..3])); }
        else if (choice < 57) Division(level);
        else if (choice < 61 && instructions.Neg) { Expression(level + 1); Emit("neg"); }
        else if (choice < 61) { Emit("push 0"); Expression(level + 1); Emit("sub"); }
        else if (choice < 65) { Expression(level + 1); Emit("dup"); Emit(Pick(Arithmetic[..3])); }
        else if (choice < 69) { Expression(level + 1); Expression(level + 1); if (instructions.Swap) Emit("swap"); Emit(Pick(errors ? Arithmetic : Arithmetic[..3])); }
        else if (choice < 72 && instructions.Over) { Expression(level + 1); Expression(level + 1); Emit("over"); Emit(Pick(Arithmetic[..3])); Emit(Pick(Arithmetic[..3])); }
        else if (choice < 72) { Expression(level + 1); Expression(level + 1); Emit("dup"); Emit(Pick(Arithmetic[..3])); Emit(Pick(Arithmetic[..3])); }
        else if (choice < 75) { Expression(level + 1); Expression(level + 1); Emit("pop"); }
        else if (choice < 80 && quiet == 0) { Expression(level + 1); Emit("print"); }
        else if (choice < 90 && Callable().Count > 0) Call(level + 1);
        else
        {
            string otherwise = Label(), done = Label();
            Expression(level + 1);
            Emit((random.Next(2) == 0 ? "jz " : "jnz ") + otherwise);
            Expression(level + 1);
            Emit("jump " + done);
            Place(otherwise);
            Expression(level + 1);
            Place(done);
        }
    }

    private void Leaf()
    {
        if (random.Next(100) < 55 && localCount > 0) Emit("load " + random.Next(localCount));
        else Push(Constant());
    }

    /// <summary>
    /// A division or remainder. In programs with errors its divisor is often a trap: zero when a loop's counter
    /// reaches a value, or -1 under a dividend that is <c>long.MinValue</c> then, so the error comes in a late
    /// iteration; otherwise mostly a constant that is not zero.
    /// </summary>
    private void Division(int level)
    {
        string op = random.Next(2) == 0 ? "div" : "mod";
        int roll = random.Next(100);
        if (errorsLeft > 0 && loops.Count > 0 && roll < 30)
        {
            // Zero when the counter reaches the value.
            errorsLeft--;
            Expression(level + 1);
            Emit($"load {loops.Peek().Counter}");
            Emit($"push {random.Next(0, 30)}");
            Emit("sub");
        }
        else if (errorsLeft > 0 && loops.Count > 0 && roll < 45)
        {
            // long.MinValue / -1 when the counter reaches the value, 0 / -1 before.
            errorsLeft--;
            Emit($"load {loops.Peek().Counter}");
            Emit($"push {random.Next(0, 30)}");
            Emit("eq");
            Push(long.MinValue);
            Emit("mul");
            Emit("push -1");
        }
        else if (errorsLeft > 0 && roll < 50)
        {
            errorsLeft--;
            Push(long.MinValue);
            Emit(random.Next(3) == 0 ? "push 0" : "push -1");
        }
        else if (roll < 75)
        {
            Expression(level + 1);
            Push(Pick([1L, -1L, 2L, 3L, -7L, 10L, 256L, long.MaxValue, long.MinValue]));
        }
        else if (errors && roll < 85)
        {
            Expression(level + 1);
            Expression(level + 1);
        }
        else
        {
            // x * x + 1 is never 0 nor -1 (mod 2^64 a square is 0 or 1 mod 4): a divisor known only at run time that never throws.
            Expression(level + 1);
            Expression(level + 1);
            Emit("dup");
            Emit("mul");
            Emit("push 1");
            Emit("add");
        }
        Emit(op);
    }

    /// <summary>
    /// Pushes a value that is sometimes zero and sometimes not: a comparison on the loop's counter, or any
    /// expression. <paramref name="late"/>: not zero only when the counter equals a value, so that a loop left
    /// on it has turned a while.
    /// </summary>
    private void Condition(bool late = false)
    {
        if (late && loops.Count > 0)
        {
            Emit($"load {loops.Peek().Counter}");
            Emit($"push {random.Next(0, 30)}");
            Emit("eq");
        }
        else if (loops.Count > 0 && random.Next(2) == 0)
        {
            Emit($"load {loops.Peek().Counter}");
            Emit($"push {random.Next(0, 20)}");
            Emit(Pick(Comparisons));
        }
        else
        {
            Expression(2);
        }
    }

    private void Call(int level)
    {
        var callable = Callable();
        var callee = callable[random.Next(callable.Count)];
        callsLeft--;
        bool self = callee == current;
        if (self) selfCallsLeft--;
        for (int i = 0; i < callee.Arity; i++)
        {
            if (i == 0 && callee.Recursive)
            {
                if (self)
                {
                    Emit("load 0");
                    Emit($"push {1 + random.Next(2)}");
                    Emit("sub");
                }
                else
                {
                    Emit($"push {(long)(random.Next(0, 12) * scale)}");
                }
            }
            else
            {
                Expression(Math.Max(level, 3));
            }
        }
        Emit("call " + callee.Name);
    }

    /// <summary>The functions the current one may call now.</summary>
    private List<Shape> Callable()
    {
        if (callsLeft <= 0 || quiet > 0) return [];
        var callable = helpers.Where(h => h.Index < current.Index).ToList();
        if (current.Recursive && selfCallsLeft > 0) callable.Add(current);
        return callable;
    }

    // ---- Pieces. ----

    private long Constant()
    {
        int roll = random.Next(100);
        if (roll < 40) return random.Next(-5, 20);
        if (roll < 70) return EdgeConstants[random.Next(EdgeConstants.Length)];
        if (roll < 85) return random.Next(-100_000, 100_000);
        return random.NextInt64(long.MinValue, long.MaxValue);
    }

    /// <summary>
    /// Pushes <paramref name="value"/>: one <c>push</c>, or, when <c>push</c> takes 32 bits only and the value is
    /// wider, <c>hi * 2^32 + (lo >> 16) * 2^16 + (lo &amp; 0xFFFF)</c> in wrapping arithmetic (one value pushed either way).
    /// </summary>
    private void Push(long value)
    {
        if (instructions.WidePush || value is >= int.MinValue and <= int.MaxValue)
        {
            Emit("push " + Format(value));
            return;
        }
        ulong low = (uint)value;
        Emit($"push {value >> 32}");
        Emit("push 65536");
        Emit("dup");
        Emit("mul");
        Emit("mul");
        Emit($"push {low >> 16}");
        Emit("push 65536");
        Emit("mul");
        Emit("add");
        Emit($"push {low & 0xFFFF}");
        Emit("add");
    }

    private int WritableLocal()
    {
        var writable = Enumerable.Range(0, localCount).Where(l => !protectedLocals.Contains(l)).ToList();
        if (writable.Count == 0 || random.Next(5) == 0) return localCount++;
        return writable[random.Next(writable.Count)];
    }

    private T Pick<T>(IReadOnlyList<T> choices) => choices[random.Next(choices.Count)];

    private string Label() => $"L{labelCount++}";

    private void Place(string label) => lines.Add(label + ":");

    private void Emit(string instruction) => lines.Add("    " + instruction);

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
