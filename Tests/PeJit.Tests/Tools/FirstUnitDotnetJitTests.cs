using System.Globalization;
using System.Text.RegularExpressions;

namespace PeJit.Tests.Tools;

/// <summary>
/// Warm-up, counted rather than timed (issue 12): how many methods .NET's own JIT compiles while a fresh process
/// makes its first unit. PeJit's assemblies ship precompiled (ReadyToRun), so what is left is framework generics
/// instantiated over PeJit's structs (<c>Dictionary&lt;Value, …&gt;</c>, LINQ over <c>Block</c>), which ReadyToRun
/// cannot precompile; each new one on the first unit's path costs every JIT-enabled process 4-12 compilations,
/// about 0.2-0.3 ms each. The summary (<c>PEJIT_LOG=summary</c>) counts them with <c>System.Runtime.JitInfo</c>
/// on the thread that compiles the unit: tiered compilation's recompilations run on a thread of their own, at
/// moments that depend on the machine's load, and are not counted, so the count is the same from run to run.
/// </summary>
[TestClass]
public sealed partial class FirstUnitDotnetJitTests
{
    /// <summary>
    /// The bound. On the compiling thread, StackVm's first unit (<c>count</c>, threshold 3, CIL backend, .NET 10.0 on
    /// linux-x64, with <c>PEJIT_VERIFY=1</c> as every test sets it) makes .NET compile 26 methods, the same in every run,
    /// since PeJit's run-time assemblies are precompiled with crossgen2's <c>--non-local-generics-module:*</c> and
    /// <c>--opt-cross-module:*</c> (<c>RunTime/Runtime/PeJit.Runtime.csproj</c>), which put the framework's generics over
    /// PeJit's structs (<c>List&lt;Value&gt;</c>, <c>List&lt;Block&gt;</c>, <c>EqualityComparer&lt;Value&gt;</c>) into PeJit's
    /// own images. The history (all threads, default threshold: 972, then 896; then, threshold 3: 904; 782 once the CIL
    /// backend kept to arrays, the IR's maps and a switch; 756 with the guards pass's facts in <c>IntPairMap</c>; 694 with
    /// the passes added after promotion; 83 once promotion (about 320), guard elimination (about 115), the other passes
    /// and the verifier (about 190) kept to the IR's collections, branch <c>warmup-jit</c>; 87 when reading the stored
    /// program stopped instantiating <c>EqualityComparer&lt;Value&gt;</c>, which the first unit then meets first; 70 with
    /// <c>Predecessors</c>' edges in an <c>EdgeList</c>; 26 with those crossgen2 options, branch <c>warmup-cold</c>; 22 once the
    /// runtime kept no <c>ConcurrentDictionary.GetValueOrDefault</c> (an interface call .NET compiles), the first unit no
    /// <c>Array.Fill</c> over <c>int</c> (<c>Vector&lt;T&gt;</c> code, which ReadyToRun leaves to .NET) and no parse of an
    /// assembly-qualified name, branch <c>warmup-first</c>; 14 once the CIL backend stopped calling <c>List&lt;Value&gt;.Contains</c>
    /// (<c>EqualityComparer&lt;Value&gt;</c>, <c>Array.IndexOf</c>) and making a <c>List&lt;Region&gt;</c> for a unit without
    /// regions, branch <c>cold-passes</c>). What
    /// is left is class initializers of generic types (<c>List&lt;Block&gt;..cctor</c>), which ReadyToRun leaves to .NET,
    /// interface dispatch over them, and the JIT-enabled assembly's own emitted green accessors. The room above 14 (10)
    /// is for a .NET patch release that compiles a helper more or less; a new framework generic over a PeJit struct
    /// that the options do not cover, or losing the options, fails the test.
    /// </summary>
    private const int MaxMethods = 24;

    /// <summary>
    /// The bound on what .NET compiles while the portal is prepared (its stored program read and linked), in the same
    /// run: 13 (30 before the crossgen2 options above; the gzip path that reading used to take added interop stubs and
    /// System.IO.Compression's own generics, which <c>RunTimeClosureTests</c> now keeps out; 15 before the binary stored form).
    /// The room (10) is as above.
    /// </summary>
    private const int MaxPreparationMethods = 23;

