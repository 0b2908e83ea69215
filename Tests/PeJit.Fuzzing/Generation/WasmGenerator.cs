using System.Globalization;
using System.Text;

namespace PeJit.Fuzzing.Generation;

/// <summary>
/// Generates random programs of the WebAssembly-style VM (the flat text format of Examples/Wasm) from a
/// <see cref="Random"/>.
/// </summary>
/// <remarks>
/// Strategy: structured code is built from statements that leave the value stack as they found it and expressions that
/// push exactly one value, so every program passes the assembler's stack checks by construction. What makes this VM's
/// compiled code interesting is how branches move its two stacks: a branch keeps its label's values (0 or 1) and drops
/// what lies between (the assembler's <c>Drop</c> and <c>Keep</c>), and pops labels. So branches are made where the stack
/// holds more than the label's height: <c>br_if</c> out of a block in the middle of an expression (with values of the
/// enclosing operation below it), a value carried out of a <c>(result)</c> block past others, <c>br_table</c> over nested
/// blocks whose entries include enclosing blocks and loops, <c>return</c> from inside nested blocks.
/// Termination is by construction: every loop counts down a local that nothing else writes, tested at the loop's top,
/// so any branch back to the loop (a <c>br</c>, a <c>br_if</c>, a <c>br_table</c> entry: a "continue") counts too; a
/// loop that tests at its bottom (<c>br_if</c> back) is never continued. Helpers call only helpers before them; a
/// recursive one takes a depth as its first parameter, never written, and recurses with one less. Divisors are
/// <c>x * x + 1</c> (never 0 nor -1) or constants, addresses are masked into the memory. A third of the programs trap
/// on purpose: <c>unreachable</c>, a division by zero, <c>long.MinValue / -1</c>, a load outside the memory, most of
/// them in <c>$main</c>'s loop and guarded by its counter reaching a value, so that the trap happens in compiled code.
/// The caller checks the step count with the step-counting model and asks again, smaller, when a program runs too long.
/// </remarks>
public sealed class WasmGenerator
{
    /// <summary>Addresses are masked to this many words (a power of two); the memory has <see cref="Offsets"/> more, for the offsets.</summary>
    private const int AddressMask = 63, Offsets = 8;

    private static readonly string[] Binary =
        ["i64.add", "i64.sub", "i64.mul", "i64.and", "i64.or", "i64.xor", "i64.shl", "i64.shr_s", "i64.eq", "i64.ne", "i64.lt_s", "i64.gt_s", "i64.le_s", "i64.ge_s"];

    private static readonly long[] EdgeConstants =
    [
        0, 1, -1, 2, 3, 7, 10, 13, 63, 64, 255, 65536, int.MaxValue, int.MinValue, (long)int.MaxValue + 1,
        long.MaxValue, long.MinValue, long.MaxValue - 1, long.MinValue + 1,
    ];

    /// <summary>A function of the program, decided before any code is generated.</summary>
    private sealed record Shape(string Name, int Parameters, bool Recursive);

    /// <summary>An enclosing block, loop or if (the instruction that opened it): its name, whether a branch to it carries a value, and for a loop whether it may be continued.</summary>
    private sealed record Label(string Name, string Instruction, int Arity, bool Continuable);

    private readonly Random random;
    private readonly double scale;
    private readonly List<Shape> helpers = [];
    private readonly StringBuilder program = new();
    private int errorsLeft;
    private bool trapInMainLoop;
    private int labelCount;
    private int printsLeft;

    // The function being generated.
    private Shape current = null!;
    private readonly StringBuilder code = new();
    private readonly List<string> locals = [];
    private readonly List<string> protectedLocals = [];
    private readonly List<Label> labels = [];
    private int counters;
    private int indent;
    private int callsLeft;
    private int selfCallsLeft;
    private bool baseCase;

    private WasmGenerator(Random random, double scale)
    {
        this.random = random;
        this.scale = scale;
        errorsLeft = random.NextDouble() < 0.3 ? 1 + random.Next(2) : 0;
        trapInMainLoop = random.NextDouble() < 0.35;
        printsLeft = 3 + random.Next(4);
    }

    /// <summary>A program from <paramref name="random"/>; <paramref name="scale"/> (0 to 1) shrinks loop counts and sizes.</summary>
    public static string Generate(Random random, double scale = 1.0) => new WasmGenerator(random, scale).Program();

