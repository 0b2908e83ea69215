namespace PeJit.Specializer.Extension;

/// <summary>What the engine does with an <see cref="ExtensionOp"/>: decided once, when the extension is compiled.</summary>
public enum ExtensionOpKind : byte
{
    /// <summary>A value: run it when its result is green and its operands are, else copy it into the residual code.</summary>
    Value,
    /// <summary>An instruction without a result (a store): always copied into the residual code.</summary>
    Effect,
    /// <summary><c>jump</c>: a transfer to a block of the same graph.</summary>
    Jump,
    /// <summary><c>brif</c>: decided when the condition is green, else a split.</summary>
    Branch,
    /// <summary><c>switch</c>: decided when the selector is green, else a split.</summary>
    Switch,
    /// <summary><c>ret</c>: back to the caller's frame, or the unit's return.</summary>
    Return,
    /// <summary><c>throw</c>: copied into the residual code; the path ends.</summary>
    Throw,
    /// <summary>An instruction the specializer cannot run: the unit is refused with <see cref="ExtensionOp.Message"/>.</summary>
    Unsupported,
    /// <summary><c>leave</c>: a transfer out of protected regions; residual code leaves the regions it opened for them (their finally handlers run there).</summary>
    Leave,
    /// <summary><c>endfinally</c>: the end of a finally handler's residual copy; the path ends.</summary>
    EndFinally,
    /// <summary><c>rethrow</c>: copied into the residual code's catch handler; the path ends.</summary>
    Rethrow,
    /// <summary>A call, <c>newobj</c> or hint, treated as the analysis decided (<see cref="ExtensionOp.Treatment"/>).</summary>
    Call,
    /// <summary><c>stslot</c>: green slots hold the value, red ones get a residual store.</summary>
    StoreSlot,
    /// <summary><c>ldslot</c> of a red slot: a residual load.</summary>
    LoadRedSlot,
    /// <summary><c>slotaddr</c>: always residual.</summary>
    SlotAddress,
    /// <summary><c>endfilter</c>: the end of a filter's residual copy (its result residual); the path ends.</summary>
    EndFilter,
}
