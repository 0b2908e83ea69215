namespace PeJit.Runtime;

/// <summary>
/// The merge-point state of one visit of a green key, kept so that the optimizer can guess from it when the key is
/// compiled (<see cref="PeJit.IR.FlowGraph.SampleArguments"/>; a loop-invariant divisor, for one). Values of value
/// types are kept as the boxes the state held; objects by weak reference, so that a sample never keeps an interpreted
/// program's data alive (a collected object is simply not known).
/// </summary>
internal sealed class StateSample
{
    private readonly object?[] values;

    public StateSample(object?[] state)
    {
        values = new object?[state.Length];
        for (int i = 0; i < state.Length; i++)
            values[i] = state[i] is { } value && !value.GetType().IsValueType ? new WeakReference(value) : state[i];
    }

    /// <summary>The state as sampled, with null for the objects collected since.</summary>
    public object?[] Take()
    {
        var state = new object?[values.Length];
        for (int i = 0; i < values.Length; i++)
            state[i] = values[i] is WeakReference reference ? reference.Target : values[i];
        return state;
    }
}
