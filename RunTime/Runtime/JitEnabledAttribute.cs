namespace PeJit.Runtime;

/// <summary>
/// Marks an assembly that <c>pejit build</c> has JIT-enabled, with the settings it was built with. A second
/// <c>pejit build</c> of a marked assembly does nothing (post-build steps may run twice on one file).
/// </summary>
/// <param name="threshold">The compile threshold chosen at build time (0: the default); <c>PEJIT_THRESHOLD</c> overrides it.</param>
/// <param name="backend">The backend chosen at build time: <c>cil</c>.</param>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class JitEnabledAttribute(int threshold, string backend) : Attribute
{
    /// <summary>The compile threshold chosen at build time (0: the default).</summary>
    public int Threshold { get; } = threshold;

    /// <summary>The backend chosen at build time.</summary>
    public string Backend { get; } = backend;
}
