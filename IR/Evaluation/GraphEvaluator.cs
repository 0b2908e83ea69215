using PeJit.IR.Semantics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using PeJit.IR;

namespace PeJit.IR.Evaluation;

/// <summary>
/// Runs a flow graph on concrete values, calling real methods (through reflection) for calls it does not
/// look into. It checks the frontend (a method's graph must do what the method does) and finishes an
/// interrupted interpreter step for the specializer.
/// </summary>
/// <remarks>
/// SSA values are kept in CIL's stack form (<see cref="ValueSemantics"/>); memory (slots, fields, array
/// elements) in the declared CLR form; managed pointers are <see cref="Address"/>es. Exceptions of the
/// evaluated code are real exceptions: they go through the graph's regions (catch, filter, finally, fault)
/// and, unhandled, out of <see cref="Evaluate"/> as themselves.
/// </remarks>
public sealed partial class GraphEvaluator(IMemberResolver resolver)
{
    private long steps;

    /// <summary>
    /// Graphs to evaluate instead of calling the real method (for calls that are not virtual, or virtual calls
    /// whose receiver's override is that very method); null or a null result calls the real method.
    /// </summary>
    public Func<MethodRef, FlowGraph?>? GraphProvider { get; set; }

    /// <summary>
    /// Called with each call instruction and its operands (stack form) before the call is made: the run time watches
    /// the calls of promotion hints while it finishes a step, to learn what values and classes they see there. Null
    /// for none.
    /// </summary>
    public Action<Instruction, object?[]>? BeforeCall { get; set; }

    /// <summary>
    /// Called with each call instruction once the call is over, returned or thrown (after <see cref="BeforeCall"/>): the
    /// run time keeps track of which activation of the portal it is in while it learns. Null for none.
    /// </summary>
    public Action<Instruction>? AfterCall { get; set; }

    /// <summary>
    /// Called by <see cref="Resume"/> with the index of the frame it goes on with (innermost first), before it runs:
    /// the run time learns per position of the interpreted program, and each resumed frame stands at its own. Null for none.
    /// </summary>
    public Action<int>? Resuming { get; set; }

    /// <summary>Instructions run since the last <see cref="Resume"/> or <see cref="Evaluate"/> began (what a caller budgets its evaluation by).</summary>
    public long Steps => steps;

    /// <summary>Instructions one <see cref="Evaluate"/> may run before it stops with an <see cref="EvaluationException"/>.</summary>
    public long MaxSteps { get; set; } = 500_000_000;

    /// <summary>Runs <paramref name="graph"/> with <paramref name="arguments"/> (CLR values); returns its result as a CLR value.</summary>
    public object? Evaluate(FlowGraph graph, params object?[] arguments)
    {
        steps = 0;
        if (arguments.Length != graph.Parameters.Count)
            throw new EvaluationException($"{graph.Name} takes {graph.Parameters.Count} arguments, {arguments.Length} given");
        var values = graph.Parameters.Select((p, i) => Argument(arguments[i], graph.TypeOf(p))).ToArray();
        var result = Run(graph, values);
        return graph.ReturnType.Kind == TypeKind.Void ? null : ValueSemantics.ToClr(result, ClrType(graph.ReturnType));
    }

    private static object? Argument(object? value, IrType type) => value is Address ? value : ValueSemantics.Normalize(value, type);

    private Type ClrType(IrType type) => resolver.ResolveType(type);

    private sealed class Frame(FlowGraph graph)
    {
        public FlowGraph Graph { get; } = graph;
        public object?[] Values { get; } = new object?[graph.ValueCount];
        public object?[] Slots { get; } = new object?[graph.SlotCount];
        public Stack<Exception> Caught { get; } = new();

        /// <summary>Regions whose handlers the caller runs (<see cref="ResumeFrame.OuterRegions"/>); null for none.</summary>
        public IReadOnlySet<Region>? Outer { get; init; }

        public bool Runs(Region region) => Outer is null || !Outer.Contains(region);
    }

    private enum Ending { Return, EndFinally, EndFilter, Stop }

    private readonly record struct Completion(Ending Kind, object? Value);

    private object? Run(FlowGraph graph, object?[] arguments)
    {
        // Slots start zeroed; value-type slots get their default box on first use (InitializeSlot), so a
        // slot the run never touches (say of a ref struct, which cannot be boxed) costs nothing.
        var frame = new Frame(graph);
        return RunFrom(frame, FlowGraph.Entry, arguments).Value;
    }

