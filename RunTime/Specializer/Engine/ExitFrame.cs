using PeJit.IR;

namespace PeJit.Specializer.Engine;

/// <summary>
/// One interpreter frame at an exit in the middle of a step: where it stands and the values the rest of the
/// step needs, each green (known to the engine) or red (in a slot of the exit buffer).
/// </summary>
/// <param name="Graph">The interpreter method's graph.</param>
/// <param name="Block">The block it stands in.</param>
/// <param name="Index">The instruction to run next.</param>
/// <param name="Values">The live values.</param>
/// <param name="CallResult">For a frame inside which a call is running: the value that receives its result.</param>
/// <remarks>
/// Arrays, not lists: the runtime reads them when the unit first leaves mid-step, and a <c>List&lt;ExitValue&gt;</c> read
/// through its interfaces or LINQ is code .NET compiles there, in every process (Docs/PERFORMANCE.md, "cold7").
/// </remarks>
public sealed record ExitFrame(FlowGraph Graph, Block Block, int Index, ExitValue[] Values, Value? CallResult)
{
    /// <summary>The frame's locals (slots) set so far, each green or in a slot of the exit buffer (<see cref="ExitValue.Value"/> unused).</summary>
    public (Slot Slot, ExitValue Content)[] Slots { get; init; } = NoSlots;

    // Not `[]`: Array.Empty of a tuple of structs has a class initializer .NET compiles at the first mid-step exit.
    private static readonly (Slot Slot, ExitValue Content)[] NoSlots = new (Slot, ExitValue)[0];

    /// <summary>For a frame inside a catch handler: the exit-buffer slot of the exception it handles (what <c>rethrow</c> throws); 0 for none.</summary>
    public int CaughtSlot { get; init; }

    /// <summary>
    /// The key the frame's promotions have their cases at (<see cref="PromotionSite.Step"/>): the step of the innermost
    /// portal activation at or outside it, an inlined callee's or else the unit's step. The runtime notes what the graph
    /// evaluator sees in this frame under it, as the specializer will look it up. Null when not known (the step's key).
    /// </summary>
    public GreenKey? SiteStep { get; init; }

    /// <summary>With <see cref="SiteStep"/>: where the innermost portal activation at or outside it was inlined (<see cref="PromotionSite.Path"/>); null at the unit's step.</summary>
    public CallPath? SitePath { get; init; }
}

/// <summary>A live value at a mid-step exit: its green value, or the exit-buffer slot holding it.</summary>
/// <param name="Value">The interpreter value.</param>
/// <param name="IsGreen">Whether the engine knew it.</param>
/// <param name="Green">Its value, when green (normalized).</param>
/// <param name="Slot">Its exit-buffer slot, when red.</param>
/// <param name="ExactClass">
/// For a red reference whose exact class the unit had established before the exit (a <c>Jit.PromoteClass</c> guard, an
/// allocation): that class (a <see cref="Type"/>, or the engine's null marker); null when unknown. A case bridge started at
/// the exit knows it too (<c>UnitSpecializer.SpecializeBridge</c>), so its calls on the value are not virtual.
/// </param>
public readonly record struct ExitValue(Value Value, bool IsGreen, object? Green, int Slot, object? ExactClass = null);
