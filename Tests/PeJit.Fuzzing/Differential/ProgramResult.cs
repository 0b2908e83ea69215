namespace PeJit.Fuzzing.Differential;

/// <summary>What compiled code did for one program in one configuration.</summary>
/// <param name="Units">Units compiled for the program.</param>
/// <param name="Entries">Times compiled code was entered.</param>
/// <param name="ExitsTaken">Times compiled code left at an exit.</param>
/// <param name="ResidualOpcodes">The IR opcodes in the units' residual code.</param>
/// <param name="OperationsCompiled">The language's operations at the units' green keys.</param>
/// <param name="CompileFailures">Why keys that got hot were not compiled (the runtime's log), one line each.</param>
/// <param name="NativeUnits">Of <paramref name="Units"/>, those the AMD64 backend compiled to machine code.</param>
/// <param name="NotNative">Why the AMD64 backend gave units to the CIL backend (<c>auto</c>; the runtime's log), one line each.</param>
/// <param name="CaseBridges">Case bridges attached (the runtime's log), those compiled to machine code, and those entered natively from their exit.</param>
public sealed record UnitCoverage(
    int Units, long Entries, long ExitsTaken, IReadOnlySet<string> ResidualOpcodes, IReadOnlySet<string> OperationsCompiled,
    IReadOnlyList<string> CompileFailures, int NativeUnits = 0, IReadOnlyList<string>? NotNative = null, (int All, int Native, int EnteredNatively) CaseBridges = default);

/// <summary>One JIT-enabled run of a program and how it differs from the plain run.</summary>
/// <param name="Configuration">The settings it ran with.</param>
/// <param name="Behaviour">What it did.</param>
/// <param name="Coverage">What compiled code did.</param>
/// <param name="Differences">The parts of <paramref name="Behaviour"/> that differ from the plain run (empty when none).</param>
public sealed record JittedRun(JitConfiguration Configuration, Behaviour Behaviour, UnitCoverage Coverage, IReadOnlyList<string> Differences)
{
    /// <summary>Whether the run behaved as the plain interpreter did.</summary>
    public bool Matches => Differences.Count == 0;

    /// <summary>Wall-clock time the configuration took on this program (compiling included): where a session's time goes.</summary>
    public TimeSpan Elapsed { get; init; }
}

/// <summary>A program run plain and JIT-enabled in each configuration.</summary>
/// <param name="Program">The program's text.</param>
/// <param name="Plain">What the plain interpreter did: the oracle.</param>
/// <param name="Runs">The JIT-enabled runs.</param>
public sealed record ProgramResult(string Program, Behaviour Plain, IReadOnlyList<JittedRun> Runs)
{
    /// <summary>Whether every JIT-enabled run behaved as the plain interpreter did.</summary>
    public bool Matches => Runs.All(r => r.Matches);

    /// <summary>The first run that did not, if any.</summary>
    public JittedRun? FirstMismatch => Runs.FirstOrDefault(r => !r.Matches);
}
