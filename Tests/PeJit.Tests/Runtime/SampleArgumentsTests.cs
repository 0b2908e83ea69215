using System.Reflection;
using PeJit.IR;
using PeJit.Runtime;
using PeJit.Specializer.Engine;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The sampled entry the optimizer guesses from (<see cref="FlowGraph.SampleArguments"/>, a divisor speculated behind a
/// test) is laid out by the unit's entry parameters: an untyped unit takes the state array as its third, a typed one (a
/// function's, an entry cell's) its reds one by one after the constants and the exit buffer, each from its place in the
/// state; before, a typed unit's first red was sampled as the whole state array.
/// </summary>
[TestClass]
public sealed class SampleArgumentsTests
{
    private static Unit NewUnit(int[]? stateParameters)
    {
        var unit = (Unit)Activator.CreateInstance(typeof(Unit), BindingFlags.Instance | BindingFlags.NonPublic, null,
            [new FlowGraph("sampled", IrType.Object), new GreenKey([3L])], null)!;
        typeof(Unit).GetProperty(nameof(Unit.StateParameters))!.SetValue(unit, stateParameters);
        return unit;
    }

    [TestMethod]
    public void AnUntypedUnitTakesTheStateAsItsThirdArgument()
    {
        object?[] constants = ["c"], state = [3L, 7L, "red"];
        var sample = PortalRuntime.SampleArguments(NewUnit(null), constants, state);
        CollectionAssert.AreEqual(new object?[] { constants, null, state }, sample);
    }

    [TestMethod]
    public void ATypedUnitTakesEachRedFromItsPlaceInTheState()
    {
        // Greens (pc) first in the state, then the reds and, for a portal on a class, `this`.
        object?[] constants = ["c"], state = [3L, 7L, "red", "this"];
        var sample = PortalRuntime.SampleArguments(NewUnit([1, 2, 3]), constants, state);
        CollectionAssert.AreEqual(new object?[] { constants, null, 7L, "red", "this" }, sample);
    }
}
