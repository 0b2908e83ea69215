using System.Reflection;
using PeJit.Frontend.Construction;
using PeJit.IR.Text;
using PeJit.IR.Verification;
using PeJit.Tests.Analysis;
using PeJit.Tests.Frontend;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.FileTests;

/// <summary>
/// The file tests (Cranelift's filetests; format in Docs/filetests.md): every <c>FileTests/&lt;suite&gt;/*.ir</c>
/// file, whose first line says what to run on the IR that follows:
/// <list type="bullet">
/// <item><c>; test roundtrip</c>: the text parses, verifies and prints back to itself;</item>
/// <item><c>; test verify</c>: each <c>; error: TEXT</c> line names an error the verifier must report (and it must report no other);</item>
/// <item><c>; test optimize PASSES</c>: the passes (a selection such as <c>guards:dce</c>) leave the functions as
/// written after <c>; after:</c>, the verifier accepts the graph after every pass, and each function behaves the same
/// before and after, evaluated and compiled (<see cref="OptimizerFileTest"/>);</item>
/// <item><c>; test cil</c>: the CIL backend's code behaves as the graph evaluator on sample arguments;</item>
/// <item><c>; test frontend TYPE::METHOD</c>: a subject method (real C#) converts to the graph that follows;</item>
/// <item><c>; test bta TYPE::METHOD</c>: a portal's analysis gives the annotated graphs that follow, which parse
/// back with their binding times;</item>
/// <item><c>; test specialize TYPE::METHOD at GREEN, ...</c>: the stored extension program that follows specializes at the
/// green key to the residual graph after <c>; residual:</c> (<see cref="SpecializeFileTest"/>).</item>
/// </list>
/// <c>PEJIT_BLESS=1</c> rewrites the expectations (roundtrip, optimize, frontend, bta, specialize) from what the code produces now.
/// </summary>
[TestClass]
public sealed class FileTestRunner
{
    private static string Root => Path.Combine(Golden.SourceDirectory(), "FileTests");

    public static IEnumerable<object[]> Files =>
        Directory.EnumerateFiles(Root, "*.ir", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => new object[] { Path.GetRelativePath(Root, f) });

    [TestMethod]
    [DynamicData(nameof(Files))]
    public void Run(string file)
    {
        string path = Path.Combine(Root, file);
        string text = File.ReadAllText(path).Replace("\r\n", "\n");
        var header = text.Split('\n')[0];
        string command = header.Trim();
        if (command == "; test roundtrip") RoundTrip(file, header, text);
        else if (command == "; test verify") Verify(text);
        else if (command.StartsWith("; test optimize ", StringComparison.Ordinal)) OptimizerFileTest.Run(Path.GetDirectoryName(path)!, Path.GetFileName(path));
        else if (command == "; test cil") Cil(text);
        else if (command.StartsWith("; test frontend ", StringComparison.Ordinal)) Frontend(file, header, Subject(command["; test frontend ".Length..]));
        else if (command.StartsWith("; test bta ", StringComparison.Ordinal)) BindingTimes(file, header, Subject(command["; test bta ".Length..]));
        else if (command.StartsWith("; test specialize ", StringComparison.Ordinal) && command.IndexOf(" at ", StringComparison.Ordinal) is > 0 and var at)
            SpecializeFileTest.Run(file, header, text, Subject(command["; test specialize ".Length..at]), command[(at + 4)..]);
        else Assert.Fail($"{file}: the first line must be '; test roundtrip', '; test verify', '; test optimize PASSES', '; test cil', '; test frontend TYPE::METHOD', '; test bta TYPE::METHOD' or '; test specialize TYPE::METHOD at GREEN, ...', not '{header}' (Docs/filetests.md)");
    }

    private static void RoundTrip(string file, string header, string text)
    {
        var graphs = IrParser.ParseAll(text);
        Assert.IsNotEmpty(graphs, "the file holds no function");
        string printed = header + "\n" + string.Join("\n", graphs.Select(g => IrPrinter.Print(g)));
        foreach (var graph in graphs) Assert.IsEmpty(Verifier.Verify(graph), $"{graph.Name}: {string.Join("\n", Verifier.Verify(graph))}");
        Golden.Check(Path.Combine("FileTests", file), printed);
    }

    private static void Verify(string text)
    {
        var expected = text.Split('\n').Where(l => l.Contains("; error:")).Select(l => l[(l.IndexOf("; error:") + 8)..].Trim()).ToList();
        var errors = IrParser.ParseAll(text).SelectMany(Verifier.Verify).Select(e => e.ToString()).ToList();
        foreach (var error in expected)
            Assert.IsTrue(errors.Any(e => e.Contains(error)), $"the verifier does not report '{error}'; it reports:\n{string.Join("\n", errors)}");
        Assert.HasCount(expected.Count, errors, $"the verifier reports other errors too:\n{string.Join("\n", errors)}");
    }

    private static void Cil(string text)
    {
        var graphs = IrParser.ParseAll(text);
        Assert.IsNotEmpty(graphs, "the file holds no function");
        foreach (var graph in graphs)
        {
            Assert.IsEmpty(Verifier.Verify(graph), $"{graph.Name}: {string.Join("\n", Verifier.Verify(graph))}");
            OptimizerFileTest.AssertCompiledAsEvaluated(graph);
        }
    }

    /// <summary>The subject method <c>TYPE::METHOD</c>, a type of the test-subject assemblies.</summary>
    private static MethodInfo Subject(string name)
    {
        var parts = name.Trim().Split("::");
        Assert.HasCount(2, parts, $"'{name}' is not TYPE::METHOD");
        var type = new[] { typeof(PeJit.TestSubjects.Catalog).Assembly, typeof(PeJit.AnalysisSubjects.Rules).Assembly }
            .Select(a => a.GetType(parts[0])).FirstOrDefault(t => t is not null);
        Assert.IsNotNull(type, $"no type {parts[0]} in PeJit.TestSubjects or PeJit.AnalysisSubjects");
        var methods = type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name == parts[1]).ToList();
        Assert.HasCount(1, methods, $"{name}: name one method that is not overloaded");
        return methods[0];
    }

    private static void Frontend(string file, string header, MethodInfo method)
    {
        var result = new MethodConverter().Convert(ModuleCache.Definition(method));
        Assert.IsNotNull(result.Graph, $"{method.Name} is opaque: {result.OpaqueReason}");
        Assert.IsEmpty(Verifier.Verify(result.Graph), string.Join("\n", Verifier.Verify(result.Graph)));
        Golden.Check(Path.Combine("FileTests", file), header + "\n" + IrPrinter.Print(result.Graph));
    }

    private static void BindingTimes(string file, string header, MethodInfo portal)
    {
        var analyzed = AnalyzedPortal.Of(portal.DeclaringType!, portal.Name);
        Assert.IsEmpty(analyzed.Errors, string.Join("\n", analyzed.Errors));
        string printed = string.Join("\n", analyzed.Portal.Reachable.Select(g => g.Print()));
        foreach (var function in IrParser.ParseAllAnnotated(printed))
            Assert.IsEmpty(Verifier.Verify(function.Graph), string.Join("\n", Verifier.Verify(function.Graph)));
        Assert.AreEqual(printed, string.Join("\n", IrParser.ParseAllAnnotated(printed).Select(f => f.Print())), "the annotated graphs parse back with their binding times");
        Golden.Check(Path.Combine("FileTests", file), header + "\n" + printed);
    }
}
