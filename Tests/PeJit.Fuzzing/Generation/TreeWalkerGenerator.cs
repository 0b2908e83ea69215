using System.Globalization;
using System.Text;

namespace PeJit.Fuzzing.Generation;

/// <summary>
/// Random programs of the tree-walker's language (Examples/TreeWalker), one statement or brace a line, so that
/// the shrinker can remove lines and the parser rejects what no longer fits. Loops are counted by construction:
/// a counter declared before its loop, read by the body but written only by the loop's own step, in four
/// shapes (up with <c>&lt;</c>, down with <c>&gt;</c>, down while not zero, up by a step with <c>!=</c>),
/// nested up to three deep. Helpers call only the helpers before them; recursive helpers take a depth that
/// every call makes smaller. Every node kind appears: every operator, calls as expressions and as statements,
/// blocks, ifs with and without else, prints, returns from inside loops. Divisors are made safe (a constant
/// that is neither 0 nor -1, or <c>(e % 7 + 8)</c>) except in a quarter of the programs, which divide by
/// zero or <c>long.MinValue</c> by -1 when a loop counter reaches a value, in compiled code.
/// </summary>
public sealed class TreeWalkerGenerator
{
    /// <summary>The operators, as the parser reads them.</summary>
    public static readonly string[] Operators = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">="];

    /// <summary><c>long.MinValue</c>, which has no literal (a literal is a positive number; <c>-</c> is the negation node).</summary>
    public const string MinValue = "(-9223372036854775807 - 1)";

    private static readonly string[] EdgeConstants =
        ["0", "1", "2", "7", "-1", "255", "2147483647", "2147483648", "-2147483648", "4294967296", "9223372036854775807", MinValue, "-9223372036854775807"];

    private readonly Random random;
    private readonly double scale;
    private readonly bool errors;
    private readonly StringBuilder text = new();
    private int indent;

    // The function being written.
    private readonly List<(string Name, bool Counter)> scope = [];
    private readonly List<(string Name, int Arity, bool Recursive)> functions = [];
    private (string Name, int Arity)? self;
    private int loops, locals, loopDepth;
    private bool inMain, failurePlaced;

    private TreeWalkerGenerator(Random random, double scale)
    {
        this.random = random;
        this.scale = scale;
        errors = random.Next(4) == 0;
    }

    /// <summary>A program made from <paramref name="random"/>; <paramref name="scale"/> (0 to 1) makes its loops shorter and its functions smaller.</summary>
    public static string Generate(Random random, double scale = 1.0) => new TreeWalkerGenerator(random, scale).Program();

    private string Program()
    {
        int helpers = random.Next(4);
        for (int h = 0; h < helpers; h++)
        {
            if (random.Next(3) == 0) Recursive($"r{h}");
            else Helper($"h{h}");
        }
        Main();
        return text.ToString();
    }

    private void Line(string line) => text.Append(' ', 4 * indent).Append(line).Append('\n');

    private void Open(string header)
    {
        Line(header + " {");
        indent++;
    }

    private void Close()
    {
        indent--;
        Line("}");
    }

    private void Begin(params string[] parameters)
    {
        scope.Clear();
        foreach (var p in parameters) scope.Add((p, false));
        loops = 0;
        locals = 0;
        loopDepth = 0;
    }

    private void Helper(string name)
    {
        int arity = 1 + random.Next(3);
        var parameters = Enumerable.Range(0, arity).Select(i => ((char)('a' + i)).ToString()).ToArray();
        Begin(parameters);
        self = null;
        Open($"func {name}({string.Join(", ", parameters)})");
        Declarations(1 + random.Next(2));
        Statements(2 + random.Next(4), allowLoop: true);
        if (random.Next(5) != 0) Line($"return {Expression(2)};");
        Close();
        functions.Add((name, arity, false));
    }

    /// <summary><c>rK(d, x)</c>: returns at depth 0; otherwise calls itself once or twice with <c>d - 1</c>.</summary>
    private void Recursive(string name)
    {
        Begin("d", "x");
        // The depth is read, never written: every call makes it smaller.
        scope[0] = ("d", true);
        Open($"func {name}(d, x)");
        Open("if (d <= 0)");
        Line($"return {Expression(1)};");
        Close();
        self = (name, 2);
        Declarations(1);
        Statements(1 + random.Next(3), allowLoop: random.Next(3) == 0);
        string call = $"{name}((d - 1), {Expression(1)})";
        Line(random.Next(3) == 0 ? $"return ({call} + {name}((d - 1), {Expression(1)}));" : $"return ({call} {Pick("+", "-", "*")} {Expression(1)});");
        Close();
        self = null;
        functions.Add((name, 2, true));
    }

    private void Main()
    {
        Begin();
        inMain = true;
        self = null;
        bool parameter = random.Next(6) == 0;
        Open(parameter ? $"func main(n = {random.Next(1, 9)})" : "func main()");
        if (parameter) scope.Add(("n", false));
        Declarations(2 + random.Next(3));
        int groups = 1 + random.Next(3);
        for (int g = 0; g < groups; g++)
        {
            Loop();
            if (random.Next(2) == 0) Statement(allowLoop: false);
        }
        Line($"print {Expression(2)};");
        if (random.Next(4) != 0) Line($"return {Expression(2)};");
        Close();
    }

    private void Declarations(int count)
    {
        for (int i = 0; i < count; i++)
        {
            string name = $"v{locals++}";
            Line($"var {name} = {(scope.Count > 0 && random.Next(2) == 0 ? Expression(1) : Constant())};");
            scope.Add((name, false));
        }
    }

    private void Statements(int count, bool allowLoop)
    {
        for (int i = 0; i < count; i++) Statement(allowLoop);
    }

    private void Statement(bool allowLoop)
    {
        int choice = random.Next(allowLoop && loopDepth < 3 ? 12 : 10);
        switch (choice)
        {
            case 0: case 1: case 2:
                Assign();
                break;
            case 3:
                Line($"print {Expression(2)};");
                break;
            case 4:
            {
                Open($"if ({Condition()})");
                Block(1 + random.Next(2), allowLoop);
                if (random.Next(2) == 0)
                {
                    indent--;
                    Line("} else {");
                    indent++;
                    Block(1 + random.Next(2), allowLoop);
                }
                Close();
                break;
            }
            case 5:
                // A bare block, with a variable of its own.
                Open("");
                Block(1 + random.Next(2), allowLoop: false, declare: true);
                Close();
                break;
            case 6:
                if (Callable() is { } call) Line(call + ";");
                else Assign();
                break;
            case 7:
                // A single statement as the branch of an if, without braces.
                Line($"if ({Condition()})");
                indent++;
                Line($"{Writable()} = {Expression(2)};");
                indent--;
                break;
            case 8: case 9:
                Assign();
                break;
            default:
                Loop();
                break;
        }
    }

    private void Block(int count, bool allowLoop, bool declare = false)
    {
        int mark = scope.Count;
        if (declare)
        {
            string name = $"v{locals++}";
            Line($"var {name} = {Expression(1)};");
            scope.Add((name, false));
        }
        Statements(count, allowLoop);
        scope.RemoveRange(mark, scope.Count - mark);
    }

    private void Assign() => Line($"{Writable()} = {Expression(3)};");

    private string Writable()
    {
        var data = scope.Where(v => !v.Counter).ToList();
        return data[random.Next(data.Count)].Name;
    }

    /// <summary>A counted loop in one of four shapes; its body may return early or fail on purpose at one turn.</summary>
    private void Loop()
    {
        string counter = $"i{loops++}";
        int max = loopDepth == 0 ? 40 : loopDepth == 1 ? 12 : 5;
        int turns = Math.Max(1, (int)((2 + random.Next(max)) * scale));
        int mark = scope.Count;
        int shape = random.Next(4);
        int step = 2 + random.Next(3);
        // The value the counter has at some turn past the threshold, for early returns and errors.
        long at;
        switch (shape)
        {
            case 0:
                Line($"var {counter} = 0;");
                Open($"while ({counter} < {turns})");
                at = Math.Min(turns - 1, 3 + random.Next(Math.Max(1, turns)));
                break;
            case 1:
                Line($"var {counter} = {turns};");
                Open($"while ({counter} > 0)");
                Line($"{counter} = ({counter} - 1);");
                at = Math.Max(0, turns - 4 - random.Next(Math.Max(1, turns)));
                break;
            case 2:
                Line($"var {counter} = {turns};");
                Open($"while ({counter})");
                Line($"{counter} = ({counter} - 1);");
                at = Math.Max(0, turns - 4 - random.Next(Math.Max(1, turns)));
                break;
            default:
                Line($"var {counter} = 0;");
                Open($"while ({counter} != {turns * step})");
                at = step * Math.Min(turns - 1, 3 + random.Next(Math.Max(1, turns)));
                break;
        }
        scope.Add((counter, true));
        loopDepth++;
        Block(1 + random.Next(4), allowLoop: true, declare: random.Next(3) == 0);
        if (loopDepth == 1 && random.Next(inMain ? 8 : 4) == 0)
        {
            // An early return at one turn of a function's outermost loop (in an inner loop it would come on the
            // outer loop's first turn): main's ends the program, a helper's its call.
            Open($"if ({counter} == {at})");
            Line($"return {Expression(2)};");
            Close();
        }
        // An error program fails in main's first loop (helpers may never be called), and maybe elsewhere too.
        if (errors && (random.Next(3) == 0 || (inMain && !failurePlaced)))
        {
            failurePlaced |= inMain;
            Failure(counter, at);
        }
        loopDepth--;
        if (shape == 0) Line($"{counter} = ({counter} + 1);");
        else if (shape == 3) Line($"{counter} = ({counter} + {step});");
        Close();
        scope.RemoveRange(mark, scope.Count - mark);
    }

    /// <summary>A division that fails when <paramref name="counter"/> is <paramref name="at"/>: by zero, or <c>long.MinValue</c> by -1.</summary>
    private void Failure(string counter, long at)
    {
        string target = Writable();
        switch (random.Next(5))
        {
            case 0: Line($"{target} = ({Expression(1)} / ({counter} - {at}));"); break;
            case 1: Line($"{target} = ({Expression(1)} % ({at} - {counter}));"); break;
            case 2:
                Open($"if ({counter} == {at})");
                Line($"{target} = ({MinValue} / ({counter} - {at + 1}));");
                Close();
                break;
            case 3:
                Open($"if ({counter} == {at})");
                Line($"{target} = ({MinValue} % ({counter} - {at + 1}));");
                Close();
                break;
            default:
                // The divisor is a variable: zero when the counter reaches the value.
                Line($"{target} = ({counter} - {at});");
                Line($"{target} = ({Expression(1)} / {target});");
                break;
        }
    }

    private string Condition() => random.Next(4) == 0 ? Expression(2) : Binary(Pick("==", "!=", "<", "<=", ">", ">="), 2);

    private string Expression(int depth)
    {
        if (depth <= 0) return Leaf();
        switch (random.Next(10))
        {
            case 0: case 1: return Leaf();
            case 2: return "-" + Operand(depth - 1);
            case 3 when Callable(depth - 1) is { } call: return call;
            // Arithmetic three times as often as comparisons, whose 0 or 1 would make most values small.
            default: return Binary(random.Next(4) == 0 ? Pick("==", "!=", "<", "<=", ">", ">=") : Pick("+", "-", "*", "/", "%", "+", "-", "*"), depth);
        }
    }

    /// <summary>An expression that can follow a unary minus: a leaf or a parenthesized expression.</summary>
    private string Operand(int depth)
    {
        var e = Expression(depth);
        return e.StartsWith('(') || char.IsLetterOrDigit(e[0]) ? e : "(" + e + ")";
    }

    private string Binary(string op, int depth)
    {
        string left = Expression(depth - 1);
        string right = op is "/" or "%" ? Divisor(depth - 1) : Expression(depth - 1);
        return $"({left} {op} {right})";
    }

    /// <summary>A divisor that is never 0, nor -1 (which overflows on <c>long.MinValue</c>).</summary>
    private string Divisor(int depth) => random.Next(3) switch
    {
        0 => Pick("2", "3", "7", "-2", "-5", "1000", "4294967296", "9223372036854775807"),
        1 => $"(({Expression(Math.Max(0, depth))} % 7) + 8)",
        _ => $"(({Expression(Math.Max(0, depth))} % 5) - 9)",
    };

    private string Leaf() => random.Next(3) == 0 || scope.Count == 0 ? Constant() : scope[random.Next(scope.Count)].Name;

    private string Constant() => random.Next(3) switch
    {
        0 => EdgeConstants[random.Next(EdgeConstants.Length)],
        1 => random.Next(-20, 100).ToString(CultureInfo.InvariantCulture),
        _ => random.NextInt64(0, long.MaxValue).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A call of an earlier helper, or of the recursive function being written with a smaller depth; null when there is none.</summary>
    private string? Callable(int depth = 1)
    {
        if (self is { } me && random.Next(3) == 0) return $"{me.Name}((d - 1), {Expression(Math.Max(0, depth - 1))})";
        if (functions.Count == 0) return null;
        var (name, arity, recursive) = functions[random.Next(functions.Count)];
        var arguments = new List<string>();
        if (recursive)
        {
            // Two self-calls a level: keep the depth small.
            arguments.Add(random.Next(7).ToString(CultureInfo.InvariantCulture));
            arguments.Add(Expression(Math.Max(0, depth - 1)));
        }
        else
        {
            for (int i = 0; i < arity; i++) arguments.Add(Expression(Math.Max(0, depth - 1)));
        }
        return $"{name}({string.Join(", ", arguments)})";
    }

    private string Pick(params string[] options) => options[random.Next(options.Length)];
}
