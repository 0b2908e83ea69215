using Rvm = PeJit.Examples.RegisterVm;

namespace PeJit.Tests.Examples;

/// <summary>The RegisterVm's programs print what their hand-written C# versions print.</summary>
[TestClass]
public sealed class RegisterVmProgramTests : HandwrittenVersionTests
{
    protected override IReadOnlyDictionary<string, (Func<long, TextWriter, long> Handwritten, long Size)> Cases { get; } =
        new Dictionary<string, (Func<long, TextWriter, long>, long)>
        {
            ["factorial"] = (Rvm.Handwritten.Factorial, 20),
            ["fib"] = (Rvm.Handwritten.Fib, 15),
            ["primes"] = (Rvm.Handwritten.Primes, 1000),
            ["long"] = (Rvm.Handwritten.Long, 10000),
        };

    protected override IEnumerable<string> ProgramNames => Rvm.Programs.Names;

    protected override string Source(string name) => Rvm.Programs.Source(name);

    protected override long Interpret(string source, TextWriter output, long[] args) => Rvm.Runner.Run(source, output, args);

    [TestMethod]
    public void HandwrittenVersionsComputeTheRightThing()
    {
        Assert.AreEqual(("2432902008176640000\n", 2432902008176640000L), Handwritten("factorial", 20));
        Assert.AreEqual(("6765\n", 6765L), Handwritten("fib", 20));
        Assert.AreEqual(("25\n", 25L), Handwritten("primes", 100));
        long expected = 0;
        for (long i = 0; i < 10000; i++) expected += i * 7 % 13;
        Assert.AreEqual(($"{expected}\n", expected), Handwritten("long", 10000));
    }

    [TestMethod]
    public void DefaultArgumentsApplyWithoutArguments() =>
        Assert.AreEqual(("2432902008176640000\n", 2432902008176640000L), Run(Rvm.Programs.Source("factorial")));

    [TestMethod]
    public void ConstantsAreSharedInThePool()
    {
        var code = Rvm.Assembler.Assemble("func main 0 2\n    loadk r0, 5\n    loadk r1, 5\n    loadk r1, -9\n    ret r1\nend\n");
        CollectionAssert.AreEqual(new long[] { 5, -9 }, code.Constants);
        Assert.AreEqual(new Rvm.Instr(Rvm.Op.LoadConst, 1, 0, 0), code.Instructions[1]);
        Assert.AreEqual((string.Empty, -9L), Run("func main 0 2\n    loadk r1, -9\n    ret r1\nend\n"));
    }

    [TestMethod]
    public void AssemblerErrorsGiveTheLine()
    {
        static string Error(string source) => Assert.Throws<Rvm.AssemblerException>(() => Rvm.Assembler.Assemble(source)).Message;
        StringAssert.Contains(Error("func main 0 1\n    frobnicate r0\nend\n"), "line 2: unknown instruction 'frobnicate'");
        StringAssert.Contains(Error("func main 0 1\n    add r0, r0, r1\nend\n"), "line 2: 'r1' is past the last register");
        StringAssert.Contains(Error("func main 0 1\n    jump nowhere\nend\n"), "line 2: no label 'nowhere'");
        StringAssert.Contains(Error("func main 0 1\n    add r0, r0\nend\n"), "line 2: 'add' takes 3 operand(s)");
        StringAssert.Contains(Error("func f 2 2\n    ret r0\nend\nfunc main 0 2\n    call r0, f, r1\nend\n"), "line 5: 'f' takes 2 argument(s) from r1 on");
        StringAssert.Contains(Error("func main 0 1\n    ret r0\n"), "function 'main' has no 'end'");
    }
}
