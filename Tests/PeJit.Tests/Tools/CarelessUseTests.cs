using System.Diagnostics;
using PeJit.Cli.Commands;
using Vm = PeJit.Examples.StackVm;

namespace PeJit.Tests.Tools;

/// <summary>
/// `pejit build` and `pejit bta` used carelessly (issue 13): output never replaces what is not a regular file
/// or the input, every bad argument is one line and exit 2, one accurate error per cause, no staging folder
/// outlives a crashed build. FIFOs and links are made in a temporary folder: tests run as root, so none of
/// them may point at a real device or system path.
/// </summary>
[TestClass]
public sealed class CarelessUseTests
{
    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = PeJit.Cli.Program.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static string StackVm => Vm.Runner.Portal.Module.Assembly.Location;

    private static string NewFolder() => Directory.CreateTempSubdirectory("pejit-careless-").FullName;

    /// <summary>A folder holding a copy of StackVm.dll, with its PDB and PeJit.Hints.dll unless told otherwise; returns the copy's path.</summary>
    private static string CopyOfStackVm(bool pdb = true, bool hints = true)
    {
        string folder = NewFolder();
        string input = Path.Combine(folder, "StackVm.dll");
        File.Copy(StackVm, input);
        if (pdb) File.Copy(Path.ChangeExtension(StackVm, ".pdb"), Path.Combine(folder, "StackVm.pdb"));
        if (hints) File.Copy(typeof(PeJit.Jit).Assembly.Location, Path.Combine(folder, "PeJit.Hints.dll"));
        return input;
    }

    private static void AssertOneLineError(int exit, string error, string expected)
    {
        Assert.AreEqual(2, exit, error);
        StringAssert.Contains(error, expected);
        Assert.DoesNotContain("   at ", error, "no stack trace");
        Assert.DoesNotContain("\n", error.TrimEnd(), $"one line: {error}");
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo") { ArgumentList = { path }, UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.AreEqual(0, mkfifo.ExitCode, "mkfifo failed");
    }

    // 1. `pejit bta -o PATH` writes only to a new path or over a regular file.

    [TestMethod]
    public void BtaRefusesToReplaceAFifo()
    {
        string fifo = Path.Combine(NewFolder(), "pipe");
        MakeFifo(fifo);
        var (exit, _, error) = Run("bta", StackVm, "-o", fifo);
        AssertOneLineError(exit, error, "named pipe");
        Assert.AreEqual(FileKind.Fifo, FileKinds.Of(fifo), "the FIFO is still a FIFO");
    }

    [TestMethod]
    public void BtaRefusesToReplaceASymbolicLink()
    {
        string folder = NewFolder();
        string target = Path.Combine(folder, "target.txt");
        File.WriteAllText(target, "keep me");
        string link = Path.Combine(folder, "link.txt");
        File.CreateSymbolicLink(link, target);
        var (exit, _, error) = Run("bta", StackVm, "-o", link);
        AssertOneLineError(exit, error, "symbolic link");
        Assert.AreEqual(FileKind.SymbolicLink, FileKinds.Of(link), "the link is still a link");
        Assert.AreEqual("keep me", File.ReadAllText(target));
    }

