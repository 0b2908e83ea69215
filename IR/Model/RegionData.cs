namespace PeJit.IR;

/// <summary>
/// A protected region and its handler. The blocks it protects name it as <see cref="BlockData.Try"/>; an
/// exception not handled here goes on to <see cref="Parent"/>.
/// </summary>
public sealed class RegionData
{
    /// <summary>What kind of handler.</summary>
    public RegionKind Kind { get; set; }

    /// <summary>For <see cref="RegionKind.Catch"/>, the exception type caught.</summary>
    public IrType? CatchType { get; set; }

    /// <summary>First block of the handler. Catch and filter handlers take the exception as their one parameter.</summary>
    public Block Handler { get; set; }

    /// <summary>For <see cref="RegionKind.Filter"/>, first block of the filter; it takes the exception as its one parameter.</summary>
    public Block? Filter { get; set; }

    /// <summary>The next enclosing protected region, or null.</summary>
    public Region? Parent { get; set; }
}
