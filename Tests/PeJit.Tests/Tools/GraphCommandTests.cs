using PeJit.IR;

namespace PeJit.Tests.Tools;

/// <summary>`pejit graph`: prints graphs; bad input gets one clear line on stderr and exit code 2.</summary>
[TestClass]
public sealed class GraphCommandTests
{
    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = PeJit.Cli.Program.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static void AssertOneCleanLine(string error)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, error);
        Assert.DoesNotContain("   at ", error, "no stack trace");
        Assert.StartsWith("pejit", lines[0]);
    }

    [TestMethod]
    public void PrintsTheGraphOfANamedMethod()
    {
        var (exit, output, error) = Run("graph", typeof(FlowGraph).Assembly.Location, "--method", "MethodRef::CountParameters");
        Assert.AreEqual(0, exit, error);
        StringAssert.Contains(output, "function \"System.Int32 PeJit.IR.MethodRef::CountParameters(System.String)\" -> i32 {");
        StringAssert.Contains(output, "ret ");
    }

    [TestMethod]
    public void MissingFileIsExitCode2()
    {
        var (exit, _, error) = Run("graph", Path.Combine(Path.GetTempPath(), "no-such-assembly.dll"));
        Assert.AreEqual(2, exit);
        AssertOneCleanLine(error);
        StringAssert.Contains(error, "no such file");
    }

    [TestMethod]
    public void FileThatIsNotAnAssemblyIsExitCode2()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pejit-not-an-assembly-{Guid.NewGuid():N}.dll");
        File.WriteAllText(path, "this is text, not a PE file");
        try
        {
            var (exit, _, error) = Run("graph", path);
            Assert.AreEqual(2, exit);
            AssertOneCleanLine(error);
            StringAssert.Contains(error, "not a .NET assembly");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void UnknownMethodIsExitCode2()
    {
        var (exit, _, error) = Run("graph", typeof(FlowGraph).Assembly.Location, "--method", "NoSuchMethodAnywhere");
        Assert.AreEqual(2, exit);
        AssertOneCleanLine(error);
        StringAssert.Contains(error, "no method named 'NoSuchMethodAnywhere'");
    }

    [TestMethod]
    public void MissingArgumentIsExitCode2()
    {
        var (exit, _, error) = Run("graph");
        Assert.AreEqual(2, exit);
        Assert.DoesNotContain("   at ", error);
    }
}
