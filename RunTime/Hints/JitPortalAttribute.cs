namespace PeJit;

/// <summary>
/// Marks the method that holds an interpreter's dispatch loop: the entry point the JIT specializes.
/// </summary>
/// <remarks>
/// Rules:
/// <list type="number">
/// <item>The method contains exactly one loop headed by <see cref="Jit.MergePoint{T1}(T1)"/> (or an overload).</item>
/// <item><see cref="Greens"/> name the parameters and locals whose values, together, say where the interpreted
/// program is (for example the program counter and the code object). They form the green key.</item>
/// <item><see cref="Reds"/> name every other variable live at the merge point (for example the frame and the stack pointer).</item>
/// <item>Names are those in the C# source; locals are found through the portable PDB, so ship it with the DLL.</item>
/// </list>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class JitPortalAttribute : Attribute
{
    /// <summary>Names of the variables that are compile-time constants of the specialized code, in the order passed to the merge point.</summary>
    public string[] Greens { get; set; } = [];

    /// <summary>Names of the variables known only when the specialized code runs, in the order passed to the merge point after the greens.</summary>
    public string[] Reds { get; set; } = [];
}
