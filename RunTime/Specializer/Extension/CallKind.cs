namespace PeJit.Specializer.Extension;

/// <summary>
/// What the engine does with a call: the analysis's call treatment, copied into the extension program when it
/// is compiled so that the engine never reads the analysis. The names are the analysis's (the extension text
/// prints them), case for case.
/// </summary>
public enum CallKind
{
    /// <summary>Inlined and specialized: the callee's graph (<see cref="ExtensionOp.Callees"/>) runs in place.</summary>
    Inline,
    /// <summary>A virtual call: inlined when the receiver is green, into the callee of the override it dispatches to (<see cref="ExtensionOp.CalleeMethods"/>).</summary>
    InlineVirtual,
    /// <summary>Run while specializing when every operand is green (<see cref="ExtensionOp.Access"/>).</summary>
    GreenCall,
    /// <summary>Stays a call in the residual code.</summary>
    Residual,
    /// <summary>An allocation (<c>newobj</c>): the object is made when the residual code runs.</summary>
    Allocation,
    /// <summary><c>Jit.Promote</c>: the result is green; the residual code switches on the run-time value.</summary>
    Promote,
    /// <summary><c>Jit.AssertGreen</c>: checked by the analysis, nothing at run time.</summary>
    AssertGreen,
    /// <summary><c>Jit.MergePoint</c>: the head of the dispatch loop, keyed by the greens.</summary>
    MergePoint,
    /// <summary><c>Jit.CanEnterJit</c>: a backward jump of the interpreted program.</summary>
    CanEnterJit,
}
