using System.Reflection;
using PeJit.Analysis.BindingTimes;
using PeJit.Frontend.Construction;
using PeJit.Frontend.Resolution;
using PeJit.Generator;
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
    public static IEnumerable<object[]> Examples => [["StackVm"], ["Brainfuck"], ["RegisterVm"], ["TreeWalker"], ["HandlerTable"], ["Lua"]];

    [TestMethod]
    [DynamicData(nameof(Examples))]
    public void EveryStoredGraphDecodesToTheSameIrTextAsTheTextForm(string example)
    {
        var assembly = Assembly.Load(example);
        var result = BindingTimeAnalysis.Analyze(AssemblyLoader.Load(assembly.Location));
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        Assert.IsNotEmpty(result.Portals);
        foreach (var portal in result.Portals)
        {
            var compiled = ExtensionCompiler.Compile(portal, new CecilReflectionResolver(assembly));
            var table = MemberTableBuilder.For(compiled);
            string text = ExtensionSerializer.Write(compiled, table);
            var (fromText, _) = ExtensionSerializer.Read(text);
            var (fromBinary, members) = ExtensionSerializer.ReadStored(new MemoryStream(ExtensionSerializer.Store(compiled, table)), lazily: false);

            Assert.HasCount(fromText.Graphs.Count, fromBinary.Graphs);
            for (int g = 0; g < fromText.Graphs.Count; g++)
            {
                var expected = fromText.Graphs[g];
                var actual = fromBinary.Graphs[g];
                Assert.AreEqual(expected.Name, actual.Name);
                Assert.AreEqual(Printed(expected), Printed(actual), $"{portal.Hints.Method.FullName}: graph {expected.Name}");
            }
            Assert.AreEqual(text, ExtensionSerializer.Write(fromBinary, members), $"{portal.Hints.Method.FullName}: the program read from the binary form writes the same text");
            Assert.AreEqual(WithoutHeader(fromText.Print()), WithoutHeader(fromBinary.Print()), "the compact forms print alike (the header holds the time read)");

            // Linked as the analysis-time program: the same delegates and run-time types.
            ExtensionLinker.Link(fromBinary, new MemberTableResolver(members, assembly));
            var ops = compiled.Graphs.Zip(fromBinary.Graphs).SelectMany(p => p.First.Blocks.Zip(p.Second.Blocks)).SelectMany(p => p.First.Zip(p.Second)).ToList();
            Assert.IsTrue(ops.All(p => p.First.AccessCompiled == p.Second.AccessCompiled && p.First.RuntimeType == p.Second.RuntimeType && p.First.Green == p.Second.Green),
                $"{portal.Hints.Method.FullName}: linked as the analysis-time program");
        }
    }

    [TestMethod]
    public void AProgramReadLazilyFromTheBinaryFormLoadsOnlyThePortalsGraph()
    {
        var (assembly, compiled, table) = Compiled("StackVm");
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
        var (_, compiled, table) = Compiled("StackVm");
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
        var (_, compiled, table) = Compiled("StackVm");
        string text = ExtensionSerializer.Write(compiled, table);
        var (program, members) = ExtensionSerializer.ReadStored(new MemoryStream(ExtensionSerializer.Compress(text)), lazily: false);
        Assert.AreEqual(text, ExtensionSerializer.Write(program, members));
    }

    private static string WithoutHeader(string text) => text[(text.IndexOf('\n') + 1)..];

    private static string Printed(ExtensionGraph graph) =>
        IrPrinter.Print(graph.Graph, v => graph.RedValues[v.Index] ? "red" : "green");

    private static (Assembly Assembly, ExtensionProgram Compiled, MemberTable Table) Compiled(string example)
    {
        var assembly = Assembly.Load(example);
        var result = BindingTimeAnalysis.Analyze(AssemblyLoader.Load(assembly.Location));
        var compiled = ExtensionCompiler.Compile(result.Portals[0], new CecilReflectionResolver(assembly));
        return (assembly, compiled, MemberTableBuilder.For(compiled));
    }
}