    /// <summary>
    /// Runs from <paramref name="start"/> until a return, an endfinally or an endfilter; or, when
    /// <paramref name="stopAt"/> is given, until that instruction is next (it is not run: the completion holds
    /// its operands). With <paramref name="resumeAt"/>, the first block is entered in its middle: its
    /// parameters and earlier values are already in the frame.
    /// </summary>
    private Completion RunFrom(Frame frame, Block start, IReadOnlyList<object?> arguments, int? resumeAt = null, Instruction? stopAt = null)
    {
        var graph = frame.Graph;
        var block = start;
        var blockArguments = arguments;
        int first = resumeAt ?? 0;
        while (true)
        {
            if (resumeAt is null)
            {
                var parameters = graph[block].Parameters;
                for (int i = 0; i < parameters.Count; i++) frame.Values[parameters[i].Index] = blockArguments[i];
            }
            resumeAt = null;
            (Block Target, IReadOnlyList<object?> Arguments)? next = null;
            var instructions = graph[block].Instructions;
            for (int index = first; index < instructions.Count; index++)
            {
                var instruction = instructions[index];
                if (ReferenceEquals(instruction, stopAt))
                    return new Completion(Ending.Stop, Gets(frame, instruction.Operands));
                if (++steps > MaxSteps)
                    throw new EvaluationException($"{graph.Name}: more than {MaxSteps} instructions evaluated (MaxSteps); a loop that does not end?");
                try
                {
                    var outcome = Execute(frame, block, instruction);
                    if (outcome is Completion completion) return completion;
                    if (outcome is ValueTuple<Block, IReadOnlyList<object?>> jump) { next = jump; break; }
                }
                catch (Exception e) when (e is not EvaluationException)
                {
                    next = Handle(frame, block, e);
                    break;
                }
            }
            first = 0;
            if (next is null) throw new EvaluationException($"{graph.Name}: {block} ends without a terminator");
            (block, blockArguments) = next.Value;
        }
    }

    /// <summary>
    /// Finishes an interrupted step: runs <paramref name="frames"/> (outermost first; each but the innermost
    /// stopped at a call, whose result the frame inside it gives) from where they stand, innermost first,
    /// until the outermost returns or reaches <paramref name="stopAt"/>. This is how compiled code that
    /// leaves in the middle of an interpreter step hands over: the rest of the step runs here, on the
    /// interpreter's own graphs, up to its next merge point.
    /// </summary>
    /// <exception cref="Exception">Whatever the interpreter would throw from there, as it would throw it.</exception>
    public ResumeOutcome Resume(IReadOnlyList<ResumeFrame> frames, Instruction stopAt)
    {
        steps = 0;
        object? returned = null;
        Exception? thrown = null;
        // Every frame is made before any runs: a helper's frame may hold the address of a caller's local
        // (ResumeFrameSlot), which must be that frame's slot, filled with its contents and written through in place.
        var made = new Frame[frames.Count];
        for (int k = 0; k < frames.Count; k++)
        {
            var resume = frames[k];
            var frame = made[k] = new Frame(resume.Graph) { Outer = resume.OuterRegions };
            // Slots hold CLR values, a struct as a box of its own (GetObjectValue copies one: the exit's green value is shared).
            if (resume.Slots is { } resumedSlots)
                foreach (var (slot, content) in resumedSlots)
                    frame.Slots[slot.Index] = RuntimeHelpers.GetObjectValue(ValueSemantics.ToClr(content, ClrType(resume.Graph[slot].Type)));
            foreach (var (value, content) in resume.Values)
                frame.Values[value.Index] = content switch
                {
                    Address => content,
                    ResumeFrameSlot local when local.Depth < k => new SlotAddress(made[local.Depth].Slots, local.Slot.Index),
                    ResumeFrameSlot local => throw new ArgumentException($"frame {k} holds the address of a local of frame {local.Depth}, which is not outside it", nameof(frames)),
                    _ => ValueSemantics.Normalize(content, resume.Graph.TypeOf(value)),
                };
        }
        for (int k = frames.Count - 1; k >= 0; k--)
        {
            var resume = frames[k];
            Resuming?.Invoke(k);
            var frame = made[k];
            if (resume.Caught is { } caught) frame.Caught.Push(caught);
            Block block = resume.Block;
            IReadOnlyList<object?> arguments = [];
            int? at = resume.Index;
            if (k < frames.Count - 1)
            {
                if (thrown is not null)
                {
                    // The callee threw: the exception surfaces at this frame's call site.
                    try
                    {
                        (block, arguments) = Handle(frame, block, thrown);
                        at = null;
                        thrown = null;
                    }
                    catch (Exception e) when (e is not EvaluationException)
                    {
                        thrown = e;
                        continue;
                    }
                }
                else if (resume.CallResult is { } result)
                {
                    frame.Values[result.Index] = ValueSemantics.Normalize(returned, resume.Graph.TypeOf(result));
                }
            }
            try
            {
                var completion = RunFrom(frame, block, arguments, at, k == 0 ? stopAt : null);
                if (completion.Kind == Ending.Stop) return new ResumeOutcome(false, null, (object?[])completion.Value!) { StopSlots = frame.Slots };
                returned = completion.Value;
            }
            catch (Exception e) when (e is not EvaluationException)
            {
                thrown = e;
            }
        }
        if (thrown is not null) ExceptionDispatchInfo.Capture(thrown).Throw();
        return new ResumeOutcome(true, returned, null);
    }

