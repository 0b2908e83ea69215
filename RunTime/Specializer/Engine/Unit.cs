using PeJit.IR;

namespace PeJit.Specializer.Engine;

/// <summary>
/// A compiled unit before the backend: the residual graph of the hot interpreted loop entered at one green
/// key, the green keys it covers, its exits, and the objects its code refers to.
/// </summary>
/// <remarks>
/// The residual function takes <c>(object[] constants, object?[] exit, object?[] state)</c>, where <c>state</c>
/// holds the merge-point variables (greens, then reds) it is entered with, and returns what the portal
/// returns, boxed. When it returns because the interpreted program returned, <c>exit[0]</c> is left null;
/// when it leaves at an exit, <c>exit[0]</c> holds the exit's number and <c>exit[1..]</c> the merge-point
/// variables there.
/// </remarks>
public sealed class Unit
{
    internal Unit(FlowGraph residual, GreenKey entry)
    {
        Residual = residual;
        Entry = entry;
    }

    /// <summary>The residual code.</summary>
    public FlowGraph Residual { get; }

    /// <summary>The green key the unit is entered at.</summary>
    public GreenKey Entry { get; }

    /// <summary>Every green key the unit holds code for, in the order specialized.</summary>
    public List<GreenKey> Keys { get; } = [];

    /// <summary>The exits, by number.</summary>
    public List<CompiledExit> Exits { get; } = [];

    /// <summary>Green objects the residual code uses, by index in the constants array.</summary>
    public List<object> Constants { get; } = [];

    /// <summary>The values each <c>Jit.Promote</c> site has compiled cases for, per key of the step that reaches it (<see cref="PromotionSite"/>).</summary>
    public IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>> PromotionCases { get; internal set; } = new Dictionary<PromotionSite, IReadOnlyList<object?>>();

    /// <summary>
    /// Keys where the loop is left often enough that the code after it, from there to the function's return or the
    /// next loop, is part of the unit instead of an exit (<see cref="UnitSpecializer.Specialize(GreenKey, IReadOnlyDictionary{PromotionSite, IReadOnlyList{object?}}, bool, IReadOnlySet{GreenKey}?)"/>).
    /// </summary>
    public IReadOnlySet<GreenKey> Tails { get; internal set; } = new HashSet<GreenKey>();

    /// <summary>Slots the exit buffer needs: the most any exit writes, plus the exit number.</summary>
    public int ExitBufferSize { get; internal set; }

    /// <summary>
    /// For a typed unit (a function's, when the backend calls units directly: <see cref="UnitSpecializer.DirectSelfCalls"/>),
    /// the index in the merge-point state of each red parameter after <c>(constants, exit)</c>; the residual function
    /// then returns the portal's result unboxed (its default when it leaves at an exit), and the backend makes the
    /// <c>(constants, exit, state)</c> entry that unboxes them. Null: the unit takes the state array.
    /// </summary>
    public int[]? StateParameters { get; internal set; }

    /// <summary>
    /// For a typed unit, where the runtime puts the unit's compiled code once it has it: a call of the unit's own
    /// key is a direct call of its own method, and when that call leaves at an exit, the exit's numbers are this
    /// code's (<see cref="CallCell.Resume"/>).
    /// </summary>
    public CallCell.SelfCode? Self { get; internal set; }

    /// <summary>
    /// For a typed unit whose direct self-calls make the callee's reds for the call (an interpreter's new frame): a
    /// second entry, compiled next to <see cref="Residual"/>, that takes what is in those objects instead of the
    /// objects, makes them, and runs a copy of the unit's code; those calls call it (<see cref="SelfCallShapes"/>).
    /// Its calls are references whose <see cref="MethodRef.Origin"/> is this graph or <see cref="Residual"/>. Null: none.
    /// </summary>
    public FlowGraph? ShapedEntry { get; internal set; }

    /// <summary>Calls of the unit's own key that call its own method directly (typed units).</summary>
    public int DirectSelfCalls { get; internal set; }

    /// <summary>
    /// Interpreted calls whose callee the caller reads at run time, guessed to be of the unit's own key: the argument is
    /// tested against the key's value before the portal's entry runs (<c>callee == fn</c>), else the portal call.
    /// </summary>
    public int GuessedSelfCalls { get; internal set; }

    /// <summary>The green keys of the interpreted calls the unit makes through call cells (<see cref="CallCell"/>), in order, repeats included.</summary>
    public List<GreenKey> CalledKeys { get; } = [];

    /// <summary>
    /// Whether each step runs inside a region that hands its exception back to the portal
    /// (<see cref="CompiledExit.Threw"/>; a portal with exception regions). Then an exception the interpreter's
    /// graphs throw while finishing a step after a mid-step exit is handed back the same way.
    /// </summary>
    public bool HandsBackExceptions { get; internal set; }

    /// <summary>Budgets hit while specializing, with the key and the reason, for the log.</summary>
    public List<string> Notes { get; } = [];
}
