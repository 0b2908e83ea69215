namespace PeJit.Frontend.Construction;

/// <summary>How a method refers to another.</summary>
public enum CallEdgeKind
{
    /// <summary>A non-virtual call (<c>call</c>).</summary>
    Direct,
    /// <summary>A virtual or interface call (<c>callvirt</c>), edge to one possible target.</summary>
    Virtual,
    /// <summary>A constructor run by <c>newobj</c>.</summary>
    Constructor,
    /// <summary>A function pointer taken by <c>ldftn</c>/<c>ldvirtftn</c> (a delegate target).</summary>
    FunctionPointer,
}
