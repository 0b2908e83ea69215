using PeJit.Runtime;
using PeJit.Tests.Specializer;
using Rules = PeJit.TestSubjects.RulesVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// What a portal's preparation keeps (its extension program) is out of gen0 when preparation ends (<c>JitRuntime.MoveOutOfGen0</c>):
/// left there, it was still young at the interpreter's first gen1 collection, stayed in gen1, and .NET's GC then stopped promoting
/// gen0's survivors, which cost the interpreting thread of a short Lua process some 700 page faults (Docs/PERFORMANCE.md, "The
/// interpreting thread's extra in short Lua processes"). Without the collection the program is in gen0 at the end of preparation
/// unless a collection happened to run during it.
/// </summary>
[TestClass]
public sealed class PreparedGenerationTests
{
    [TestMethod]
    public void WhatPreparationKeepsIsOutOfGen0WhenItEnds()
    {
        var type = DispatchInTryJitTests.Woven.Value.GetType(typeof(Rules).FullName!, throwOnError: true)!;
        var portal = type.GetMethod(nameof(Rules.Eval))!;
        var rule = Activator.CreateInstance(type.GetNestedType(nameof(Rules.Rule))!, new[] { Rules.Field, Rules.Const, Rules.Add, Rules.Ret }, new long[] { 0, 5, 0, 0 })!;
        var random = new Random(7);
        for (int i = 0; i < 3000; i++)
        {
            var record = new long[] { random.Next(100), random.Next(100), 1, random.Next(100) };
            Assert.AreEqual(record[0] + 5, (long)portal.Invoke(null, [rule, record])!);
        }
        var runtime = JitRuntime.WaitForCompilations(portal, TimeSpan.FromMinutes(2));
        Assert.IsNotNull(runtime, "the portal was prepared");
        Assert.IsGreaterThanOrEqualTo(1, runtime.PreparedGeneration, "the prepared extension program's generation right after preparation");
    }
}
