namespace PeJit.IR;

/// <summary>
/// What the specializer does with a call: decided by the binding-time analysis at build time, carried by the
/// extension program to the engine at run time. One enum for both sides (it lives in the IR because both
/// reference only the IR), so the extension text prints the analysis's own names.
/// </summary>
public enum CallTreatment
{
    /// <summary>Inlined and specialized: the callee's annotated graph for this call's signature runs in place.</summary>
    Inline,
    /// <summary>A virtual call on a green receiver: the target is known while specializing; each possible target is analyzed.</summary>
    InlineVirtual,
    /// <summary>
    /// A call to a recursive helper (it calls itself, directly or through others) with a green argument: unfolded
    /// like <see cref="Inline"/>, each call specialized to its own green arguments, until a call repeats the green
    /// arguments of a call still open on the specialization stack or goes past the inlining budget; that call
    /// stays a residual call. Its result is red to the analysis (the call may stay residual), though an unfolded
    /// call hands back what it returns, green or red.
    /// </summary>
    Unfold,
    /// <summary><see cref="Unfold"/> for a virtual or interface call on a green receiver: resolved to the receiver's override, then unfolded.</summary>
    UnfoldVirtual,
    /// <summary>
    /// A call through a green delegate (<c>Invoke</c>): the delegate's target method is known while specializing;
    /// each method of the delegate family (those the analyzed assemblies turn into delegates of the type) is
    /// analyzed, and the one the delegate names is inlined, its target object (a closure, the lambdas' singleton)
    /// a green <c>this</c>. A target outside the family stays a residual call.
    /// </summary>
    InlineDelegate,
    /// <summary>Run while specializing: a pure (<c>[Elidable]</c> or known-pure) method with green arguments.</summary>
    GreenCall,
    /// <summary>Stays a call in the residual code.</summary>
    Residual,
    /// <summary>An allocation (<c>newobj</c>): the object is made when the residual code runs.</summary>
    Allocation,
    /// <summary><c>Jit.Promote</c>: the result is green; the residual code switches on the run-time value.</summary>
    Promote,
    /// <summary>
    /// <c>Jit.PromoteClass</c>: the result is the operand, its reference red and its exact class (or null) green; the
    /// residual code guards on the class and goes on per class seen, a generic path past the case budget.
    /// </summary>
    PromoteClass,
    /// <summary><c>GetType()</c> on a value whose class is green (<see cref="PromoteClass"/>): the class, while specializing.</summary>
    ClassOf,
    /// <summary><c>Jit.AssertGreen</c>: checked by the analysis, nothing at run time.</summary>
    AssertGreen,
    /// <summary><c>Jit.MergePoint</c>: the head of the dispatch loop, keyed by the greens.</summary>
    MergePoint,
    /// <summary><c>Jit.CanEnterJit</c>: a backward jump of the interpreted program.</summary>
    CanEnterJit,
    /// <summary>
    /// A <c>newobj</c> of a class whose constructor the analysis can inline: the residual code allocates the object
    /// without a constructor (<c>allocate</c>) and the constructor's annotated graph runs in place on it, its
    /// <c>this</c> red with a green class, so that allocation removal sees every store the constructor makes. A
    /// constructor that only stores its parameters (<c>MethodRef.StoredFields</c>) stays <see cref="Allocation"/>.
    /// </summary>
    InlineConstructor,
}