    private string Program()
    {
        program.AppendLine(string.Create(CultureInfo.InvariantCulture, $"memory {AddressMask + 1 + Offsets}"));
        program.AppendLine(string.Create(CultureInfo.InvariantCulture, $"args {random.Next(-2, 30)}"));
        int helperCount = random.Next(4);
        for (int i = 0; i < helperCount; i++)
        {
            bool recursive = random.NextDouble() < 0.35;
            helpers.Add(new Shape($"$f{i}", (recursive ? 1 : 0) + random.Next(3), recursive));
        }
        var functions = helpers.Append(new Shape("$main", 1, false)).ToList();
        // Main may come anywhere: the assembler finds it by name.
        if (random.NextDouble() < 0.3) functions.Insert(0, functions[^1]);
        foreach (var shape in functions.Distinct()) Function(shape);
        return program.ToString();
    }

    private void Function(Shape shape)
    {
        current = shape;
        code.Clear();
        locals.Clear();
        protectedLocals.Clear();
        labels.Clear();
        counters = 0;
        indent = 1;
        callsLeft = 4;
        selfCallsLeft = shape.Recursive ? 1 + random.Next(2) : 0;
        var parameters = shape.Name == "$main" ? ["$n"] : Enumerable.Range(0, shape.Parameters).Select(i => $"$p{i}").ToList();
        locals.AddRange(parameters);
        // $t is the divisors' scratch local; the loops' counters $i0.. are declared after the body made them.
        var own = new[] { "$t" }.Concat(new[] { "$a", "$b", "$c" }.Take(1 + random.Next(3))).ToList();
        locals.AddRange(own);
        if (shape.Recursive)
        {
            // The depth: never written; below 1 the function returns without recursing.
            protectedLocals.Add("$p0");
            Emit("local.get $p0");
            Const(1);
            Emit("i64.lt_s");
            Open("if", 0, false);
            baseCase = true;
            Expression(1);
            baseCase = false;
            Emit("return");
            Close();
        }
        bool isMain = shape.Name == "$main";
        int statements = isMain ? 2 + random.Next(5) : 1 + random.Next(3);
        bool loopDone = false;
        for (int i = 0; i < statements; i++)
        {
            if (isMain && !loopDone && (i == statements - 1 || random.NextDouble() < 0.4) && random.NextDouble() < 0.95)
            {
                Loop(hot: true);
                loopDone = true;
            }
            else Statement();
        }
        Expression(0);
        string declared = string.Join(' ', own.Concat(Enumerable.Range(0, counters).Select(i => $"$i{i}")));
        program.AppendLine(parameters.Count > 0
            ? $"func {shape.Name} (param {string.Join(' ', parameters)}) (local {declared}) (result)"
            : $"func {shape.Name} (local {declared}) (result)");
        program.Append(code);
        program.AppendLine("end");
    }

    // ---- Statements: each leaves the value stack as it found it. ----

    private void Statements(int count)
    {
        for (int i = 0; i < count; i++) Statement();
    }

    private void Statement()
    {
        if (errorsLeft > 0 && random.NextDouble() < 0.08)
        {
            Trap();
            return;
        }
        int nesting = labels.Count;
        int choice = random.Next(100);
        if (choice < 20) { Expression(0); Emit("local.set " + Writable()); }
        else if (choice < 30) { Address(); Expression(0); Emit(Offset("i64.store")); }
        else if (choice < 36 && printsLeft > 0) { printsLeft--; Expression(0); Emit("print"); }
        else if (choice < 39) { Expression(0); Emit("drop"); }
        else if (choice < 40) Emit("nop");
        else if (choice < 50)
        {
            Expression(1);
            Open("if", 0, false);
            Statements(1 + random.Next(2));
            if (random.NextDouble() < 0.5)
            {
                Else();
                Statements(1 + random.Next(2));
            }
            Close();
        }
        else if (choice < 58)
        {
            // A block left early: a branch out of it as its last statement, or a br_if in the middle.
            var block = Open("block", 0, false);
            Statements(1 + random.Next(2));
            if (random.NextDouble() < 0.5) { Expression(1); Emit("br_if " + block.Name); }
            Statements(random.Next(2));
            if (random.NextDouble() < 0.3 && Target(arity: 0) is { } target) Emit("br " + target.Name);
            Close();
        }
        else if (choice < 72 && nesting < 6) Loop();
        else if (choice < 80 && nesting < 7) Table();
        else if (choice < 88 && Target(arity: 0) is { } target)
        {
            // An early exit (or a continue) to an enclosing label.
            Expression(1);
            Emit("br_if " + target.Name);
        }
        else if (choice < 91)
        {
            // An early return from wherever we are.
            Expression(1);
            Open("if", 0, false);
            Expression(1);
            Emit("return");
            Close();
        }
        else { Expression(0); Emit("local.set " + Writable()); }
    }

