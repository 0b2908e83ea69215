using PeJit;

namespace PeJit.Examples.Wasm;

/// <summary>A function: where its code starts, its parameters, its other locals, whether it returns a value.</summary>
[JitImmutable]
public sealed class Function(string name, int entry, int end, int parameters, int locals, int results)
{
    public readonly string Name = name;

    /// <summary>The pc of its first instruction.</summary>
    public readonly int Entry = entry;

    /// <summary>The pc of its closing <c>end</c>.</summary>
    public readonly int End = end;

    public readonly int Parameters = parameters;

    /// <summary>Its locals, parameters included.</summary>
    public readonly int Locals = locals;

    /// <summary>0 or 1.</summary>
    public readonly int Results = results;
}
