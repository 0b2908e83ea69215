using Mono.Cecil;
using PeJit.Analysis.Diagnostics;
using PeJit.Analysis.Hints;
using PeJit.Frontend.Construction;
using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// The offline binding-time analysis: for every value and operation reachable from each portal, green
/// (computed while specializing) or red (emitted into the residual code), with the reason for every red.
/// </summary>
/// <remarks>
/// Strategy, numbered as the driver runs it:
/// 1. find the portals and read their hints; check them (<see cref="HintValidator"/>);
/// 2. analyze each portal graph for its declared signature, every other graph once per binding-time
///    signature it is called with (polyvariance). Within a graph everything starts green and red spreads
///    forward to a fixpoint (<see cref="ContextAnalyzer"/>); loops whose exit turns out red are generalized;
/// 3. across graphs, a callee's return binding time feeds its callers: when it turns red the callers are
///    analyzed again from their calls of it (only what depends on them is visited), until nothing changes
///    (binding times only ever go from green to red, so this ends);
/// 4. check what the hints promised (declared greens stay green, <c>AssertGreen</c> holds) and warn where
///    the compiled code will be slow.
/// </remarks>
public sealed class BindingTimeAnalysis
{
    private readonly ModuleDefinition module;
    private readonly HashSet<ModuleDefinition> analyzedModules;
    private readonly MethodConverter converter = new();
    private readonly Dictionary<MethodDefinition, ConversionResult> conversions = [];
    private readonly Dictionary<(MethodDefinition, string), AnnotatedGraph> contexts = [];
    // Per callee, its calls: the caller and the position of the call there, in the order first decided.
    private readonly Dictionary<AnnotatedGraph, List<(ContextAnalyzer Caller, int Position)>> callsOf = [];
    private readonly Dictionary<AnnotatedGraph, ContextAnalyzer> analyzers = [];
    private readonly Queue<AnnotatedGraph> work = new();
    private readonly HashSet<AnnotatedGraph> queued = [];
    private readonly HashSet<MethodDefinition> portals = [];
    private readonly HashSet<MethodDefinition> recursive = [];
    private readonly AnalysisResult result;
    private DelegateFamilies? delegates;

    private readonly Func<MethodDefinition, bool>? selectPortal;

    private BindingTimeAnalysis(ModuleDefinition module, Func<MethodDefinition, bool>? selectPortal)
    {
        this.module = module;
        this.selectPortal = selectPortal;
        analyzedModules = [module];
        result = new AnalysisResult(module);
    }

    /// <summary>Analyzes every portal of <paramref name="module"/>, or those <paramref name="selectPortal"/> accepts.</summary>
    /// <remarks>
    /// The method bodies read are let go afterwards (Cecil reads them again from the image when asked), so
    /// pass a module as read from its file: a body changed in memory and not written out would be lost.
    /// </remarks>
    public static AnalysisResult Analyze(ModuleDefinition module, Func<MethodDefinition, bool>? selectPortal = null)
    {
        var analysis = new BindingTimeAnalysis(module, selectPortal);
        analysis.Run();
        return analysis.result;
    }

    internal List<Diagnostic> Diagnostics => result.Diagnostics;

    /// <summary>Notes a captured variable read on a green closure, with why it is green or not, for the reports.</summary>
    internal void NoteCapturedRead(FieldDefinition field) =>
        result.capturedVariables.TryAdd(field, Delegates.ExplainCaptured(field));

    /// <summary>The work counters the analyzers add to.</summary>
    internal AnalysisStatistics Statistics => result.Statistics;

    /// <summary>The queue every <see cref="SweepSchedule"/> orders its pass with: one pass runs at a time.</summary>
    internal PriorityQueue<int, int> PassQueue { get; } = new();

