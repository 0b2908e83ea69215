using System.Globalization;
using System.Text;

namespace PeJit.Fuzzing.Generation;

/// <summary>
/// Random programs of the Lua-like language (Examples/Lua), one statement a line, so that the shrinker can
/// remove lines and the parser rejects what no longer fits. Variables are typed by the generator (numbers,
/// strings, tables, functions), so that most operations succeed and the errors come where they are put on
/// purpose. Loops end by construction: numeric <c>for</c> loops with constant bounds (integer and float, up and
/// down, with steps), <c>while</c> loops whose counter the first line of the body steps (and that only it
/// writes), <c>while true</c> loops left by <c>break</c>; nested up to three deep. Functions: local and global
/// helpers calling only the ones before them, recursive functions whose depth every call makes smaller,
/// closures over the chunk's locals (upvalues, cells) and over loop variables (a fresh cell each turn),
/// tables of closures. Values: integers with edge cases (wrapping overflow, <c>MinValue // -1</c>,
/// <c>% -1</c>), floats (infinities, NaN, <c>-0.0</c>), integer and float mixed, strings and concatenation,
/// tables with an array and a hash part (float keys that are integers). Errors: in some programs at one turn
/// of a loop, uncaught (the program ends with the error and its line), and everywhere inside <c>pcall</c>:
/// integer division and modulo by zero, arithmetic on nil, strings and tables, comparisons of numbers with
/// nil, indexing nil, calling nil, concatenating a table, the length of a number, nil and NaN table keys,
/// <c>error</c> with a string, a number and a table, a zero <c>for</c> step, a stack overflow.
/// </summary>
public sealed class LuaGenerator
{
    private enum Kind { Number, Text, Table, Function }

    private sealed record Variable(string Name, Kind Kind, bool Writable, int Arity = 0);

    private static readonly string[] IntegerConstants =
        ["0", "1", "2", "3", "7", "-1", "255", "2147483647", "-2147483648", "4294967296", "9223372036854775807",
         "(-9223372036854775807 - 1)", "0x7fffffffffffffff", "0xff", "-9223372036854775807"];

    private static readonly string[] FloatConstants =
        ["0.5", "2.5", "-1.25", "0.0", "-0.0", "1e300", "-1e300", "1e-310", "3.0", "9007199254740993.0", "1e15", "0.1", "100.0"];

    private static readonly string[] ErrorMessages =
    [
        "missing + 1", "1 < missing", "missing.x", "missing(1)", "\"a\" + 1", "{} - 1", "#5", "- \"a\"", "\"x\" .. {}", "1 // 0", "7 % 0",
    ];

    private readonly Random random;
    private readonly double scale;
    private readonly bool uncaughtError;
    private readonly StringBuilder text = new();
    private int indent, names, loopDepth, functionDepth;
    private readonly List<Variable> scope = [];
    private bool errorPlaced;

    private LuaGenerator(Random random, double scale)
    {
        this.random = random;
        this.scale = scale;
        uncaughtError = random.Next(4) == 0;
    }

    /// <summary>A program made from <paramref name="random"/>; <paramref name="scale"/> (0 to 1) makes its loops shorter.</summary>
    public static string Generate(Random random, double scale = 1.0) => new LuaGenerator(random, scale).Program();

    private string Program()
    {
        // 1. Data: numbers, strings, a table or two, a global.
        int numbers = 2 + random.Next(3);
        for (int i = 0; i < numbers; i++) Local(Kind.Number, random.Next(2) == 0 ? Integer() : Float());
        Local(Kind.Text, Text());
        Local(Kind.Table, TableConstructor());
        if (random.Next(2) == 0) Local(Kind.Table, "{}");
        if (random.Next(2) == 0)
        {
            Line($"g{names} = {Integer()}");
            scope.Add(new Variable($"g{names++}", Kind.Number, true));
        }
        // 2. Functions.
        int helpers = random.Next(4);
        for (int h = 0; h < helpers; h++)
        {
            switch (random.Next(5))
            {
                case 0: Recursive(); break;
                case 1: Counter(); break;
                default: Helper(global: random.Next(3) == 0); break;
            }
        }
        // 3. Loops, and statements between them.
        int groups = 1 + random.Next(3);
        for (int g = 0; g < groups; g++)
        {
            Loop();
            if (random.Next(2) == 0) Statement(allowLoop: false);
        }
        if (random.Next(3) == 0) ProtectedCall();
        Line($"print({Arguments()})");
        return text.ToString();
    }

    private void Line(string line) => text.Append(' ', 2 * indent).Append(line).Append('\n');

