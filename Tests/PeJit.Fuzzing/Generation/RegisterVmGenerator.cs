using System.Globalization;

namespace PeJit.Fuzzing.Generation;

/// <summary>
/// Generates random register machine programs (the assembly language of Examples/RegisterVm) from a
/// <see cref="Random"/>.
/// </summary>
/// <remarks>
/// Strategy: every function has 16 registers with fixed roles, so a program is well-formed by construction:
/// r0 to r7 hold data (the arguments first), r8 is a scratch register for conditions and divisors, r9 holds 1,
/// r10 to r13 are the counters of loops nested one to four deep (written only by their loop), r14 and r15
/// pass arguments. Termination is by construction too: every backward jump closes a counted loop, recursive
/// helpers take a depth in r0, never written, and recurse only with a smaller one; other helpers call only
/// helpers defined before them. Every <c>main</c> has a loop. Divisors are constants other than 0 and -1,
/// except in the quarter of programs with runtime errors on purpose: divisions and remainders by zero,
/// <c>long.MinValue / -1</c> and <c>% -1</c>, a function without its <c>ret</c> (running into the next one, or off
/// the code), most of them behind a guard on a loop counter, so that they happen in compiled code. Half the
/// loops neither print nor call. The caller checks the step count with the step-counting model and asks again,
/// smaller, when a program runs too long.
/// </remarks>
public sealed class RegisterVmGenerator
{
    private const int Registers = 16;
    private const int Scratch = 8;
    private const int One = 9;
    private const int FirstCounter = 10;
    private const int FirstArgument = 14;
    private const int MaxDepth = 4;

    private static readonly string[] Binary = ["add", "sub", "mul", "eq", "lt", "le"];
    private static readonly long[] EdgeConstants =
    [
        0, 1, -1, 2, 3, 7, 10, 13, 255, 256, 65536, int.MaxValue, int.MinValue, (long)int.MaxValue + 1,
        long.MaxValue, long.MinValue, long.MaxValue - 1, long.MinValue + 1, 4611686018427387904, -4611686018427387904,
    ];

    private sealed record Shape(string Name, int Arity, bool Recursive);

    private readonly record struct LoopLabels(string Continue, string Exit, int Counter);

    private readonly Random random;
    private readonly double scale;
    private readonly bool errors;
    private readonly List<Shape> helpers = [];
    private readonly List<string> lines = [];
    private int errorsLeft;
    private int labelCount;

    // The function being generated.
    private Shape current = null!;
    private readonly Stack<LoopLabels> loops = new();
    private int quiet;
    private int callsLeft;
    private int selfCallsLeft;
    private int statementsLeft;

    private RegisterVmGenerator(Random random, double scale)
    {
        this.random = random;
        this.scale = scale;
        errors = random.NextDouble() < 0.25;
        errorsLeft = errors ? 1 + random.Next(2) : 0;
    }

    /// <summary>
    /// A program from <paramref name="random"/>; <paramref name="scale"/> (0 to 1) shrinks loop counts and
    /// sizes, for a second try when the first program ran too long.
    /// </summary>
    public static string Generate(Random random, double scale = 1.0) => new RegisterVmGenerator(random, scale).Program();

    private string Program()
    {
        // 1. The helpers: each calls only the ones before it, and itself when recursive.
        int helperCount = random.Next(4);
        for (int i = 0; i < helperCount; i++)
        {
            var shape = new Shape($"h{i}", 1 + random.Next(2), random.NextDouble() < 0.4);
            Function(shape);
            helpers.Add(shape);
        }
        // 2. main, last: running off its end runs off the code.
        Function(new Shape("main", 0, false));
        return string.Concat(lines.Select(l => l + "\n"));
    }

    private void Function(Shape shape)
    {
        current = shape;
        quiet = 0;
        callsLeft = 3;
        selfCallsLeft = shape.Recursive ? 1 + random.Next(2) : 0;
        statementsLeft = (int)(30 * scale) + 6;
        lines.Add($"func {shape.Name} {shape.Arity} {Registers}");
        Emit($"loadk r{One}, 1");
        if (shape.Recursive)
        {
            // The base case: depth 0 returns.
            string go = Label("go");
            Emit($"jnz r0, {go}");
            Emit($"ret r{(shape.Arity > 1 ? 1 : 0)}");
            lines.Add($"{go}:");
            for (int calls = selfCallsLeft; calls > 0; calls--) SelfCall();
        }
        if (shape.Name == "main" || random.NextDouble() < 0.6) Loop(0);
        Statements(0, 1 + random.Next(4));
        // A function without its ret runs into the next one (or off the code): an error on purpose.
        if (errorsLeft > 0 && random.NextDouble() < (shape.Name == "main" ? 0.5 : 0.25)) errorsLeft--;
        else Emit($"ret r{Data()}");
        lines.Add("end");
    }

