namespace PeJit.Fuzzing.Termination;

/// <summary>How a run of the step-counting model ended.</summary>
public enum TerminationVerdict
{
    /// <summary>The program returned within the bounds.</summary>
    Returns,
    /// <summary>The program threw (a runtime error of the language) within the bounds.</summary>
    Throws,
    /// <summary>The program ran more steps than allowed: it may not terminate, or it takes too long to fuzz.</summary>
    TooManySteps,
    /// <summary>Interpreted calls nested deeper than allowed: the real interpreters could overflow the .NET stack.</summary>
    TooDeep,
}

/// <summary>
/// What the step-counting model of a language says about a program: whether it ends within the bounds, and
/// after how many interpreted steps. The fuzzers run a program in the real interpreters only when it does, so
/// that neither a generated program nor a candidate of the shrinker can hang the fuzzer or overflow its stack.
/// </summary>
/// <param name="Verdict">How the run ended.</param>
/// <param name="Steps">Interpreted steps (dispatches) taken.</param>
/// <param name="MaxDepth">The deepest nesting of interpreted calls reached (0 without calls).</param>
public readonly record struct BoundedRun(TerminationVerdict Verdict, long Steps, int MaxDepth)
{
    /// <summary>The program ends within the bounds, by returning or by throwing.</summary>
    public bool Ends => Verdict is TerminationVerdict.Returns or TerminationVerdict.Throws;
}
