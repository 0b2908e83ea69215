namespace PeJit.AnalysisSubjects;

/// <summary>The code object of the fixtures: immutable, so reads from a green one are green.</summary>
public sealed class Code(int[] ops, int[] constants)
{
    /// <summary>The bytecode.</summary>
    public readonly int[] Ops = ops;

    /// <summary>Constants the bytecode refers to.</summary>
    public readonly int[] Constants = constants;

    /// <summary>A field that the interpreter may change: reads of it are red even from a green object.</summary>
    public int Counter;

    /// <summary>Immutable by promise rather than by <c>readonly</c>.</summary>
    [JitImmutable] public int Arity;
}

/// <summary>The run-time state of the fixtures: always red.</summary>
public sealed class Frame
{
    /// <summary>The operand stack.</summary>
    public long[] Stack = new long[64];

    /// <summary>A type tag the interpreter promotes.</summary>
    public int Kind;

    /// <summary>Where printed values go.</summary>
    public TextWriter Out = TextWriter.Null;
}
