namespace PeJit.Backends.Amd64.Lowering;

/// <summary>What one 64-bit word that the managed stub passes to native code holds.</summary>
public enum ArgumentKind
{
    /// <summary>A primitive parameter in its stack form (int32-class values sign-extended).</summary>
    Primitive,
    /// <summary>The address of element 0 of a pinned array parameter (0 for null).</summary>
    ArrayBase,
    /// <summary>The length of that array (0 for null).</summary>
    ArrayLength,
    /// <summary>An object native code only tests for null (or guards a hoisted field read of): 1, or 0 for null.</summary>
    Presence,

    /// <summary>An object passed to a static helper: a <c>GCHandle</c> the stub makes for the call (0 for null), never dereferenced by native code.</summary>
    Handle,
}
