using System.Globalization;
using System.Text;
using PeJit.Backends;
using PeJit.Backends.Amd64;
using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.IR.Text;
using PeJit.IR.Verification;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Backends;

/// <summary>
/// Random residual graphs of the AMD64 backend's subset (arithmetic on every integer width, checked arithmetic,
/// shifts, compares, conversions, division by zero and MinValue / -1, array elements in and out of bounds, a
/// loop) run compiled by the AMD64 backend and on the graph evaluator (the IR's semantics) on the same arguments:
/// same result or same exception, same array contents afterwards.
/// </summary>
/// <remarks>
/// Not against the CIL backend: .NET may hoist a loop-invariant division out of a loop ahead of a bounds check
/// the loop makes first (<see cref="Amd64ExceptionOrderTests"/>), so a CIL unit can throw another exception than
/// the evaluator where native code does not.
/// </remarks>
[TestClass]
public sealed class Amd64RandomGraphTests
{
    private static readonly string[] Narrow = ["i8", "u8", "i16", "u16", "i32", "u32", "bool", "char"];
    private static readonly string[] Wide = ["i64", "u64", "nint"];

    [TestMethod]
    public void RandomGraphsRunAlikeOnBothBackends()
    {
        var random = new Random(1414);
        int returned = 0, threw = 0;
        for (int round = 0; round < 150; round++)
        {
            string text = Generate(random, round);
            var graph = IrParser.Parse(text);
            var errors = Verifier.Verify(graph);
            Assert.IsEmpty(errors, $"the generator made an invalid graph:\n{string.Join("\n", errors)}\n{text}");
            var resolver = new NameResolver();
            var evaluator = new GraphEvaluator(resolver) { MaxSteps = 10_000 };
            var native = new Amd64Backend { Registers = round % 3 == 0 ? 3 : 10 }.Compile(graph, typeof(Amd64RandomGraphTests).Module);
            foreach (var x in new[] { 0, 1, -1, 7, int.MinValue, int.MaxValue, 3 })
                foreach (var y in new[] { 0L, -1L, long.MinValue, 12345678901L, 2L })
                {
                    string expected = Outcome(arguments => evaluator.Evaluate(graph, arguments), x, y, round), actual = Outcome(native.Invoke, x, y, round);
                    Assert.AreEqual(expected, actual, $"round {round}, arguments ({x}, {y}):\n{text}");
                    if (expected.StartsWith("returns", StringComparison.Ordinal)) returned++; else threw++;
                }
        }
        // Both outcomes must be common, or the comparison tests only one side.
        Assert.IsGreaterThan(200, returned);
        Assert.IsGreaterThan(200, threw);
    }

    private static string Outcome(Func<object?[], object?> invoke, int x, long y, int round)
    {
        long[]? longs = round % 5 == 4 ? null : [3, -9, long.MaxValue, 40];
        byte[] bytes = [200, 1, 255];
        string result;
        try
        {
            result = "returns " + invoke([x, y, longs, bytes]);
        }
        catch (Exception e)
        {
            result = "throws " + e.GetType().Name;
        }
        return $"{result}; then {FileTestValues.Describe(longs)}, {FileTestValues.Describe(bytes)}";
    }

