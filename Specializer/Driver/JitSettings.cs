using PeJit.Specializer.Engine;

namespace PeJit.Specializer.Driver;

/// <summary>When to compile and how much: the threshold and the specialization budgets.</summary>
public sealed record JitSettings
{
    /// <summary>Times a green key is seen at <c>Jit.CanEnterJit</c> before it is compiled (default 1000; <c>PEJIT_THRESHOLD</c>).</summary>
    public int Threshold { get; init; } = int.TryParse(Environment.GetEnvironmentVariable("PEJIT_THRESHOLD"), out int threshold) && threshold > 0 ? threshold : 1000;

    /// <summary>The budgets of specialization.</summary>
    public SpecializationSettings Specialization { get; init; } = SpecializationSettings.Default;

    /// <summary>Where to log compiled units and budget hits; null for no log.</summary>
    public TextWriter? Log { get; init; }
}
