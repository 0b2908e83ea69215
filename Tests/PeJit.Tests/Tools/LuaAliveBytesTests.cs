using System.Globalization;
using System.Text.RegularExpressions;

namespace PeJit.Tests.Tools;

/// <summary>
/// What a JIT-enabled Lua process keeps alive when its portal is prepared and when its first unit is made, counted (issue 12):
/// in a short process what survives the GC's collections is what its GC clears fresh memory for and walks again, on the
/// interpreting thread (Docs/PERFORMANCE.md, "Never hot: the counter tables out of gen0...", and "What a JIT-enabled Lua process
/// keeps alive"). <c>PEJIT_LOG=memory</c> writes <c>GC.GetTotalMemory(true)</c> at each point; the unit is made on the
/// interpreter's thread, without the warm-up thread (whose own unit would be counted while it runs). The figures include the
/// interpreter's own data (the Lua program's), the same in the plain process: about 70 KB at its exit.
/// </summary>
[TestClass]
public sealed partial class LuaAliveBytesTests
{
    [TestMethod]
    public void PreparingAndTheFirstUnitKeepLittleAlive()
    {
        var run = DotnetProcess.Run([LuaBuild.Assembly, "numeric"],
            new Dictionary<string, string> { ["PEJIT_LOG"] = "memory", ["PEJIT_BACKGROUND"] = "0", ["PEJIT_WARMUP"] = "0" });
        Assert.AreEqual(0, run.Exit, run.Error);
        long prepared = Alive(run.Error, "prepared"), compiled = Alive(run.Error, ": compiled");
        Console.WriteLine($"Lua numeric: {prepared} bytes alive once the portal is prepared, {compiled} once its first unit is made\n{run.Error}");
        // Branch cold10 (.NET 10.0, linux-x64): 1,084,000 and 1,138,000 bytes before it (each op's operand types and registers
        // arrays of their own, an empty target list per instruction, a 112-byte side object per call and cast), 965,000 and
        // 1,018,000 after. The room is for .NET's own objects moving with a patch release; a graph's per-instruction bytes
        // growing back fail it.
        Assert.IsLessThan(1_010_000L, prepared, $"{prepared} bytes alive once Lua's portal is prepared (965,000 when this test was written)\n{run.Error}");
        Assert.IsLessThan(1_065_000L, compiled, $"{compiled} bytes alive once Lua's first unit is made (1,018,000 when this test was written)\n{run.Error}");
    }

    private static long Alive(string log, string where)
    {
        foreach (Match match in AliveLine().Matches(log))
            if (match.Groups[1].Value.Contains(where, StringComparison.Ordinal)) return long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.Fail($"PEJIT_LOG=memory wrote no line for '{where}':\n{log}");
        return 0;
    }

    [GeneratedRegex(@"pejit: memory: (.*?): (\d+) bytes alive")]
    private static partial Regex AliveLine();
}
