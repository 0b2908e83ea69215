using System.Reflection;
using System.Runtime.Loader;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;
using PeJit.Runtime;
using PeJit.Tests.Tools;
using PeJit.TestSubjects;

namespace PeJit.Tests.Weaving;

/// <summary>
/// Sampled counting (<see cref="CounterTable"/>, rule 4): while a portal has nothing compiled, a woven site decrements a
/// countdown, a local of the portal, and counts in full (hash, counter at the table's pinned address) only when it runs
/// out, crediting the key it sees with the period's visits. Issue 12's never-hot line: the backward-jump site was eleven
/// machine instructions per visit (Brainfuck's `[&gt;+&lt;-]` 13% slower than plain), now a decrement and a branch.
/// Read in the woven IL (no hash, no table on the way to the countdown's branch) and run on a portal woven with a large
/// threshold: the visits credited are the visits made, and counting is exact again once the portal has compiled code.
/// </summary>
[TestClass]
public sealed class SampledCountingTests
{
    private const int Threshold = 1024;

    [TestMethod]
    public void ThePeriodIsExactBelowThreshold64AndAtMostASixteenthOfIt()
    {
        for (int threshold = 1; threshold < 64; threshold++)
            Assert.AreEqual((1, 0), PortalProtocol.PeriodFor(threshold), $"threshold {threshold}: counting is exact");
        foreach (int threshold in new[] { 64, 100, 256, 1000, 1024, 5000, int.MaxValue })
        {
            var (period, jitter) = PortalProtocol.PeriodFor(threshold);
            Assert.IsGreaterThan(1, period, $"threshold {threshold}: sampled");
            Assert.IsLessThanOrEqualTo(Math.Min(PortalProtocol.MaxPeriod, threshold / 16), period + jitter, $"threshold {threshold}: the longest period");
            Assert.AreEqual(0, jitter & (jitter + 1), $"threshold {threshold}: the jitter is a mask of ones");
        }
        Assert.AreEqual((55, 7), PortalProtocol.PeriodFor(1000));
        Assert.AreEqual((57, 7), PortalProtocol.PeriodFor(int.MaxValue));
    }

