using PeJit.Specializer.Engine;

namespace PeJit.Specializer.Driver;

/// <summary>A unit after the backend: its entry, the constants its code reads, and what it cost.</summary>
/// <param name="Unit">The unit as the engine made it.</param>
/// <param name="Entry">The compiled residual function.</param>
/// <param name="SpecializationTime">Time spent in the engine.</param>
/// <param name="BackendTime">Time spent in the backend (IL emission; RyuJIT compiles on first call).</param>
public sealed record CompiledUnit(Unit Unit, Func<object[], object?[], object?[], object?> Entry, TimeSpan SpecializationTime, TimeSpan BackendTime)
{
    /// <summary>The constants array the entry takes.</summary>
    public object[] Constants { get; } = Unit.Constants.ToArray();
}