    /// <summary>
    /// A loop that counts a local of its own down from a bound, tested at its top (so a branch back to it continues), or,
    /// one time in four, at its bottom with <c>br_if</c> back (never continued). A <paramref name="hot"/> one (<c>$main</c>'s
    /// own) turns often enough to be compiled, and may trap on one of its last turns: in compiled code.
    /// </summary>
    private void Loop(bool hot = false)
    {
        string counter = $"$i{counters++}";
        protectedLocals.Add(counter);
        if (hot) Const(Math.Max(5, (int)(random.Next(8, 40) * scale)));
        else Bound();
        Emit("local.set " + counter);
        if (random.NextDouble() < 0.25)
        {
            var loop = Open("loop", 0, false);
            if (hot && trapInMainLoop) Trap();
            Statements(1 + random.Next(3));
            Emit("local.get " + counter);
            Const(1);
            Emit("i64.sub");
            Emit("local.tee " + counter);
            Const(0);
            Emit("i64.gt_s");
            Emit("br_if " + loop.Name);
            Close();
        }
        else
        {
            var exit = Open("block", 0, false);
            var loop = Open("loop", 0, true);
            Emit("local.get " + counter);
            Const(1);
            Emit("i64.lt_s");
            Emit("br_if " + exit.Name);
            Emit("local.get " + counter);
            Const(1);
            Emit("i64.sub");
            Emit("local.set " + counter);
            if (hot && trapInMainLoop) Trap();
            Statements(1 + random.Next(3));
            Emit("br " + loop.Name);
            Close();
            Close();
        }
        protectedLocals.Remove(counter);
    }

    /// <summary>A loop's bound: a small constant, <c>$main</c>'s argument, or a value masked small.</summary>
    private void Bound()
    {
        int most = Math.Max(1, (int)(24 * scale));
        int choice = random.Next(10);
        if (choice < 6) Const(random.Next(-1, most + 1));
        else if (choice < 8 && locals.Contains("$n")) Emit("local.get $n");
        else
        {
            Expression(1);
            Const(Math.Max(1, most / 2));
            Emit("i64.rem_s");
        }
    }

    /// <summary><c>br_table</c> over nested blocks, a case each, whose entries include enclosing labels (exits and continues).</summary>
    private void Table()
    {
        var done = Open("block", 0, false);
        int cases = 1 + random.Next(4);
        var caseLabels = new List<Label>();
        for (int i = 0; i < cases; i++) caseLabels.Insert(0, Open("block", 0, false));
        Expression(1);
        var entries = new List<string>();
        for (int i = 0, n = 1 + random.Next(5); i < n; i++)
            entries.Add(random.NextDouble() < 0.75 || Target(arity: 0) is not { } outer ? caseLabels[random.Next(cases)].Name : outer.Name);
        Emit("br_table " + string.Join(' ', entries));
        for (int i = 0; i < cases; i++)
        {
            Close();
            Statements(random.Next(3));
            if (i < cases - 1 && random.NextDouble() < 0.7) Emit("br " + done.Name);
        }
        Close();
    }

    /// <summary>A trap: unreachable, a division by zero or of long.MinValue by -1, memory out of range; mostly when a counter reaches a value.</summary>
    private void Trap()
    {
        errorsLeft = Math.Max(0, errorsLeft - 1);
        string? counter = protectedLocals.LastOrDefault(l => l.StartsWith("$i", StringComparison.Ordinal));
        // The innermost loop's counter (the list is in the order the loops were opened).
        bool guarded = counter is not null && random.NextDouble() < 0.8;
        if (guarded)
        {
            Emit("local.get " + counter);
            Const(random.Next(4));
            Emit("i64.eq");
            Open("if", 0, false);
        }
        switch (random.Next(4))
        {
            case 0: Emit("unreachable"); break;
            case 1: Expression(1); Const(0); Emit("i64.div_s"); Emit("drop"); break;
            case 2: Const(long.MinValue); Const(-1); Emit(random.Next(2) == 0 ? "i64.div_s" : "i64.rem_s"); Emit("drop"); break;
            default: Const(random.Next(2) == 0 ? -1 : AddressMask + Offsets); Emit("i64.load"); Emit("drop"); break;
        }
        if (guarded) Close();
    }

    // ---- Expressions: each pushes exactly one value. ----

