namespace PeJit.Analysis.Diagnostics;

/// <summary>How serious a diagnostic is.</summary>
public enum Severity
{
    /// <summary>The interpreter cannot be JIT-enabled as written.</summary>
    Error,
    /// <summary>It can, but the compiled code will be slower than it could be.</summary>
    Warning,
}
