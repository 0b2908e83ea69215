namespace PeJit.IR;

/// <summary>A jump's target with the arguments it passes to the target's block parameters: <c>block3(v1, v2)</c>.</summary>
public sealed class BlockCall
{
    /// <summary>Creates a block call.</summary>
    public BlockCall(Block target, IEnumerable<Value> arguments)
    {
        Target = target;
        Arguments = Copy(arguments);
    }

    /// <summary>A block call that keeps <paramref name="arguments"/> as its list (a reader that made the list for it: no copy).</summary>
    internal BlockCall(Block target, List<Value> arguments, bool adopt)
    {
        Target = target;
        Arguments = adopt ? arguments : Copy(arguments);
    }

    /// <summary>
    /// A list of <paramref name="arguments"/>, copied by index when they are a list or an array (most callers: a frame's reds,
    /// a stored graph's arguments, a collection expression's <c>[]</c>): the List constructor copies a collection through
    /// <c>ICollection&lt;Value&gt;.Count</c> and <c>CopyTo</c>, framework generics over <see cref="Value"/> that ReadyToRun
    /// leaves to .NET, which compiled them while a portal was prepared and its first unit specialized (Docs/PERFORMANCE.md,
    /// "Cold warm-up"). Not LINQ's ToList either: no LINQ iterator over Value on that path.
    /// </summary>
    private static List<Value> Copy(IEnumerable<Value> arguments)
    {
        switch (arguments)
        {
            case List<Value> list:
            {
                var copy = new List<Value>(list.Count);
                for (int i = 0; i < list.Count; i++) copy.Add(list[i]);
                return copy;
            }
            case Value[] array:
            {
                var copy = new List<Value>(array.Length);
                for (int i = 0; i < array.Length; i++) copy.Add(array[i]);
                return copy;
            }
            default:
                return new List<Value>(arguments);
        }
    }

    /// <summary>The block jumped to.</summary>
    public Block Target { get; set; }

    /// <summary>One value per parameter of <see cref="Target"/>, in order.</summary>
    public List<Value> Arguments { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        Arguments.Count == 0 ? Target.ToString() : $"{Target}({string.Join(", ", Arguments)})";
}
