using PeJit.Backends.Cil;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using static PeJit.AnalysisSubjects.RegisterVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// A unit whose CIL is past the size .NET's JIT optimizes (<see cref="CilCompiledCode.OptimizedILLimit"/>) runs
/// unoptimized, possibly slower than the interpreter (Examples/Lua's nbody): the runtime says so in the units
/// log, with the size, so that a slow JIT-enabled program points at it. The program still runs as the plain
/// interpreter does.
/// </summary>
[TestClass]
public sealed class OversizedUnitTests
{
    private static readonly System.Reflection.MethodInfo Portal = typeof(PeJit.AnalysisSubjects.RegisterVm).GetMethod(nameof(Run))!;

    /// <summary>The registers the divisions write: not r4, the divisor, nor r5 and r6, the dividends.</summary>
    private static readonly int[] Targets = [3, 7, 8];

    /// <summary>A loop of <paramref name="divisions"/> divisions (each a zero test and a branch in the residual code), r2 times.</summary>
    private static int[] LongLoop(int divisions)
    {
        var code = new List<int>();
        for (int i = 0; i < divisions; i++) code.AddRange([Div, Targets[i % 3], 5 + i % 2, 4]);  // r3|r7|r8 = r5|r6 / r4 (r4 = 1)
        code.AddRange([Add, 1, 1, 4]);                                                     // r1 += 1
        code.AddRange([JumpLess, 1, 2, 0]);                                                // while r1 < r2
        code.AddRange([Print, 3, 0, 0, Halt, 0, 0, 0]);
        return [.. code];
    }

    private static long[] Registers() => [0, 0, 5, 0, 1, 10, 20, 0, 0, 0];

    private static (long Result, string Output) RunIt(Func<int[], long[], TextWriter, long> run, int[] code)
    {
        var output = new StringWriter();
        return (run(code, Registers(), output), output.ToString());
    }

    [TestMethod]
    public void AUnitPastTheILTheDotnetJitOptimizesIsNamedInTheLog()
    {
        var log = new StringWriter();
        var settings = new JitSettings { Threshold = 2, Log = log, Specialization = new SpecializationSettings { MaxKeysPerUnit = 100_000, MaxResidualInstructions = 1_000_000 } };
        var jit = PortalJit.Create(Portal, settings);
        var code = LongLoop(4_000);
        Assert.AreEqual(RunIt(Run, code), RunIt((c, r, o) => (long)jit.Invoke(c, r, o)!, code));

        var unit = jit.Units.Single(u => (int)u.Unit.Entry.Values[0]! == 0);
        var cil = (CilCompiledCode)unit.Code;
        Assert.IsGreaterThan(CilCompiledCode.OptimizedILLimit, cil.ILSize, "the loop's unit is past the limit: " + log);
        Assert.IsTrue(cil.Shape!.Value.CompiledUnoptimized, cil.Shape.ToString());
        StringAssert.Contains(log.ToString(), $"the CIL backend wrote a method .NET's JIT compiles without optimizations (MinOpts): {cil.ILSize:N0} IL bytes (past {CilCompiledCode.OptimizedILLimit:N0})");

        var small = PortalJit.Create(Portal, settings with { Log = new StringWriter() });
        var shortCode = LongLoop(10);
        Assert.AreEqual(RunIt(Run, shortCode), RunIt((c, r, o) => (long)small.Invoke(c, r, o)!, shortCode));
        var smallCode = (CilCompiledCode)small.Units.Single().Code;
        Assert.IsLessThan(CilCompiledCode.OptimizedILLimit, smallCode.ILSize);
        Assert.IsGreaterThan(0, smallCode.ILSize);
        Assert.IsFalse(smallCode.Shape!.Value.CompiledUnoptimized, smallCode.Shape.ToString());
        Assert.IsFalse(small.Settings.Log!.ToString()!.Contains("IL bytes, past", StringComparison.Ordinal), "no note for a small unit");
    }
}
