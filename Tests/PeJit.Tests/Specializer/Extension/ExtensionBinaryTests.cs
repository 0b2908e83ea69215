using System.Reflection;
using PeJit.IR.Text;
using PeJit.Specializer.Extension;

namespace PeJit.Tests.Specializer.Extension;

/// <summary>
/// The compact binary form of the stored extension program (<see cref="ExtensionBinary"/>, what <c>pejit build</c>
/// stores since it replaced the text) against the text form, differentially: for every portal of every example, each
/// graph read from the binary form prints as the IR text the text form reads back to, and the whole program read from
/// it writes back as exactly the text the analysis-time program writes (shape, member table, every op field).
/// </summary>
[TestClass]
public sealed class ExtensionBinaryTests
{
    public static IEnumerable<object[]> Examples => ExtensionPrograms.Examples;

    [TestMethod]
    [DynamicData(nameof(Examples))]
    public void EveryStoredGraphDecodesToTheSameIrTextAsTheTextForm(string example)
    {
        foreach (var (assembly, portal, compiled, table) in ExtensionPrograms.All(example))
        {
            string text = ExtensionSerializer.Write(compiled, table);
            var (fromText, _) = ExtensionSerializer.Read(text);
            var (fromBinary, members) = ExtensionSerializer.ReadStored(new MemoryStream(ExtensionSerializer.Store(compiled, table)), lazily: false);

            Assert.HasCount(fromText.Graphs.Count, fromBinary.Graphs);
            for (int g = 0; g < fromText.Graphs.Count; g++)
            {
                var expected = fromText.Graphs[g];
                var actual = fromBinary.Graphs[g];
                Assert.AreEqual(expected.Name, actual.Name);
                Assert.AreEqual(Printed(expected), Printed(actual), $"{portal}: graph {expected.Name}");
            }
            Assert.AreEqual(text, ExtensionSerializer.Write(fromBinary, members), $"{portal}: the program read from the binary form writes the same text");
            Assert.AreEqual(WithoutHeader(fromText.Print()), WithoutHeader(fromBinary.Print()), "the compact forms print alike (the header holds the time read)");

            // Linked as the analysis-time program: the same delegates and run-time types.
            ExtensionLinker.Link(fromBinary, new MemberTableResolver(members, assembly));
            ExtensionPrograms.AssertLinkedAlike(compiled, fromBinary);
        }
    }

    [TestMethod]
    public void AProgramReadLazilyFromTheBinaryFormLoadsOnlyThePortalsGraph()
    {
        var (assembly, compiled, table) = ExtensionPrograms.First("StackVm");
        var (lazy, members) = ExtensionBinary.ReadLazily(ExtensionBinary.Write(compiled, table));
        Assert.AreEqual(1, lazy.LoadedGraphs);
        ExtensionLinker.Link(lazy, new MemberTableResolver(members, assembly));
        Assert.AreEqual(1, lazy.LoadedGraphs, "linking loads nothing more");
        Assert.AreEqual(ExtensionSerializer.Write(compiled, table), ExtensionSerializer.Write(lazy, members));
        Assert.AreEqual(lazy.Graphs.Count, lazy.LoadedGraphs);
    }

    [TestMethod]
    public void MalformedBytesSayToBuildAgain()
    {
        var (_, compiled, table) = ExtensionPrograms.First("StackVm");
        var stored = ExtensionBinary.Write(compiled, table);
        var truncated = stored[..(stored.Length / 2)];
        var error = Assert.Throws<FormatException>(() => ExtensionBinary.Read(truncated));
        StringAssert.Contains(error.Message, "pejit build");

        var (lazy, _) = ExtensionBinary.ReadLazily(stored);
        var corrupt = (byte[])stored.Clone();
        // The last graph's last bytes: its ops; a graph loaded later reports its own error when it is needed.
        for (int i = corrupt.Length - 8; i < corrupt.Length; i++) corrupt[i] = 0xff;
        var (late, _) = ExtensionBinary.ReadLazily(corrupt);
        var lateError = Assert.Throws<FormatException>(() => late.Graphs[^1].Blocks);
        StringAssert.Contains(lateError.Message, late.Graphs[^1].Name);
        Assert.IsNotNull(lazy.Graphs[^1].Blocks, "the intact one loads");
    }

    [TestMethod]
    public void TheBinaryFormStoresEveryOpFieldTheTextFormDoes()
    {
        // ExtensionOpFields is the text form's one list of stored fields; the binary form keeps one bit per entry.
        var fields = typeof(ExtensionBinary).Assembly.GetType("PeJit.Specializer.Extension.ExtensionOpFields")!
            .GetField("All", BindingFlags.Public | BindingFlags.Static)!.GetValue(null) as System.Collections.ICollection;
        int stored = (int)typeof(ExtensionBinary).GetField("StoredFields", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        Assert.AreEqual(fields!.Count, stored, "a field added to ExtensionOpFields needs its bit in ExtensionBinary (WriteOp, ReadOp)");
    }

    [TestMethod]
    public void TheEnumsStoredByNumberAreTheOnesOfThisVersion()
    {
        Type[] stored = [typeof(PeJit.IR.Opcode), typeof(ExtensionOpKind), typeof(GreenOperation), typeof(PeJit.IR.CallTreatment), typeof(PeJit.IR.TypeKind), typeof(PeJit.IR.RegionKind)];
        string names = string.Join(";", stored.Select(t => t.Name + ":" + string.Join(",", Enum.GetNames(t))));
        string hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(names)))[..16];
        Assert.AreEqual(ExtensionBinary.EnumLayout, hash,
            $"an enum the compact binary form stores by number changed: increment ExtensionBinary.Version and set ExtensionBinary.EnumLayout to \"{hash}\"");
    }

    [TestMethod]
    public void AnAssemblyStoredAsTextStillReads()
    {
        var (_, compiled, table) = ExtensionPrograms.First("StackVm");
        string text = ExtensionSerializer.Write(compiled, table);
        var (program, members) = ExtensionSerializer.ReadStored(new MemoryStream(ExtensionSerializer.Compress(text)), lazily: false);
        Assert.AreEqual(text, ExtensionSerializer.Write(program, members));
    }

    private static string WithoutHeader(string text) => ExtensionPrograms.WithoutHeader(text);

    private static string Printed(ExtensionGraph graph) =>
        IrPrinter.Print(graph.Graph, v => graph.RedValues[v.Index] ? "red" : "green");
}
