namespace PeJit.Backends.Cil;

/// <summary>Which loops the CIL backend compiles as methods of their own (<see cref="OutlinedLoop"/>).</summary>
public enum LoopOutlining
{
    /// <summary>None: every loop in the unit's method.</summary>
    None,

    /// <summary>The innermost loops of a unit that has more than one loop (a unit's only loop gains nothing).</summary>
    InnermostOfSeveral,

    /// <summary>Every innermost loop the outlining takes (tests and fuzzers: every loop shape through it).</summary>
    EveryInnermost,
}
