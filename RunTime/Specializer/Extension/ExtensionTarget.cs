using PeJit.IR;

namespace PeJit.Specializer.Extension;

/// <summary>
/// A branch target, pre-decoded: the block, the values passed and the block parameters that receive them,
/// with each parameter's binding time and type (a green argument to a red parameter is lifted into the
/// residual code).
/// </summary>
public sealed class ExtensionTarget
{
    /// <summary>The original block call (a red branch's split resumes from it).</summary>
    public required BlockCall Call { get; init; }

    /// <summary>The target block's index.</summary>
    public required int Block { get; init; }

    /// <summary>The value index of each argument.</summary>
    public required int[] Arguments { get; init; }

    /// <summary>The value index of each parameter of the target block.</summary>
    public required int[] Parameters { get; init; }

    /// <summary>Per parameter: red by the analysis (a green argument is lifted).</summary>
    public required bool[] RedParameters { get; init; }
}
