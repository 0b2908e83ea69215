using System.Text;
using Vm = PeJit.Examples.StackVm;
using Bf = PeJit.Examples.Brainfuck;

namespace PeJit.Tests.Examples;

/// <summary>The bundled programs print what they should, checked against a computation in C#.</summary>
[TestClass]
public sealed class ExampleProgramTests
{
    private static string Run(string name, params long[] args)
    {
        var output = new StringWriter();
        Vm.Runner.Run(Vm.Programs.Source(name), output, args);
        return output.ToString();
    }

    [TestMethod]
    public void StackVmProgramsPrintTheirResults()
    {
        Assert.AreEqual("1000\n", Run("count", 1000));
        Assert.AreEqual("2432902008176640000\n", Run("factorial", 20));
        Assert.AreEqual("6765\n", Run("fib", 20));
        long sum = 0;
        for (long i = 0; i < 100; i++) for (long j = 0; j < 100; j++) sum += i * j;
        Assert.AreEqual($"{sum}\n", Run("nested", 100));
        long expected = 0;
        for (long i = 0; i < 10000; i++) expected += i * 7 % 13;
        Assert.AreEqual($"{expected}\n", Run("long", 10000));
    }

    [TestMethod]
    public void StackVmRejectsBadProgramsWithTheLine()
    {
        var error = Assert.Throws<Vm.AssemblerException>(() => Vm.Assembler.Assemble("func main 0 0\n    frobnicate\nend\n"));
        StringAssert.Contains(error.Message, "line 2");
        Assert.Throws<Vm.AssemblerException>(() => Vm.Assembler.Assemble("func main 0 0\n    jump nowhere\nend\n"));
    }

    [TestMethod]
    public void BrainfuckProgramsPrintTheirResults()
    {
        var output = new StringWriter();
        Bf.Runner.Run(Bf.Programs.Source("hello"), output);
        Assert.AreEqual("Hello World!\n", output.ToString());
        output = new StringWriter();
        Bf.Runner.Run(Bf.Programs.Source("squares"), output);
        var squares = new StringBuilder();
        for (int i = 0; i <= 100; i++) squares.Append(i * i).Append('\n');
        Assert.AreEqual(squares.ToString(), output.ToString());
    }

    [TestMethod]
    public void BrainfuckRejectsUnbalancedBrackets()
    {
        StringAssert.Contains(Assert.Throws<FormatException>(() => Bf.BfCompiler.Compile("+[")).Message, "position 1");
        StringAssert.Contains(Assert.Throws<FormatException>(() => Bf.BfCompiler.Compile("+]")).Message, "position 1");
    }
}
