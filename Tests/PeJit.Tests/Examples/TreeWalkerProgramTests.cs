using Tw = PeJit.Examples.TreeWalker;

namespace PeJit.Tests.Examples;

/// <summary>The TreeWalker's programs print what their hand-written C# versions print, with both evaluators.</summary>
[TestClass]
public sealed class TreeWalkerProgramTests
{
    // Each bundled program, its hand-written version and a size small enough for a test.
    private static readonly Dictionary<string, (Func<long, TextWriter, long> Handwritten, long Size)> Cases = new()
    {
        ["sum"] = (Tw.Handwritten.Sum, 1000),
        ["fib"] = (Tw.Handwritten.Fib, 15),
        ["primes"] = (Tw.Handwritten.Primes, 1000),
        ["collatz"] = (Tw.Handwritten.Collatz, 1000),
        ["long"] = (Tw.Handwritten.Long, 10000),
    };

    private static (string Output, long Result) Run(Tw.Evaluator evaluator, string source, params long[] args)
    {
        var output = new StringWriter();
        long result = Tw.Runner.Run(source, output, evaluator, args);
        return (output.ToString(), result);
    }

    private static (string Output, long Result) Handwritten(string name, long size)
    {
        var output = new StringWriter();
        long result = Cases[name].Handwritten(size, output);
        return (output.ToString(), result);
    }

    [TestMethod]
    public void EveryProgramHasAHandwrittenVersion() =>
        CollectionAssert.AreEquivalent(Cases.Keys.ToList(), Tw.Programs.Names.ToList());

    [TestMethod]
    [DataRow(Tw.Evaluator.Switch)]
    [DataRow(Tw.Evaluator.Virtual)]
    public void ProgramsPrintWhatTheirHandwrittenVersionsPrint(Tw.Evaluator evaluator)
    {
        foreach (var (name, (_, size)) in Cases)
            Assert.AreEqual(Handwritten(name, size), Run(evaluator, Tw.Programs.Source(name), size), name);
    }

    [TestMethod]
    public void HandwrittenVersionsComputeTheRightThing()
    {
        Assert.AreEqual(("499500\n", 499500L), Handwritten("sum", 1000));
        Assert.AreEqual(("6765\n", 6765L), Handwritten("fib", 20));
        Assert.AreEqual(("25\n", 25L), Handwritten("primes", 100));
        Assert.AreEqual(("9\n19\n", 19L), Handwritten("collatz", 10));
        long expected = 0;
        for (long i = 0; i < 10000; i++) expected += i * 7 % 13;
        Assert.AreEqual(($"{expected}\n", expected), Handwritten("long", 10000));
    }

    [TestMethod]
    [DataRow(Tw.Evaluator.Switch)]
    [DataRow(Tw.Evaluator.Virtual)]
    public void MainsDefaultsApplyWithoutArguments(Tw.Evaluator evaluator) =>
        Assert.AreEqual(("499999500000\n", 499999500000L), Run(evaluator, Tw.Programs.Source("sum")));

    [TestMethod]
    [DataRow(Tw.Evaluator.Switch)]
    [DataRow(Tw.Evaluator.Virtual)]
    public void StatementsScopesAndReturnsBehave(Tw.Evaluator evaluator)
    {
        const string source = """
            // A return from inside two loops ends the function; a block's var shadows an outer one.
            func find(limit) {
                var i = 0;
                while (1) {
                    var j = 0;
                    while (j < 10) {
                        if (i * 10 + j == limit) { return i * 100 + j; }
                        j = j + 1;
                    }
                    i = i + 1;
                }
            }
            func sign(x) {
                if (x < 0) return -1; else if (x == 0) return 0; else return 1;
            }
            func main() {
                var x = 7;
                { var x = 8; print x; }
                print x;
                print find(42);
                print sign(-5) * 100 + sign(0) * 10 + sign(9);
                print -7 / 2;
                print -7 % 2;
                print (1 + 2) * 3 - 4 / 2 >= 7;
                later();
            }
            func later() { print 1 != 1; }
            """;
        Assert.AreEqual(("8\n7\n402\n-99\n-3\n-1\n1\n0\n", 0L), Run(evaluator, source));
    }

    [TestMethod]
    public void ParseErrorsGiveTheLineAndColumn()
    {
        static string Error(string source) => Assert.Throws<Tw.Syntax.ParseException>(() => Tw.Syntax.Parser.Parse(source)).Message;
        StringAssert.Contains(Error("func main() {\n    print x;\n}\n"), "line 2, column 11: 'x' is not declared");
        StringAssert.Contains(Error("func main() {\n    print 1\n}\n"), "line 3, column 1: expected ';'");
        StringAssert.Contains(Error("func main() { f(1); }\nfunc f(a, b) { }\n"), "'f' takes 2 argument(s), 1 given");
        StringAssert.Contains(Error("func main() {\n  print 1;\n"), "line 1, column 13: this '{' is never closed");
        StringAssert.Contains(Error("func main() { print 1 # 2; }"), "unexpected character '#'");
        Assert.Throws<Tw.Syntax.ParseException>(() => Tw.Runner.Run("func f() { }", TextWriter.Null, Tw.Evaluator.Switch));
        Assert.Throws<Tw.Syntax.ParseException>(() => Tw.Runner.Run("func main(n) { }", TextWriter.Null, Tw.Evaluator.Switch));
    }
}
