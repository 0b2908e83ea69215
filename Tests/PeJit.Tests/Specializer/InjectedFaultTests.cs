using PeJit.IR;
using PeJit.Optimizer;
using PeJit.Runtime;
using Vm = PeJit.Examples.StackVm;

namespace PeJit.Tests.Specializer;

/// <summary>
/// The differential tests can fail where they should: a faulty optimization pass, injected after the pipeline
/// (<see cref="JitSettings.AdditionalPasses"/>), fails <see cref="JitDifferentialTests.AssertSameAsPlain"/> in
/// each of the three ways a pass can be wrong: it throws, it leaves a malformed graph (the verifier runs after
/// every pass in strict mode), or it silently computes a wrong value (the comparison with the plain interpreter).
/// </summary>
[TestClass]
public sealed class InjectedFaultTests
{
    private static PortalJit JitWith(Pass fault, bool strict = true) =>
        PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3, Strict = strict, AdditionalPasses = [fault] });

    private static readonly Pass Throws = new("throws", "throws on every unit", _ => throw new IndexOutOfRangeException("injected fault"));

    /// <summary>Uses the first integer value of the graph before it is defined: CIL would load a zero, the verifier says no.</summary>
    private static readonly Pass UseBeforeDefinition = new("use-before-definition", "uses a value before its definition", graph =>
    {
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Result is { } result && graph.TypeOf(result).Kind is TypeKind.I32 or TypeKind.I64)
                {
                    var use = new Instruction(Opcode.Add, result, result);
                    graph.SetResult(use, graph.TypeOf(result));
                    graph[block].Instructions.Insert(0, use);
                    return;
                }
    });

    /// <summary>Counts by two where the program counts by one: a wrong value, and nothing else wrong.</summary>
    private static readonly Pass CountsByTwo = new("counts-by-two", "turns every 64-bit constant 1 into 2", graph =>
    {
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Opcode == Opcode.Const && instruction.Result is { } result && graph.TypeOf(result).Kind == TypeKind.I64 && instruction.Integer == 1)
                    instruction.Integer = 2;
    });

    [TestMethod]
    public void APassThatThrowsFailsTheDifferentialTest()
    {
        var failure = Assert.Throws<InvalidOperationException>(() => JitDifferentialTests.AssertSameAsPlain(JitWith(Throws), "count"));
        StringAssert.Contains(failure.Message, "strict mode");
        StringAssert.Contains(failure.ToString(), "the optimization pass 'throws' failed");
    }

    [TestMethod]
    public void APassThatThrowsIsNoticedWithoutStrictModeTooBecauseNothingWasEntered()
    {
        // The fallback itself: the interpreter goes on and prints the right thing, and only the check that
        // compiled code ran tells that the JIT did nothing.
        var log = new StringWriter();
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3, Strict = false, AdditionalPasses = [Throws], Log = log });
        var failure = Assert.Throws<AssertFailedException>(() => JitDifferentialTests.AssertSameAsPlain(jit, "count"));
        StringAssert.Contains(failure.Message, "no unit was compiled and entered");
        StringAssert.Contains(log.ToString(), "internal error");
    }

    [TestMethod]
    public void APassThatLeavesAMalformedGraphFailsTheDifferentialTest()
    {
        var failure = Assert.Throws<InvalidOperationException>(() => JitDifferentialTests.AssertSameAsPlain(JitWith(UseBeforeDefinition), "count"));
        StringAssert.Contains(failure.ToString(), "malformed after the optimization pass 'use-before-definition'");
    }

    [TestMethod]
    public void PejitVerifyAloneThrowsOnAMalformedGraphInsteadOfFallingBack()
    {
        // Verification is one mechanism (Pipeline.Run's verify) whether strict mode or PEJIT_VERIFY asks for it;
        // without strict mode the malformed graph must still not become a silent fallback.
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3, Strict = false, Verify = true, AdditionalPasses = [UseBeforeDefinition] });
        var failure = Assert.Throws<PeJit.Optimizer.MalformedGraphException>(() => JitDifferentialTests.AssertSameAsPlain(jit, "count"));
        StringAssert.Contains(failure.Message, "malformed after the optimization pass 'use-before-definition'");
    }

    [TestMethod]
    public void APassThatComputesAWrongValueFailsTheDifferentialTest()
    {
        var failure = Assert.Throws<AssertFailedException>(() => JitDifferentialTests.AssertSameAsPlain(JitWith(CountsByTwo), "count"));
        StringAssert.Contains(failure.Message, "Assert.AreEqual");
    }
}