    /// <summary>Finds the handler of an exception raised in <paramref name="block"/>, running finally and fault handlers on the way.</summary>
    private (Block, IReadOnlyList<object?>) Handle(Frame frame, Block block, Exception exception)
    {
        var graph = frame.Graph;
        // Regions the caller runs (ResumeFrame.OuterRegions) enclose the rest: the exception leaves the frame there.
        for (var region = graph[block].Try; region is { } r && frame.Runs(r); region = graph[r].Parent)
        {
            var data = graph[r];
            switch (data.Kind)
            {
                case RegionKind.Catch when ClrType(data.CatchType!).IsInstanceOfType(exception):
                    frame.Caught.Push(exception);
                    return (data.Handler, [exception]);
                case RegionKind.Filter:
                {
                    bool accepted;
                    try
                    {
                        accepted = ValueSemantics.IsTrue(RunFrom(frame, data.Filter!.Value, [exception]).Value);
                    }
                    catch (Exception e) when (e is not EvaluationException)
                    {
                        accepted = false;
                    }
                    if (!accepted) break;
                    frame.Caught.Push(exception);
                    return (data.Handler, [exception]);
                }
                case RegionKind.Finally or RegionKind.Fault:
                    RunFrom(frame, data.Handler, []);
                    break;
            }
        }
        ExceptionDispatchInfo.Capture(exception).Throw();
        throw exception;
    }

    private (Block, IReadOnlyList<object?>) Leave(Frame frame, Block from, BlockCall target, object?[] arguments)
    {
        var graph = frame.Graph;
        var staying = new HashSet<Region>();
        for (var region = graph[target.Target].Try; region is { } r; region = graph[r].Parent) staying.Add(r);
        for (var region = graph[from].Try; region is { } r && !staying.Contains(r); region = graph[r].Parent)
            if (graph[r].Kind == RegionKind.Finally && frame.Runs(r)) RunFrom(frame, graph[r].Handler, []);
        if (graph[from].HandlerOf is { } handler && graph[target.Target].HandlerOf != handler
            && graph[handler].Kind is RegionKind.Catch or RegionKind.Filter && frame.Caught.Count > 0)
            frame.Caught.Pop();
        return (target.Target, arguments);
    }

    private object? Get(Frame frame, Value value) => frame.Values[value.Index];

    private object?[] Arguments(Frame frame, BlockCall call) => Gets(frame, call.Arguments);

    /// <summary>
    /// The contents of <paramref name="values"/> in <paramref name="frame"/>: a loop, not LINQ's <c>Select</c> over values,
    /// which is code .NET compiles at the first mid-step exit of every process (Docs/PERFORMANCE.md, "cold7").
    /// </summary>
    private static object?[] Gets(Frame frame, List<Value> values)
    {
        var contents = new object?[values.Count];
        for (int i = 0; i < contents.Length; i++) contents[i] = frame.Values[values[i].Index];
        return contents;
    }

    /// <summary>Runs one instruction: null to go on, a (block, arguments) jump, or a completion.</summary>
    /// <remarks>
    /// One family of opcodes per file (<c>GraphEvaluator.ControlFlow.cs</c>, <c>.Memory.cs</c>,
    /// <c>.Objects.cs</c>); each returns false for an opcode outside it, and the families are disjoint. What
    /// none of them runs is a pure operation, whose meaning is <see cref="ValueSemantics.Pure"/>'s.
    /// </remarks>
    private object? Execute(Frame frame, Block block, Instruction instruction)
    {
        if (ExecuteControlFlow(frame, block, instruction, out var next)) return next;
        if (ExecuteMemory(frame, instruction) || ExecuteCallOrObject(frame, instruction)) return null;
        ExecutePure(frame, instruction);
        return null;
    }

    /// <summary>Runs an operation whose result depends only on its operands (arithmetic, comparisons, conversions).</summary>
    private void ExecutePure(Frame frame, Instruction instruction)
    {
        var graph = frame.Graph;
        IrType ResultType() => graph.TypeOf(instruction.Result!.Value);
        void Set(object? value) => frame.Values[instruction.Result!.Value.Index] = value;

        if (instruction.Result is null || instruction.Operands.Count == 0)
            throw new EvaluationException($"{graph.Name}: '{instruction.Info.Name}' is not supported by the evaluator");
        var operands = Gets(frame, instruction.Operands);
        if (Array.Exists(operands, o => o is Address or FunctionPointer))
            throw new EvaluationException($"{graph.Name}: '{instruction.Info.Name}' on a managed or function pointer is not supported by the evaluator");
        Set(ValueSemantics.Pure(instruction.Opcode, new List<object?>(operands), ResultType(),
            graph.TypeOf(instruction.Operands[0]).IsReference));
    }

    /// <summary>The address a managed pointer operand holds; a null one throws as the CLR would.</summary>
    internal static Address AddressOf(object? value) =>
        value as Address ?? (value is null ? throw new NullReferenceException() : throw new EvaluationException("an address was expected"));
}
