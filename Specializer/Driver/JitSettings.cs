using PeJit.Specializer.Engine;

namespace PeJit.Specializer.Driver;

/// <summary>When to compile and how much: the threshold and the specialization budgets.</summary>
public sealed record JitSettings
{
    /// <summary>Times a green key is seen at <c>Jit.CanEnterJit</c> before it is compiled (default 1000; <c>PEJIT_THRESHOLD</c>).</summary>
    public int Threshold { get; init; } = int.TryParse(Environment.GetEnvironmentVariable("PEJIT_THRESHOLD"), out int threshold) && threshold > 0 ? threshold : 1000;

    /// <summary>The budgets of specialization.</summary>
    public SpecializationSettings Specialization { get; init; } = SpecializationSettings.Default;

    /// <summary>
    /// The optimization passes to run on residual graphs, colon-separated (<c>merge:fold:cse:forward:guards:dce</c>);
    /// null for all, "" for none. <c>PEJIT_OPT</c> sets it from the environment.
    /// </summary>
    public string? Optimizations { get; init; } = Environment.GetEnvironmentVariable("PEJIT_OPT");

    /// <summary>Where to log compiled units and budget hits; null for no log.</summary>
    public TextWriter? Log { get; init; }
}
