namespace PeJit.Backends.Cil;

/// <summary>Which loops the CIL backend compiles as methods of their own (<see cref="OutlinedLoop"/>).</summary>
public enum LoopOutlining
{
    /// <summary>None, the default: every loop in the unit's method (<c>PEJIT_OUTLINE_LOOPS</c> unset or <c>0</c>).</summary>
    None,

    /// <summary>The innermost loops of a unit that has more than one loop (<c>PEJIT_OUTLINE_LOOPS=innermost</c>; a unit's only loop gains nothing).</summary>
    InnermostOfSeveral,

    /// <summary>
    /// The innermost loops of a unit that has more than one loop, and the loops that hold only such loops (one level of
    /// nesting: the outer loop's method calls the inner loops' methods; <c>PEJIT_OUTLINE_LOOPS=1</c>).
    /// </summary>
    NestsOfSeveral,

    /// <summary>Innermost loops and one level of nesting in every unit (<c>PEJIT_OUTLINE_LOOPS=all</c>; tests and fuzzers: every loop shape through it).</summary>
    Every,
}
