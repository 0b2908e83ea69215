using PeJit.Specializer.Extension;

namespace PeJit.Tests.Specializer.Extension;

/// <summary>
/// What preparing a portal allocates while it reads the stored program, counted (issue 12: preparation at most 10 ms). In a
/// fresh process every 4 KB allocated before the GC's first collection is fresh memory, and each fresh page is a page fault:
/// on the virtual machines measured, 20-45 µs each, so the bytes <see cref="ExtensionBinary.ReadLazily"/> allocates for Lua's
/// portal (its outline, member table and the portal's graph: about four fifths of what preparation allocates) were some 200
/// of preparation's 350-400 page faults (Docs/PERFORMANCE.md, "Preparation and the first unit, cold: counted by stage"). The count is this thread's
/// allocation, the same from run to run.
/// </summary>
[TestClass]
public sealed class StoredProgramReadAllocationTests
{
    /// <summary>
    /// Bytes allocated reading Lua's first portal lazily (its graph only): 806,808 before branch <c>first11</c> (every string of
    /// the table decoded at once, two throw-away operand arrays per op, lists grown from 4, each block call's argument list
    /// copied); 745,640 after (strings decoded when first named, operand arrays gathered in scratch arrays and copied only when
    /// new, lists of their exact size, argument lists adopted); 706,840 after branch <c>instr12</c> (an IR <c>Instruction</c> of
    /// 72 bytes instead of 112: its rare immediates apart, one field for its one reference immediate); 714,120 on main before
    /// branch <c>prep12</c>, 585,112 after (the member table's fields and methods decoded when a lookup names them, the other
    /// graphs' names and loaders shared, targets' arguments and parameters shared, the reader's type and binding-time arrays
    /// adopted by the graph, an op of 88 bytes instead of 96). The room is 2.5%.
    /// </summary>
    private const long MaxBytes = 600_000;

    [TestMethod]
    public void ReadingLuasStoredProgramLazilyAllocatesLittle()
    {
        var (_, compiled, table) = ExtensionPrograms.First("Lua");
        byte[] stored = ExtensionBinary.Write(compiled, table);
        // Once first, so that what the reader makes once per process (static tables, class initializers) is not counted.
        _ = ExtensionBinary.ReadLazily(stored);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var (program, members) = ExtensionBinary.ReadLazily(stored);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(members);

        Console.WriteLine($"Lua's stored program, {stored.Length} bytes, read lazily ({program.LoadedGraphs} of {program.Graphs.Count} graphs): {allocated} bytes allocated (bound {MaxBytes})");
        Assert.AreEqual(1, program.LoadedGraphs, "only the portal's graph is read at once");
        Assert.IsLessThanOrEqualTo(MaxBytes, allocated,
            $"reading Lua's stored program lazily allocated {allocated} bytes, more than {MaxBytes}: each 4 KB is a page fault in a fresh process; "
            + "decode only what the portal's graph needs, and make nothing per op that an earlier op already made");
        // Strings decoded when first named still read back as the text form wrote them.
        Assert.AreEqual(ExtensionSerializer.Write(compiled, table), ExtensionSerializer.Write(program, members));
    }
}
