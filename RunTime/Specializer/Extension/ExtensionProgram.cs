namespace PeJit.Specializer.Extension;

/// <summary>
/// A portal's generating extension in compact form: the portal's graph and every graph it may inline, each an
/// <see cref="ExtensionGraph"/>, and the portal's <see cref="PortalShape"/>, compiled once (by the generator's
/// <c>ExtensionCompiler</c>, from the analysis) before any unit is specialized. Self-contained: the engine
/// runs it without the analysis. It is written into the JIT-enabled assembly unlinked (<see cref="ExtensionSerializer"/>)
/// and bound to the running process by <see cref="ExtensionLinker"/>.
/// </summary>
public sealed class ExtensionProgram
{
    internal ExtensionProgram(ExtensionGraph portal, PortalShape shape, IReadOnlyList<ExtensionGraph> graphs, int accessDelegates, TimeSpan compileTime)
    {
        Portal = portal;
        Shape = shape;
        // The state carries the implicit reds to every merge point: kept live wherever the portal's graph runs.
        var kept = new int[shape.ImplicitReds.Count];
        // Inserted in order (at most `this`): not Array.Sort, whose generic code .NET compiles in every process.
        for (int i = 0; i < kept.Length; i++)
        {
            int value = shape.ImplicitReds[i].Index, at = i;
            for (; at > 0 && kept[at - 1] > value; at--) kept[at] = kept[at - 1];
            kept[at] = value;
        }
        portal.KeptLive = kept;
        Graphs = graphs;
        AccessDelegates = accessDelegates;
        CompileTime = compileTime;
    }

    /// <summary>How long compiling it took (decoding the analysis's graphs), or reading it back (<see cref="ExtensionSerializer"/>).</summary>
    public TimeSpan CompileTime { get; }

    /// <summary>How long linking it to the running process took so far (<see cref="ExtensionLinker"/>: resolving members, building the delegates; a graph read lazily is linked when it is loaded).</summary>
    public TimeSpan LinkTime => TimeSpan.FromTicks(Interlocked.Read(ref linkTicks));
    private long linkTicks;

    /// <summary>How long loading the graphs read lazily took after the portal's own (<see cref="ExtensionSerializer.ReadLazily"/>).</summary>
    public TimeSpan LoadTime => TimeSpan.FromTicks(Interlocked.Read(ref loadTicks));
    private long loadTicks;

    /// <summary>How many of <see cref="Graphs"/> are loaded (all, unless the program was read lazily).</summary>
    public int LoadedGraphs
    {
        get
        {
            int loaded = 0;
            foreach (var graph in Graphs)
                if (graph.IsLoaded) loaded++;
            return loaded;
        }
    }

    internal void AddLinkTime(TimeSpan time) => Interlocked.Add(ref linkTicks, time.Ticks);

    internal void AddLoadTime(TimeSpan time) => Interlocked.Add(ref loadTicks, time.Ticks);

    /// <summary>The portal's graph.</summary>
    public ExtensionGraph Portal { get; }

    /// <summary>The portal's merge point and variables.</summary>
    public PortalShape Shape { get; }

    /// <summary>Every compiled graph, the portal's first, in the order they were compiled.</summary>
    public IReadOnlyList<ExtensionGraph> Graphs { get; }

    /// <summary>How many load and call delegates were compiled (sites of the same member share one).</summary>
    public int AccessDelegates { get; internal set; }

    /// <summary>How many green loads and calls were bound to the methods <c>pejit build</c> emitted for them (<see cref="ExtensionOp.AccessMethod"/>: nothing compiled at run time); sites of the same member share one.</summary>
    public int AccessMethods { get; internal set; }

    /// <summary>The compact form as text (<see cref="ExtensionPrinter"/>).</summary>
    public string Print() => ExtensionPrinter.Print(this);
}
