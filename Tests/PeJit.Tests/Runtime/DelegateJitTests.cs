using PeJit.AnalysisSubjects;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Calls through delegates compiled (the fixture portals of PeJit.AnalysisSubjects/Delegates.cs): each run gives
/// what the plain portal gives, with compiled code entered; a green delegate's call is inlined (no <c>Invoke</c>
/// left), one made by reflection stays a call, and a promoted red delegate is inlined behind a guard.
/// </summary>
[TestClass]
public sealed class DelegateJitTests
{
    private static Code Program(int length) => new(new int[length], [1]);

    /// <summary>Runs <paramref name="portal"/> plain and compiled on fresh frames; returns the compiled run's units' residual code.</summary>
    private static List<FlowGraph> AssertSameAsPlain(string portal)
    {
        var method = typeof(Delegates).GetMethod(portal)!;
        long plain = (long)method.Invoke(null, [Program(4), new Frame()])!;
        var jit = PortalJit.Create(method, new JitSettings { Threshold = 3 });
        var result = JitDifferentialTests.AssertUnitsEntered(jit, portal, () => jit.Invoke(Program(4), new Frame()));
        Assert.AreEqual(plain, result, portal);
        return jit.Units.Select(u => u.Unit.Residual).ToList();
    }

    private static IEnumerable<Instruction> Instructions(FlowGraph graph) => graph.Blocks.SelectMany(b => graph[b].Instructions);

    private static bool CallsInvoke(FlowGraph graph) => Instructions(graph).Any(i => i.Method?.Name == "Invoke");

    [TestMethod]
    public void MethodGroupsAndClosuresAreInlined()
    {
        var units = AssertSameAsPlain(nameof(Delegates.MethodGroupsAndClosures));
        Assert.IsFalse(units.Any(CallsInvoke), string.Join("\n", units.Select(g => IrPrinter.Print(g))));
        // The changing closure's captured variable is read when the code runs; the fixed one's is not.
        Assert.IsTrue(units.Any(u => Instructions(u).Any(i => i.Field?.Name == "amount")), "the changed capture is read in the compiled code");
    }

    [TestMethod]
    public void ADelegateMadeByReflectionStaysACall()
    {
        var units = AssertSameAsPlain(nameof(Delegates.ReflectedDelegate));
        Assert.IsTrue(units.All(CallsInvoke), string.Join("\n", units.Select(g => IrPrinter.Print(g))));
    }

    [TestMethod]
    public void APromotedDelegateIsInlinedBehindAGuardOnIt()
    {
        try
        {
            var method = typeof(Delegates).GetMethod(nameof(Delegates.PromotedDelegate))!;
            Delegates.ResetCurrent();
            long plain = (long)method.Invoke(null, [Program(4), new Frame()])!;
            var jit = PortalJit.Create(method, new JitSettings { Threshold = 3 });
            var result = JitDifferentialTests.AssertUnitsEntered(jit, "promoted", () => jit.Invoke(Program(4), new Frame()));
            Assert.AreEqual(plain, result);
            var units = jit.Units.Select(u => u.Unit.Residual).ToList();
            Assert.IsTrue(units.Any(u => !CallsInvoke(u)), "a unit with the promoted case inlines the call:\n" + string.Join("\n", units.Select(g => IrPrinter.Print(g))));
            // Another member of the family at the same Jit.Promote, with the units compiled for the first: the guard
            // fails and the interpreter's answer comes back.
            Delegates.CountDown();
            var frame = new Frame();
            frame.Stack[0] = 50;
            var plainFrame = new Frame();
            plainFrame.Stack[0] = 50;
            Assert.AreEqual(method.Invoke(null, [Program(4), plainFrame]), jit.Invoke(Program(4), frame));
        }
        finally
        {
            Delegates.ResetCurrent();
        }
    }

    [TestMethod]
    public void APromotedDelegateCaseMatchesAnyDelegateOfTheSameMethodAndTarget()
    {
        // The guard of a promoted delegate compares its method and target object, not the delegate object: a
        // delegate made afresh for the case's method (a method group converted on each call, here made by
        // reflection so that no compiler cache hands back the first) runs the compiled case and leaves compiled
        // code no more often than the case's own delegate does. Compared by reference, every turn would leave.
        var increment = typeof(Delegates).GetMethod("Increment", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        try
        {
            var method = typeof(Delegates).GetMethod(nameof(Delegates.PromotedDelegate))!;
            Delegates.ResetCurrent();
            var jit = PortalJit.Create(method, new JitSettings { Threshold = 3 });
            var code = Program(4);   // one program: the units compiled for it are reused by every run
            long Run()
            {
                long exitsBefore = jit.Units.Sum(u => u.ExitsTaken);
                var frame = new Frame();
                var plainFrame = new Frame();
                long result = (long)jit.Invoke(code, frame)!;
                Assert.AreEqual(method.Invoke(null, [code, plainFrame]), result);
                return jit.Units.Sum(u => u.ExitsTaken) - exitsBefore;
            }
            Run();
            Run();
            int units = jit.Units.Count, recompilations = jit.Units.Sum(u => u.Recompilations);
            long sameDelegate = Run();
            Delegates.Current = (PromotedHandler)Delegate.CreateDelegate(typeof(PromotedHandler), increment);
            long freshDelegate = Run();
            Assert.AreEqual(sameDelegate, freshDelegate, "a delegate of the same method and target takes the compiled case");
            Assert.AreEqual(units, jit.Units.Count, "and needs no new unit");
            Assert.AreEqual(recompilations, jit.Units.Sum(u => u.Recompilations), "nor a unit compiled again with a case for it");
            var residual = jit.Units.Select(u => u.Unit.Residual).ToList();
            Assert.IsTrue(residual.Any(g => Instructions(g).Any(i => i.Method?.Name == "Matches")),
                "the case is tested on the delegate's method and target:\n" + string.Join("\n", residual.Select(g => IrPrinter.Print(g))));
        }
        finally
        {
            Delegates.ResetCurrent();
        }
    }

    [TestMethod]
    public void AGreenDelegateOutsideItsFamilyIsARefusalWithTheReasonNotAFailure()
    {
        // The analysis makes the call's result green (its family's one member returns green); the delegate's
        // target, made by reflection, is none of it: the unit is refused with the reason, in strict mode too.
        var method = typeof(Delegates).GetMethod(nameof(Delegates.DelegateOutsideItsFamily))!;
        long plain = (long)method.Invoke(null, [Program(4), new Frame()])!;
        var log = new StringWriter();
        var jit = PortalJit.Create(method, new JitSettings { Threshold = 3, Log = log, Strict = true });
        Assert.AreEqual(plain, jit.Invoke(Program(4), new Frame()));
        Assert.IsEmpty(jit.Units, log.ToString());
        StringAssert.Contains(log.ToString(), "is not among the family members compiled for this call");
        StringAssert.Contains(log.ToString(), "Thrice");
    }
}