    private void Open(string header)
    {
        Line(header);
        indent++;
    }

    private void Close()
    {
        indent--;
        Line("end");
    }

    private string Name(string prefix) => $"{prefix}{names++}";

    private void Local(Kind kind, string value)
    {
        string name = Name(kind switch { Kind.Number => "n", Kind.Text => "s", Kind.Table => "t", _ => "f" });
        Line($"local {name} = {value}");
        scope.Add(new Variable(name, kind, true));
    }

    private List<Variable> Of(Kind kind, bool writable = false) => scope.Where(v => v.Kind == kind && (!writable || v.Writable)).ToList();

    private Variable? Any(Kind kind, bool writable = false)
    {
        var candidates = Of(kind, writable);
        return candidates.Count == 0 ? null : candidates[random.Next(candidates.Count)];
    }

    // ---- functions ----

    private void Helper(bool global)
    {
        string name = Name(global ? "G" : "h");
        int arity = 1 + random.Next(3);
        var parameters = Enumerable.Range(0, arity).Select(i => $"p{names}_{i}").ToList();
        names++;
        Open(global ? $"function {name}({string.Join(", ", parameters)})" : $"local function {name}({string.Join(", ", parameters)})");
        int mark = Enter(parameters);
        Statements(1 + random.Next(3), allowLoop: true);
        if (random.Next(4) == 0)
        {
            Open($"if {Condition(1)} then");
            Line($"return {Number(2)}");
            Close();
        }
        Line($"return {Number(2)}");
        Leave(mark);
        Close();
        scope.Add(new Variable(name, Kind.Function, false, arity));
    }

