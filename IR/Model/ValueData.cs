namespace PeJit.IR;

/// <summary>What the graph knows about one value: its type, name and definition.</summary>
public sealed class ValueData
{
    internal ValueData(IrType type) => Type = type;

    /// <summary>The value's .NET type.</summary>
    public IrType Type { get; set; }

    /// <summary>The source variable this value holds (a local or parameter name), for people and for hints.</summary>
    public string? Name { get; set; }

    /// <summary>The instruction that defines the value, or null for a block parameter.</summary>
    public Instruction? DefiningInstruction { get; internal set; }

    /// <summary>The block whose parameter this is, or null for an instruction result.</summary>
    public Block? ParameterOf { get; internal set; }
}
