namespace PeJit.TestSubjects;

/// <summary>One call of a subject method: its arguments, of exactly the parameters' types.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class SampleAttribute(params object?[] args) : Attribute
{
    /// <summary>The arguments.</summary>
    public object?[] Args { get; } = args;
}
