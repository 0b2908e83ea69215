namespace PeJit.IR;

/// <summary>
/// The names by which PeJit recognizes the hints API of PeJit.Hints (DESIGN.md, "The hints"): the frontend and the
/// analysis at build time, the weaver in the assembly it rewrites, the runtime in the graphs it reads back. Kept in
/// the IR, which every stage references, so that no stage spells a hint's name itself.
/// </summary>
public static class HintNames
{
    /// <summary>The static class holding the hint methods.</summary>
    public const string JitClass = "PeJit.Jit";
    /// <summary><c>Jit.MergePoint</c>.</summary>
    public const string MergePoint = "MergePoint";
    /// <summary><c>Jit.CanEnterJit</c>.</summary>
    public const string CanEnterJit = "CanEnterJit";
    /// <summary><c>Jit.Promote</c>.</summary>
    public const string Promote = "Promote";
    /// <summary><c>Jit.PromoteClass</c>.</summary>
    public const string PromoteClass = "PromoteClass";
    /// <summary><c>Jit.AssertGreen</c>.</summary>
    public const string AssertGreen = "AssertGreen";
    /// <summary><c>[JitPortal]</c>.</summary>
    public const string JitPortal = "PeJit.JitPortalAttribute";
    /// <summary><c>[Elidable]</c>.</summary>
    public const string Elidable = "PeJit.ElidableAttribute";
    /// <summary><c>[DontLookInside]</c>.</summary>
    public const string DontLookInside = "PeJit.DontLookInsideAttribute";
    /// <summary><c>[JitImmutable]</c>.</summary>
    public const string JitImmutable = "PeJit.JitImmutableAttribute";
    /// <summary><c>[Virtualizable]</c>.</summary>
    public const string Virtualizable = "PeJit.VirtualizableAttribute";
    /// <summary><c>[Unroll]</c>.</summary>
    public const string Unroll = "PeJit.UnrollAttribute";

    /// <summary>True when <paramref name="method"/> is the hint method <c>Jit.</c><paramref name="name"/>.</summary>
    public static bool IsJitMethod(MethodRef? method, string name) =>
        method is not null && method.Name == name && method.DeclaringTypeName == JitClass;
}
