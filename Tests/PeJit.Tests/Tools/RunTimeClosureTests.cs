using System.Text.RegularExpressions;

namespace PeJit.Tests.Tools;

/// <summary>
/// A JIT-enabled process loads nothing of build time: the output of <c>pejit build</c>, run with <c>dotnet</c> in a
/// child process until units are compiled and entered, has no frontend, analysis, generator, weaver, Mono.Cecil or
/// QuikGraph among its loaded assemblies (<c>PEJIT_LOG=assemblies</c> lists them at exit), because the portal's
/// extension program is read from the assembly rather than analyzed again; and no System.Linq.Expressions, because
/// its green loads and calls were emitted into the assembly (<c>GreenAccessEmitter</c>) rather than compiled when
/// it is linked; and no System.IO.Compression, because the stored program is compressed by PeJit's own
/// <c>ExtensionCompression</c> (gzip's assembly, native library and interop stubs cost 3-6 ms of a cold preparation).
/// </summary>
[TestClass]
public sealed class RunTimeClosureTests
{
    private static readonly string[] BuildTime = ["PeJit.Frontend", "PeJit.Analysis", "PeJit.Generator", "PeJit.Weaving", "Mono.Cecil", "QuikGraph", "System.Linq.Expressions", "System.IO.Compression"];

    public static IEnumerable<object[]> Runs =>
    [
        ["StackVm", "long", "100000"],
        ["Brainfuck", "squares", ""],
    ];

    [TestMethod]
    [DynamicData(nameof(Runs))]
    public void AJitEnabledRunLoadsNoBuildTimeAssembly(string example, string program, string argument)
    {
        string folder = example == "StackVm" ? BuildCommandTests.StackVmFolder : BuildCommandTests.BrainfuckFolder;
        string[] arguments = argument.Length > 0 ? [Path.Combine(folder, example + ".dll"), program, argument] : [Path.Combine(folder, example + ".dll"), program];
        var run = DotnetProcess.Run(arguments, new Dictionary<string, string> { ["PEJIT_LOG"] = "summary,assemblies", ["PEJIT_BACKGROUND"] = "0" });
        Assert.AreEqual(0, run.Exit, run.Error);
        Assert.DoesNotContain("without the JIT", run.Error, "the portal was prepared from its stored program");
        StringAssert.Matches(run.Error, new Regex(@"pejit summary: [1-9]\d* units compiled"), "units were compiled");
        StringAssert.Matches(run.Error, new Regex(@"entered [1-9]\d* times"), "compiled code was entered");
        StringAssert.Matches(run.Error, new Regex(@"[1-9]\d* emitted accesses bound, 0 delegates compiled"), "every green load and call was emitted by pejit build");
        var loaded = Regex.Match(run.Error, "pejit: loaded assemblies: (.*)").Groups[1].Value.Split(", ");
        CollectionAssert.Contains(loaded, "PeJit.Specializer", run.Error);
        CollectionAssert.Contains(loaded, "PeJit.Backends", run.Error);
        foreach (string name in BuildTime)
            CollectionAssert.DoesNotContain(loaded, name, $"{name} was loaded by the JIT-enabled process:\n{run.Error}");
    }
}
