using PeJit.Runtime;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The stack VM's loop-exit bridge under <c>auto</c>: its entry block reads the stack array through a field of the frame
/// and then indexes it, which native code takes since such a read is known to the stub from its place on. The bridge is
/// native code and entered natively; the run is compared with the plain interpreter.
/// </summary>
[TestClass]
public sealed class StackVmNativeBridgeTests
{
    /// <summary>A function whose loop sums, then computes on after it (the bridge); main calls it in a loop.</summary>
    private const string Source = """
        func work 1 3
            push 0
            store 1
            push 0
            store 2
        loop:
            load 2
            load 1
            add
            store 2
            load 1
            push 1
            add
            dup
            store 1
            load 0
            lt
            jnz loop
            load 2
            push 3
            mul
            load 1
            add
            ret
        end
        func main 1 3
            push 0
            store 1
            push 0
            store 2
        again:
            load 2
            load 1
            call work
            add
            store 2
            load 1
            push 1
            add
            dup
            store 1
            load 0
            lt
            jnz again
            load 2
            print
            load 2
            ret
        end
        """;

    [TestMethod]
    public void AStackVmLoopExitBridgeIsNativeUnderAuto()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var plain = new StringWriter();
        long expected = PeJit.Examples.StackVm.Runner.Run(Source, plain, 40);
        var log = new StringWriter();
        var jit = PortalJit.Create(PeJit.Examples.StackVm.Runner.Portal, new JitSettings { Threshold = 3, Bridges = true, Log = log }, "auto");
        var output = new StringWriter();
        Assert.AreEqual(expected, (long)jit.Invoke(PeJit.Examples.StackVm.Runner.PortalArguments(Source, output, 40))!);
        Assert.AreEqual(plain.ToString(), output.ToString());
        Assert.IsGreaterThanOrEqualTo(1L, jit.Runtime.BridgesAttached);
        Assert.IsGreaterThanOrEqualTo(1L, jit.Runtime.NativeBridges, "a loop-exit bridge is native code, entered natively");
        Assert.IsTrue(jit.Units.Any(u => u.Code.Backend == "amd64" && u.Bridges.Any(b => b.Code.Backend == "amd64")), "the bridge itself is an amd64 unit");
        Assert.IsFalse(jit.Units.Any(u => u.Recompilations > 0), "no unit was compiled again");
    }
}
