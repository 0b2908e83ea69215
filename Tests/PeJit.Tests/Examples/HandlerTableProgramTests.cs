using Ht = PeJit.Examples.HandlerTable;

namespace PeJit.Tests.Examples;

/// <summary>The HandlerTable machine's programs print what their hand-written C# versions print.</summary>
[TestClass]
public sealed class HandlerTableProgramTests : HandwrittenVersionTests
{
    protected override IReadOnlyDictionary<string, (Func<long, TextWriter, long> Handwritten, long Size)> Cases { get; } =
        new Dictionary<string, (Func<long, TextWriter, long>, long)>
        {
            ["gcd"] = (Ht.Handwritten.Gcd, 1000),
            ["fib"] = (Ht.Handwritten.Fib, 15),
            ["collatz"] = (Ht.Handwritten.Collatz, 1000),
            ["long"] = (Ht.Handwritten.Long, 10000),
        };

    protected override IEnumerable<string> ProgramNames => Ht.Programs.Names;

    protected override string Source(string name) => Ht.Programs.Source(name);

    protected override long Interpret(string source, TextWriter output, long[] args) => Ht.Runner.Run(source, output, args);

    [TestMethod]
    public void HandwrittenVersionsComputeTheRightThing()
    {
        // The sum of gcd(i, n) for i = 1..n is multiplicative; for n = 12 it is 1+2+3+4+1+6+1+4+3+2+1+12.
        Assert.AreEqual(("40\n", 40L), Handwritten("gcd", 12));
        Assert.AreEqual(("6765\n", 6765L), Handwritten("fib", 20));
        Assert.AreEqual(("9\n19\n", 19L), Handwritten("collatz", 10));
        long expected = 0;
        for (long i = 0; i < 10000; i++) expected += i * 7 % 13;
        Assert.AreEqual(($"{expected}\n", expected), Handwritten("long", 10000));
    }

    [TestMethod]
    public void DefaultArgumentsApplyWithoutArguments() =>
        Assert.AreEqual(("1750000\n", 1750000L), Run(Ht.Programs.Source("gcd")));

    [TestMethod]
    public void EveryOperationHasAHandler() =>
        Assert.AreEqual(Enum.GetValues<Ht.Op>().Length, Ht.Interpreter.Handlers.Count(h => h is not null));

    [TestMethod]
    public void AssemblerErrorsGiveTheLine()
    {
        static string Error(string source) => Assert.Throws<Ht.AssemblerException>(() => Ht.Assembler.Assemble(source)).Message;
        StringAssert.Contains(Error("func main 0 0\n    frobnicate\nend\n"), "line 2: unknown operation 'frobnicate'");
        StringAssert.Contains(Error("func main 0 0\n    jump nowhere\nend\n"), "line 2: no label 'nowhere'");
        StringAssert.Contains(Error("func main 0 1\n    load 3\nend\n"), "line 2: 'main' has no local 3");
        StringAssert.Contains(Error("func main 0 0\n    push 99999999999\nend\n"), "line 2: '99999999999' does not fit in 32 bits");
        StringAssert.Contains(Error("func main 0 0\n    add 1\nend\n"), "line 2: 'add' takes no operand");
    }
}
