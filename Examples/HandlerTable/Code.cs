using PeJit;

namespace PeJit.Examples.HandlerTable;

/// <summary>An assembled program: operations with their operands, and the function table. Never changes once built.</summary>
[JitImmutable]
public sealed class Code(int[] ops, Function[] functions, long[] defaultArguments)
{
    /// <summary>Operations (<see cref="Op"/> values) and their operands, one after the other.</summary>
    public readonly int[] Ops = ops;

    /// <summary>The functions; <c>call f</c> names one by index.</summary>
    public readonly Function[] Functions = functions;

    /// <summary>Arguments for <c>main</c> when the command line gives none.</summary>
    public readonly long[] DefaultArguments = defaultArguments;

    /// <summary>The function called <c>main</c>.</summary>
    public Function Main => Functions.FirstOrDefault(f => f.Name == "main") ?? throw new AssemblerException("the program has no function 'main'");
}
