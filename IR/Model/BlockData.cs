namespace PeJit.IR;

/// <summary>A block's contents: parameters, instructions (the last one a terminator) and exception regions.</summary>
public sealed class BlockData
{
    /// <summary>Values the block receives from each jump to it.</summary>
    public List<Value> Parameters { get; } = [];

    /// <summary>Instructions in order; the last is the terminator.</summary>
    public List<Instruction> Instructions { get; } = [];

    /// <summary>The innermost protected region containing the block, whose handlers catch its exceptions.</summary>
    public Region? Try { get; set; }

    /// <summary>The innermost region whose handler (or filter) contains the block.</summary>
    public Region? HandlerOf { get; set; }

    /// <summary>The terminator, or null while the block is being built.</summary>
    public Instruction? Terminator => Instructions.Count > 0 && Instructions[^1].IsTerminator ? Instructions[^1] : null;
}
