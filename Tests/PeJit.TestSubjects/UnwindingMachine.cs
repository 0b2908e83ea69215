namespace PeJit.TestSubjects;

/// <summary>What <see cref="UnwindingVm"/>'s finally restores: the call depth, how often it ran, and the output.</summary>
public sealed class UnwindingMachine(TextWriter output)
{
    /// <summary>Runs of the dispatch loop under way.</summary>
    public int Depth { get; set; }

    /// <summary>Times the finally ran.</summary>
    public int Unwound { get; set; }

    /// <summary>Where the program prints.</summary>
    public TextWriter Output { get; } = output;
}