    private void Statements(int depth, int count)
    {
        for (int i = 0; i < count && statementsLeft > 0; i++) Statement(depth);
    }

    private void Statement(int depth)
    {
        statementsLeft--;
        int choice = random.Next(100);
        if (choice < 12 && depth < MaxDepth) Loop(depth);
        else if (choice < 22) If(depth);
        else if (choice < 30 && quiet == 0) Emit($"print r{Data()}");
        else if (choice < 38 && quiet == 0 && callsLeft > 0 && helpers.Count > 0) Call();
        else if (choice < 44 && loops.Count > 0) LoopControl();
        else if (choice < 56 && errorsLeft > 0 && (current.Name == "main" || random.Next(4) == 0)) Error();
        else if (choice < 58) Division();
        else Assignment();
    }

    private void Assignment()
    {
        int target = Target();
        switch (random.Next(6))
        {
            case 0: Emit($"loadk r{target}, {Constant()}"); break;
            case 1: Emit($"move r{target}, r{Readable()}"); break;
            case 2: Emit($"neg r{target}, r{Readable()}"); break;
            default: Emit($"{Binary[random.Next(Binary.Length)]} r{target}, r{Readable()}, r{Readable()}"); break;
        }
    }

    /// <summary>A division or remainder by a constant that is neither 0 nor -1 (so it cannot throw).</summary>
    private void Division()
    {
        long divisor;
        do divisor = random.Next(3) == 0 ? EdgeConstants[random.Next(EdgeConstants.Length)] : random.Next(-20, 21);
        while (divisor is 0 or -1);
        Emit($"loadk r{Scratch}, {divisor.ToString(CultureInfo.InvariantCulture)}");
        Emit($"{(random.Next(2) == 0 ? "div" : "mod")} r{Target()}, r{Readable()}, r{Scratch}");
    }

    /// <summary>A runtime error on purpose, behind a guard on the innermost counter when in a loop.</summary>
    private void Error()
    {
        errorsLeft--;
        string? skip = null;
        if (loops.Count > 0 && random.Next(4) != 0)
        {
            skip = Label("noerror");
            Emit($"loadk r{Scratch}, {1 + random.Next(4)}");
            Emit($"eq r{Scratch}, r{loops.Peek().Counter}, r{Scratch}");
            Emit($"jz r{Scratch}, {skip}");
        }
        string op = random.Next(2) == 0 ? "div" : "mod";
        int target = Target();
        switch (random.Next(3))
        {
            case 0:
                Emit($"loadk r{Scratch}, 0");
                Emit($"{op} r{target}, r{Readable()}, r{Scratch}");
                break;
            case 1:
                Emit($"loadk r{target}, {long.MinValue.ToString(CultureInfo.InvariantCulture)}");
                Emit($"loadk r{Scratch}, -1");
                Emit($"{op} r{target}, r{target}, r{Scratch}");
                break;
            default:
                // A data register as divisor: it may be zero, or -1 under long.MinValue, or neither.
                Emit($"{op} r{target}, r{Readable()}, r{Readable()}");
                break;
        }
        if (skip is not null) lines.Add($"{skip}:");
    }

    private void If(int depth)
    {
        string otherwise = Label("else"), end = Label("endif");
        Emit($"{(random.Next(2) == 0 ? "lt" : "eq")} r{Scratch}, r{Readable()}, r{Readable()}");
        Emit($"{(random.Next(2) == 0 ? "jz" : "jnz")} r{Scratch}, {otherwise}");
        Statements(depth, 1 + random.Next(3));
        if (random.Next(2) == 0)
        {
            Emit($"jump {end}");
            lines.Add($"{otherwise}:");
            Statements(depth, 1 + random.Next(2));
            lines.Add($"{end}:");
        }
        else lines.Add($"{otherwise}:");
    }

