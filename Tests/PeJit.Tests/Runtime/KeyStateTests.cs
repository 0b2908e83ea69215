using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Vm = PeJit.Examples.StackVm;
using static PeJit.Tests.Runtime.StackVmRuns;

namespace PeJit.Tests.Runtime;

/// <summary>
/// What the runtime knows of each green key is one record in one table (<c>KeyState</c>): one generic instantiation
/// for .NET to load while a portal is prepared instead of seven (Docs/PERFORMANCE.md, "One record per green key, and
/// first times counted by stage"), and a bound that forgets counts but never a call cell, an entry cell's slot or a compilation in flight.
/// </summary>
[TestClass]
public sealed class KeyStateTests
{
    private static readonly string Fib = Vm.Programs.Source("fib");

    private static readonly BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    [TestMethod]
    public void ThePortalRuntimeKeepsOneDictionaryByGreenKey()
    {
        var byKey = typeof(PortalRuntime).GetFields(Private)
            .Where(f => f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(ConcurrentDictionary<,>)
                && f.FieldType.GetGenericArguments()[0] == typeof(GreenKey))
            .Select(f => f.Name).ToList();
        Assert.HasCount(1, byKey, "a fact about a green key belongs in KeyState, not in a dictionary of its own (each is about ten types .NET loads while a portal is prepared): " + string.Join(", ", byKey));
    }

    [TestMethod]
    public void TheBoundForgetsCountsButKeepsCallCells()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 5, DirectSelfCalls = false, BackgroundCompilation = false });
        Assert.AreEqual(Plain(Fib, 18), Jitted(jit, Fib, 18));
        var runtime = jit.Runtime;
        var cells = runtime.CallCells.ToList();
        Assert.IsNotEmpty(cells, "fib's units call through cells");

        // As if the table had reached its bound: the next new key sweeps it.
        var added = typeof(PortalRuntime).GetField("keysAdded", Private)!;
        int bound = (int)typeof(PortalRuntime).GetField("MaxCountedKeys", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        added.SetValue(runtime, bound);
        Assert.AreEqual(Plain(Fib, 20), Jitted(jit, Fib, 20), "after the sweep");
        var keys = (ICollection)typeof(PortalRuntime).GetField("keys", Private)!.GetValue(runtime)!;
        Assert.IsLessThan(bound, (int)added.GetValue(runtime)!, "a new key swept the table, which then counted what it kept");
        Assert.IsLessThanOrEqualTo((int)added.GetValue(runtime)!, keys.Count, "the count of records added is at least what the table holds");
        foreach (var cell in cells)
            Assert.Contains(cell, runtime.CallCells.ToList(), $"the call cell of {cell.Key} outlived the sweep");
        Assert.AreEqual(Plain(Fib, 21), Jitted(jit, Fib, 21), "and again");
    }
}
