namespace PeJit.IR;

/// <summary>
/// A stack of blocks, as an int array of their indices: what work lists use instead of <c>Stack&lt;Block&gt;</c>, which
/// .NET compiles in every process on first use (a framework generic over a struct of PeJit's; <c>Docs/PERFORMANCE.md</c>,
/// warm-up). Not generic, so ReadyToRun precompiles it with PeJit.IR. Push and pop: O(1) (amortized when it grows).
/// </summary>
public sealed class BlockStack
{
    private int[] items = new int[16];

    /// <summary>The number of blocks on the stack.</summary>
    public int Count { get; private set; }

    /// <summary>Puts <paramref name="block"/> on top.</summary>
    public void Push(Block block)
    {
        if (Count == items.Length)
        {
            // Not Array.Resize: a generic method .NET would compile.
            var grown = new int[items.Length * 2];
            Array.Copy(items, grown, Count);
            items = grown;
        }
        items[Count++] = block.Index;
    }

    /// <summary>Takes the block on top.</summary>
    /// <exception cref="InvalidOperationException">The stack is empty.</exception>
    public Block Pop() => Count > 0 ? new Block(items[--Count]) : throw new InvalidOperationException("the stack is empty");
}
