using PeJit.Backends;
using PeJit.IR.Semantics;

namespace PeJit.Runtime;

/// <summary>One frame's continuation with its inputs: the greens converted once, the reds' exit-buffer slots, where the inner frame's result goes.</summary>
/// <param name="Continuation">The frame's continuation.</param>
/// <param name="Template">The inputs with the greens in place.</param>
/// <param name="Reds">Where each red input is in the exit buffer.</param>
/// <param name="CallResult">The input that takes the inner frame's result; -1 for none.</param>
/// <param name="Thrown">The input that takes an exception of the frame inside (<see cref="ContinuationGraph.Build"/>'s <c>takesThrown</c>); -1 when it propagates past this frame.</param>
internal sealed record FramePlan(Continuation Continuation, object?[] Template, RedInput[] Reds, int CallResult, int Thrown)
{
    /// <summary>The frame's input array for one exit: the greens, the reds read from <paramref name="exit"/> as their CLR type (what the continuation unboxes).</summary>
    /// <remarks>Typed <c>object[]</c> as <see cref="ICompiledCode.Run"/> takes it; its elements may be null all the same.</remarks>
    public object[] Inputs(object?[] exit)
    {
        var inputs = (object[])Template.Clone();
        foreach (var red in Reds) inputs[red.Input] = ValueSemantics.ToClr(ValueSemantics.Normalize(exit[red.Exit], red.Type), red.ClrType)!;
        return inputs;
    }
}