    /// <summary>A recursive local function whose first parameter, a depth, every call makes smaller.</summary>
    private void Recursive()
    {
        string name = Name("r");
        Open($"local function {name}(d, x)");
        int mark = Enter(["x"]);
        scope.Add(new Variable("d", Kind.Number, false));
        Line($"if d <= 0 then return {Number(1)} end");
        if (random.Next(2) == 0) Statement(allowLoop: false);
        string call = $"{name}(d - 1, {Number(1)})";
        Line(random.Next(3) == 0 ? $"return {call} + {name}(d - 2, {Number(1)})" : $"return {call} {Pick("+", "-", "*", "//")} {(random.Next(2) == 0 ? "2" : "x")}");
        Leave(mark);
        Close();
        scope.Add(new Variable(name, Kind.Function, false, -1));
    }

    /// <summary>A closure over a chunk local (a cell): each call adds to it and returns it.</summary>
    private void Counter()
    {
        string cell = Name("c");
        Line($"local {cell} = {Integer()}");
        string name = Name("k");
        Open($"local function {name}(step)");
        Line($"{cell} = {cell} + step");
        Line($"return {cell}");
        Close();
        scope.Add(new Variable(cell, Kind.Number, true));
        scope.Add(new Variable(name, Kind.Function, false, 1));
    }

    private int Enter(IEnumerable<string> parameters)
    {
        int mark = scope.Count;
        foreach (var p in parameters) scope.Add(new Variable(p, Kind.Number, true));
        functionDepth++;
        return mark;
    }

    private void Leave(int mark)
    {
        functionDepth--;
        scope.RemoveRange(mark, scope.Count - mark);
    }

    /// <summary>A call of a function in scope, as a number; null when there is none.</summary>
    private string? Call(int depth)
    {
        var function = Any(Kind.Function);
        if (function is null) return null;
        if (function.Arity < 0) return $"{function.Name}({random.Next(6)}, {Number(Math.Max(0, depth - 1))})";
        return $"{function.Name}({string.Join(", ", Enumerable.Range(0, function.Arity).Select(_ => Number(Math.Max(0, depth - 1))))})";
    }

    // ---- statements ----

    private void Statements(int count, bool allowLoop)
    {
        for (int i = 0; i < count; i++) Statement(allowLoop);
    }

    private void Statement(bool allowLoop)
    {
        switch (random.Next(allowLoop && loopDepth < 3 ? 17 : 15))
        {
            case 0: case 1: case 2:
                Assign();
                break;
            case 3:
                Line($"print({Arguments()})");
                break;
            case 4:
            {
                Open($"if {Condition(2)} then");
                Block(1 + random.Next(2), allowLoop);
                if (random.Next(3) == 0)
                {
                    indent--;
                    Line($"elseif {Condition(2)} then");
                    indent++;
                    Block(1, allowLoop);
                }
                if (random.Next(2) == 0)
                {
                    indent--;
                    Line("else");
                    indent++;
                    Block(1 + random.Next(2), allowLoop);
                }
                Close();
                break;
            }
            case 5:
                Open("do");
                Block(1 + random.Next(2), allowLoop: false, declare: true);
                Close();
                break;
            case 6:
                TableStatement();
                break;
            case 7:
                TextStatement();
                break;
            case 8:
                ProtectedCall();
                break;
            case 9:
                if (Call(2) is { } call) Line(call);
                else Assign();
                break;
            case 10:
            {
                // Several targets, all values evaluated first.
                var targets = Of(Kind.Number, writable: true);
                if (targets.Count >= 2)
                {
                    var a = targets[random.Next(targets.Count)];
                    var b = targets[random.Next(targets.Count)];
                    if (a != b)
                    {
                        Line(random.Next(2) == 0 ? $"{a.Name}, {b.Name} = {b.Name}, {a.Name}" : $"{a.Name}, {b.Name} = {Number(1)}, {Number(1)}");
                        break;
                    }
                }
                Assign();
                break;
            }
            case 11:
                if (random.Next(2) == 0)
                {
                    Line($"local {Name("z")}, {Name("z")} = {Number(1)}");
                    break;
                }
                // A table made in the loop (a new one each turn), read at once.
                string fresh = Name("u");
                Line($"local {fresh} = {TableConstructor()}");
                Line($"{Target()} = {fresh}[{Key()}] or #{fresh}");
                break;
            case 12:
            {
                // A closure over whatever is in scope (in a loop, the loop variable's fresh cell), called at once and kept.
                var table = Any(Kind.Table, writable: true);
                string f = Name("q");
                Line($"local {f} = function(y) return y + {Number(1)} end");
                if (table is not null) Line($"{table.Name}.fn = {f}");
                Line($"{Target()} = {f}({Number(1)})");
                break;
            }
            case 13: case 14:
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
        if (declare) Local(Kind.Number, Number(1));
        Statements(count, allowLoop);
        scope.RemoveRange(mark, scope.Count - mark);
    }

    private string Target() => Any(Kind.Number, writable: true)!.Name;

    private void Assign() => Line($"{Target()} = {Number(3)}");

    private void TableStatement()
    {
        var table = Any(Kind.Table, writable: true);
        if (table is null)
        {
            Assign();
            return;
        }
        string t = table.Name;
        switch (random.Next(7))
        {
            case 0: Line($"{t}[#{t} + 1] = {Number(1)}"); break;
            case 1: Line($"{t}.x = {Number(2)}"); break;
            case 2: Line($"{t}[{Key()}] = {Number(1)}"); break;
            case 3: Line($"{Target()} = ({t}[{Key()}] or {Number(1)}) + #{t}"); break;
            case 4: Line($"{t}[#{t}] = nil"); break;
            case 5: Line($"{Target()} = {t}.x or {Number(1)}"); break;
            default: Line($"{t}[\"k\" .. {Number(0)}] = {Number(1)}"); break;
        }
    }

    /// <summary>A table key: a small integer, a float with an integer value (the same key), a counter, a string.</summary>
    private string Key() => random.Next(5) switch
    {
        0 => random.Next(1, 9).ToString(CultureInfo.InvariantCulture),
        1 => $"{random.Next(1, 9)}.0",
        2 => Any(Kind.Number)?.Name is { } n ? $"{n} % 5" : "1",
        3 => "\"x\"",
        _ => Pick("1", "2", "3", "0", "-1"),
    };

    private void TextStatement()
    {
        var s = Any(Kind.Text, writable: true);
        if (s is null)
        {
            Assign();
            return;
        }
        switch (random.Next(5))
        {
            // Bounded: the string never grows past 24 characters.
            case 0: Line($"{s.Name} = string.sub({s.Name} .. {Number(1)}, -24)"); break;
            case 1: Line($"{s.Name} = {Text()} .. tostring({Number(1)})"); break;
            case 2: Line($"{Target()} = #{s.Name} + {Number(1)}"); break;
            case 3: Line($"{s.Name} = type({Pick(s.Name, Target(), "nil", "true", "{}", "print")}) .. {s.Name}"); break;
            default:
                var table = Any(Kind.Table);
                Line(table is null ? $"{s.Name} = string.sub({s.Name}, 2, 9)" : $"{s.Name} = string.sub(table.concat({table.Name}, \",\"), 1, 20)");
                break;
        }
    }

    /// <summary>A <c>pcall</c> of a function that may fail, its result printed (a table error value as its type).</summary>
    private void ProtectedCall()
    {
        string ok = Name("ok"), e = Name("e");
        switch (random.Next(6))
        {
            case 0:
                Line($"local {ok}, {e} = pcall(function(a) return a + {ErrorExpression()} end, {Number(1)})");
                break;
            case 1:
                Line($"local {ok}, {e} = pcall(error, {Pick("\"raised\"", "42", "nil")})");
                break;
            case 2:
                Line($"local {ok}, {e} = pcall(function() error({{code = {Number(1)}}}) end)");
                Line($"if not {ok} then {e} = type({e}) .. {e}.code end");
                break;
            case 3:
            {
                // Deep recursion: 'stack overflow' past 200 Lua calls.
                string f = Name("deep");
                Line($"local {f}");
                Line($"{f} = function(k) return {f}(k + 1) + 1 end");
                Line($"local {ok}, {e} = pcall({f}, 0)");
                break;
            }
            case 4 when Any(Kind.Function) is { } function:
            {
                var args = function.Arity < 0 ? $"{random.Next(5)}, {Number(1)}" : string.Join(", ", Enumerable.Range(0, function.Arity).Select(_ => Number(1)));
                Line($"local {ok}, {e} = pcall({function.Name}, {args})");
                break;
            }
            default:
            {
                // A loop that fails at one turn, inside pcall: the error leaves compiled code.
                Open($"local {ok}, {e} = pcall(function()");
                string i = Name("i");
                int turns = Turns(30);
                int at = Math.Min(turns, 3 + random.Next(Math.Max(1, turns)));
                Open($"for {i} = 1, {turns} do");
                int mark = scope.Count;
                scope.Add(new Variable(i, Kind.Number, false));
                loopDepth++;
                Assign();
                Line($"if {i} == {at} then {Target()} = {ErrorExpression()} end");
                loopDepth--;
                scope.RemoveRange(mark, scope.Count - mark);
                Close();
                Line($"return {Number(1)}");
                indent--;
                Line("end)");
                break;
            }
        }
        Line($"print({ok}, {e})");
    }

