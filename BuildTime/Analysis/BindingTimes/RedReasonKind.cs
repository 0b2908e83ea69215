namespace PeJit.Analysis.BindingTimes;

/// <summary>Why a value is red: a root cause, or propagation from another red value.</summary>
public enum RedReasonKind
{
    /// <summary>A portal parameter or merge-point variable the portal declares red.</summary>
    DeclaredRed,
    /// <summary>An argument the caller passes red.</summary>
    RedArgument,
    /// <summary>The result of a call that stays in the residual code.</summary>
    ResidualCall,
    /// <summary>A read of memory that may change (a mutable field, an element of a red array, a slot).</summary>
    MutableMemory,
    /// <summary>A newly allocated object or array, or an address.</summary>
    Allocation,
    /// <summary>Computed from a red operand.</summary>
    RedOperand,
    /// <summary>A block parameter some jump passes a red value to.</summary>
    RedIncoming,
    /// <summary>Carried around a loop whose exit depends on a red value, so made red for specialization to terminate.</summary>
    GeneralizedLoop,
    /// <summary>Returned red by an inlined callee.</summary>
    RedReturn,
    /// <summary>The result of <c>Jit.PromoteClass</c> of a red value: the reference stays red, its class is green.</summary>
    PromotedClass,
    /// <summary>The exception a catch handler or a filter starts with: known only when something throws.</summary>
    CaughtException,
    /// <summary>
    /// A read of a local whose address is used where the analysis does not follow every write through it (passed by
    /// reference to a call left residual, stored, converted): its fix is to pass the value and return the new one.
    /// </summary>
    AddressTaken,
}
