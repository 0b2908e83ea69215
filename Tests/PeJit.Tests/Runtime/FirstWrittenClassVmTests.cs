using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using PeJit.IR;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using Vm = PeJit.TestSubjects.InstanceBytecodeVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Compiled calls for the class VM as a user writes it first (<see cref="Vm"/>): <c>Calls++</c> in the portal's entry, before
/// the merge point, and the callee read from a field, <c>Run(Functions[arg], ...)</c>, not promoted (issue 15, item 4; branch
/// icalls15b). The woven portal takes a resumption before its entry's code, so a compiled call runs the entry (the write
/// included) once in the caller's code and the portal call it falls back to, or resumes through after the callee's unit
/// left at an exit, goes on at the merge point; a function's unit guesses the callee is its own function and tests that
/// before the entry. Every run against the plain VM (results, <c>Calls</c>, <c>Total</c>), woven with thresholds 1, 3 and
/// the default.
/// </summary>
[TestClass]
public sealed class FirstWrittenClassVmTests
{
    private static readonly ConcurrentDictionary<int, Lazy<Assembly>> Builds = new();

    /// <summary>The test subjects woven by <c>pejit build</c> with <paramref name="threshold"/> (0: the default), each in a context of its own.</summary>
    private static Assembly Woven(int threshold) => threshold == 3 ? DispatchInTryJitTests.Woven.Value : Builds.GetOrAdd(threshold, t => new(() =>
    {
        string original = typeof(Vm).Assembly.Location;
        string folder = Directory.CreateTempSubdirectory($"pejit-first-written-{t}-").FullName;
        var output = new StringWriter();
        var error = new StringWriter();
        string[] arguments = t == 0 ? ["build", original, "-o", folder] : ["build", original, "-o", folder, "--threshold", t.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        Assert.AreEqual(0, PeJit.Cli.Program.Run(arguments, output, error), $"pejit build {original}: {error}{output}");
        return new AssemblyLoadContext($"pejit-first-written-{t}").LoadFromAssemblyPath(Path.Combine(folder, Path.GetFileName(original)));
    })).Value;

    private sealed record WovenClass(Type Type, MethodInfo Run);

    private static WovenClass VmOf(int threshold)
    {
        var type = Woven(threshold).GetType(typeof(Vm).FullName!, throwOnError: true)!;
        return new WovenClass(type, type.GetMethod(nameof(Vm.Run))!);
    }

    private static (Vm Plain, object Woven) Make(WovenClass vm, Vm.Function[] functions, long scaling)
    {
        var functionType = vm.Type.GetNestedType(nameof(Vm.Function))!;
        var copies = Array.CreateInstance(functionType, functions.Length);
        for (int i = 0; i < functions.Length; i++)
            copies.SetValue(Activator.CreateInstance(functionType, functions[i].Ops, functions[i].Args, functions[i].Locals), i);
        return (new Vm(functions, scaling), Activator.CreateInstance(vm.Type, copies, scaling)!);
    }

    private static object WovenFunction(WovenClass vm, object woven, int index) => ((Array)vm.Type.GetField(nameof(Vm.Functions))!.GetValue(woven)!).GetValue(index)!;

    private static long Field(WovenClass vm, object woven, string name) => (long)vm.Type.GetField(name)!.GetValue(woven)!;

    /// <summary>Runs function <paramref name="function"/> on each argument, plain and woven: the same results, <c>Total</c> and <c>Calls</c> after each.</summary>
    private static void AssertSame(WovenClass vm, Vm plain, object woven, int function, IEnumerable<long> arguments, string what)
    {
        foreach (long argument in arguments)
        {
            long expected = plain.Run(plain.Functions[function], argument);
            Assert.AreEqual(expected, (long)vm.Run.Invoke(woven, [WovenFunction(vm, woven, function), argument])!, $"{what}: f({argument})");
            Assert.AreEqual(plain.Calls, Field(vm, woven, nameof(Vm.Calls)), $"{what}: Calls after f({argument})");
            Assert.AreEqual(plain.Total, Field(vm, woven, nameof(Vm.Total)), $"{what}: Total after f({argument})");
        }
    }

    /// <summary>
    /// <c>t(n) = n &lt; 1 ? 0 : Tally(n * Scaling, k) + t(n - 1)</c>, calling itself through <c>Call</c>: its unit leaves in the
    /// middle of a step (Tally's promotion) inside its own direct calls, after the entry's <c>Calls++</c> and Tally's write.
    /// </summary>
    private static Vm.Function TallyingDown(long k) => new(
        [Vm.Load, Vm.Const, Vm.Lt, Vm.JumpIfFalse, Vm.Const, Vm.Ret, Vm.Load, Vm.Scale, Vm.Tally, Vm.Load, Vm.Const, Vm.Sub, Vm.Call, Vm.Add, Vm.Ret],
        [0, 1, 0, 6, 0, 0, 0, 0, k, 0, 1, 0, 0, 0, 0],
        1);

    /// <summary>
    /// Recursive fib through <c>this.Run(Functions[arg], ...)</c> with <c>Calls++</c> in the entry: once compiled, its unit calls
    /// itself directly (twice in its code, each behind the guess that the callee is fib), and <c>Calls</c> is plain's at every
    /// threshold, before, while and after the function gets hot.
    /// </summary>
    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    [DataRow(0)]
    public void TheFibUnitCallsItselfDirectlyAndCountsCallsAsPlain(int threshold)
    {
        var vm = VmOf(threshold);
        var (plain, woven) = Make(vm, [Vm.Fibonacci()], scaling: 3);
        PortalRuntime? runtime = null;
        for (int round = 0; round < 4; round++)
        {
            AssertSame(vm, plain, woven, 0, Enumerable.Range(0, 19).Select(n => (long)n), $"threshold {threshold}, round {round}");
            runtime = JitRuntime.WaitForCompilations(vm.Run, TimeSpan.FromMinutes(2));
        }
        Assert.IsNotNull(runtime, "the portal was prepared at its entry");
        var unit = InstancePortalCallTests.UnitAtEntry(runtime, WovenFunction(vm, woven, 0));
        Assert.AreEqual(2, unit.Unit.GuessedSelfCalls, "both calls guess fib:\n" + unit.Unit.Residual);
        Assert.AreEqual(2, unit.Unit.DirectSelfCalls, "fib's unit calls itself directly, twice:\n" + unit.Unit.Residual);
        Assert.IsGreaterThanOrEqualTo(2, InstancePortalCallTests.SelfCalls(unit.Unit), "the direct calls in the residual graphs:\n" + unit.Unit.Residual);
        // The callee's locals and stack, made by the entry in the caller's code, passed as their contents (SelfCallShapes): the
        // Calls++ between them and the call, and the guess tested before them, do not stand in the way.
        Assert.IsNotNull(unit.Unit.ShapedEntry, "the direct calls pass the frame's contents to the shaped entry:\n" + unit.Unit.Residual);
        long entries = unit.Entries;
        // fib(20): 21,891 activations, all but the first made by the unit's own calls.
        AssertSame(vm, plain, woven, 0, [20], $"threshold {threshold}, compiled");
        Assert.IsLessThanOrEqualTo(2, unit.Entries - entries, "fib(20) entered the unit from outside once");
    }

    /// <summary>
    /// A recursive function whose unit leaves mid-step (a promoted value without a case) inside the unit's own direct call,
    /// after the entry's <c>Calls++</c> and a write of <c>Total</c>: the portal call that resumes goes on where the unit left,
    /// without running the entry again; with scalings that bring new values after the unit is compiled.
    /// </summary>
    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    public void ExitsInsideACalleeResumeWithoutRunningTheEntryAgain(int threshold)
    {
        var vm = VmOf(threshold);
        var (plain, woven) = Make(vm, [TallyingDown(5)], scaling: 3);
        PortalRuntime? runtime = null;
        for (int round = 0; round < 6; round++)
        {
            plain.Scaling = round + 1;
            vm.Type.GetField(nameof(Vm.Scaling))!.SetValue(woven, round + 1L);
            AssertSame(vm, plain, woven, 0, Enumerable.Range(0, 12).Select(n => (long)(n * 3 + round)), $"threshold {threshold}, round {round}");
            runtime = JitRuntime.WaitForCompilations(vm.Run, TimeSpan.FromMinutes(2));
        }
        Assert.IsNotNull(runtime);
        var unit = InstancePortalCallTests.UnitAtEntry(runtime, WovenFunction(vm, woven, 0));
        Assert.AreEqual(1, unit.Unit.DirectSelfCalls, "the unit calls itself directly:\n" + unit.Unit.Residual);
        Assert.AreEqual(1, unit.Unit.GuessedSelfCalls, "behind the guess that the callee is the function itself:\n" + unit.Unit.Residual);
        Assert.IsGreaterThan(0, runtime.StepsFinishedCompiled + runtime.StepsFinishedByEvaluator, "compiled code left mid-step at least once");
        // A scaling never seen: new promoted values again, inside the unit's own calls.
        plain.Scaling = 11;
        vm.Type.GetField(nameof(Vm.Scaling))!.SetValue(woven, 11L);
        AssertSame(vm, plain, woven, 0, [30, 31], $"threshold {threshold}, new values");
    }
}
