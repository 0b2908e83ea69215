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

    /// <summary>
    /// The code after a loop, from <paramref name="start"/> (a key a unit leaves its loop at): the keys reached from
    /// it that are on no cycle of their own, up to the first key that is (another loop, which gets a unit of its
    /// own) and within <paramref name="limit"/> keys. Empty when <paramref name="start"/> is itself on a cycle or was
    /// not reached by this run. Straight-line code after a loop ends at the function's return or at the next loop,
    /// so this is what runs once each time the loop is left.
    /// </summary>
    /// <remarks>Strategy: a breadth-first walk from the start; whether a key is on a cycle is one search from it
    /// for itself. The walk stops at <paramref name="limit"/> keys, so it costs O(limit × edges).</remarks>
    public HashSet<GreenKey> Tail(GreenKey start, int limit)
    {
        var tail = new HashSet<GreenKey>();
        if (!LeadsOnward(start)) return tail;
        var work = new Queue<GreenKey>();
        tail.Add(start);
        work.Enqueue(start);
        while (work.Count > 0 && tail.Count < limit)
            foreach (var next in successors[work.Dequeue()])
                if (tail.Count < limit && !tail.Contains(next) && !OnACycle(next))
                {
                    tail.Add(next);
                    work.Enqueue(next);
                }
        return tail;
    }

    /// <summary>
    /// Whether <paramref name="key"/> was reached by this run and is on no cycle: code a unit can take in as a tail
    /// (<see cref="Tail"/> starts there), rather than another loop.
    /// </summary>
    public bool LeadsOnward(GreenKey key) => successors.ContainsKey(key) && !OnACycle(key);

    /// <summary>Whether <paramref name="key"/> reaches itself.</summary>
    private bool OnACycle(GreenKey key)
    {
        var reached = new HashSet<GreenKey>();
        var work = new Stack<GreenKey>();
        work.Push(key);
        while (work.Count > 0)
            foreach (var next in successors[work.Pop()])
            {
                if (next.Equals(key)) return true;
                if (reached.Add(next)) work.Push(next);
            }
        return false;
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
