namespace PeJit;

/// <summary>
/// Declares a method pure: its result depends only on its arguments and it has no effect anyone can observe.
/// </summary>
/// <remarks>
/// Rules:
/// <list type="number">
/// <item>With all arguments green the call runs while specializing and its result is green.</item>
/// <item>With some argument red the call stays in the residual code, and repeated calls with the same arguments are merged (CSE).</item>
/// <item>The method may allocate or cache, but what it returns must be the same for the same arguments; a wrong promise gives wrong results.</item>
/// </list>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ElidableAttribute : Attribute
{
}
