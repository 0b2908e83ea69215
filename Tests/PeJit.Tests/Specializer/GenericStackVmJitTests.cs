using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.TestSubjects;
using PeJit.Tests.Examples;
using Vm = PeJit.TestSubjects.GenericStackVm;

namespace PeJit.Tests.Specializer;

/// <summary>
/// A stack VM over a generic stack class of its own, <see cref="ValueStack{T}"/> as <c>ValueStack&lt;long&gt;</c>: the
/// specializer inlines the stack's methods, instantiating their code (<c>ldelem T</c> as <c>ldelem i64</c>, the fields of
/// <c>ValueStack`1&lt;System.Int64&gt;</c>), so the loop compiles, computes what the plain VM computes, calls none of
/// <c>Push</c>, <c>Pop</c>, <c>Peek</c>.
/// </summary>
[TestClass]
public sealed class GenericStackVmJitTests
{
    public TestContext TestContext { get; set; } = null!;

    private static PortalJit Jit() => PortalJit.Create(typeof(Vm).GetMethod(nameof(Vm.Run))!, new JitSettings { Threshold = 3 });

    [TestMethod]
    [DataRow(1L)]
    [DataRow(2L)]
    [DataRow(10L)]
    [DataRow(1000L)]
    public void TheJitEnabledVmComputesWhatThePlainOneDoes(long n)
    {
        var jit = Jit();
        long expected = Vm.Run(Vm.Sum(n), new ValueStack<long>());
        for (int run = 0; run < 3; run++)
        {
            var stack = new ValueStack<long>();
            Assert.AreEqual(expected, (long)jit.Invoke(Vm.Sum(n), stack)!, $"n = {n}, run {run}");
            Assert.AreEqual(0, stack.Count, "the stack is left empty, as the plain VM leaves it");
        }
        if (n >= 10) Assert.IsNotEmpty(jit.Units, "the loop over ValueStack<long> compiles");
    }

    [TestMethod]
    public void TheHotLoopCallsNoStackMethodAndNamesNoGenericParameter()
    {
        var jit = Jit();
        Assert.AreEqual(500500L, (long)jit.Invoke(Vm.Sum(1000), new ValueStack<long>())!);
        Assert.IsNotEmpty(jit.Units, "a unit is compiled");
        var graph = jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;
        string text = IrPrinter.Print(graph);
        TestContext.WriteLine(text);
        var loop = ResidualLoopCensus.Loops(graph).OrderByDescending(l => l.Loop.Blocks.Count).First();
        var instructions = loop.Loop.Blocks.SelectMany(b => graph[b].Instructions).ToList();
        TestContext.WriteLine($"GenericStackVm sum: {loop.Census}");
        Assert.IsFalse(graph.Blocks.SelectMany(b => graph[b].Instructions)
            .Any(i => i.Method is { Name: "Push" or "Pop" or "Peek" }), $"no call of the stack's methods:\n{text}");
        Assert.IsFalse(instructions.Any(i => i.TypeOperand?.Kind == TypeKind.GenericParameter || i.Field?.FullName.Contains("<T>") == true),
            $"the residual code names no generic parameter:\n{text}");
    }

    private static PortalJit FrameworkJit() => PortalJit.Create(typeof(Vm).GetMethod(nameof(Vm.RunOnFrameworkStack))!, new JitSettings { Threshold = 3 });

    [TestMethod]
    [DataRow(1L)]
    [DataRow(2L)]
    [DataRow(10L)]
    [DataRow(1000L)]
    public void TheVmOverTheFrameworksStackComputesWhatThePlainOneDoes(long n)
    {
        var jit = FrameworkJit();
        long expected = Vm.RunOnFrameworkStack(Vm.Sum(n), new Stack<long>());
        for (int run = 0; run < 3; run++)
        {
            var stack = new Stack<long>();
            Assert.AreEqual(expected, (long)jit.Invoke(Vm.Sum(n), stack)!, $"n = {n}, run {run}");
            Assert.AreEqual(0, stack.Count, "the stack is left empty, as the plain VM leaves it");
        }
        if (n >= 10) Assert.IsNotEmpty(jit.Units, "the loop over Stack<long> compiles");
    }

    /// <summary>
    /// <see cref="Stack{T}"/>'s <c>Push</c>, <c>Pop</c> and <c>Peek</c> are among the framework methods the analysis looks into
    /// (<c>FrameworkCollections</c>): the unit holds their code over <c>Stack`1&lt;System.Int64&gt;</c>'s private fields, found
    /// in the running framework, and calls none of them.
    /// </summary>
    [TestMethod]
    public void TheHotLoopOverTheFrameworksStackCallsNoStackMethod()
    {
        var jit = FrameworkJit();
        Assert.AreEqual(500500L, (long)jit.Invoke(Vm.Sum(1000), new Stack<long>())!);
        Assert.IsNotEmpty(jit.Units, "a unit is compiled");
        var graph = jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;
        string text = IrPrinter.Print(graph);
        TestContext.WriteLine(text);
        Assert.IsFalse(graph.Blocks.SelectMany(b => graph[b].Instructions)
            .Any(i => i.Method is { Name: "Push" or "Pop" or "Peek" }), $"no call of the stack's methods:\n{text}");
        Assert.IsTrue(graph.Blocks.SelectMany(b => graph[b].Instructions)
            .Any(i => i.Field is { } field && field.FullName.Contains("Stack`1<System.Int64>::_size")), $"the stack's own count is read:\n{text}");
    }
}
