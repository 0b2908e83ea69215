using Mono.Cecil;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// The framework's small collection methods the analysis looks into although their assembly is not analyzed: an interpreter
/// whose operand stack is a <c>Stack&lt;long&gt;</c> calls <c>Push</c>, <c>Pop</c> and <c>Peek</c> a few times per instruction,
/// and a compiled loop that keeps those calls is slower than the plain interpreter (.NET's JIT inlines <c>Pop</c> into the
/// interpreter's tier-1 code, not into a unit's method). Inlined, the unit holds their few loads and stores, which the
/// optimizer can keep in registers.
/// </summary>
/// <remarks>
/// Only methods that are short, touch only the collection's own fields, and call out only on their slow or throwing paths
/// (<c>PushWithResize</c>, <c>ThrowHelper</c>), which stay calls. The IL is the implementation assembly's that <c>pejit build</c>
/// resolves; the private fields it names (<c>_array</c>, <c>_size</c>) are looked up again at run time in the running
/// framework, and where one is missing there the unit is not compiled and the interpreter goes on (the specializer's
/// <c>Instantiation</c>).
/// </remarks>
internal static class FrameworkCollections
{
    private static readonly Dictionary<string, string[]> Inlinable = new(StringComparer.Ordinal)
    {
        ["System.Collections.Generic.Stack`1"] = ["Push", "Pop", "Peek", "get_Count"],
    };

    /// <summary>Whether the analysis inlines <paramref name="method"/> of the framework (a method of an allowed collection class, by name).</summary>
    public static bool IsInlinable(MethodDefinition method) =>
        method.Module.Assembly.Name.Name is "System.Collections" or "System.Private.CoreLib"
        && Inlinable.TryGetValue(method.DeclaringType.FullName, out var names) && Array.IndexOf(names, method.Name) >= 0
        && method.HasBody;
}
