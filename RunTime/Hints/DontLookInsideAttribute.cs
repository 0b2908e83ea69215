namespace PeJit;

/// <summary>
/// Keeps a method out of specialization: every call to it is a residual call.
/// </summary>
/// <remarks>
/// Rules:
/// <list type="number">
/// <item>The analysis does not read the method's body; its result is red.</item>
/// <item>Use it for slow paths (error reporting, I/O, rare cases) whose code would only bloat the residual loop.</item>
/// </list>
/// </remarks>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor, AllowMultiple = false, Inherited = false)]
public sealed class DontLookInsideAttribute : Attribute
{
}