    private void Run()
    {
        // 1. Portals and their hints.
        var all = PortalFinder.FindPortals(module);
        // Calls to any portal are residual, whether or not it is analyzed now.
        portals.UnionWith(all);
        var found = all.Where(p => selectPortal?.Invoke(p) ?? true).ToList();
        if (found.Count == 0)
        {
            Report(Severity.Error, DiagnosticCodes.NoPortal, $"{module.Name} has no method marked [JitPortal]", module.Name, SourceLocation.None, null,
                "Mark the method holding the interpreter's dispatch loop with [JitPortal(Greens = ..., Reds = ...)] (see DESIGN.md, \"The hints\").");
            return;
        }
        var virtualizables = VirtualizableHints.Read(module, this);
        var virtualizableReds = new HashSet<string>();
        foreach (var method in found)
        {
            var portal = new PortalAnalysis(PortalHints.Read(method)!) { Virtualizables = virtualizables };
            result.Portals.Add(portal);
            var callGraph = CallGraph.Discover(method, analyzedModules);
            foreach (var m in callGraph.RecursiveMethods(portals)) recursive.Add(m);
            // Discovery read every reachable body; each is read again when (and if) it is converted.
            foreach (var m in callGraph.Methods) ReleaseBody(m);
            var conversion = Convert(method);
            if (conversion.Graph is not { } graph)
            {
                Report(Severity.Error, DiagnosticCodes.OpaquePortal, $"the portal cannot be converted: {conversion.Construct}", MethodName(method),
                    conversion.Location, conversion.Document,
                    conversion.Advice ?? "Move the construct named out of the portal into a helper method marked [DontLookInside].");
                continue;
            }
            var shape = HintValidator.Validate(portal.Hints, graph, this);
            ReleaseBody(method);
            if (shape is null) continue;
            portal.MergePoint = shape.MergePoint;
            portal.MergeBlock = shape.MergeBlock;
            portal.MergeVariables = shape.Variables;
            portal.ImplicitReds = shape.ImplicitReds;
            foreach (var red in portal.VirtualizableReds(graph)) virtualizableReds.Add(graph.TypeOf(red).Name);
            var signature = BindingTimeSignature.Of(method.Parameters.Select(p =>
                portal.Hints.Greens.Contains(p.Name) ? BindingTime.Green : BindingTime.Red));
            var annotated = new AnnotatedGraph(graph, method, signature, isPortal: true);
            contexts[(method, "portal:" + signature)] = annotated;
            analyzers[annotated] = new ContextAnalyzer(this, annotated, shape);
            Enqueue(annotated);
            portal.Graph = annotated;
        }

        // A [Virtualizable] class no portal's red has: the hint does nothing, which its author should know.
        if (selectPortal is null)
            foreach (var frame in virtualizables)
                if (!virtualizableReds.Contains(frame.ClassName))
                    Report(Severity.Warning, DiagnosticCodes.VirtualizableUnused, $"[Virtualizable] is on {frame.ClassName}, but no portal has a red of that class, so compiled code keeps nothing of it in registers",
                        frame.ClassName, SourceLocation.None, null,
                        $"Declare the frame as a red of the portal ([JitPortal(Reds = ...)] naming a variable of type {frame.ClassName}), or remove the attribute.");

        // 2 and 3. Analyze graphs until no return binding time changes.
        while (work.Count > 0)
        {
            var graph = work.Dequeue();
            queued.Remove(graph);
            var before = graph.ReturnTime;
            var storedBefore = graph.RedStoreThroughThis;
            int writtenBefore = graph.ReferenceWrites.Count;
            analyzers[graph].Run();
            // A red store through this, or through a ref parameter, is read by the callers like the return (rule 7:
            // the fields it writes turn red; rule 9: the slot whose address they pass turns red).
            if ((graph.ReturnTime != before || graph.RedStoreThroughThis != storedBefore || graph.ReferenceWrites.Count != writtenBefore)
                && callsOf.TryGetValue(graph, out var calls))
                foreach (var (caller, position) in calls)
                {
                    caller.CalleeReturnChanged(position);
                    Enqueue(caller.Graph);
                }
        }

        // 4. Promises and warnings.
        foreach (var analyzer in analyzers.Values) analyzer.Check();
        result.Graphs.AddRange(contexts.Values);
        foreach (var portal in result.Portals)
            if (portal.Graph is { } graph)
            {
                CollectReachable(graph, portal.Reachable);
                portal.Virtualizables = Reached(portal.Virtualizables, portal.Reachable);
            }
    }