    /// <summary>An expression that raises a run-time error.</summary>
    private string ErrorExpression() => random.Next(3) == 0 ? $"(function() error({Pick("\"boom\"", "7")}) end)()" : ErrorMessages[random.Next(ErrorMessages.Length)];

    // ---- loops ----

    private int Turns(int max) => Math.Max(1, (int)((2 + random.Next(max)) * scale));

    private void Loop()
    {
        int max = loopDepth == 0 ? 40 : loopDepth == 1 ? 10 : 4;
        int turns = Turns(max);
        int mark = scope.Count;
        string counter = Name("i");
        int at = Math.Min(turns, 3 + random.Next(Math.Max(1, turns)));
        string? whileCounter = null;
        switch (random.Next(8))
        {
            case 0: case 1:
                Open($"for {counter} = 1, {turns} do");
                break;
            case 2:
                Open($"for {counter} = {turns}, 1, -1 do");
                at = Math.Max(1, turns - at + 1);
                break;
            case 3:
            {
                int step = 2 + random.Next(3);
                Open($"for {counter} = 0, {turns * step - 1}, {step} do");
                at = step * (at - 1);
                break;
            }
            case 4:
                // A float loop: the counter is a float.
                Open($"for {counter} = 0.5, {(turns / 2.0 + 0.25).ToString("0.00", CultureInfo.InvariantCulture)}, 0.5 do");
                at = -1;
                break;
            case 5:
                Line($"local {counter} = 0");
                Open($"while {counter} < {turns} do");
                Line($"{counter} = {counter} + 1");
                whileCounter = counter;
                break;
            case 6:
                Line($"local {counter} = {turns}");
                Open($"while {counter} > 0 do");
                Line($"{counter} = {counter} - 1");
                at = Math.Max(0, turns - at);
                whileCounter = counter;
                break;
            default:
                Line($"local {counter} = 0");
                Open("while true do");
                Line($"{counter} = {counter} + 1");
                Line($"if {counter} > {turns} then break end");
                whileCounter = counter;
                break;
        }
        scope.Add(new Variable(counter, Kind.Number, false));
        loopDepth++;
        Block(1 + random.Next(4), allowLoop: true, declare: random.Next(3) == 0);
        if (random.Next(6) == 0 && at >= 0) Line($"if {counter} == {at} then break end");
        if (random.Next(8) == 0 && functionDepth > 0 && at >= 0) Line($"if {counter} == {at} then return {Number(1)} end");
        if (uncaughtError && !errorPlaced && at >= 0 && random.Next(2) == 0)
        {
            // The program's error: at one turn, past the threshold, so in compiled code.
            errorPlaced = true;
            Line($"if {counter} == {at} then {Target()} = {ErrorExpression()} end");
        }
        loopDepth--;
        Close();
        // A while loop's counter stays in scope after the loop, readable.
        scope.RemoveRange(mark, scope.Count - mark);
        if (whileCounter is not null) scope.Add(new Variable(whileCounter, Kind.Number, false));
    }

    // ---- expressions ----

    private string Arguments()
    {
        int count = 1 + random.Next(3);
        var items = new List<string>();
        for (int i = 0; i < count; i++)
            items.Add(random.Next(5) switch
            {
                0 => Condition(1),
                1 => Any(Kind.Text)?.Name ?? Text(),
                2 => Pick("nil", "true", "false"),
                _ => Number(2),
            });
        return string.Join(", ", items);
    }

    private string Condition(int depth) => random.Next(8) switch
    {
        0 => $"not {Operand(Condition(Math.Max(0, depth - 1)))}",
        1 when depth > 0 => $"({Condition(depth - 1)} {Pick("and", "or")} {Condition(depth - 1)})",
        2 when Any(Kind.Text) is { } s => $"{s.Name} {Pick("<", "<=", "==", "~=", ">")} {Text()}",
        3 => $"{Number(1)} {Pick("==", "~=")} {Pick("nil", Number(0), "\"1\"")}",
        _ => $"{Number(Math.Max(0, depth))} {Pick("<", "<=", ">", ">=", "==", "~=")} {Number(Math.Max(0, depth))}",
    };

    /// <summary>An expression whose value is a number (integer or float).</summary>
    private string Number(int depth)
    {
        if (depth <= 0) return Leaf();
        switch (random.Next(14))
        {
            case 0: case 1: return Leaf();
            case 2: return $"(- {Number(depth - 1)})";
            case 3 when Call(depth) is { } call: return call;
            case 4: return $"({Condition(depth - 1)} and {Number(depth - 1)} or {Number(depth - 1)})";
            case 5: return $"math.floor({Number(depth - 1)})";
            case 6 when Any(Kind.Table) is { } t: return random.Next(2) == 0 ? $"#{t.Name}" : $"({t.Name}[{Key()}] or {Number(0)})";
            case 7 when Any(Kind.Text) is { } s: return $"#{s.Name}";
            case 8: return $"({Number(depth - 1)} {Pick("//", "%")} {Divisor(depth - 1)})";
            default: return $"({Number(depth - 1)} {Pick("+", "-", "*", "/", "^", "+", "-", "*")} {Number(depth - 1)})";
        }
    }

    /// <summary>A divisor that is never the integer 0 (a float zero is no error: infinity or NaN).</summary>
    private string Divisor(int depth) => random.Next(4) switch
    {
        0 => Pick("2", "3", "-1", "7", "-7", "0.0", "2.5", "1000", "4294967296"),
        1 => $"({Number(depth)} % 7 + 8)",
        2 => "-1",
        _ => $"({Number(depth)} % 5 - 9)",
    };

    private string Leaf() => random.Next(4) switch
    {
        0 => Integer(),
        1 => Float(),
        _ => Any(Kind.Number)?.Name ?? Integer(),
    };

    private string Integer() => random.Next(3) switch
    {
        0 => IntegerConstants[random.Next(IntegerConstants.Length)],
        1 => random.Next(-20, 100).ToString(CultureInfo.InvariantCulture),
        _ => random.NextInt64(0, long.MaxValue).ToString(CultureInfo.InvariantCulture),
    };

    private string Float() => random.Next(2) == 0 ? FloatConstants[random.Next(FloatConstants.Length)]
        : (random.NextDouble() * 200 - 100).ToString("0.0###", CultureInfo.InvariantCulture);

    private string Text() => Pick("\"\"", "\"a\"", "'b c'", "\"10\"", "[[long]]", "\"x\\ty\"", "\"-\"");

    private string TableConstructor() => random.Next(3) switch
    {
        0 => $"{{{Number(0)}, {Number(0)}, {Number(0)}}}",
        1 => $"{{x = {Number(0)}, {Number(0)}, [3] = {Number(0)}}}",
        _ => $"{{{Number(0)}, 2.5, x = 1, [\"y\"] = 2}}",
    };

    private static string Operand(string e) => e.StartsWith('(') ? e : "(" + e + ")";

    private string Pick(params string[] options) => options[random.Next(options.Length)];
}