    /// <summary>A counted loop in one of three shapes; its counter is written only here.</summary>
    private void Loop(int depth)
    {
        int counter = FirstCounter + depth;
        int turns = 1 + random.Next(Math.Max(2, (int)((depth == 0 ? 60 : 12) * scale)));
        string head = Label("loop"), next = Label("next"), exit = Label("exit");
        bool isQuiet = random.Next(2) == 0;
        if (isQuiet) quiet++;
        loops.Push(new LoopLabels(next, exit, counter));
        switch (random.Next(3))
        {
            case 0:
                // Down to zero, jnz back.
                Emit($"loadk r{counter}, {turns}");
                lines.Add($"{head}:");
                Statements(depth + 1, 1 + random.Next(5));
                lines.Add($"{next}:");
                Emit($"sub r{counter}, r{counter}, r{One}");
                Emit($"jnz r{counter}, {head}");
                break;
            case 1:
                // Up from zero, the test at the head, jump back.
                Emit($"loadk r{counter}, 0");
                lines.Add($"{head}:");
                Emit($"loadk r{Scratch}, {turns}");
                Emit($"lt r{Scratch}, r{counter}, r{Scratch}");
                Emit($"jz r{Scratch}, {exit}");
                Statements(depth + 1, 1 + random.Next(5));
                lines.Add($"{next}:");
                Emit($"add r{counter}, r{counter}, r{One}");
                Emit($"jump {head}");
                break;
            default:
                // Down by a step while above zero (le), jump back.
                int step = 1 + random.Next(3);
                Emit($"loadk r{counter}, {turns * step}");
                lines.Add($"{head}:");
                Emit($"loadk r{Scratch}, 0");
                Emit($"le r{Scratch}, r{counter}, r{Scratch}");
                Emit($"jnz r{Scratch}, {exit}");
                Statements(depth + 1, 1 + random.Next(5));
                lines.Add($"{next}:");
                Emit($"loadk r{Scratch}, {step}");
                Emit($"sub r{counter}, r{counter}, r{Scratch}");
                Emit($"jump {head}");
                break;
        }
        lines.Add($"{exit}:");
        loops.Pop();
        if (isQuiet) quiet--;
    }

    /// <summary>A break, continue or early return, when the innermost counter reaches a value.</summary>
    private void LoopControl()
    {
        var loop = loops.Peek();
        Emit($"loadk r{Scratch}, {1 + random.Next(6)}");
        Emit($"eq r{Scratch}, r{loop.Counter}, r{Scratch}");
        switch (random.Next(3))
        {
            case 0: Emit($"jnz r{Scratch}, {loop.Exit}"); break;
            case 1: Emit($"jnz r{Scratch}, {loop.Continue}"); break;
            default:
                string skip = Label("stay");
                Emit($"jz r{Scratch}, {skip}");
                Emit($"ret r{Data()}");
                lines.Add($"{skip}:");
                break;
        }
    }

    private void Call()
    {
        callsLeft--;
        int index = helpers.FindIndex(h => h.Name == current.Name);
        var callable = index < 0 ? helpers : helpers.Take(index).ToList();
        if (callable.Count == 0) return;
        var callee = callable[random.Next(callable.Count)];
        Arguments(callee);
        Emit($"call r{Target()}, {callee.Name}, r{FirstArgument}");
    }

    private void SelfCall()
    {
        // The depth minus one, then the other argument.
        Emit($"sub r{FirstArgument}, r0, r{One}");
        if (current.Arity > 1) Emit($"move r{FirstArgument + 1}, r{1 + random.Next(7)}");
        Emit($"call r{1 + random.Next(7)}, {current.Name}, r{FirstArgument}");
    }

    private void Arguments(Shape callee)
    {
        // A recursive helper's depth is a small constant; other arguments are data.
        if (callee.Recursive) Emit($"loadk r{FirstArgument}, {random.Next(6)}");
        else Emit($"move r{FirstArgument}, r{Readable()}");
        if (callee.Arity > 1) Emit($"move r{FirstArgument + 1}, r{Readable()}");
    }

    private string Constant()
    {
        long value = random.Next(3) switch
        {
            0 => EdgeConstants[random.Next(EdgeConstants.Length)],
            1 => random.NextInt64(long.MinValue, long.MaxValue),
            _ => random.Next(-100, 101),
        };
        return value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A data register to write: never a recursive helper's depth (r0).</summary>
    private int Target() => current.Recursive ? 1 + random.Next(7) : random.Next(8);

    /// <summary>A register to read: data mostly, sometimes a counter or the scratch register.</summary>
    private int Readable() => random.Next(10) switch
    {
        0 when loops.Count > 0 => loops.Peek().Counter,
        1 => One,
        _ => Data(),
    };

    private int Data() => random.Next(8);

    private string Label(string what) => $"{what}{labelCount++}";

    private void Emit(string line) => lines.Add("    " + line);
}
