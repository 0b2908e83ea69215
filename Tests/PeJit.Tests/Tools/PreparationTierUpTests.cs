using System.Text.RegularExpressions;

namespace PeJit.Tests.Tools;

/// <summary>
/// Preparing a portal must not hand .NET's tier-1 thread PeJit's own reader to compile again (issue 12, short JIT-enabled
/// processes). A JIT-enabled process runs with .NET's call counting from the first call (<c>RuntimeConfigFile</c>: delay 0,
/// threshold 300), so every precompiled method it calls 300 times is compiled twice more ("Instrumented Tier1", then "Tier1")
/// on .NET's tier-1 thread, beside the interpreter and PeJit's own thread on two cores. Reading Lua's stored program calls
/// the reader's per-value, per-instruction and per-op steps about a thousand times each, in one burst that is over before the
/// recompiled code is installed: those steps are inlined into the reader's loops (<c>CompactReader</c>'s remarks), and this
/// test fails when one of them is a call again. What decides it is a count of calls, the same from run to run; it is read from
/// .NET's own list of what it compiled (<c>DOTNET_JitStdOutFile</c>, <c>DOTNET_JitDisasmSummary=1</c>), so a recompilation
/// still queued when the program ends is missed (never a false failure).
/// </summary>
[TestClass]
public sealed partial class PreparationTierUpTests
{
    /// <summary>
    /// Methods of the stored program's reader that run per value, per instruction or per op of a graph read (Lua's portal
    /// graph: about 1,000 instructions and 1,400 values), each a call 1,000 times or more before branch <c>tier12</c>; none of
    /// them is called from anything but reading a stored graph.
    /// </summary>
    private static readonly string[] PerItemSteps =
    [
        "PeJit.IR.Binary.FlowGraphBinary:ReadInstruction",
        "PeJit.IR.Binary.FlowGraphBinary:ReadDefinition",
        "PeJit.IR.Binary.FlowGraphBinary:ReadValue",
        "PeJit.IR.Binary.FlowGraphBinary:OptionalRegion",
        "PeJit.IR.OpcodeInfo:IsDefined",
        "PeJit.IR.FlowGraph:DefineResult",
        "PeJit.IR.FlowGraph:DefineParameter",
        "PeJit.Specializer.Extension.ExtensionBinary:ReadOp",
        "PeJit.Specializer.Extension.ExtensionBinary+",
        "PeJit.Specializer.Extension.ExtensionLayout:",
        "PeJit.Specializer.Extension.OperandArrays:",
        "PeJit.Specializer.Extension.ExtensionGraph:Load",
        "PeJit.Specializer.Extension.ExtensionCompression:ReadCount",
    ];

    [TestMethod]
    public void PreparingLuasPortalRecompilesNoneOfTheReadersPerItemSteps()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Inconclusive("PeJit's run-time assemblies are precompiled (ReadyToRun) on linux-x64 only; elsewhere .NET compiles all of PeJit at tier 0 first, and tier-up means something else.");
        if (!LuaBuild.Printed.Contains("runtime ReadyToRun (precompiled)", StringComparison.Ordinal))
            Assert.Inconclusive($"pejit build did not ship PeJit's run-time assemblies precompiled here:\n{LuaBuild.Printed}");
        string summary = Path.Combine(Directory.CreateTempSubdirectory("pejit-tier-up-").FullName, "jit.txt");
        // The portal prepared on the interpreter's thread (PEJIT_BACKGROUND=0, as DotnetProcess sets it), whatever the machine's
        // load: in the background a busy machine can end the program before preparation, and the test would see nothing.
        var run = DotnetProcess.RunListingCompilations([LuaBuild.Assembly, "sieve"], summary, new Dictionary<string, string> { ["PEJIT_WARMUP"] = "0" });
        Assert.AreEqual(0, run.Exit, run.Error);
        var compiled = File.ReadAllLines(summary);
        var recompiled = compiled.Select(line => Compiled().Match(line)).Where(m => m.Success && m.Groups["tier"].Value.Contains("Tier1", StringComparison.Ordinal))
            .Select(m => $"{m.Groups["method"].Value} [{m.Groups["tier"].Value}]").ToList();
        Assert.IsTrue(recompiled.Any(m => m.StartsWith("PeJit.", StringComparison.Ordinal)),
            $"no PeJit method reached tier 1 at all: the process did not run with the runtimeconfig pejit build writes (delay 0, threshold 300)?\n{string.Join('\n', compiled)}");
        var readers = recompiled.Where(m => PerItemSteps.Any(step => m.StartsWith(step, StringComparison.Ordinal))).ToList();
        Console.WriteLine($"{recompiled.Count} tier-1 compilations, {recompiled.Count(m => m.StartsWith("PeJit.", StringComparison.Ordinal) && !m.StartsWith("PeJit.Examples.", StringComparison.Ordinal))} of PeJit's");
        Assert.IsEmpty(readers,
            "reading Lua's stored program made .NET recompile these per-item steps of the reader (called 300 times or more each, so they are calls "
            + "again: mark a small step [MethodImpl(MethodImplOptions.AggressiveInlining)], loop in the caller, or read a table once outside the loop; "
            + "`python3 scripts/tier1-compilations.py 1 sieve jit=PEJIT_BACKGROUND:0,<pejit build output>/Lua.dll --list pejit` lists them):\n"
            + string.Join('\n', readers));
    }

    // "   12: JIT compiled PeJit.IR.Binary.CompactReader:Number():int:this [Instrumented Tier1, IL size=60, code size=98]"
    [GeneratedRegex(@"JIT compiled (?<method>\S+?)\(.*\[(?<tier>[^,\]]+)")]
    private static partial Regex Compiled();
}
