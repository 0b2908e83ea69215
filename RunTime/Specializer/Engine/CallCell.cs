using System.Runtime.CompilerServices;
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
/// <param name="slow">
/// The runtime's way in for what the fast path leaves to it: a unit to enter with little stack left (exit buffer
/// null), or a unit that left at an exit (the exit buffer it wrote), or, for <see cref="EnterAfterEntry"/>, no unit (code
/// null: the runtime counts the key's entry and keeps the state for the portal call's resumption). True when the
/// function returned (the result at index 0 of the state); false when the interpreter must resume.
/// </param>
public sealed class CallCell(GreenKey key, Func<CallCell, CallCell.Code?, object?[], object?[]?, bool> slow)
{
    /// <summary>A compiled unit as a cell calls it.</summary>
    /// <param name="Unit">The runtime's unit (opaque here).</param>
    /// <param name="Run">Enters its code: <c>(constants, exit, state)</c>, as <c>ICompiledCode.Run</c>.</param>
    /// <param name="Constants">The constants its code reads.</param>
    /// <param name="ExitSize">Slots its exit buffer needs.</param>
    public sealed record Code(object Unit, Func<object[], object?[], object?[], object?> Run, object[] Constants, int ExitSize);

    private readonly Func<CallCell, Code?, object?[], object?[]?, bool> slow = slow;
    private Code? current;
    private long calls;
    private long entered;

    [ThreadStatic]
    private static object?[]? exitBuffer;

    /// <summary>The callee's green key.</summary>
    public GreenKey Key { get; } = key;

    /// <summary>The key's values, for the state the unit is entered with.</summary>
    public object?[] Greens { get; } = [.. key.Values];

    /// <summary>The callee's compiled unit; null when it has none. Set by the runtime as the code cache changes.</summary>
    public Code? Current
    {
        get => Volatile.Read(ref current);
        set => Volatile.Write(ref current, value);
    }

    /// <summary>The callee's compiled unit (the runtime's object); null when it has none.</summary>
    public object? Target => Current?.Unit;

    /// <summary>Calls made through the cell from compiled code (counted without synchronization: threads may lose a few).</summary>
    public long Calls => Volatile.Read(ref calls);

    /// <summary>Of <see cref="Calls"/>, those that found a unit and entered it (counted as <see cref="Calls"/> is).</summary>
    public long Entered => Volatile.Read(ref entered);

    /// <summary>
    /// What residual code calls: runs the callee's unit with <paramref name="state"/> (the merge-point variables,
    /// greens then reds, boxed; the greens are filled in here). True when it ran to its return (the result in
    /// <c>state[0]</c>); false when there is no unit, or when it left at an exit (then the interpreter's portal,
    /// called next, resumes there).
    /// </summary>
    /// <remarks>
    /// The fast path is a direct entry of the unit's code: one exit buffer per thread (a unit writes it only as
    /// it leaves, and whoever reads the slot that says so clears it before anything else runs a unit on the
    /// thread, so a unit that returns finds it clear). What is left, entering with little stack left and an
    /// exit taken, goes to the runtime.
    /// </remarks>
    public static bool Enter(object cell, object?[] state)
    {
        var self = (CallCell)cell;
        self.calls++;
        if (self.Current is not { } code) return false;
        self.entered++;
        var greens = self.Greens;
        for (int i = 0; i < greens.Length; i++) state[i] = greens[i];
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack()) return self.slow(self, code, state, null);
        var exit = exitBuffer;
        if (exit is null || exit.Length < code.ExitSize) exitBuffer = exit = new object?[Math.Max(code.ExitSize, 16)];
        var result = code.Run(code.Constants, exit, state);
        if (exit[0] is null)
        {
            state[0] = result;
            return true;
        }
        return self.slow(self, code, state, exit);
    }

    /// <summary>
    /// <see cref="Enter"/> for a call whose caller's compiled code ran the portal's entry itself, something the entry must do
    /// once per call included (a write of a field: <c>Calls++</c>): with no unit too, the runtime is asked (the key's entry
    /// counted, its unit entered if that made one), and otherwise keeps the state at the merge point for the portal call
    /// that follows, which takes it before its entry's code (a woven portal's <c>PortalProtocol.ResumeBeforeEntrySlot</c>) and
    /// interprets the function from its merge point, so that the entry runs once, as the plain interpreter's call runs it.
    /// </summary>
    public static bool EnterAfterEntry(object cell, object?[] state)
    {
        var self = (CallCell)cell;
        if (self.Current is not null) return Enter(cell, state);
        self.calls++;
        var greens = self.Greens;
        for (int i = 0; i < greens.Length; i++) state[i] = greens[i];
        return self.slow(self, null, state, null);
    }

    /// <summary>The IR reference to <see cref="EnterAfterEntry"/>.</summary>
    public static MethodRef EnterAfterEntryMethod { get; } = new(
        "System.Boolean PeJit.Specializer.Engine.CallCell::EnterAfterEntry(System.Object,System.Object[])", hasThis: false,
        origin: typeof(CallCell).GetMethod(nameof(EnterAfterEntry)));

    /// <summary>
    /// A typed unit's own compiled code (<see cref="Unit.Self"/>), set by the runtime once the backend made it: read only
    /// when a direct call of the unit's own method left at an exit.
    /// </summary>
    public sealed class SelfCode
    {
        /// <summary>The code; null until the runtime sets it.</summary>
        public Code? Code { get; set; }
    }

    /// <summary>
    /// What residual code calls when a direct call of its own unit (a typed unit calling its own key) left at an exit
    /// (<paramref name="exit"/>, the buffer it wrote): the runtime goes on as after an exit of <see cref="Enter"/>.
    /// True when the function returned (the result in <c>state[0]</c>); false when the interpreter's portal, called
    /// next, must resume.
    /// </summary>
    public static bool Resume(object cell, object self, object?[] state, object?[] exit)
    {
        var callCell = (CallCell)cell;
        var code = ((SelfCode)self).Code ?? throw new InvalidOperationException($"pejit: the unit at {callCell.Key} left at an exit before the runtime gave it its code (a runtime that does not set Unit.Self)");
        return callCell.slow(callCell, code, state, exit);
    }

    /// <summary>The IR reference to <see cref="Resume"/>.</summary>
    public static MethodRef ResumeMethod { get; } = new(
        "System.Boolean PeJit.Specializer.Engine.CallCell::Resume(System.Object,System.Object,System.Object[],System.Object[])", hasThis: false,
        origin: typeof(CallCell).GetMethod(nameof(Resume)));

    /// <summary>
    /// The IR reference to <see cref="RuntimeHelpers.TryEnsureSufficientExecutionStack"/>: a direct call of a unit's own
    /// method is made only with stack to spare; otherwise the call goes through the cell, whose runtime moves it to a
    /// fresh stack (deep recursion).
    /// </summary>
    public static MethodRef StackCheckMethod { get; } = new(
        "System.Boolean System.Runtime.CompilerServices.RuntimeHelpers::TryEnsureSufficientExecutionStack()", hasThis: false,
        origin: typeof(RuntimeHelpers).GetMethod(nameof(RuntimeHelpers.TryEnsureSufficientExecutionStack)));

    /// <summary>The IR reference to <see cref="Enter"/>, resolved through its <see cref="MethodRef.Origin"/>.</summary>
    public static MethodRef EnterMethod { get; } = new(
        "System.Boolean PeJit.Specializer.Engine.CallCell::Enter(System.Object,System.Object[])", hasThis: false,
        origin: typeof(CallCell).GetMethod(nameof(Enter)));
}
