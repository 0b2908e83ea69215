using PeJit.Runtime;
using PeJit.Specializer.Engine;

namespace PeJit.Fuzzing.Differential;

/// <summary>
/// Settings a program is run JIT-enabled with, by name. Every threshold is low, so that the generated
/// programs' loops (a few to a few hundred turns) compile and their exits are taken.
/// </summary>
/// <param name="Name">The name on the command line and in regression files (letters and digits only).</param>
/// <param name="Description">What the configuration is for.</param>
/// <param name="Settings">The settings.</param>
public sealed record JitConfiguration(string Name, string Description, JitSettings Settings)
{
    /// <summary>
    /// True for the interpreter as <c>pejit build</c> JIT-enables it (<see cref="WeavedInterpreter"/>): its
    /// settings are the runtime's defaults and the threshold it was built with, not <see cref="Settings"/>.
    /// </summary>
    public bool Weaved { get; init; }

    /// <summary>
    /// True to run each program twice on the same program object: the second run finds its loops compiled
    /// and enters compiled code at the first <c>Jit.CanEnterJit</c>. Both runs must behave as the plain one.
    /// </summary>
    public bool Twice { get; init; }

    /// <summary>The backend units are compiled by (<c>cil</c>, <c>amd64</c> or <c>auto</c>: native where it can, CIL otherwise).</summary>
    public string Backend { get; init; } = "cil";

    /// <summary>Residual instructions the code cache of a fuzzing portal holds: old programs' units are dropped.</summary>
    private const long CacheLimit = 200_000;

    /// <summary>The configurations, in the order they are run.</summary>
    public static IReadOnlyList<JitConfiguration> All { get; } =
    [
        new("threshold3", "the default budgets, a loop compiled at its third turn",
            new JitSettings { Threshold = 3, CacheLimit = CacheLimit }),
        new("tinyunits", "units of at most three green keys: compiled code exits and links to other units constantly",
            new JitSettings { Threshold = 2, CacheLimit = CacheLimit, Specialization = new SpecializationSettings { MaxKeysPerUnit = 3 } }),
        new("wholeunits", "units that keep every key reached, not only the loop (code after loops and in calls is compiled too)",
            new JitSettings { Threshold = 5, CacheLimit = CacheLimit, Specialization = new SpecializationSettings { OnlyKeysOnCycle = false, MaxInliningDepth = 4 } }),
        new("tinybudgets", "every budget tiny: units cut short, helpers left as calls, a cache so small that units are dropped and compiled again while the program runs",
            new JitSettings
            {
                Threshold = 2, CacheLimit = 1000, MaxRecompilesPerUnit = 2,
                Specialization = new SpecializationSettings { MaxResidualInstructions = 150, MaxInliningDepth = 1, MaxKeysPerUnit = 8 },
            }),
        new("fewcases", "one case per promotion site and one recompilation per unit: steps left at a value or class without a case finish on compiled continuations (JitSettings.CompiledFinish), compiled at an exit's first take (ContinuationAfter 1), learning steps too (LearningContinuationAfter 1), all the time",
            new JitSettings { Threshold = 3, CacheLimit = CacheLimit, MaxRecompilesPerUnit = 1, ContinuationAfter = 1, LearningContinuationAfter = 1, Specialization = new SpecializationSettings { MaxCasesPerPromotion = 1 } }),
        new("fewcasesevaluator", "fewcases with those steps finished by the graph evaluator (PEJIT_FINISH=evaluator), so that both ways stay compared",
            new JitSettings { Threshold = 3, CacheLimit = CacheLimit, MaxRecompilesPerUnit = 1, CompiledFinish = false, Specialization = new SpecializationSettings { MaxCasesPerPromotion = 1 } }),
        new("native", "the AMD64 backend where it can express the unit, CIL where it cannot (auto), threshold 4: machine code, its exits and its helper calls, and bridges at the exits that leave a native unit's loop",
            new JitSettings { Threshold = 4, CacheLimit = CacheLimit, Bridges = true }) { Backend = "auto" },
        new("warm", "each program run twice on the same program object: the second run starts with its units compiled",
            new JitSettings { Threshold = 3, CacheLimit = CacheLimit }) { Twice = true },
        new("weaved", $"the interpreter as pejit build JIT-enables it (threshold {WeavedInterpreter.Threshold}, the runtime's defaults), loaded in process: interpreted calls run JIT-enabled, so loops in called functions compile too",
            new JitSettings { Threshold = WeavedInterpreter.Threshold }) { Weaved = true },
    ];

    /// <summary>The configuration called <paramref name="name"/>, or an exception that lists them.</summary>
    public static JitConfiguration Named(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"no configuration '{name}'; the configurations are: {string.Join(", ", All.Select(c => c.Name))}");
}
