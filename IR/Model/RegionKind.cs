namespace PeJit.IR;

/// <summary>What handles exceptions leaving a protected region.</summary>
public enum RegionKind
{
    /// <summary>A typed catch handler.</summary>
    Catch,
    /// <summary>A filter block decides whether the handler runs.</summary>
    Filter,
    /// <summary>A finally handler: runs whenever control leaves the region.</summary>
    Finally,
    /// <summary>A fault handler: runs only when an exception leaves the region.</summary>
    Fault,
}
