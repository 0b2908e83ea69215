namespace PeJit.TestSubjects;

/// <summary>
/// A subclass of <see cref="VirtualCallVm"/> that overrides its portal: every activation, the interpreted program's calls
/// included (<c>this.Run</c> dispatches here), adds <see cref="Offset"/> to the result and counts itself, then runs the
/// portal (<c>base.Run</c>, a call that does not dispatch).
/// </summary>
public sealed class OverridingCallVm(InstanceCallVm.Function[] functions, long offset) : VirtualCallVm(functions)
{
    /// <summary>What each activation adds to its result.</summary>
    public readonly long Offset = offset;

    /// <summary>Activations of the override.</summary>
    public long Overridden;

    public override long Run(InstanceCallVm.Function fn, long argument)
    {
        Overridden++;
        return base.Run(fn, argument) + Offset;
    }
}
