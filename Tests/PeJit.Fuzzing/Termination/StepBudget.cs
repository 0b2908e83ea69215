namespace PeJit.Fuzzing.Termination;

/// <summary>
/// The bounds a step-counting model of a language runs within, and what it has used of them: each model's
/// dispatch loop calls <see cref="Step"/> per dispatch and <see cref="Enter"/> per interpreted call, and
/// <see cref="Measure"/> turns how the model's run ended into a <see cref="BoundedRun"/>.
/// </summary>
public sealed class StepBudget
{
    private sealed class LimitReached(TerminationVerdict verdict) : Exception
    {
        public TerminationVerdict Verdict { get; } = verdict;
    }

    private readonly long stepLimit;
    private readonly int depthLimit;
    private long steps;
    private int maxDepth;

    private StepBudget(long stepLimit, int depthLimit)
    {
        this.stepLimit = stepLimit;
        this.depthLimit = depthLimit;
    }

    /// <summary>
    /// Runs <paramref name="model"/> within <paramref name="stepLimit"/> steps and calls nested at most
    /// <paramref name="depthLimit"/> deep: it returns (the program returns), throws (the program throws), or is
    /// stopped at a bound.
    /// </summary>
    public static BoundedRun Measure(long stepLimit, int depthLimit, Action<StepBudget> model)
    {
        var budget = new StepBudget(stepLimit, depthLimit);
        try
        {
            model(budget);
            return new BoundedRun(TerminationVerdict.Returns, budget.steps, budget.maxDepth);
        }
        catch (LimitReached e)
        {
            return new BoundedRun(e.Verdict, budget.steps, budget.maxDepth);
        }
        catch (Exception)
        {
            return new BoundedRun(TerminationVerdict.Throws, budget.steps, budget.maxDepth);
        }
    }

    /// <summary>One dispatch; stops the run past the step bound.</summary>
    public void Step()
    {
        if (++steps > stepLimit) throw new LimitReached(TerminationVerdict.TooManySteps);
    }

    /// <summary>An interpreted call at nesting <paramref name="depth"/>; stops the run past the depth bound.</summary>
    public void Enter(int depth)
    {
        if (depth > depthLimit) throw new LimitReached(TerminationVerdict.TooDeep);
        maxDepth = Math.Max(maxDepth, depth);
    }
}
