using Iced.Intel;

namespace PeJit.Backends.Amd64.RegisterAllocation;

/// <summary>
/// Orders the moves of one edge (each target parameter's location gets its argument, all read before any is
/// written) into a sequence of single moves, breaking cycles through a scratch register.
/// </summary>
/// <remarks>
/// Strategy: a move whose destination no other pending move still reads can go now. When none can, every
/// pending destination is read by another pending move: the moves form cycles. Then one destination's old
/// value is saved in the scratch register and the moves reading it read the scratch instead, which frees that
/// destination. Each step retires a move or turns a cycle into a chain, so it ends, with at most one extra move
/// per cycle. (Appel's and Cranelift's parallel-move resolvers do the same.)
/// </remarks>
public static class ParallelMoves
{
    /// <summary>
    /// The sequence for <paramref name="moves"/> (destinations distinct; a source is a location or, with
    /// <see cref="MoveSource.Immediate"/>, a constant); <paramref name="scratch"/> must be none of the locations.
    /// </summary>
    public static List<(Location Destination, MoveSource Source)> Sequence(IEnumerable<(Location Destination, MoveSource Source)> moves, Location scratch)
    {
        var pending = moves.Where(m => m.Source.Location != m.Destination || m.Source.IsImmediate).ToList();
        if (pending.Select(m => m.Destination).Distinct().Count() != pending.Count)
            throw new ArgumentException("a parallel move writes one location twice", nameof(moves));
        var sequence = new List<(Location, MoveSource)>();
        while (pending.Count > 0)
        {
            int ready = pending.FindIndex(m => !pending.Any(o => !o.Source.IsImmediate && o.Source.Location == m.Destination));
            if (ready >= 0)
            {
                sequence.Add(pending[ready]);
                pending.RemoveAt(ready);
                continue;
            }
            var blocked = pending[0].Destination;
            sequence.Add((scratch, MoveSource.From(blocked)));
            for (int i = 0; i < pending.Count; i++)
                if (!pending[i].Source.IsImmediate && pending[i].Source.Location == blocked)
                    pending[i] = (pending[i].Destination, MoveSource.From(scratch));
        }
        return sequence;
    }

    /// <summary>The scratch register the emitter gives <see cref="Sequence"/>.</summary>
    public static readonly Location Scratch = Location.In(Register.R11);
}
