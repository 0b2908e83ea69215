using PeJit;

namespace PeJit.Examples.Lua.Compiler;

/// <summary>A compiled function: where its instructions start in <see cref="Code.Instructions"/>, how big its frame is, what it captures.</summary>
[JitImmutable]
public sealed class Prototype(string name, int line, int entry, int parameters, int registers, int cells, UpvalueDescriptor[] upvalues)
{
    /// <summary>Its name (<c>main</c> for the chunk, <c>anonymous</c> for a function expression).</summary>
    public readonly string Name = name;

    /// <summary>The line where it is defined.</summary>
    public readonly int Line = line;

    /// <summary>The index of its first instruction.</summary>
    public readonly int Entry = entry;

    /// <summary>The number of parameters; they arrive in the first registers.</summary>
    public readonly int Parameters = parameters;

    /// <summary>The number of registers its frame needs.</summary>
    public readonly int Registers = registers;

    /// <summary>The number of cells (captured locals) its frame needs.</summary>
    public readonly int Cells = cells;

    /// <summary>What its closures capture.</summary>
    public readonly UpvalueDescriptor[] Upvalues = upvalues;
}