    private void Expression(int depth)
    {
        int choice = depth >= 3 ? random.Next(30) : random.Next(100);
        if (choice < 15) Const(Constant());
        else if (choice < 30) Emit("local.get " + locals[random.Next(locals.Count)]);
        else if (choice < 52)
        {
            Expression(depth + 1);
            // A branch out between the operands: the stack holds the first one above the label's height.
            // It carries the first operand out of a (result) block, or drops it leaving one that carries nothing.
            if (random.NextDouble() < 0.1 && Target(arity: random.Next(2)) is { } target) { Expression(depth + 1); Emit("br_if " + target.Name); }
            Expression(depth + 1);
            Emit(Binary[random.Next(Binary.Length)]);
        }
        else if (choice < 58)
        {
            Expression(depth + 1);
            Divisor(depth + 1);
            Emit(random.Next(2) == 0 ? "i64.div_s" : "i64.rem_s");
        }
        else if (choice < 62) { Expression(depth + 1); Emit("i64.eqz"); }
        else if (choice < 66) { Expression(depth + 1); Emit("local.tee " + Writable()); }
        else if (choice < 74) { Address(); Emit(Offset("i64.load")); }
        else if (choice < 80 && Callable() is { } callee)
        {
            if (callee.Recursive)
            {
                // The depth: one less for a self call, small for another's.
                if (callee == current) { Emit("local.get $p0"); Const(1); Emit("i64.sub"); }
                else Const(random.Next(6));
            }
            for (int i = callee.Recursive ? 1 : 0; i < callee.Parameters; i++) Expression(depth + 1);
            Emit("call " + callee.Name);
        }
        else if (choice < 84) { Expression(depth + 1); Expression(depth + 1); Expression(depth + 1); Emit("select"); }
        else if (choice < 92)
        {
            // A value carried out of a (result) block past another on the stack, or left by the fall-through.
            var block = Open("block", 1, false);
            bool extra = random.Next(2) == 0;
            if (extra) Expression(depth + 1);
            Expression(depth + 1);
            Expression(depth + 1);
            Emit("br_if " + block.Name);
            if (extra) Emit(Binary[random.Next(Binary.Length)]);
            if (random.Next(3) == 0) { Expression(depth + 1); Emit("br " + block.Name); }
            Close();
        }
        else
        {
            Expression(depth + 1);
            Open("if", 1, false);
            Expression(depth + 1);
            Else();
            Expression(depth + 1);
            Close();
        }
    }

    /// <summary>A divisor: a nonzero constant other than -1, or <c>x * x + 1</c> (never 0 nor -1 in 64-bit arithmetic).</summary>
    private void Divisor(int depth)
    {
        if (random.Next(3) == 0)
        {
            long value;
            do value = Constant(); while (value is 0 or -1);
            Const(value);
            return;
        }
        Expression(depth);
        Emit("local.tee $t");
        Emit("local.get $t");
        Emit("i64.mul");
        Const(1);
        Emit("i64.add");
    }

    /// <summary>An address in the memory: a value masked to its first words (a load or store adds an offset below <see cref="Offsets"/>).</summary>
    private void Address()
    {
        if (random.Next(4) == 0) { Const(random.Next(AddressMask + 1)); return; }
        Expression(2);
        Const(AddressMask);
        Emit("i64.and");
    }

    private string Offset(string instruction) => random.Next(3) == 0 ? $"{instruction} offset={random.Next(Offsets)}" : instruction;

    private long Constant() => random.Next(3) == 0 ? EdgeConstants[random.Next(EdgeConstants.Length)] : random.Next(-20, 100);

    /// <summary>A function this one may call: a helper defined before it, or itself when recursive (a few times); null when none.</summary>
    private Shape? Callable()
    {
        if (callsLeft <= 0) return null;
        var candidates = helpers.TakeWhile(h => h != current).ToList();
        if (selfCallsLeft > 0 && !baseCase) candidates.Add(current);
        if (candidates.Count == 0) return null;
        var callee = candidates[random.Next(candidates.Count)];
        callsLeft--;
        if (callee == current) selfCallsLeft--;
        return callee;
    }

    /// <summary>A local the code may write: not a parameter of a recursion's depth nor a loop's counter.</summary>
    private string Writable()
    {
        var writable = locals.Where(l => !protectedLocals.Contains(l)).ToList();
        return writable[random.Next(writable.Count)];
    }

    /// <summary>An enclosing label a branch carrying <paramref name="arity"/> values may go to; a loop only when it may be continued.</summary>
    private Label? Target(int arity)
    {
        var candidates = labels.Where(l => l.Arity == arity && (l.Instruction != "loop" || l.Continuable)).ToList();
        return candidates.Count > 0 ? candidates[random.Next(candidates.Count)] : null;
    }

    private Label Open(string instruction, int arity, bool continuable)
    {
        var label = new Label($"$L{labelCount++}", instruction, arity, continuable);
        Emit($"{instruction} {label.Name}{(arity > 0 ? " (result)" : "")}");
        labels.Add(label);
        indent++;
        return label;
    }

    /// <summary>An <c>else</c>, at the indentation of its <c>if</c>.</summary>
    private void Else()
    {
        indent--;
        Emit("else");
        indent++;
    }

    private void Close()
    {
        indent--;
        labels.RemoveAt(labels.Count - 1);
        Emit("end");
    }

    private void Const(long value) => Emit("i64.const " + value.ToString(CultureInfo.InvariantCulture));

    private void Emit(string line) => code.Append(' ', 2 * indent).AppendLine(line);
}
