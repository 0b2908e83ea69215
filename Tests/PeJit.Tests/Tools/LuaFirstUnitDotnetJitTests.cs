using System.Globalization;
using System.Text.RegularExpressions;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Tools;

/// <summary>
/// What .NET's own JIT compiles on the compiling thread while a fresh process makes Lua's first unit (issue 12, acceptance
/// line 2), counted rather than timed, as <see cref="FirstUnitDotnetJitTests"/> counts StackVm's. Lua's first units take paths
/// StackVm's do not (shaped entries, frames and their slots, exit values, promotion sites, virtualizable frames, inlined
/// calls, allocation removal, nullables), and each framework generic over a PeJit struct met there (<c>Dictionary&lt;Slot, _&gt;</c>'s
/// default comparer, LINQ's <c>OrderBy</c> over <c>Value</c>, a <c>(Value, string)</c> key) is code .NET compiles cold, in
/// every JIT-enabled process, on the thread that makes the unit (in the background thread by default, where it competes with
/// the interpreter for the cores). The count is the same from run to run (<c>System.Runtime.JitInfo</c> on that thread).
/// </summary>
[TestClass]
public sealed partial class LuaFirstUnitDotnetJitTests
{
    /// <summary>
    /// The bounds, per program (.NET 10.0, linux-x64, <c>PEJIT_VERIFY=1</c> as every test sets it, warm-up off): nbody 29 and
    /// sieve 32, of which 8 and 10 are the JIT-enabled assembly's emitted green accessors (not precompiled: the user's
    /// assembly) and most of the rest class initializers of generic types ReadyToRun leaves to .NET. Before branch
    /// <c>coldlua</c> (Docs/PERFORMANCE.md, "Lua's first unit, cold") these were 68 and 75: the cold-call note's <c>OrderBy</c>
    /// over <c>KeyValuePair&lt;string, int&gt;</c>, the join's <c>Select</c> over <c>(int, int)</c>, <c>EqualityComparer&lt;Slot&gt;</c>'s
    /// compare and hash, <c>Array.Fill</c>'s vector code, an array of blocks walked as an <c>IReadOnlyList</c>, an instruction's operands copied through <c>ICollection</c>. The room (10)
    /// is for a .NET patch release that compiles a helper more or less; a new framework generic on Lua's path fails it.
    /// </summary>
    private static readonly Dictionary<string, int> MaxMethods = new() { ["nbody"] = 39, ["sieve"] = 42 };

    [TestMethod]
    [DataRow("nbody")]
    [DataRow("sieve")]
    public void LuasFirstUnitMakesDotnetCompileFewMethods(string program)
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Inconclusive("PeJit's run-time assemblies are precompiled (ReadyToRun) on linux-x64 only; elsewhere .NET compiles all of PeJit too, and the count means nothing.");
        // As FirstUnitDotnetJitTests: no warm-up thread (what it compiles would move between threads with their timing), the
        // unit made on the interpreter's thread, and .NET's default tiering delay (no tier-1 recompilations counted).
        var run = DotnetProcess.Run([LuaBuild.Assembly, program],
            new Dictionary<string, string> { ["PEJIT_LOG"] = "summary", ["PEJIT_BACKGROUND"] = "0", ["PEJIT_WARMUP"] = "0", ["DOTNET_TC_CallCountingDelayMs"] = "100" });
        Assert.AreEqual(0, run.Exit, run.Error);
        var match = FirstUnitLine().Match(run.Error);
        Assert.IsTrue(match.Success, $"the summary has no first-unit line:\n{run.Error}");
        int methods = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        int bound = MaxMethods[program];
        Console.WriteLine($"Lua {program}'s first unit: .NET JIT-compiled {methods} methods on the compiling thread (bound {bound})\n{run.Error}");
        Assert.IsLessThanOrEqualTo(bound, methods,
            $"Lua {program}'s first unit made .NET compile {methods} methods on the compiling thread, more than {bound}: something on Lua's path instantiates a new "
            + "framework generic over PeJit's structs (the summary's 'by stage' says where; `bash scripts/first-times.sh --list J` lists them; use the IR's "
            + "collections, SlotComparer/ValueComparer for dictionaries of slots or values, or loops instead of LINQ)\n" + run.Error);
    }

    [GeneratedRegex(@"on the compiling thread (\d+) methods")]
    private static partial Regex FirstUnitLine();
}
