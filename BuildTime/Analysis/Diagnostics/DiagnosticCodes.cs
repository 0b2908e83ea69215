namespace PeJit.Analysis.Diagnostics;

/// <summary>The diagnostic codes; Docs/diagnostics.md explains each with an example and the fix.</summary>
public static class DiagnosticCodes
{
    /// <summary>The assembly has no PDB, so local variable names in the hints cannot be matched.</summary>
    public const string NoSymbols = "PJ0001";
    /// <summary>A name in Greens or Reds is neither a parameter nor a local of the portal.</summary>
    public const string UnknownVariable = "PJ0002";
    /// <summary>A merge point or can-enter-JIT argument is an expression, not a plain variable.</summary>
    public const string NotAVariable = "PJ0003";
    /// <summary>Merge point or can-enter-JIT arguments do not match the declared greens then reds.</summary>
    public const string WrongArguments = "PJ0004";
    /// <summary>A variable live at the merge point is not passed to it.</summary>
    public const string MissingLiveVariable = "PJ0005";
    /// <summary>The portal has no merge point, several, or one that is not inside a loop.</summary>
    public const string NoDispatchLoop = "PJ0006";
    /// <summary>A declared green gets a red value.</summary>
    public const string GreenDependsOnRed = "PJ0007";
    /// <summary><c>Jit.AssertGreen</c> on a red value.</summary>
    public const string AssertGreenFailed = "PJ0008";
    /// <summary>The assembly has no <c>[JitPortal]</c> method.</summary>
    public const string NoPortal = "PJ0009";
    /// <summary>The portal itself could not be converted to a flow graph.</summary>
    public const string OpaquePortal = "PJ0010";
    /// <summary>A name in <c>[Virtualizable(...)]</c> is not an instance field of the class, or is not written as <c>Name</c> or <c>Name[*]</c>.</summary>
    public const string VirtualizableUnknownField = "PJ0011";
    /// <summary>A <c>[Virtualizable]</c> name ends in <c>[*]</c> but its field is not a one-dimensional array.</summary>
    public const string VirtualizableNotArray = "PJ0012";
    /// <summary>A <c>[Virtualizable]</c> array field is not <c>readonly</c>: the array may be replaced while compiled code keeps its elements.</summary>
    public const string VirtualizableArrayReplaced = "PJ0013";
    /// <summary><c>Jit.MergePoint</c> or <c>Jit.CanEnterJit</c> in a method the portal calls, not in the portal itself.</summary>
    public const string LoopHintOutsidePortal = "PJ0014";
    /// <summary>A switch in the dispatch loop is on a red value.</summary>
    public const string RedDispatch = "PJ1001";
    /// <summary>A loop exits on a red value, so its carried values were made red.</summary>
    public const string GeneralizedLoop = "PJ1002";
    /// <summary>A <c>[Virtualizable]</c> class is the type of no red of any portal, so the hint has no effect.</summary>
    public const string VirtualizableUnused = "PJ1003";
    /// <summary>
    /// Retired, no longer reported: it said that a generic method's red code names its generic parameter, which the specializer
    /// refused; the specializer now instantiates inlined generic code with the type arguments of the call that reaches it.
    /// Kept so that the number is never given to another diagnostic.
    /// </summary>
    public const string GenericResidualCode = "PJ1004";
}
