namespace PeJit.IR;

/// <summary>A jump's target with the arguments it passes to the target's block parameters: <c>block3(v1, v2)</c>.</summary>
public sealed class BlockCall
{
    /// <summary>Creates a block call.</summary>
    public BlockCall(Block target, IEnumerable<Value> arguments)
    {
        Target = target;
        // The List constructor, not LINQ's ToList: no LINQ iterator over Value while a stored graph is read (Docs/PERFORMANCE.md, "Cold warm-up").
        Arguments = new List<Value>(arguments);
    }

    /// <summary>The block jumped to.</summary>
    public Block Target { get; set; }

    /// <summary>One value per parameter of <see cref="Target"/>, in order.</summary>
    public List<Value> Arguments { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        Arguments.Count == 0 ? Target.ToString() : $"{Target}({string.Join(", ", Arguments)})";
}
