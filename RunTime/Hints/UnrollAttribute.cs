namespace PeJit;

/// <summary>
/// Asks that loops over green data inside the method be unrolled during specialization.
/// </summary>
/// <remarks>
/// Rules:
/// <list type="number">
/// <item>A loop whose exit condition is green is unrolled: each iteration is specialized separately.</item>
/// <item>A loop whose exit depends on a red value is kept as a residual loop, with its carried values red.</item>
/// </list>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class UnrollAttribute : Attribute
{
}
