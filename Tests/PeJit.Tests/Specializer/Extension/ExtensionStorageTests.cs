using System.Reflection;
using PeJit.Specializer.Extension;

namespace PeJit.Tests.Specializer.Extension;

/// <summary>
/// The stored form of the extension program (<see cref="ExtensionSerializer"/>, what <c>pejit build</c> writes into
/// the JIT-enabled assembly) reads back into a program that, linked by name and signature through its member
/// table (<see cref="MemberTableResolver"/>, no Cecil), prints as the one compiled from the analysis, for every
/// portal of every example; it writes back to the same text, and the verifier finds it clean.
/// </summary>
[TestClass]
public sealed class ExtensionStorageTests
{
    public static IEnumerable<object[]> Examples => ExtensionPrograms.Examples;

    [TestMethod]
    [DynamicData(nameof(Examples))]
    public void EveryPortalReadsBackFromItsStoredFormAndPrintsTheSame(string example)
    {
        foreach (var (assembly, portal, compiled, table) in ExtensionPrograms.All(example))
        {
            string stored = ExtensionSerializer.Write(compiled, table);
            var (read, members) = ExtensionSerializer.Read(ExtensionSerializer.Decompress(new MemoryStream(ExtensionSerializer.Compress(stored))));
            ExtensionLinker.Link(read, new MemberTableResolver(members, assembly));

            Assert.AreEqual(WithoutHeader(compiled.Print()), WithoutHeader(read.Print()), portal);
            Assert.AreEqual(compiled.AccessDelegates, read.AccessDelegates);
            ExtensionPrograms.AssertLinkedAlike(compiled, read);
            Assert.AreEqual(stored, ExtensionSerializer.Write(read, members), "the stored form writes back the same");
            var errors = ExtensionVerifier.Verify(ExtensionParser.Parse(read.Print()));
            Assert.IsEmpty(errors, string.Join("\n", errors));
        }
    }

    [TestMethod]
    public void AMalformedStoredProgramNamesItsLine()
    {
        var error = Assert.Throws<FormatException>(() => ExtensionSerializer.Read("pejit-extension 1\nportal \"Run\" \"x\"\ngraph \"G\"\nblock 0\n  Nonsense\nmembers\nfunctions\nfunction \"G\" -> void {\nblock0:\n    ret\n}\n"));
        StringAssert.Contains(error.Message, "line 5");
    }

    [TestMethod]
    [DynamicData(nameof(Examples))]
    public void AProgramReadLazilyLoadsOnlyThePortalsGraphUntilAnotherIsNeeded(string example)
    {
        var (assembly, stored) = Stored(example);
        var (eager, eagerMembers) = ExtensionSerializer.Read(stored);
        ExtensionLinker.Link(eager, new MemberTableResolver(eagerMembers, assembly));
        var (lazy, members) = ExtensionSerializer.ReadLazily(stored);
        Assert.AreEqual(1, lazy.LoadedGraphs, "reading loads the portal's graph only");
        ExtensionLinker.Link(lazy, new MemberTableResolver(members, assembly));
        Assert.AreEqual(1, lazy.LoadedGraphs, "linking loads nothing more");

        Assert.AreEqual(WithoutHeader(eager.Print()), WithoutHeader(lazy.Print()), "loaded when printed, the same program");
        Assert.AreEqual(lazy.Graphs.Count, lazy.LoadedGraphs);
        Assert.AreEqual(eager.AccessDelegates, lazy.AccessDelegates);
        Assert.AreEqual(eager.AccessMethods, lazy.AccessMethods);
        AssertLinkedAlike(eager, lazy);
    }

    [TestMethod]
    public void ThreadsNeedingAGraphAtOnceAllGetItLoadedAndLinkedOnce()
    {
        var (assembly, stored) = Stored("StackVm");
        var (eager, eagerMembers) = ExtensionSerializer.Read(stored);
        ExtensionLinker.Link(eager, new MemberTableResolver(eagerMembers, assembly));
        Assert.IsGreaterThan(1, eager.Graphs.Count, "the test needs a graph besides the portal's");
        for (int round = 0; round < 20; round++)
        {
            var (lazy, members) = ExtensionSerializer.ReadLazily(stored);
            ExtensionLinker.Link(lazy, new MemberTableResolver(members, assembly));
            var graph = lazy.Graphs[1 + round % (lazy.Graphs.Count - 1)];
            using var start = new Barrier(4);
            var seen = new ExtensionOp[4][][];
            var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                seen[t] = graph.Blocks;
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.IsTrue(seen.All(blocks => ReferenceEquals(blocks, seen[0])), "one load, seen by every thread");
            Assert.IsTrue(seen[0].All(block => block is not null), "no thread sees a graph half read");
            AssertLinkedAlike(eager, lazy, graph.Name);
        }
    }

    [TestMethod]
    public void AMalformedGraphReadLazilyIsReportedWhenItIsLoaded()
    {
        var (_, stored) = Stored("StackVm");
        var lines = stored.Split('\n');
        int second = Array.FindIndex(lines, 1 + Array.FindIndex(lines, l => l.StartsWith("graph ", StringComparison.Ordinal)), l => l.StartsWith("graph ", StringComparison.Ordinal));
        Assert.IsGreaterThan(0, second, "the test needs a graph besides the portal's");
        int op = Array.FindIndex(lines, second, l => l.StartsWith("  ", StringComparison.Ordinal));
        lines[op] = "  Nonsense";
        string corrupt = string.Join('\n', lines);

        var (lazy, _) = ExtensionSerializer.ReadLazily(corrupt);
        var error = Assert.Throws<FormatException>(() => lazy.Graphs[1].Blocks);
        StringAssert.Contains(error.Message, $"line {op + 1}");
        Assert.Throws<FormatException>(() => ExtensionSerializer.Read(corrupt));
    }

    private static (Assembly Assembly, string Stored) Stored(string example)
    {
        var (assembly, compiled, table) = ExtensionPrograms.First(example);
        return (assembly, ExtensionSerializer.Write(compiled, table));
    }

    private static void AssertLinkedAlike(ExtensionProgram expected, ExtensionProgram actual, string? only = null) =>
        ExtensionPrograms.AssertLinkedAlike(expected, actual, only);

    private static string WithoutHeader(string text) => ExtensionPrograms.WithoutHeader(text);
}
