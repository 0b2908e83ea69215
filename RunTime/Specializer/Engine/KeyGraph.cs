namespace PeJit.Specializer.Engine;

/// <summary>
/// The green keys a specialization run reached and which key's step led to which: the interpreted program's
/// control flow as the unit sees it. A unit keeps the keys on a cycle through its entry (the hot loop) and
/// leaves at the others, so code is bounded by what loops, not by everything reachable from the loop.
/// </summary>
internal sealed class KeyGraph
{
    private readonly Dictionary<GreenKey, HashSet<GreenKey>> successors = [];
    private readonly Dictionary<GreenKey, HashSet<GreenKey>> predecessors = [];

    /// <summary>Records that a step starting at <paramref name="from"/> reached the merge point at <paramref name="to"/>.</summary>
    public void Add(GreenKey from, GreenKey to)
    {
        Add(from);
        Add(to);
        successors[from].Add(to);
        predecessors[to].Add(from);
    }

    /// <summary>Records a key with no known predecessor (the entry).</summary>
    public void Add(GreenKey key)
    {
        if (successors.ContainsKey(key)) return;
        successors[key] = [];
        predecessors[key] = [];
    }

    private readonly HashSet<GreenKey> open = [];

    /// <summary>
    /// Records that a step starting at <paramref name="key"/> leaves compiled code in its middle (a value at
    /// <c>Jit.Promote</c> without a case yet): where it goes on is not known until the unit gets the case, so
    /// the key is counted as going back to the entry. Otherwise a loop whose promotions have no cases yet
    /// would look like no loop, and lose the keys its cases will need.
    /// </summary>
    public void AddOpen(GreenKey key)
    {
        Add(key);
        open.Add(key);
    }

    /// <summary>
    /// The keys in the entry's strongly connected component: those the entry reaches and that reach the entry
    /// again, or reach a step left open (see <see cref="AddOpen"/>). The entry itself always belongs.
    /// </summary>
    /// <remarks>
    /// Strategy: one component is wanted, not all of them, so it is the intersection of what the entry reaches
    /// forward and what reaches it backward (an open step counted as an edge back to the entry): two searches,
    /// linear in the edges.
    /// </remarks>
    public HashSet<GreenKey> OnCycleThrough(GreenKey entry)
    {
        Add(entry);
        foreach (var key in open) Add(key, entry);
        var forward = Reached(entry, successors);
        var backward = Reached(entry, predecessors);
        forward.IntersectWith(backward);
        return forward;
    }

    private static HashSet<GreenKey> Reached(GreenKey start, Dictionary<GreenKey, HashSet<GreenKey>> edges)
    {
        var reached = new HashSet<GreenKey> { start };
        var work = new Stack<GreenKey>();
        work.Push(start);
        while (work.Count > 0)
            foreach (var next in edges[work.Pop()])
                if (reached.Add(next)) work.Push(next);
        return reached;
    }

    /// <summary>Keys reached.</summary>
    public int KeyCount => successors.Count;
}
