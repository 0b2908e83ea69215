namespace PeJit.Tests.Optimizer;

/// <summary>A holder of an interpreter's registers, as a frame object is, for graphs that read a divisor from it (<see cref="SpeculateDivisorsTests"/>).</summary>
public sealed class SampledFrame
{
    public long[] Registers = [];
}