    /// <summary>
    /// Every site of the woven Lua and StackVm portals, the entry included: right after its test of <c>Disabled</c> (a loop
    /// site) or of <c>Resuming</c> (the entry), the countdown's decrement and its branch, with no hash and no counter table
    /// before it; and the table is the counters' address, a <c>static readonly nint</c> (.NET's JIT embeds it), not an array.
    /// </summary>
    [TestMethod]
    public void ASiteDecrementsItsCountdownBeforeAnyHashOrTable()
    {
        foreach (var (name, assembly, type, method) in new[]
        {
            ("Lua", LuaBuild.Assembly, "PeJit.Examples.Lua.Interpreter", "Run"),
            ("StackVm", Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), "PeJit.Examples.StackVm.Interpreter", "Run"),
        })
        {
            using var module = ModuleDefinition.ReadModule(assembly);
            var portal = module.GetType(type).Methods.Single(m => m.Name == method && m.HasBody && m.Body.Instructions.Any(i => i.Operand is FieldReference { Name: "Resuming" }));
            var counters = module.Types.Single(t => t.Name == $"<PeJit>PortalCounters{portal.MetadataToken.RID}");
            var table = counters.Fields.Single(f => f.Name == "Table");
            Assert.AreEqual("System.IntPtr", table.FieldType.FullName, $"{name}: the table is its address");
            Assert.IsTrue(table.IsInitOnly && table.IsStatic, $"{name}: static readonly, a constant to .NET's optimizing JIT");
            portal.Body.SimplifyMacros();
            // The way to the plain twin at the start tests Disabled with a brfalse; the sites with a brtrue.
            var tests = portal.Body.Instructions.Where(i => i.Operand is FieldReference { Name: "Disabled" or "Resuming" } && i.Next.OpCode.Code == Code.Brtrue).ToList();
            Assert.IsGreaterThan(1, tests.Count, $"{name}: the sites' tests");
            foreach (var test in tests)
            {
                var at = test.Next.Next;
                var countdown = at.Operand as VariableDefinition;
                Code[] expected = [Code.Ldloc, Code.Ldc_I4, Code.Sub, Code.Stloc, Code.Ldloc, Code.Brtrue];
                var seen = new List<Instruction>();
                for (int i = 0; i < expected.Length; i++, at = at.Next) seen.Add(at);
                string shape = string.Join(" ", seen.Select(i => i.OpCode.Name));
                Assert.IsNotNull(countdown, $"{name}: after its test at IL_{test.Offset:x4} a site loads {shape}");
                CollectionAssert.AreEqual(expected, seen.Select(i => i.OpCode.Code).ToArray(), $"{name}: the countdown after IL_{test.Offset:x4}: {shape}");
                Assert.AreSame(countdown, seen[3].Operand, $"{name}: the countdown is stored back");
                Assert.AreSame(countdown, seen[4].Operand, $"{name}: and tested");
                Assert.AreEqual(1, (int)seen[1].Operand, $"{name}: decremented by one");
            }
            Assert.IsFalse(portal.Body.Instructions.Any(i => i.OpCode.Code is Code.Ldelem_I4 or Code.Ldelema or Code.Stelem_I4 && i.Previous?.Previous?.Operand is FieldReference { Name: "Table" }),
                $"{name}: the woven portal indexes a counter array");
        }
    }

    /// <summary>GuardedVm woven by <c>pejit build --threshold 1024</c>, in a context of its own (PeJit.Runtime is this process's).</summary>
    private static readonly Lazy<Assembly> Woven = new(() =>
    {
        string original = typeof(GuardedVm).Assembly.Location;
        string folder = Directory.CreateTempSubdirectory("pejit-sampled-").FullName;
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = PeJit.Cli.Program.Run(["build", original, "-o", folder, "--threshold", Threshold.ToString()], output, error);
        Assert.AreEqual(0, exit, $"pejit build {original}: {error}{output}");
        return new AssemblyLoadContext("pejit-sampled").LoadFromAssemblyPath(Path.Combine(folder, Path.GetFileName(original)));
    });

    /// <summary>
    /// A countdown loop of GuardedVm (<c>r1 = n; do r1-- while r1 &gt; 0</c>), woven with threshold 1024 (a period of 57-64):
    /// each call is one entry and n - 1 backward jumps. After calls that stay below the threshold, the visits credited to
    /// the table's counters (threshold minus each counter, all slots) are exactly the visits made less those of the period
    /// still running (its weight less the countdown carried to the next call): nothing lost between calls, nothing counted
    /// twice, so a key alone in its loop reaches zero at its threshold-th visit or within one period after it. Then the
    /// portal counts exactly (as when it gets a unit): once the period running has run out, every visit is counted in full.
    /// </summary>
    [TestMethod]
    public void TheVisitsCreditedAreTheVisitsMadeAndCountingIsExactOnceCompiled()
    {
        var type = Woven.Value.GetType(typeof(GuardedVm).FullName!, throwOnError: true)!;
        var portal = type.GetMethod(nameof(GuardedVm.Run))!;
        var countersClass = Woven.Value.GetTypes().Single(t => t.Name.StartsWith("<PeJit>PortalCounters", StringComparison.Ordinal)
            && t.GetField("Countdown", BindingFlags.Static | BindingFlags.NonPublic) is not null
            && (IntPtr)t.GetField("Table", BindingFlags.Static | BindingFlags.NonPublic)!.GetValue(null)! == PortalCounters.AddressOf(portal.MethodHandle));
        var table = PortalCounters.TableOf(portal.MethodHandle);
        int[] counters = table.Counters;
        int visits = 0;
        void Run(int turns)
        {
            int[] code = [GuardedVm.Set, 1, turns, 0, GuardedVm.Decrement, 1, 0, 0, GuardedVm.JumpPositive, 1, 0, 1, GuardedVm.Halt, 0, 0, 0];
            var texts = new string?[1];
            portal.Invoke(null, [code, new long[4], new long[4], texts, TextWriter.Null]);
            visits += turns;
        }
        long Credited() => Enumerable.Range(0, PortalProtocol.CounterTableSize).Sum(i => (long)(Threshold - counters[i]));
        int Countdown() => (int)countersClass.GetField("Countdown", BindingFlags.Static | BindingFlags.NonPublic)!.GetValue(null)!;
        int Weight() => counters[PortalProtocol.WeightIndex];

        Assert.AreEqual(Threshold, table.Threshold);
        Assert.IsFalse(table.CountsExactly, "a threshold of 1024 samples");
        foreach (int turns in new[] { 100, 3, 150, 7, 200 })
        {
            Run(turns);
            Assert.AreEqual(visits - (Weight() - Countdown()), Credited(), $"after {visits} visits (weight {Weight()}, countdown {Countdown()})");
            Assert.IsTrue(Weight() is >= 57 and <= 64, $"a period of 57-64 visits, not {Weight()}");
        }
        Assert.IsLessThan(Threshold, visits, "the test stays below the threshold");

        table.CountExactly();
        Run(100);
        Assert.AreEqual(1, Weight(), "the period after the one running is a single visit");
        Assert.AreEqual(1, Countdown());
        long before = Credited();
        Run(5);
        Assert.AreEqual(before + 5, Credited(), "exact: every visit counted in full");
    }
}
