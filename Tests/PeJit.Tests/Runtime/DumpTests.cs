using PeJit.IR.Text;
using PeJit.Optimizer;
using PeJit.Runtime;
using static PeJit.AnalysisSubjects.RegisterVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// <c>PEJIT_DUMP</c> (<see cref="JitSettings.Dump"/>): one file per stage of each unit compiled, named so that
/// they sort in order, the final one the graph the backend got; and <c>PEJIT_VERIFY</c>, on in every test.
/// </summary>
[TestClass]
public sealed class DumpTests
{
    private static readonly System.Reflection.MethodInfo Portal = typeof(PeJit.AnalysisSubjects.RegisterVm).GetMethod(nameof(Run))!;

    /// <summary>A loop of r2 iterations (instructions 0-2), then halt.</summary>
    private static readonly int[] Loop =
    [
        Add, 0, 0, 4,           // 0: r0 += 1
        Add, 1, 1, 4,           // 1: r1 += 1
        JumpLess, 1, 2, 0,      // 2: loop while r1 < r2
        Halt, 0, 0, 0,          // 3
    ];

    private static string Folder() => Path.Combine(Path.GetTempPath(), "pejit-dump-test-" + Guid.NewGuid().ToString("N"));

    private static PortalJit Compile(DumpSettings dump, TextWriter? log = null)
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3, Dump = dump, Log = log });
        jit.Invoke(Loop, new long[] { 0, 0, 100, 0, 1, 0, 0, 0, 0, 0 }, TextWriter.Null);
        Assert.IsNotEmpty(jit.Units, "the loop compiled");
        return jit;
    }

    [TestMethod]
    public void NamedPassesAreDumpedWithTheEngineOutputTheFinalGraphAndTheExtension()
    {
        string folder = Folder();
        try
        {
            var jit = Compile(DumpSettings.Parse("Run:fold,dce", folder));
            var unit = jit.Units.Single();
            var files = Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            string prefix = "PeJit.AnalysisSubjects.RegisterVm.Run.";
            string key = prefix + string.Join("_", unit.Unit.Entry.ToString().Trim('(', ')').Split(", ")) + ".";
            var folds = Pipeline.Passes.Select((p, i) => (p.Name, Position: i + 1)).Where(p => p.Name is "fold" or "dce")
                .Select(p => $"{key}{p.Position:00}-{p.Name}.ir");
            var expected = new[] { prefix + "extension.txt", key + "00-specialized.ir", $"{key}{Pipeline.Passes.Count + 1:00}-final.ir" }
                .Concat(folds).Order(StringComparer.Ordinal).ToList();
            CollectionAssert.AreEqual(expected, files, string.Join("\n", files));

            string final = File.ReadAllText(Path.Combine(folder, expected.Single(f => f!.EndsWith("-final.ir"))));
            Assert.AreEqual(IrPrinter.Print(unit.Unit.Residual), final, "the final dump is the graph the backend compiled");
            Assert.AreEqual(final, IrPrinter.Print(IrParser.Parse(final)), "a dump parses back");
            StringAssert.StartsWith(File.ReadAllText(Path.Combine(folder, prefix + "extension.txt")), "; generating extension:");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void AGlobThatMatchesNoPortalOrKeyDumpsNothing()
    {
        string folder = Folder();
        Compile(DumpSettings.Parse("Other*:all", folder));
        Assert.IsFalse(Directory.Exists(folder), "nothing was written");
    }

    [TestMethod]
    public void ADumpFolderThatCannotBeWrittenIsOneWarningAndTheLoopStillCompiles()
    {
        // A folder under a regular file cannot be created, whoever runs the test (root included).
        string file = Path.GetTempFileName();
        try
        {
            string folder = Path.Combine(file, "dumps");
            var log = new StringWriter();
            Compile(DumpSettings.Parse("all", folder), log);
            var warnings = log.ToString().Split('\n').Where(l => l.Contains("cannot write the dump")).ToList();
            Assert.HasCount(1, warnings, log.ToString());
            StringAssert.Contains(warnings[0], folder);
            StringAssert.Contains(warnings[0], "PEJIT_DUMP_DIR");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestMethod]
    public void AnUnknownPassNameSaysWhichNamesThereAre()
    {
        var error = Assert.Throws<ArgumentException>(() => DumpSettings.Parse("fold,folds", "x"));
        StringAssert.Contains(error.Message, "'folds'");
        StringAssert.Contains(error.Message, "guards");
    }

    [TestMethod]
    public void EveryTestVerifiesResidualGraphs() => Assert.IsTrue(new JitSettings().Verify, "TestAssembly sets PEJIT_VERIFY=1");
}
