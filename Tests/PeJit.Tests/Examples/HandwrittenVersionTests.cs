namespace PeJit.Tests.Examples;

/// <summary>
/// The checks every example with hand-written C# versions of its programs shares: each bundled program has
/// one, and prints and returns what it does. An example's test class names its programs, their sizes and how
/// to run a source.
/// </summary>
public abstract class HandwrittenVersionTests
{
    /// <summary>Each bundled program, its hand-written version and a size small enough for a test.</summary>
    protected abstract IReadOnlyDictionary<string, (Func<long, TextWriter, long> Handwritten, long Size)> Cases { get; }

    /// <summary>The names of the example's bundled programs.</summary>
    protected abstract IEnumerable<string> ProgramNames { get; }

    /// <summary>The source of the bundled program <paramref name="name"/>.</summary>
    protected abstract string Source(string name);

    /// <summary>Runs <paramref name="source"/> in the example's interpreter, writing to <paramref name="output"/>.</summary>
    protected abstract long Interpret(string source, TextWriter output, long[] args);

    protected (string Output, long Result) Run(string source, params long[] args)
    {
        var output = new StringWriter();
        long result = Interpret(source, output, args);
        return (output.ToString(), result);
    }

    protected (string Output, long Result) Handwritten(string name, long size)
    {
        var output = new StringWriter();
        long result = Cases[name].Handwritten(size, output);
        return (output.ToString(), result);
    }

    [TestMethod]
    public void EveryProgramHasAHandwrittenVersion() =>
        CollectionAssert.AreEquivalent(Cases.Keys.ToList(), ProgramNames.ToList());

    [TestMethod]
    public void ProgramsPrintWhatTheirHandwrittenVersionsPrint()
    {
        foreach (var (name, (_, size)) in Cases)
            Assert.AreEqual(Handwritten(name, size), Run(Source(name), size), name);
    }
}