    private static string Generate(Random random, int round)
    {
        var text = new StringBuilder("""
            function "System.Int64 Demo::Random(System.Int32,System.Int64,System.Int64[],System.Byte[])" -> i64 {
            block0(v0 (x): i32, v1 (y): i64, v2 (longs): class "System.Int64[]", v3 (bytes): class "System.Byte[]"):

            """);
        int next = 4;
        var narrow = new List<string> { "v0" };
        var wide = new List<string> { "v1" };
        string Fresh() => "v" + (next++).ToString(CultureInfo.InvariantCulture);
        string Pick(List<string> pool) => pool[random.Next(pool.Count)];
        void Emit(List<string> pool, string line, string value)
        {
            text.Append("    ").AppendLine(line);
            pool.Add(value);
        }
        string[] interesting32 = ["0", "1", "-1", "31", "-2147483648", "2147483647", "255", "3"];
        string[] interesting64 = ["0", "1", "-1", "63", "-9223372036854775808", "9223372036854775807", "4294967296", "5"];
        for (int i = 0; i < 6; i++)
        {
            var v = Fresh();
            if (random.Next(2) == 0) Emit(narrow, $"{v}: i32 = const {interesting32[random.Next(interesting32.Length)]}", v);
            else Emit(wide, $"{v}: i64 = const {interesting64[random.Next(interesting64.Length)]}", v);
        }
        string[] binaries = ["add", "sub", "mul", "and", "or", "xor", "div", "rem", "div.un", "rem.un", "add.ovf", "sub.ovf", "mul.ovf", "add.ovf.un", "sub.ovf.un"];
        string[] shifts = ["shl", "shr", "shr.un"];
        string[] compares = ["ceq", "cne", "clt", "cle", "cgt", "cge", "clt.un", "cle.un", "cgt.un", "cge.un"];
        void RandomInstruction()
        {
            var v = Fresh();
            bool isWide = random.Next(2) == 0;
            var pool = isWide ? wide : narrow;
            string type = isWide ? "i64" : "i32";
            switch (random.Next(9))
            {
                case 0 or 1: Emit(pool, $"{v}: {type} = {binaries[random.Next(binaries.Length)]} {Pick(pool)}, {Pick(pool)}", v); break;
                case 2: Emit(pool, $"{v}: {type} = {shifts[random.Next(shifts.Length)]} {Pick(pool)}, {Pick(narrow)}", v); break;
                case 3: Emit(pool, $"{v}: {type} = {(random.Next(2) == 0 ? "neg" : "not")} {Pick(pool)}", v); break;
                case 4:
                {
                    text.Append("    ").AppendLine($"{v}: bool = {compares[random.Next(compares.Length)]} {Pick(pool)}, {Pick(pool)}");
                    var w = Fresh();
                    Emit(narrow, $"{w}: i32 = conv {v}", w);
                    break;
                }
                case 5:
                {
                    bool toWide = random.Next(3) == 0;
                    var target = toWide ? Wide[random.Next(Wide.Length)] : Narrow[random.Next(Narrow.Length)];
                    // No conv.un to an integer type: no IL instruction makes one, and the CIL backend emits it as conv
                    // (sign-extending an int32 source) where ValueSemantics, and so the AMD64 backend, zero-extend.
                    var source = random.Next(2) == 0 ? Pick(narrow) : Pick(wide);
                    text.Append("    ").AppendLine($"{v}: {target} = conv {source}");
                    if (target == "nint" || !toWide)
                    {
                        // Back to the pools' own types, so later instructions combine them freely.
                        var w = Fresh();
                        if (toWide) Emit(wide, $"{w}: i64 = conv {v}", w); else Emit(narrow, $"{w}: i32 = conv {v}", w);
                    }
                    else wide.Add(v);
                    break;
                }
                case 6: Emit(wide, $"{v}: i64 = ldelem i64 v2, {Pick(narrow)}", v); break;
                case 7: Emit(narrow, $"{v}: u8 = ldelem u8 v3, {Pick(narrow)}", v); break;
                default:
                    if (random.Next(2) == 0) text.Append("    ").AppendLine($"stelem i64 v2, {Pick(narrow)}, {Pick(wide)}");
                    else text.Append("    ").AppendLine($"stelem u8 v3, {Pick(narrow)}, {Pick(narrow)}");
                    break;
            }
        }
        for (int i = 0; i < 8 + round % 10; i++) RandomInstruction();
        // A loop of (x & 7) iterations carrying a counter and an accumulator.
        var (count, seven, zero, start) = (Fresh(), Fresh(), Fresh(), Fresh());
        text.AppendLine($"    {seven}: i32 = const 7").AppendLine($"    {count}: i32 = and v0, {seven}")
            .AppendLine($"    {zero}: i32 = const 0").AppendLine($"    {start}: i64 = conv {Pick(narrow)}")
            .AppendLine($"    jump block1({zero}, {start})");
        var (i0, acc, test) = (Fresh(), Fresh(), Fresh());
        text.AppendLine($"block1({i0}: i32, {acc}: i64):").AppendLine($"    {test}: bool = clt {i0}, {count}").AppendLine($"    brif {test}, block2, block3");
        text.AppendLine("block2:");
        narrow.Add(i0);
        wide.Add(acc);
        for (int i = 0; i < 3; i++) RandomInstruction();
        var (one, incremented, thirtyOne, scaled, mixed) = (Fresh(), Fresh(), Fresh(), Fresh(), Fresh());
        text.AppendLine($"    {one}: i32 = const 1").AppendLine($"    {incremented}: i32 = add {i0}, {one}")
            .AppendLine($"    {thirtyOne}: i64 = const 31").AppendLine($"    {scaled}: i64 = mul {acc}, {thirtyOne}")
            .AppendLine($"    {mixed}: i64 = xor {scaled}, {wide[^1]}")
            .AppendLine($"    jump block1({incremented}, {mixed})");
        // After the loop only what dominates it (block0's values and the loop header's) may be used.
        text.AppendLine("block3:");
        string sum = acc;
        foreach (var value in wide.Where(w => int.Parse(w[1..], CultureInfo.InvariantCulture) < int.Parse(i0[1..], CultureInfo.InvariantCulture)))
        {
            var s = Fresh();
            text.AppendLine($"    {s}: i64 = xor {sum}, {value}");
            sum = s;
        }
        foreach (var value in narrow.Where(w => int.Parse(w[1..], CultureInfo.InvariantCulture) < int.Parse(i0[1..], CultureInfo.InvariantCulture)))
        {
            var (c, s, m) = (Fresh(), Fresh(), Fresh());
            text.AppendLine($"    {c}: i64 = conv {value}").AppendLine($"    {m}: i64 = const 7").AppendLine($"    {s}: i64 = mul {sum}, {m}");
            var t = Fresh();
            text.AppendLine($"    {t}: i64 = add {s}, {c}");
            sum = t;
        }
        text.AppendLine($"    ret {sum}").AppendLine("}");
        return text.ToString();
    }
}
