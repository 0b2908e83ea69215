using PeJit.Runtime;

namespace PeJit.Tests.Runtime;

/// <summary>
/// A portal's counter table is made at its first call, early in every JIT-enabled process, and lives as long as the
/// process. Its two <c>int</c> tables (32 KB) are on the pinned object heap, not in gen0: that much more surviving a
/// short process's first gen0 collection made .NET take a fresh gen0 region, 120-200 more page faults in every process
/// that never gets hot (Docs/PERFORMANCE.md, "Never hot: the counter tables out of gen0"). Structural: where the tables are, not a time.
/// </summary>
[TestClass]
public sealed class CounterTableTests
{
    [TestMethod]
    public void TheCountersAreNotInGen0()
    {
        var table = new CounterTable(7);
        // The pinned object heap is collected with gen2, and GC.GetGeneration says so; a gen0 array says 0.
        Assert.AreEqual(GC.MaxGeneration, GC.GetGeneration(table.Counters), "the counters were allocated in gen0");
        Assert.AreEqual(PortalProtocol.CounterTableSize, table.Counters.Length);
        Assert.IsTrue(table.Counters.All(c => c == 7), "every counter starts at the threshold");
    }
}
