using PeJit.Tests.Tools;

namespace PeJit.Tests.Runtime;

/// <summary>
/// <c>PEJIT_LOG_FILE</c> shared by processes started together (issue 13): appended to, never truncated, no
/// byte-order mark, every line whole and every summary there.
/// </summary>
[TestClass]
public sealed class LogFileTests
{
    [TestMethod]
    public void TwoProcessesShareOneLogFileLineByLine()
    {
        string log = Path.Combine(Directory.CreateTempSubdirectory("pejit-shared-log-").FullName, "jit.log");
        File.WriteAllText(log, "an earlier run\n");
        string assembly = Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll");
        var environment = new Dictionary<string, string> { ["PEJIT_LOG"] = "all", ["PEJIT_LOG_FILE"] = log };
        var runs = new[] { "nested", "count" }.Select(program => Task.Run(() => DotnetProcess.Run([assembly, program], environment))).ToArray();
        Task.WaitAll(runs);
        foreach (var run in runs) Assert.AreEqual(0, run.Result.Exit, run.Result.Error);

        byte[] bytes = File.ReadAllBytes(log);
        Assert.IsFalse(bytes is [0xEF, 0xBB, 0xBF, ..], "no UTF-8 byte-order mark");
        string[] lines = File.ReadAllLines(log);
        Assert.AreEqual("an earlier run", lines[0], "the file is appended to, not truncated");
        Assert.AreEqual(2, lines.Count(l => l.StartsWith("pejit summary:", StringComparison.Ordinal)), "both processes' summaries are there");
        foreach (string line in lines)
        {
            // Two messages run together put a second "pejit" after the start of a line.
            Assert.IsFalse(line.IndexOf("pejit:", StringComparison.Ordinal) > 0 || line.IndexOf("pejit summary:", StringComparison.Ordinal) > 0,
                $"a line of one process was cut by another's: {line}");
        }
    }
}
