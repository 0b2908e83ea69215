namespace PeJit.Tests.Tools;

/// <summary>`pejit bta`: exit 0 without errors, 1 with analysis errors (report still written), 2 for unusable input; -o writes whole files.</summary>
[TestClass]
public sealed class BtaCommandTests
{
    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = PeJit.Cli.Program.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static string StackVm => typeof(PeJit.Examples.StackVm.Interpreter).Assembly.Location;

    [TestMethod]
    public void ACleanInterpreterIsExitCode0()
    {
        var (exit, output, error) = Run("bta", StackVm);
        Assert.AreEqual(0, exit, error);
        StringAssert.Contains(output, "Portal PeJit.Examples.StackVm.Interpreter::Run");
    }

    [TestMethod]
    public void AnalysisErrorsAreExitCode1WithTheErrorsOnStderr()
    {
        var (exit, output, error) = Run("bta", typeof(PeJit.AnalysisSubjects.Errors).Assembly.Location);
        Assert.AreEqual(1, exit);
        StringAssert.Contains(error, "error PJ0007");
        StringAssert.Contains(output, "Diagnostics:", "the report is still written");
        Assert.DoesNotContain("   at ", error);
    }

    [TestMethod]
    public void AnAssemblyWithoutPortalIsAnAnalysisError()
    {
        var (exit, _, error) = Run("bta", typeof(PeJit.IR.FlowGraph).Assembly.Location);
        Assert.AreEqual(1, exit);
        StringAssert.Contains(error, "PJ0009");
    }

    [TestMethod]
    public void UnusableInputIsExitCode2()
    {
        var (exit, _, error) = Run("bta", Path.Combine(Path.GetTempPath(), "missing.dll"));
        Assert.AreEqual(2, exit);
        Assert.DoesNotContain("   at ", error);
        (exit, _, error) = Run("bta", StackVm, "--format", "pdf");
        Assert.AreEqual(2, exit, error);
    }

    [TestMethod]
    public void OutputFilesAreWrittenWholeOrNotAtAll()
    {
        string directory = Directory.CreateTempSubdirectory("pejit-bta-").FullName;
        try
        {
            string file = Path.Combine(directory, "report.json");
            var (exit, _, error) = Run("bta", StackVm, "--format", "json", "-o", file);
            Assert.AreEqual(0, exit, error);
            StringAssert.StartsWith(File.ReadAllText(file), "{");
            Assert.HasCount(1, Directory.GetFiles(directory), "no temporary file left behind");
            (exit, _, error) = Run("bta", StackVm, "-o", Path.Combine(directory, "no-such-folder", "report.txt"));
            Assert.AreEqual(2, exit);
            StringAssert.Contains(error, "cannot write");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
