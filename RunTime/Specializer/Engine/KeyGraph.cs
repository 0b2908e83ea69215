using QuikGraph;
using QuikGraph.Algorithms;

namespace PeJit.Specializer.Engine;

/// <summary>
/// The green keys a specialization run reached and which key's step led to which: the interpreted program's
/// control flow as the unit sees it. A unit keeps the keys on a cycle through its entry (the hot loop) and
/// leaves at the others, so code is bounded by what loops, not by everything reachable from the loop.
/// </summary>
internal sealed class KeyGraph
{
    private readonly AdjacencyGraph<GreenKey, SEquatableEdge<GreenKey>> graph = new(allowParallelEdges: false);

    /// <summary>Records that a step starting at <paramref name="from"/> reached the merge point at <paramref name="to"/>.</summary>
    public void Add(GreenKey from, GreenKey to)
    {
        graph.AddVerticesAndEdge(new SEquatableEdge<GreenKey>(from, to));
    }

    /// <summary>Records a key with no known predecessor (the entry).</summary>
    public void Add(GreenKey key) => graph.AddVertex(key);

    private readonly HashSet<GreenKey> open = [];

    /// <summary>
    /// Records that a step starting at <paramref name="key"/> leaves compiled code in its middle (a value at
    /// <c>Jit.Promote</c> without a case yet): where it goes on is not known until the unit gets the case, so
    /// the key is counted as going back to the entry. Otherwise a loop whose promotions have no cases yet
    /// would look like no loop, and lose the keys its cases will need.
    /// </summary>
    public void AddOpen(GreenKey key)
    {
        graph.AddVertex(key);
        open.Add(key);
    }

    /// <summary>
    /// The keys in the entry's strongly connected component: those the entry reaches and that reach the entry
    /// again, or reach a step left open (see <see cref="AddOpen"/>). The entry itself always belongs.
    /// </summary>
    public HashSet<GreenKey> OnCycleThrough(GreenKey entry)
    {
        graph.AddVertex(entry);
        foreach (var key in open) graph.AddEdge(new SEquatableEdge<GreenKey>(key, entry));
        var components = new Dictionary<GreenKey, int>();
        graph.StronglyConnectedComponents(components);
        int component = components[entry];
        return components.Where(c => c.Value == component).Select(c => c.Key).ToHashSet();
    }

    /// <summary>Keys reached.</summary>
    public int KeyCount => graph.VertexCount;
}