    [TestMethod]
    public void BtaRefusesAFolderAndTheInputButReplacesARegularFile()
    {
        string folder = NewFolder();
        var (exit, _, error) = Run("bta", StackVm, "-o", folder);
        AssertOneLineError(exit, error, "that is a folder");
        string input = CopyOfStackVm();
        byte[] before = File.ReadAllBytes(input);
        (exit, _, error) = Run("bta", input, "-o", input);
        AssertOneLineError(exit, error, "that is the input assembly");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(input), "the input is never modified");
        string report = Path.Combine(folder, "report.txt");
        File.WriteAllText(report, "an older report");
        (exit, _, error) = Run("bta", StackVm, "-o", report);
        Assert.AreEqual(0, exit, error);
        StringAssert.Contains(File.ReadAllText(report), "Portal PeJit.Examples.StackVm.Interpreter::Run");
    }

    // 2. `pejit build -o <the input's folder>` would overwrite the input.

    [TestMethod]
    public void BuildRefusesTheInputsOwnFolder()
    {
        string input = CopyOfStackVm();
        byte[] before = File.ReadAllBytes(input);
        string folder = Path.GetDirectoryName(input)!;
        var (exit, _, error) = Run("build", input, "-o", folder);
        AssertOneLineError(exit, error, "choose another folder");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(input), "the input is never modified");
        // Spelled differently: relative, with a trailing separator.
        (exit, _, error) = Run("build", input, "-o", Path.GetRelativePath(Environment.CurrentDirectory, folder) + Path.DirectorySeparatorChar);
        AssertOneLineError(exit, error, "choose another folder");
        Assert.IsEmpty(Directory.GetDirectories(folder), "no staging folder is left behind");
    }

    // 3. Empty and invalid arguments.

    [TestMethod]
    public void AnEmptyOutputIsAOneLineError()
    {
        var (exit, _, error) = Run("build", StackVm, "-o", "");
        AssertOneLineError(exit, error, "-o \"\"");
        (exit, _, error) = Run("bta", StackVm, "-o", "");
        AssertOneLineError(exit, error, "-o \"\"");
    }

    [TestMethod]
    public void ThresholdZeroIsAOneLineError()
    {
        var (exit, _, error) = Run("build", StackVm, "-o", NewFolder(), "--threshold", "0");
        AssertOneLineError(exit, error, "--threshold 0");
        (exit, _, error) = Run("build", StackVm, "-o", NewFolder(), "--threshold", "-1");
        AssertOneLineError(exit, error, "--threshold -1");
    }

    // 7. One accurate error per cause.

    [TestMethod]
    public void AMissingPdbIsOnePj0001AndNoPj0003()
    {
        string input = CopyOfStackVm(pdb: false);
        var (exit, _, error) = Run("build", input, "-o", NewFolder());
        Assert.AreEqual(1, exit, error);
        StringAssert.Contains(error, "PJ0001");
        Assert.DoesNotContain("PJ0003", error, "without a PDB every local looks like an expression; PJ0001 says why");
        Assert.AreEqual(1, error.Split("PJ0001").Length - 1, error);
    }

    [TestMethod]
    public void BtaOfAJitEnabledAssemblySaysSo()
    {
        var (exit, _, error) = Run("bta", Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"));
        AssertOneLineError(exit, error, "already JIT-enabled");
        Assert.DoesNotContain("PJ0007", error);
    }

    [TestMethod]
    public void AFolderAsTheInputSaysGiveTheDll()
    {
        string folder = Path.GetDirectoryName(CopyOfStackVm())!;
        var (exit, _, error) = Run("build", folder, "-o", NewFolder());
        AssertOneLineError(exit, error, "is a folder; give the .dll");
        (exit, _, error) = Run("bta", folder);
        AssertOneLineError(exit, error, "is a folder; give the .dll");
    }

    [TestMethod]
    public void ACorruptHintsAssemblyIsNamedCorrupt()
    {
        string input = CopyOfStackVm(hints: false);
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(input)!, "PeJit.Hints.dll"), "not an assembly");
        var (exit, _, error) = Run("build", input, "-o", NewFolder());
        AssertOneLineError(exit, error, "PeJit.Hints.dll, the assembly PeJit.Hints it references, is not a .NET assembly (corrupt");
        (exit, _, error) = Run("bta", input);
        AssertOneLineError(exit, error, "is not a .NET assembly (corrupt");
    }

    [TestMethod]
    public void BtaRefusesAMissingHintsAssemblyLikeBuild()
    {
        string input = CopyOfStackVm(hints: false);
        var (buildExit, _, buildError) = Run("build", input, "-o", NewFolder());
        var (btaExit, _, btaError) = Run("bta", input);
        AssertOneLineError(buildExit, buildError, "cannot find the assembly PeJit.Hints");
        AssertOneLineError(btaExit, btaError, "cannot find the assembly PeJit.Hints");
        Assert.AreEqual(buildError.Replace("pejit build: ", ""), btaError.Replace("pejit bta: ", ""), "the same check, the same message");
    }

    // 8. Staging folders of crashed builds.

    [TestMethod]
    public void StagingFoldersOfCrashedBuildsAreRemovedAndThoseOfRunningBuildsKept()
    {
        string outdir = NewFolder();
        using var finished = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        finished.WaitForExit();
        string crashed = Directory.CreateDirectory(Path.Combine(outdir, $".pejit-{finished.Id}-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(crashed, "StackVm.dll"), "half written");
        string old = Directory.CreateDirectory(Path.Combine(outdir, $".pejit-{Guid.NewGuid():N}")).FullName;
        Directory.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-2));
        string recent = Directory.CreateDirectory(Path.Combine(outdir, $".pejit-{Guid.NewGuid():N}")).FullName;
        string running = Directory.CreateDirectory(Path.Combine(outdir, $".pejit-{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
        var (exit, _, error) = Run("build", StackVm, "-o", outdir, "--report", "none");
        Assert.AreEqual(0, exit, error);
        Assert.IsFalse(Directory.Exists(crashed), "the folder of a process that is gone is removed");
        Assert.IsFalse(Directory.Exists(old), "a folder too old to belong to a running build is removed");
        Assert.IsTrue(Directory.Exists(recent), "a recent folder whose owner is unknown may belong to a build running now");
        Assert.IsTrue(Directory.Exists(running), "a folder of a running build is kept");
    }
}
