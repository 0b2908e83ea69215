namespace PeJit.Analysis.BindingTimes;

/// <summary>What specialization does with a loop of the interpreter's own code.</summary>
public enum LoopTreatment
{
    /// <summary>The portal's dispatch loop: each iteration is one interpreted step, keyed by the greens.</summary>
    DispatchLoop,
    /// <summary>Its exit depends only on green values: unrolled while specializing.</summary>
    Unrolled,
    /// <summary>Its exit depends on a red value: kept as a residual loop, its carried values made red.</summary>
    Generalized,
}