    /// <summary>The frame classes some value of the portal's graphs has as its type: those the portal's residual code may hold.</summary>
    private static List<VirtualizableFrame> Reached(IReadOnlyList<VirtualizableFrame> frames, List<AnnotatedGraph> reachable)
    {
        var kept = new List<VirtualizableFrame>();
        if (frames.Count == 0) return kept;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var annotated in reachable)
            foreach (var value in annotated.Graph.Values) names.Add(annotated.Graph.TypeOf(value).Name);
        foreach (var frame in frames)
            if (names.Contains(frame.ClassName)) kept.Add(frame);
        return kept;
    }

    private static void CollectReachable(AnnotatedGraph root, List<AnnotatedGraph> into)
    {
        var seen = new HashSet<AnnotatedGraph>();
        var stack = new Stack<AnnotatedGraph>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var graph = stack.Pop();
            if (!seen.Add(graph)) continue;
            into.Add(graph);
            foreach (var decision in graph.Calls.Values)
                foreach (var target in decision.Targets.Reverse())
                    stack.Push(target);
        }
    }

    private void Enqueue(AnnotatedGraph graph)
    {
        if (queued.Add(graph)) work.Enqueue(graph);
    }

    /// <summary>The graph of a method, converted once.</summary>
    internal ConversionResult Convert(MethodDefinition method)
    {
        if (!conversions.TryGetValue(method, out var conversion))
        {
            conversions[method] = conversion = converter.Convert(method);
            // Before any context is analyzed: a reused temporary must not join unrelated binding times (rule 7).
            if (conversion.Graph is { } graph)
            {
                // A readonly member called on an immutable struct field of an object reads a local copy (rule 7).
                ImmutableFieldCopies.Rewrite(graph);
                // A local's address used across a branch is taken again where it is used (rule 7).
                AddressRematerialization.Run(graph);
                SlotVersions.Split(graph);
                // A with expression's temporary is built in the local it is copied into (rule 7).
                TemporaryCopies.Elide(graph);
                // A field read of a struct local reads the field alone, so it is green while that field is (rule 7).
                SlotFieldReads.Rewrite(graph);
            }
            ReleaseBody(method);
        }
        return conversion;
    }

    /// <summary>
    /// Lets Cecil drop the body (instructions, sequence points, local names) it keeps once a method's body is
    /// read: the graph has what the analysis needs, and a body read again comes back from the image.
    /// </summary>
    /// <remarks>
    /// Otherwise every body read stays alive with the module, until the analysis ends and long after (the JIT
    /// runtime keeps the module): thousands of small objects that each garbage collection meanwhile has to
    /// trace and promote. Only bodies in the image (a non-zero RVA) are dropped; one made in memory could not
    /// be read again.
    /// </remarks>
    private static void ReleaseBody(MethodDefinition method)
    {
        if (method.HasBody && method.RVA != 0) method.Body = null;
    }

    /// <summary>
    /// The annotated graph of <paramref name="method"/> for <paramref name="signature"/>, created (and queued)
    /// on first use, with <paramref name="argumentCause"/> saying where a red argument comes from.
    /// </summary>
    internal AnnotatedGraph Context(MethodDefinition method, FlowGraph graph, BindingTimeSignature signature,
        Func<int, (AnnotatedGraph, Value)?> argumentCause)
    {
        if (!contexts.TryGetValue((method, signature.Letters), out var context))
        {
            context = new AnnotatedGraph(graph, method, signature, isPortal: false);
            contexts[(method, signature.Letters)] = context;
            analyzers[context] = new ContextAnalyzer(this, context, null, argumentCause);
            Enqueue(context);
        }
        return context;
    }

    /// <summary>
    /// Records that <paramref name="caller"/> calls <paramref name="callee"/> at <paramref name="position"/>:
    /// the call is visited, and the caller analyzed, again when the callee's return binding time changes.
    /// </summary>
    internal void AddCall(AnnotatedGraph callee, ContextAnalyzer caller, int position)
    {
        if (!callsOf.TryGetValue(callee, out var calls)) callsOf[callee] = calls = [];
        calls.Add((caller, position));
    }

    /// <summary>Why a call to <paramref name="callee"/> cannot be inlined, or null when it can.</summary>
    internal string? ResidualReason(MethodDefinition callee)
    {
        if (MemberFacts.Has(callee, HintNames.DontLookInside)) return "the callee is marked [DontLookInside]";
        if (portals.Contains(callee)) return "recursion through the portal: the callee is a portal, so each call is its own specialization";
        if (!analyzedModules.Contains(callee.Module) && !FrameworkCollections.IsInlinable(callee))
            return $"the callee is outside the analyzed assemblies ({callee.Module.Assembly.Name.Name})";
        if (!callee.HasBody) return "the callee has no body (abstract, extern or runtime-implemented)";
        if (Convert(callee).OpaqueReason is { } opaque) return $"the callee is opaque: {opaque}";
        return null;
    }

    /// <summary>
    /// True when <paramref name="method"/> can be inlined and only stores fields of <c>this</c>
    /// (<see cref="FieldWriters"/>): a call of it on a green struct's address keeps the struct green (rule 7).
    /// </summary>
    internal bool IsFieldWriter(MethodDefinition method)
    {
        if (!fieldWriters.TryGetValue(method, out bool writer))
            fieldWriters[method] = writer = method.HasThis && method.DeclaringType.IsValueType && ResidualReason(method) is null
                && !IsRecursive(method) && FieldWriters.OnlyStoresFieldsOfThis(method, Convert(method).Graph!);
        return writer;
    }

    private readonly Dictionary<MethodDefinition, bool> fieldWriters = [];

    /// <summary>The fields of <c>this</c> a struct method reads and writes (rule 7), found once per method.</summary>
    internal FieldAccess FieldAccessOf(MethodDefinition method)
    {
        if (!fieldAccess.TryGetValue(method, out var access))
            fieldAccess[method] = access = ResidualReason(method) is null ? FieldWriters.AccessOfThis(method, Convert(method).Graph) : FieldAccess.Unknown;
        return access;
    }

    private readonly Dictionary<MethodDefinition, FieldAccess> fieldAccess = [];

    /// <summary>True when <paramref name="method"/> is on a cycle of the call graph (it calls itself, directly or through others).</summary>
    internal bool IsRecursive(MethodDefinition method) => recursive.Contains(method);
    /// <summary>The delegate families of the analyzed modules, scanned the first time a rule asks.</summary>
    internal DelegateFamilies Delegates => delegates ??= DelegateFamilies.Scan(analyzedModules, ReleaseBody);

    /// <summary>Overrides of a virtual method within the analyzed modules (class hierarchy analysis), with bodies.</summary>
    internal IReadOnlyList<MethodDefinition> PossibleTargets(MethodDefinition method) =>
        ClassHierarchy.PossibleTargets(method, analyzedModules).Where(m => !m.IsAbstract).ToList();

    /// <summary>Records a diagnostic at a location in a graph.</summary>
    internal void Report(Severity severity, string code, string message, string method, SourceLocation location, string? document, string advice,
        string? details = null) =>
        result.Diagnostics.Add(new Diagnostic(severity, code, message, method, location.ILOffset, location.Line, document, advice, details));

    /// <summary>Whether a diagnostic of that code was recorded at that place already (a helper analyzed in several contexts).</summary>
    internal bool HasReported(string code, string method, SourceLocation location) =>
        result.Diagnostics.Any(d => d.Code == code && d.Method == method && d.ILOffset == location.ILOffset);

    /// <summary>How diagnostics name a method: <c>Namespace.Type::Method</c>.</summary>
    internal static string MethodName(MethodDefinition method) => $"{method.DeclaringType.FullName}::{method.Name}";

    /// <summary>The reason chain of a red value as indented lines, for diagnostics.</summary>
    internal static string Explain(AnnotatedGraph graph, Value value)
    {
        var lines = graph.ReasonChain(value).Select(step =>
            $"    {step.Graph.Name} {step.Value}{(step.Graph.Graph[step.Value].Name is { } n ? $" ({n})" : "")}: {step.Reason.Message}"
            + (step.Reason.Location.Line > 0 ? $" (line {step.Reason.Location.Line})" : ""));
        return string.Join("\n", lines);
    }
}
