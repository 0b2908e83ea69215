using PeJit.IR;

namespace PeJit.Specializer.Engine;

/// <summary>
/// Where compiled code calls the compiled unit of an interpreted function (PyPy's "call assembler"): one cell
/// per callee green key, holding that key's current unit. The runtime keeps <see cref="Target"/> up to date
/// when the key is compiled, recompiled or dropped from the code cache; residual code reads it at each call
/// (<see cref="Enter"/>), so a caller compiled before its callee, or one whose callee was dropped, stays right:
/// with no unit it calls the interpreter's portal, as the interpreter does.
/// </summary>
/// <remarks>
/// Residual code at an interpreted call whose callee key is known while specializing:
/// <code>
///   state = new object[] { ..., box(reds at the callee's merge point) }
///   if (CallCell.Enter(cell, state)) result = (T)state[0]     the callee's unit ran to its return
///   else result = Portal(arguments)                            no unit, or it left at an exit: the interpreter
/// </code>
/// When the unit leaves at an exit, the runtime keeps the state there for the portal call that follows, whose
/// entry resumes from it instead of starting the function afresh (see <c>PortalProtocol</c>).
/// </remarks>
/// <param name="key">The callee's green key at its merge point.</param>
/// <param name="enter">Runs a unit with a state: true when it returned (the result at index 0 of the state).</param>
public sealed class CallCell(GreenKey key, Func<CallCell, object, object?[], bool> enter)
{
    private readonly Func<CallCell, object, object?[], bool> enter = enter;
    private object? target;
    private long calls;
    private long entered;

    /// <summary>The callee's green key.</summary>
    public GreenKey Key { get; } = key;

    /// <summary>The callee's compiled unit (opaque here: the runtime's); null when it has none.</summary>
    public object? Target
    {
        get => Volatile.Read(ref target);
        set => Volatile.Write(ref target, value);
    }

    /// <summary>Calls made through the cell from compiled code.</summary>
    public long Calls => Interlocked.Read(ref calls);

    /// <summary>Of <see cref="Calls"/>, those that found a unit and entered it.</summary>
    public long Entered => Interlocked.Read(ref entered);

    /// <summary>
    /// What residual code calls: runs the callee's unit with <paramref name="state"/> (the merge-point variables,
    /// greens then reds, boxed). True when it ran to its return (the result in <c>state[0]</c>); false when there
    /// is no unit, or when it left at an exit (then the interpreter's portal, called next, resumes there).
    /// </summary>
    public static bool Enter(object cell, object?[] state)
    {
        var self = (CallCell)cell;
        Interlocked.Increment(ref self.calls);
        if (self.Target is not { } unit) return false;
        Interlocked.Increment(ref self.entered);
        return self.enter(self, unit, state);
    }

    /// <summary>The IR reference to <see cref="Enter"/>, resolved through its <see cref="MethodRef.Origin"/>.</summary>
    public static MethodRef EnterMethod { get; } = new(
        "System.Boolean PeJit.Specializer.Engine.CallCell::Enter(System.Object,System.Object[])", hasThis: false,
        origin: typeof(CallCell).GetMethod(nameof(Enter)));
}
