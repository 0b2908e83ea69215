using PeJit.IR.Text;
using PeJit.IR.Verification;

namespace PeJit.Tests.FileTests;

/// <summary>
/// File tests (Cranelift's filetests): each <c>FileTests/&lt;suite&gt;/*.ir</c> file starts with a line
/// <c>; test roundtrip</c> or <c>; test verify</c>, then IR. <c>roundtrip</c>: the text parses and prints back
/// to itself. <c>verify</c>: each <c>; error: TEXT</c> line names an error the verifier must report (and it
/// must report no other). <c>PEJIT_BLESS=1</c> rewrites roundtrip files with the printed text.
/// </summary>
[TestClass]
public sealed class FileTestRunner
{
    private static string Root => Path.Combine(Golden.SourceDirectory(), "FileTests");

    public static IEnumerable<object[]> Files =>
        Directory.EnumerateFiles(Root, "*.ir", SearchOption.AllDirectories).Order()
            .Select(f => new object[] { Path.GetRelativePath(Root, f) });

    [TestMethod]
    [DynamicData(nameof(Files))]
    public void Run(string file)
    {
        string text = File.ReadAllText(Path.Combine(Root, file)).Replace("\r\n", "\n");
        var header = text.Split('\n')[0];
        switch (header.Trim())
        {
            case "; test roundtrip":
            {
                var graphs = IrParser.ParseAll(text);
                Assert.IsNotEmpty(graphs, "the file holds no function");
                string printed = header + "\n" + string.Join("\n", graphs.Select(g => IrPrinter.Print(g)));
                foreach (var graph in graphs) Assert.IsEmpty(Verifier.Verify(graph), $"{graph.Name}: {string.Join("\n", Verifier.Verify(graph))}");
                Golden.Check(Path.Combine("FileTests", file), printed);
                break;
            }
            case "; test verify":
            {
                var expected = text.Split('\n').Where(l => l.Contains("; error:")).Select(l => l[(l.IndexOf("; error:") + 8)..].Trim()).ToList();
                var errors = IrParser.ParseAll(text).SelectMany(Verifier.Verify).Select(e => e.ToString()).ToList();
                foreach (var error in expected)
                    Assert.IsTrue(errors.Any(e => e.Contains(error)), $"the verifier does not report '{error}'; it reports:\n{string.Join("\n", errors)}");
                Assert.HasCount(expected.Count, errors, $"the verifier reports other errors too:\n{string.Join("\n", errors)}");
                break;
            }
            default:
                Assert.Fail($"{file}: the first line must be '; test roundtrip' or '; test verify', not '{header}'");
                break;
        }
    }
}
