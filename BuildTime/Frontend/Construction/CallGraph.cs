using Mono.Cecil;
using Mono.Cecil.Cil;
using QuikGraph;
using QuikGraph.Algorithms;

namespace PeJit.Frontend.Construction;

/// <summary>
/// The methods a root (a <c>[JitPortal]</c> method) may reach through calls, constructors and function
/// pointers, within the analyzed modules; calls that leave them are listed as external.
/// </summary>
/// <remarks>
/// Strategy: a worklist over method bodies. A virtual call may reach any override in the analyzed modules
/// (class hierarchy analysis: same name and parameter types, declared on a type that derives from or
/// implements the called method's type). Recursion is found with QuikGraph's strongly connected components.
/// </remarks>
public sealed class CallGraph
{
    private readonly HashSet<ModuleDefinition> analyzed;

    private CallGraph(MethodDefinition root, IEnumerable<ModuleDefinition> modules)
    {
        Root = root;
        analyzed = [.. modules];
    }

    /// <summary>The method discovery started from.</summary>
    public MethodDefinition Root { get; }

    /// <summary>Methods and the calls between them; an edge's tag is its call site.</summary>
    public AdjacencyGraph<MethodDefinition, TaggedEdge<MethodDefinition, CallSite>> Graph { get; } = new(allowParallelEdges: true);

    /// <summary>Calls to methods outside the analyzed modules (or without a body there), by caller.</summary>
    public List<(MethodDefinition Caller, CallSite Site)> ExternalCalls { get; } = [];

    /// <summary>Every method reachable from the root, the root included, in discovery order.</summary>
    public IEnumerable<MethodDefinition> Methods => Graph.Vertices;

    /// <summary>Discovers what <paramref name="root"/> reaches within <paramref name="modules"/> (default: the root's module).</summary>
    public static CallGraph Discover(MethodDefinition root, IEnumerable<ModuleDefinition>? modules = null)
    {
        var graph = new CallGraph(root, modules ?? [root.Module]);
        graph.Build();
        return graph;
    }

    /// <summary>
    /// Methods that take part in recursion (a cycle of calls, or a call to themselves). Calls into
    /// <paramref name="neverInlined"/> (the portals: a call of one is always a call, never inlined) close no cycle: a helper
    /// that calls the portal back (an evaluator's <c>EvalBody</c> calling <c>Eval</c> for each expression but the last) is
    /// inlined like any other, not unfolded as a recursive one with its result red.
    /// </summary>
    /// <remarks>Cost: linear in the graph's vertices and edges (Tarjan's components).</remarks>
    public IReadOnlySet<MethodDefinition> RecursiveMethods(IReadOnlySet<MethodDefinition>? neverInlined = null)
    {
        var graph = Graph;
        if (neverInlined is { Count: > 0 })
        {
            graph = new AdjacencyGraph<MethodDefinition, TaggedEdge<MethodDefinition, CallSite>>(allowParallelEdges: true);
            graph.AddVertexRange(Graph.Vertices);
            graph.AddEdgeRange(Graph.Edges.Where(e => !neverInlined.Contains(e.Target)));
        }
        var components = new Dictionary<MethodDefinition, int>();
        graph.StronglyConnectedComponents(components);
        var sizes = components.Values.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        var recursive = new HashSet<MethodDefinition>(components.Where(p => sizes[p.Value] > 1).Select(p => p.Key));
        foreach (var edge in graph.Edges)
            if (edge.Source == edge.Target) recursive.Add(edge.Source);
        return recursive;
    }

    private void Build()
    {
        var work = new Queue<MethodDefinition>();
        Graph.AddVertex(Root);
        work.Enqueue(Root);
        while (work.Count > 0)
        {
            var caller = work.Dequeue();
            if (!caller.HasBody) continue;
            foreach (var site in CallSites(caller))
            {
                var targets = Targets(site).ToList();
                if (targets.Count == 0) ExternalCalls.Add((caller, site));
                foreach (var target in targets)
                {
                    if (Graph.AddVertex(target)) work.Enqueue(target);
                    Graph.AddEdge(new TaggedEdge<MethodDefinition, CallSite>(caller, target, site));
                }
            }
        }
    }

    /// <summary>The call sites in a method body, in IL order.</summary>
    public static IEnumerable<CallSite> CallSites(MethodDefinition method)
    {
        foreach (var instruction in method.Body.Instructions)
        {
            if (instruction.Operand is not MethodReference target) continue;
            var kind = instruction.OpCode.Code switch
            {
                Code.Call => CallEdgeKind.Direct,
                Code.Callvirt => CallEdgeKind.Virtual,
                Code.Newobj => CallEdgeKind.Constructor,
                Code.Ldftn or Code.Ldvirtftn => CallEdgeKind.FunctionPointer,
                _ => (CallEdgeKind?)null,
            };
            if (kind is { } k) yield return new CallSite(target, k, instruction.Offset);
        }
    }

    private IEnumerable<MethodDefinition> Targets(CallSite site)
    {
        var definition = ClassHierarchy.TryResolve(site.Target);
        if (definition is null || !analyzed.Contains(definition.Module)) return [];
        bool dispatches = site.Kind == CallEdgeKind.Virtual || (site.Kind == CallEdgeKind.FunctionPointer && definition.IsVirtual);
        return dispatches ? ClassHierarchy.PossibleTargets(definition, analyzed) : definition.HasBody ? [definition] : [];
    }
}
