using System.Reflection;
using PeJit.IR;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using Vm = PeJit.TestSubjects.TwoPortalClassVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// A call of another instance portal (<see cref="Vm.Loop"/> calling <see cref="Vm.Eval"/> on <c>this</c>), woven by
/// <c>pejit build</c>, is inlined into the loop's unit as a call of another static portal is (branch icalls15b; before, an
/// instance portal was never inlined as another portal): every run against the plain VM (the result, and the field the
/// callee writes), then the loop's residual code, which calls no portal.
/// </summary>
[TestClass]
public sealed class TwoInstancePortalsTests
{
    private static Type WovenVm => DispatchInTryJitTests.Woven.Value.GetType(typeof(Vm).FullName!, throwOnError: true)!;

    private static MethodInfo WovenLoop => WovenVm.GetMethod(nameof(Vm.Loop))!;

    private static long Field(object vm, string name) => (long)WovenVm.GetField(name)!.GetValue(vm)!;

    [TestMethod]
    public void ALoopUnitInlinesItsCallOfTheOtherInstancePortal()
    {
        var plain = new Vm(3);
        var woven = Activator.CreateInstance(WovenVm, 3L)!;
        int[] expression = Vm.Expression();
        PortalRuntime? runtime = null;
        for (int round = 0; round < 4; round++)
        {
            foreach (long n in new long[] { 0, 1, 2, 40, 500 })
            {
                Assert.AreEqual(plain.Loop(expression, n), (long)WovenLoop.Invoke(woven, [expression, n])!, $"round {round}: Loop({n})");
                Assert.AreEqual(plain.Evaluated, Field(woven, nameof(Vm.Evaluated)), $"round {round}: Evaluated after Loop({n})");
            }
            runtime = JitRuntime.WaitForCompilations(WovenLoop, TimeSpan.FromMinutes(2));
        }
        Assert.IsNotNull(runtime, "the loop portal was prepared");
        var unit = runtime.Cache.Units.SingleOrDefault(u => ReferenceEquals(u.Unit.Entry.Values[0], expression));
        Assert.IsNotNull(unit, "a unit for the loop: " + string.Join(", ", runtime.Cache.Units.Select(u => u.Unit.Entry)));
        var code = unit.Unit.Residual;
        var calls = code.Blocks.SelectMany(b => code[b].Instructions).Where(i => i.Method?.Name == nameof(Vm.Eval)).ToList();
        Assert.IsEmpty(calls, "the call of Eval is inlined:\n" + code + "\nnotes: " + string.Join("; ", unit.Unit.Notes));

        // A scaling changed between runs: the inlined callee reads the field of `this` at each use.
        plain.Scaling = 7;
        WovenVm.GetField(nameof(Vm.Scaling))!.SetValue(woven, 7L);
        Assert.AreEqual(plain.Loop(expression, 300), (long)WovenLoop.Invoke(woven, [expression, 300L])!, "scaling changed");
        Assert.AreEqual(plain.Evaluated, Field(woven, nameof(Vm.Evaluated)), "Evaluated, scaling changed");
    }
}
