using PeJit.Runtime;
using Vm = PeJit.Examples.StackVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The in-process API compiles loops of functions the interpreted program calls: the interpreter runs a
/// called function by calling itself, and that call reaches the JIT-enabled copy, not the plain original.
/// </summary>
[TestClass]
public sealed class CalledFunctionLoopTests
{
    /// <summary>The only loop is in <c>sum</c>, which <c>main</c> calls twice (once from compiled code's point of view, once more after).</summary>
    private const string LoopInACallee = """
        func sum 1 2
            push 0
            store 1
        loop:
            load 1
            load 0
            add
            store 1
            load 0
            push 1
            sub
            dup
            store 0
            jnz loop
            load 1
            ret
        end
        func main 1 1
            load 0
            call sum
            print
            load 0
            push 3
            add
            call sum
            ret
        end
        """;

    [TestMethod]
    public void ALoopInACalledFunctionIsCompiled()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3 });
        var plainOutput = new StringWriter();
        long plain = Vm.Runner.Run(LoopInACallee, plainOutput, 200);
        var output = new StringWriter();
        var arguments = Vm.Runner.PortalArguments(LoopInACallee, output, 200);
        long jitted = (long)jit.Invoke(arguments)!;
        Assert.AreEqual((plainOutput.ToString(), plain), (output.ToString(), jitted));

        var code = (Vm.Code)arguments[0]!;
        int sumEntry = code.Functions[0].Entry, mainEntry = (int)arguments[1]!;
        Assert.IsTrue(jit.Units.Any(u => u.Unit.Entry.Values[0] is int pc && pc >= sumEntry && pc < mainEntry && u.Entries > 0),
            "a unit at the loop of sum, entered: " + string.Join(", ", jit.Units.Select(u => u.Unit.Entry)));
    }
}
