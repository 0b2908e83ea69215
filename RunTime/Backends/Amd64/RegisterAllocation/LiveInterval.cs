using PeJit.Backends.Amd64.Lowering;

namespace PeJit.Backends.Amd64.RegisterAllocation;

/// <summary>
/// The positions over the block order where a virtual register is live: sorted, disjoint ranges, at most one per
/// block (a register is defined once, so within a block it is live from its definition or the block's start to
/// its last use or the block's end). The holes between them are where the register is dead: a loop's value laid
/// out before a block that reads it later is not live in the blocks between unless a path through them needs it,
/// so its physical register can serve other values there (Wimmer and Mössenböck's lifetime holes, without splitting).
/// </summary>
public sealed class LiveInterval(VirtualRegister register)
{
    private readonly List<(int First, int Last)> ranges = [];

    /// <summary>The virtual register.</summary>
    public VirtualRegister Register { get; } = register;

    /// <summary>The first position.</summary>
    public int Start => ranges.Count == 0 ? int.MaxValue : ranges[0].First;

    /// <summary>The last position.</summary>
    public int End => ranges.Count == 0 ? int.MinValue : ranges[^1].Last;

    /// <summary>The ranges, sorted and disjoint.</summary>
    public IReadOnlyList<(int First, int Last)> Ranges => ranges;

    /// <summary>
    /// What spilling it would cost: each definition and use counts 10^(loop depth of its block), the usual estimate
    /// that a loop turns ten times per entry. The allocator spills the cheapest, so a value the inner loop reads
    /// keeps its register and one only live across the loop gives it up.
    /// </summary>
    public double Weight { get; set; }

    /// <summary>Adds the range [<paramref name="first"/>, <paramref name="last"/>], which begins after every range so far.</summary>
    public void Add(int first, int last)
    {
        if (ranges.Count > 0 && ranges[^1].Last >= first - 1)
            ranges[^1] = (ranges[^1].First, Math.Max(ranges[^1].Last, last));
        else
            ranges.Add((first, last));
    }

    /// <summary>True when the two are live at some position at once. Linear in their ranges.</summary>
    public bool Intersects(LiveInterval other)
    {
        int i = 0, j = 0;
        while (i < ranges.Count && j < other.ranges.Count)
        {
            var (a, b) = (ranges[i], other.ranges[j]);
            if (a.Last < b.First) i++;
            else if (b.Last < a.First) j++;
            else return true;
        }
        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Register} " + string.Join(" ", ranges.Select(r => $"[{r.First}, {r.Last}]"));
}
