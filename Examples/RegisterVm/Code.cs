using PeJit;

namespace PeJit.Examples.RegisterVm;

/// <summary>An assembled program: instructions, constant pool, function table. Never changes once built.</summary>
[JitImmutable]
public sealed class Code(Instr[] instructions, long[] constants, Function[] functions, long[] defaultArguments)
{
    /// <summary>The instructions of every function, one after the other.</summary>
    public readonly Instr[] Instructions = instructions;

    /// <summary>The constants <c>loadk</c> loads, by index.</summary>
    public readonly long[] Constants = constants;

    /// <summary>The functions; <c>call</c> names one by index.</summary>
    public readonly Function[] Functions = functions;

    /// <summary>Arguments for <c>main</c> when the command line gives none.</summary>
    public readonly long[] DefaultArguments = defaultArguments;

    /// <summary>The function called <c>main</c>.</summary>
    public Function Main => Functions.FirstOrDefault(f => f.Name == "main") ?? throw new AssemblerException("the program has no function 'main'");
}
