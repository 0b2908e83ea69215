using PeJit;

namespace PeJit.Examples.Wasm;

/// <summary>A module: every function's instructions one after the other, the function table, the br_table tables.</summary>
[JitImmutable]
public sealed class Code(Instr[] instructions, Function[] functions, Instr[][] tables, int main, int memoryWords, long defaultArgument)
{
    public readonly Instr[] Instructions = instructions;
    public readonly Function[] Functions = functions;

    /// <summary>The branches of each <c>br_table</c>, as <c>br</c> instructions; the last is the default.</summary>
    public readonly Instr[][] Tables = tables;

    /// <summary>The index of <c>main</c> in <see cref="Functions"/>.</summary>
    public readonly int Main = main;

    /// <summary>The size of the linear memory, in 64-bit words.</summary>
    public readonly int MemoryWords = memoryWords;

    /// <summary>The argument of <c>main</c> when the command line gives none.</summary>
    public readonly long DefaultArgument = defaultArgument;
}
