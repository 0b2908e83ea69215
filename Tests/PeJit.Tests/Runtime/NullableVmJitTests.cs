using PeJit.Runtime;
using PeJit.TestSubjects;

namespace PeJit.Tests.Runtime;

/// <summary>
/// <see cref="NullableVm"/>: a helper that answers <c>null</c> through <c>initobj</c> on a <c>bool?</c> local's address, with the
/// choice green. The analysis makes such a local red (bta.md rule 8), so the loop compiles and counts what the plain VM counts;
/// before, specializing it failed ("the green address written ... holds no struct") and the loop stayed interpreted.
/// </summary>
[TestClass]
public sealed class NullableVmJitTests
{
    [TestMethod]
    public void TheLoopCompilesAndCountsWhatThePlainVmCounts()
    {
        foreach (long n in new long[] { 1, 5, 100, 5000 })
        {
            var log = new StringWriter();
            var jit = PortalJit.Create(typeof(NullableVm).GetMethod(nameof(NullableVm.Run))!, new JitSettings { Threshold = 3, Log = log });
            var result = Specializer.JitDifferentialTests.AssertUnitsEntered(jit, $"n {n}", () => jit.Invoke([NullableVm.Program(), n]), expected: n >= 5);
            Assert.AreEqual(NullableVm.Run(NullableVm.Program(), n), (long)result!, $"n {n}: {log}");
            Assert.DoesNotContain("holds no struct", log.ToString());
        }
    }
}
