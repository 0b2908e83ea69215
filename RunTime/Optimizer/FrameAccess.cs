namespace PeJit.Optimizer;

/// <summary>What a call may do to the named state of a virtualizable frame (<see cref="FrameReach.Reach"/>).</summary>
internal enum FrameAccess
{
    /// <summary>Nothing: the named state may stay in SSA values across it.</summary>
    None,

    /// <summary>Read it: what the loop changed is written back before it; nothing is loaded again after.</summary>
    Reads,

    /// <summary>Read and write it: written back before, loaded again after.</summary>
    ReadsAndWrites,
}
