namespace PeJit;

/// <summary>
/// Promises that a field (or every instance field of a class) never changes after the object is constructed.
/// </summary>
/// <remarks>
/// Rules:
/// <list type="number">
/// <item>A load of such a field from a green object is green: it is read while specializing.</item>
/// <item>From a red object the load stays residual, but may be merged with an earlier load of the same field.</item>
/// <item><c>readonly</c> fields are treated the same way without this attribute.</item>
/// </list>
/// </remarks>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class JitImmutableAttribute : Attribute
{
}
