namespace PeJit.Analysis.BindingTimes;

/// <summary>When a value is known.</summary>
public enum BindingTime
{
    /// <summary>Known while specializing: computed from the green key and constants.</summary>
    Green,
    /// <summary>Known only when the residual code runs.</summary>
    Red,
}