    // .NET's own tiering delay as it is by default (100 ms): the output's runtimeconfig turns it off (Tools/PeJit.Cli's
    // RuntimeConfigFile), and then .NET's tier-1 recompilations of PeJit's ReadyToRun code, on its own thread and as early as
    // that thread gets to them, would count among what the first unit makes it compile. The bounds are on what PeJit needs.
    private const string TieringDelay = "DOTNET_TC_CallCountingDelayMs";

    // Both tests run without the warm-up thread (PEJIT_WARMUP=0, RunTime/Runtime/PipelineWarmUp.cs): what it compiles
    // would count in preparation's figure (counted for the whole process), and what it leaves the compiling thread would
    // depend on which thread reaches a method first. The bounds are on what the pipeline itself needs.
    [TestMethod]
    public void TheFirstUnitMakesDotnetCompileFewMethods()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Inconclusive("PeJit's run-time assemblies are precompiled (ReadyToRun) on linux-x64 only; elsewhere .NET compiles all of PeJit too, and the count means nothing.");
        var run = DotnetProcess.Run([Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), "count"],
            new Dictionary<string, string> { ["PEJIT_LOG"] = "summary", ["PEJIT_BACKGROUND"] = "0", ["PEJIT_WARMUP"] = "0", [TieringDelay] = "100" });
        Assert.AreEqual(0, run.Exit, run.Error);
        var match = FirstUnitLine().Match(run.Error);
        Assert.IsTrue(match.Success, $"the summary has no first-unit line:\n{run.Error}");
        int methods = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Console.WriteLine($"first unit: .NET JIT-compiled {methods} methods (bound {MaxMethods})\n{run.Error}");
        Assert.IsLessThanOrEqualTo(MaxMethods, methods,
            $"StackVm's first unit made .NET compile {methods} methods, more than {MaxMethods}: something on the first unit's path instantiates new framework generics over PeJit's structs "
            + "(the summary's 'by stage' line says where; use the IR's collections, IR/Collections, or loops instead of LINQ there)\n" + run.Error);
        var prepared = PreparationLine().Match(run.Error);
        Assert.IsTrue(prepared.Success, $"the summary has no preparation line:\n{run.Error}");
        int preparationMethods = int.Parse(prepared.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.IsLessThanOrEqualTo(MaxPreparationMethods, preparationMethods,
            $"preparing StackVm's portal made .NET compile {preparationMethods} methods, more than {MaxPreparationMethods}: reading or linking the stored program "
            + "instantiates new framework generics over PeJit's structs, or loads an assembly it did not (DOTNET_JitStdOutFile=jit.txt DOTNET_JitDisasmSummary=1 lists them)\n" + run.Error);
    }

    /// <summary>
    /// The bound for a function's first unit (StackVm's recursive <c>fib</c> with <c>PEJIT_COMPILE_FUNCTIONS=1</c>: a typed
    /// unit with direct self-calls and a shaped entry, a path the loop units of the test above do not take): 94, the same in
    /// every run (230 before <c>SelfCallShapes</c> kept to the IR's collections: its LINQ over blocks and values, tuples and
    /// <c>OrderBy</c> made .NET compile about 140 methods). Most of what is left is allocation removal's work on the callee's
    /// frame. The room is as above.
    /// </summary>
    private const int MaxFunctionUnitMethods = 104;

    [TestMethod]
    public void AFunctionsFirstUnitMakesDotnetCompileFewMethods()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Inconclusive("PeJit's run-time assemblies are precompiled (ReadyToRun) on linux-x64 only; elsewhere .NET compiles all of PeJit too, and the count means nothing.");
        var run = DotnetProcess.Run([Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), "fib"],
            new Dictionary<string, string> { ["PEJIT_LOG"] = "summary", ["PEJIT_BACKGROUND"] = "0", ["PEJIT_COMPILE_FUNCTIONS"] = "1", ["PEJIT_WARMUP"] = "0", [TieringDelay] = "100" });
        Assert.AreEqual(0, run.Exit, run.Error);
        var match = FirstUnitLine().Match(run.Error);
        Assert.IsTrue(match.Success, $"the summary has no first-unit line:\n{run.Error}");
        int methods = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Console.WriteLine($"first function unit: .NET JIT-compiled {methods} methods (bound {MaxFunctionUnitMethods})\n{run.Error}");
        Assert.IsLessThanOrEqualTo(MaxFunctionUnitMethods, methods,
            $"StackVm's first function unit made .NET compile {methods} methods, more than {MaxFunctionUnitMethods}: something on a function unit's path (typed units, "
            + "direct self-calls, SelfCallShapes) instantiates new framework generics over PeJit's structs; `bash scripts/first-times.sh --list J` shows which\n" + run.Error);
    }

    /// <summary>
    /// With the warm-up thread on (as users run), what .NET still compiles on the compiling thread while the first unit
    /// is specialized: StackVm's two emitted green accessors (the JIT-enabled assembly is not precompiled), the same in
    /// every run. The framework's generics over PeJit's structs that specialization meets (<c>EqualityComparer&lt;Slot&gt;</c>,
    /// <c>List&lt;Value&gt;</c> through its interfaces, ...) are made by <c>PipelineWarmUp.Instantiations</c> on the warm-up
    /// thread as preparation starts; without it this count is 5. The warm-up thread can be late on a loaded machine (then
    /// the compiling thread makes them itself, as without it), so the test takes the best of three processes: an
    /// instantiation the warm-up stopped making fails all three.
    /// </summary>
    private const int MaxSpecializationMethodsWithWarmUp = 3;

    [TestMethod]
    public void WithTheWarmUpSpecializationMakesDotnetCompileOnlyTheGreenAccessors()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Inconclusive("PeJit's run-time assemblies are precompiled (ReadyToRun) on linux-x64 only; elsewhere .NET compiles all of PeJit too, and the count means nothing.");
        if (Environment.ProcessorCount < 2) Assert.Inconclusive("the warm-up thread runs only with a second core");
        int best = int.MaxValue;
        string log = "";
        for (int attempt = 0; attempt < 3 && best > MaxSpecializationMethodsWithWarmUp; attempt++)
        {
            var run = DotnetProcess.Run([Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), "count"],
                new Dictionary<string, string> { ["PEJIT_LOG"] = "summary", ["PEJIT_BACKGROUND"] = "0", ["PEJIT_WARMUP"] = "1" });
            Assert.AreEqual(0, run.Exit, run.Error);
            var match = SpecializationStage().Match(run.Error);
            Assert.IsTrue(match.Success, $"the summary has no first-unit stages line:\n{run.Error}");
            best = Math.Min(best, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            log = run.Error;
        }
        Console.WriteLine($"specialization of the first unit, warm-up on: .NET JIT-compiled {best} methods on the compiling thread (bound {MaxSpecializationMethodsWithWarmUp})\n{log}");
        Assert.IsLessThanOrEqualTo(MaxSpecializationMethodsWithWarmUp, best,
            $"with the warm-up on, specializing StackVm's first unit made .NET compile {best} methods on the compiling thread in the best of three runs, more than {MaxSpecializationMethodsWithWarmUp}: "
            + "a framework generic over PeJit's structs on specialization's path is no longer made by PipelineWarmUp.Instantiations (RunTime/Runtime/PipelineWarmUp.cs); "
            + "`PEJIT_WARMUP=1 bash scripts/first-times.sh --list J` shows what is compiled\n" + log);
    }

    [GeneratedRegex(@"by stage: specialization (\d+)")]
    private static partial Regex SpecializationStage();

    [GeneratedRegex(@"on the compiling thread (\d+) methods")]
    private static partial Regex FirstUnitLine();

    [GeneratedRegex(@"prepared \(stored extension read and linked\) in .*?\.NET JIT-compiled (\d+) methods")]
    private static partial Regex PreparationLine();
}
