using System.Diagnostics;

// The hints API with every hint removed at compile time: calls to [Conditional] methods whose symbol is
// never defined are not emitted, so the stack VM compiled against this file (see the .csproj) is the
// interpreter as it would be written without PeJit.
namespace PeJit;

internal static class Jit
{
    [Conditional("PEJIT_HINTS_REMOVED")] public static void MergePoint<T1, T2, T3, T4>(T1 a1, T2 a2, T3 a3, T4 a4) { }
    [Conditional("PEJIT_HINTS_REMOVED")] public static void CanEnterJit<T1, T2, T3, T4>(T1 a1, T2 a2, T3 a3, T4 a4) { }
}

[AttributeUsage(AttributeTargets.Method)]
internal sealed class JitPortalAttribute : Attribute
{
    public string[] Greens { get; set; } = [];
    public string[] Reds { get; set; } = [];
}

[AttributeUsage(AttributeTargets.Class | AttributeTargets.Field)]
internal sealed class JitImmutableAttribute : Attribute;
