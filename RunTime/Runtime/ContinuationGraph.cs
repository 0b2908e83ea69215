using PeJit.IR;

namespace PeJit.Runtime;

/// <summary>
/// The rest of an interpreter method from one resume point (a block and an instruction in it) as a graph of its own, which
/// the CIL backend compiles: what a mid-step exit's frame runs instead of the graph evaluator (<see cref="Continuations"/>).
/// PyPy's blackhole interpreter, compiled: the method's own instructions, copied, entered in the middle.
/// </summary>
/// <remarks>
/// Strategy:
/// 1. Refuse what the copy cannot express, before building anything: a resume point inside a handler (its <c>rethrow</c>
///    would need the exception it handles), a generic method, an input or slot of a pointer type. A resume point inside a
///    protected region is entered by a jump into it (the CIL backend enters a try at more than one block), and an exception
///    the frame inside threw can be thrown there (<c>takesThrown</c>), so that the region's handlers run.
/// 2. The blocks the rest of the method can reach from the resume point, over jumps and exceptional edges (the regions the
///    caller runs are stripped: an exception reaching them leaves the continuation, as it leaves the evaluator's frame); a
///    block holding the stop instruction is copied up to it, and goes no further.
/// 3. The graph: an entry block taking <c>(object[] input, object[] output, object[] slots)</c> (the unit shape, so that
///    <see cref="PeJit.Backends.ICompiledCode.Run"/> is one delegate call) that unboxes each input value and stores each
///    slot's contents, then jumps to a copy of the resume block from the resume point on; the other blocks reached are
///    copied whole (the resume block too, in two halves, when a loop inside the step comes back to it).
/// 4. An input value may now reach a use two ways: from the entry and, when the block defining it was copied, from that
///    definition. Such a value goes through a slot of its own (stored at both, loaded at each use outside its defining
///    block): the repair needs no dominators, and RyuJIT keeps such a slot in a register all the same.
/// 5. At the stop instruction (the portal's merge point) the continuation writes 1 into <c>output[0]</c> and the stop's
///    operands, boxed, into <c>output[1..]</c>, and returns null; a return returns the method's result boxed (null for void).
/// 6. With <c>learning</c> (every continuation the runtime makes): a report before each promotion hint; at a merge point passed
///    (an inlined callee's frame, a twin) a report of its operands; and each call the learning evaluator would follow made two
///    ways, through the observer while one is set and directly otherwise (its block split at the call, the result through a
///    slot): the steps that do not learn pay a test per such call and per hint.
/// 7. The verifier checks the graph (a value used without a definition on every path from the entry is an input the exit
///    did not carry): any error is a refusal.
/// Cost: linear in the blocks, instructions and operands reached (two sweeps, as <c>BlockCopy</c>), plus the verifier's.
/// </remarks>
public static class ContinuationGraph
{
    /// <summary>The IR type of the entry's three arrays.</summary>
    public static readonly IrType ObjectArray = IrType.Class("System.Object[]");

    /// <summary>What <c>output[0]</c> holds when the continuation stopped at the stop instruction (else null).</summary>
    public const int Stopped = 1;

    /// <summary>
    /// Builds the continuation of <paramref name="graph"/> from instruction <paramref name="index"/> of <paramref name="block"/>;
    /// null, with <paramref name="refusal"/> saying why, when it cannot be made.
    /// </summary>
    /// <param name="graph">The method's graph (not changed).</param>
    /// <param name="block">The block the frame stands in.</param>
    /// <param name="index">The instruction to run next.</param>
    /// <param name="inputs">The values the rest may use, in the order of <c>input</c> (a call's result among them).</param>
    /// <param name="slots">The slots whose contents come in after the values, in that order.</param>
    /// <param name="stopAt">Where the continuation stops (the portal's merge point); null to run to the method's return.</param>
    /// <param name="outerRegions">Regions whose handlers are not the continuation's (the portal's tries around its merge point); null for none.</param>
    /// <param name="refusal">Why the continuation cannot be made, when it cannot.</param>
    /// <param name="takesThrown">
    /// Whether the input after the slots' may hold an exception the frame inside this one threw: the continuation then throws it
    /// at the resume point, inside the regions there, whose handlers run as the evaluator's would (a helper's try around an
    /// interpreted call).
    /// </param>
    /// <param name="learning">
    /// When not null, a continuation that may also serve learning steps (<see cref="ContinuationLearning"/>): each
    /// <c>Jit.Promote</c> and <c>Jit.PromoteClass</c> it copies first reports its operand to <see cref="LearningObserver.Seen(int, object)"/>
    /// (or its <c>int</c>/<c>long</c> overload) with the site's index in <see cref="ContinuationLearning.Sites"/>, which does
    /// nothing while no observer is set; its stop also writes every slot of the method into the <c>slots</c> array at the slot's
    /// index when the caller passes one (null: one test); the calls it copies are listed (the caller decides whether the evaluator
    /// would have followed one). A slot no object array can hold is no refusal: <see cref="ContinuationLearning.Refusal"/> says
    /// why learning steps cannot use it, and the steps that do not learn still can.
    /// </param>
    public static FlowGraph? Build(FlowGraph graph, Block block, int index, IReadOnlyList<Value> inputs, IReadOnlyList<Slot> slots,
        Instruction? stopAt, IReadOnlySet<Region>? outerRegions, out string? refusal, bool takesThrown = false, ContinuationLearning? learning = null)
    {
        refusal = Refusal(graph, block, index, inputs, slots, outerRegions) ?? (stopAt is null || Holds(graph, stopAt) ? null : $"{graph.Name} does not hold the stop instruction");
        if (refusal is not null) return null;
        if (learning is not null)
            foreach (var slot in graph.Slots)
                if (!Expressible(graph[slot].Type))
                {
                    // The steps that do not learn need no slot handed back: the continuation serves them, not learning steps.
                    learning.Refusal ??= $"slot {slot} is of type {graph[slot].Type}, which a learning step's stop cannot hand back";
                    break;
                }
        var builder = new Builder(graph, block, index, stopAt, outerRegions, learning);
        var continuation = builder.Make(inputs, slots, takesThrown, out refusal);
        if (continuation is null) return null;
        var errors = PeJit.IR.Verification.Verifier.Verify(continuation);
        if (errors.Count > 0)
        {
            refusal = $"the copy does not verify ({errors[0]}): the exit does not carry every value the rest of the step uses";
            return null;
        }
        return continuation;
    }

    private static bool Runs(IReadOnlySet<Region>? outerRegions, Region region) => outerRegions is null || !outerRegions.Contains(region);

    private static string? Refusal(FlowGraph graph, Block block, int index, IReadOnlyList<Value> inputs, IReadOnlyList<Slot> slots, IReadOnlySet<Region>? outerRegions)
    {
        if (graph.IsGeneric) return $"{graph.Name} is generic";
        if (!graph.IsValid(block) || index < 0 || index > graph[block].Instructions.Count) return $"{block}:{index} is not an instruction of {graph.Name}";
        if (graph[block].HandlerOf is not null) return $"{block} is inside an exception handler";
        foreach (var value in inputs)
            if (!Expressible(graph.TypeOf(value))) return $"{value} is of type {graph.TypeOf(value)}, which an object array cannot carry";
        foreach (var slot in slots)
            if (!Expressible(graph[slot].Type)) return $"slot {slot} is of type {graph[slot].Type}, which an object array cannot carry";
        return null;
    }

    /// <summary>A call of a hint that does nothing when interpreting and returns nothing (<c>Jit.MergePoint</c>, <c>Jit.CanEnterJit</c>, <c>Jit.AssertGreen</c>).</summary>
    private static bool IsNoOpHint(Instruction instruction) =>
        instruction.Opcode == Opcode.Call && instruction.Result is null && instruction.Method is { } method
        && (HintNames.IsJitMethod(method, HintNames.MergePoint) || HintNames.IsJitMethod(method, HintNames.CanEnterJit) || HintNames.IsJitMethod(method, HintNames.AssertGreen));

    private static bool Holds(FlowGraph graph, Instruction instruction)
    {
        foreach (var block in graph.Blocks)
            foreach (var candidate in graph[block].Instructions)
                if (ReferenceEquals(candidate, instruction)) return true;
        return false;
    }

    private static bool Expressible(IrType type) => type.Kind is not (TypeKind.ByRef or TypeKind.Pointer or TypeKind.GenericParameter or TypeKind.Void);

    private sealed class Builder(FlowGraph graph, Block block, int index, Instruction? stopAt, IReadOnlySet<Region>? outerRegions, ContinuationLearning? learning)
    {
        // With learning: the copies of the promotion hints, each with its index in learning.Sites (reported before the call).
        private readonly Dictionary<Instruction, int> reporting = new(ReferenceEqualityComparer.Instance);
        // With learning: the copies of the merge points passed (true: an inlined callee's frame, a twin) and, in a twin,
        // Jit.CanEnterJit calls (false), reported before they are dropped.
        private readonly Dictionary<Instruction, bool> hinting = new(ReferenceEqualityComparer.Instance);
        // With learning: the copies of the calls made through the observer while one is set, each with its index in learning.Dispatched.
        private readonly Dictionary<Instruction, int> dispatching = new(ReferenceEqualityComparer.Instance);
        private readonly FlowGraph copy = new(graph.Name + " continuation", IrType.Object);
        private readonly Dictionary<Block, Block> blocks = new();
        private readonly Dictionary<Region, Region?> regions = new();
        private readonly Value?[] values = new Value?[graph.ValueCount];
        private readonly HashSet<Instruction> placeholders = new(ReferenceEqualityComparer.Instance);
        private Block tail;
        private Value output;
        private Value handBack;

        public FlowGraph? Make(IReadOnlyList<Value> inputs, IReadOnlyList<Slot> slots, bool takesThrown, out string? refusal)
        {
            refusal = null;
            // 2. What the rest reaches.
            var reached = Reached();
            // 3. The entry, then the blocks.
            var entry = copy.AddBlock();
            var input = copy.AddParameter(entry, ObjectArray, "input");
            output = copy.AddParameter(entry, ObjectArray, "output");
            handBack = copy.AddParameter(entry, ObjectArray, "slots");
            foreach (var slot in graph.Slots) copy.AddSlot(graph[slot].Type, graph[slot].Name);
            var originals = new List<(Block Original, Block Copy, int From, int To)>();
            // The resume block's rest first (and where an exception of the frame inside is thrown), then what it reaches, in the
            // original's order (dumps read as the original does; backends take any order).
            tail = copy.AddBlock();
            var throwing = takesThrown ? copy.AddBlock() : (Block?)null;
            foreach (var original in reached)
            {
                var made = copy.AddBlock();
                blocks[original] = made;
                foreach (var parameter in graph[original].Parameters)
                    values[parameter.Index] = copy.AddParameter(made, graph.TypeOf(parameter), graph[parameter].Name);
                // The resume block, reached again: its first half (up to the resume point), which goes on in the second.
                originals.Add((original, made, 0, original == block ? index : graph[original].Instructions.Count));
            }
            originals.Add((block, tail, index, graph[block].Instructions.Count));
            foreach (var (original, made, from, to) in originals)
            {
                var data = graph[original];
                copy[made].Try = MapRegionOf(data.Try);
                if (data.HandlerOf is { } handler)
                {
                    if (!Runs(outerRegions, handler))
                    {
                        refusal = $"{original} handles an exception of a region the caller runs";
                        return null;
                    }
                    copy[made].HandlerOf = MapRegion(handler);
                }
                for (int i = from; i < to; i++)
                {
                    var instruction = data.Instructions[i];
                    if (ReferenceEquals(instruction, stopAt)) break;
                    var duplicate = instruction.CopyWithoutTargets();
                    if (IsNoOpHint(instruction))
                    {
                        placeholders.Add(duplicate);
                        if (learning is not null && (ReferenceEquals(instruction, learning.MergePoint) || learning.Twin && HintNames.IsJitMethod(instruction.Method, HintNames.CanEnterJit)))
                            hinting[duplicate] = ReferenceEquals(instruction, learning.MergePoint);
                    }
                    if (learning is not null && instruction.Opcode is Opcode.Call or Opcode.CallVirt)
                    {
                        learning.Calls.Add(instruction);
                        if (learning.Dispatches?.Invoke(instruction) is int kind and > 0)
                        {
                            dispatching[duplicate] = learning.Dispatched.Count;
                            learning.Dispatched.Add((instruction, kind));
                        }
                        if (instruction.Operands.Count == 1 && instruction.Method is { } hint
                            && (HintNames.IsJitMethod(hint, HintNames.Promote) || HintNames.IsJitMethod(hint, HintNames.PromoteClass)))
                        {
                            reporting[duplicate] = learning.Sites.Count;
                            learning.Sites.Add((instruction, graph.TypeOf(instruction.Operands[0])));
                        }
                    }
                    if (instruction.Result is { } result) values[result.Index] = copy.SetResult(duplicate, graph.TypeOf(result), graph[result].Name);
                    copy[made].Instructions.Add(duplicate);
                }
            }
            // The entry's inputs: each unboxed from the input array.
            var entered = new Value[inputs.Count];
            for (int i = 0; i < inputs.Count; i++)
            {
                var element = Append(entry, new Instruction(Opcode.LoadElement, input, Constant(entry, i)) { TypeOperand = IrType.Object }, IrType.Object);
                entered[i] = Unbox(entry, element, graph.TypeOf(inputs[i]));
            }
            for (int s = 0; s < slots.Count; s++)
            {
                var element = Append(entry, new Instruction(Opcode.LoadElement, input, Constant(entry, inputs.Count + s)) { TypeOperand = IrType.Object }, IrType.Object);
                var content = Unbox(entry, element, graph[slots[s]].Type);
                Append(entry, new Instruction(Opcode.StoreSlot, content) { Slot = slots[s] });
            }
            // 4. Inputs defined in a block copied go through a slot; the others are the entry's.
            var throughSlot = new Dictionary<Value, (Slot Slot, Value Entered)>();
            var stops = new HashSet<Block>();
            for (int i = 0; i < inputs.Count; i++)
            {
                var original = inputs[i];
                if (values[original.Index] is { } defined) throughSlot[defined] = (copy.AddSlot(graph.TypeOf(original), graph[original].Name), entered[i]);
                else values[original.Index] = entered[i];
            }
            // Operands and jumps (the copies' targets), then the ends: the stop, the returns.
            foreach (var (original, made, from, to) in originals)
            {
                var instructions = copy[made].Instructions;
                var data = graph[original];
                int count = instructions.Count;
                for (int i = 0; i < count; i++)
                {
                    var source = data.Instructions[from + i];
                    var duplicate = instructions[i];
                    for (int k = 0; k < duplicate.Operands.Count; k++)
                        if (Map(duplicate.Operands[k]) is { } mapped) duplicate.Operands[k] = mapped;
                        else
                        {
                            refusal = $"{duplicate.Operands[k]} is used at {original}:{from + i} with no definition the rest of the step can see";
                            return null;
                        }
                    foreach (var target in source.TargetCalls)
                    {
                        var arguments = new List<Value>(target.Arguments.Count);
                        foreach (var argument in target.Arguments)
                            if (Map(argument) is { } mapped) arguments.Add(mapped);
                            else
                            {
                                refusal = $"{argument} is passed at {original}:{from + i} with no definition the rest of the step can see";
                                return null;
                            }
                        if (!blocks.TryGetValue(target.Target, out var targetCopy))
                        {
                            refusal = $"{original} jumps to {target.Target}, which the copy does not hold";
                            return null;
                        }
                        duplicate.Targets.Add(new BlockCall(targetCopy, arguments));
                    }
                }
                bool stopped = count < to - from;
                if (stopped)
                {
                    Stop(made, data.Instructions[from + count]);
                    stops.Add(made);
                }
                else if (made != tail && original == block) copy.Append(made, new Instruction(Opcode.Jump) { Targets = { new BlockCall(tail, []) } });
            }
            foreach (var made in copy.Blocks)
                if (made != entry && !stops.Contains(made)) RewriteReturns(made);
            if (throwing is { } thrower)
            {
                // An exception from the frame inside: thrown at the resume point, in its regions (entered by a jump, as a
                // residual loop enters a try at more than one block).
                var thrown = Append(entry, new Instruction(Opcode.LoadElement, input, Constant(entry, inputs.Count + slots.Count)) { TypeOperand = IrType.Object }, IrType.Object);
                copy[thrower].Try = copy[tail].Try;
                copy.Append(thrower, new Instruction(Opcode.Throw, thrown));
                copy.Append(entry, new Instruction(Opcode.BrIf, thrown) { Targets = { new BlockCall(thrower, []), new BlockCall(tail, []) } });
            }
            else copy.Append(entry, new Instruction(Opcode.Jump) { Targets = { new BlockCall(tail, []) } });
            // The hints that do nothing when interpreting (an inner portal frame's merge point, Jit.CanEnterJit, Jit.AssertGreen)
            // were placeholders while instructions lined up with the originals: dropped now.
            if (reporting.Count > 0 || hinting.Count > 0) Report();
            foreach (var made in copy.Blocks)
                copy[made].Instructions.RemoveAll(placeholders.Contains);
            ThroughSlots(entry, throughSlot);
            if (dispatching.Count > 0) Dispatch();
            copy.Compact();
            return copy;
        }

        /// <summary>The blocks the rest can reach from the resume point (not through the stop), in a deterministic order.</summary>
        private List<Block> Reached()
        {
            var seen = new HashSet<Block>();
            var order = new List<Block>();
            var work = new Stack<Block>();
            void Follow(Block from, int start)
            {
                var instructions = graph[from].Instructions;
                for (int i = start; i < instructions.Count; i++)
                    if (ReferenceEquals(instructions[i], stopAt)) goto exceptional;
                foreach (var target in graph.Successors(from))
                    if (seen.Add(target)) { order.Add(target); work.Push(target); }
                exceptional:
                for (var region = graph[from].Try; region is { } r; region = graph[r].Parent)
                {
                    if (!Runs(outerRegions, r)) continue;
                    if (graph[r].Filter is { } filter && seen.Add(filter)) { order.Add(filter); work.Push(filter); }
                    if (seen.Add(graph[r].Handler)) { order.Add(graph[r].Handler); work.Push(graph[r].Handler); }
                }
            }
            Follow(block, index);
            while (work.Count > 0) Follow(work.Pop(), 0);
            // In the original's layout order, so that a continuation's dump reads as the original's (the backends lay blocks
            // out themselves, whatever the graph's order).
            order.Sort((a, b) => a.Index.CompareTo(b.Index));
            return order;
        }

        private Region? MapRegionOf(Region? region)
        {
            for (var r = region; r is { } inner; r = graph[inner].Parent)
                if (Runs(outerRegions, inner)) return MapRegion(inner);
            return null;
        }

        private Region MapRegion(Region region)
        {
            if (regions.TryGetValue(region, out var known)) return known!.Value;
            var data = graph[region];
            var made = copy.AddRegion(new RegionData { Kind = data.Kind, CatchType = data.CatchType });
            regions[region] = made;
            copy[made].Parent = MapRegionOf(data.Parent);
            // Handlers are reached over exceptional edges (Reached), so they are copied.
            copy[made].Handler = blocks[data.Handler];
            if (data.Filter is { } filter) copy[made].Filter = blocks[filter];
            return made;
        }

        private Value? Map(Value value) => values[value.Index];

        /// <summary>Before each promotion hint copied, a call reporting its site's index and its operand, boxed (<see cref="LearningObserver.Seen(int, object)"/>).</summary>
        private void Report()
        {
            foreach (var made in copy.Blocks)
            {
                var instructions = copy[made].Instructions;
                var rewritten = new List<Instruction>(instructions.Count + 6);
                foreach (var instruction in instructions)
                {
                    if (hinting.TryGetValue(instruction, out bool merge))
                    {
                        if (merge)
                        {
                            // The merge point's operands, boxed into an array: the observer makes the step's key of them.
                            var array = ObjectArrayOf(rewritten, instruction.Operands);
                            rewritten.Add(new Instruction(Opcode.Call, array) { Method = LearningObserver.AtMergePointMethod });
                        }
                        else rewritten.Add(new Instruction(Opcode.Call) { Method = LearningObserver.AtCanEnterJitMethod });
                    }
                    if (reporting.TryGetValue(instruction, out int site))
                    {
                        var operand = instruction.Operands[0];
                        var index = new Instruction(Opcode.Const) { Integer = site };
                        copy.SetResult(index, IrType.I32, null);
                        rewritten.Add(index);
                        var boxed = operand;
                        var type = copy.TypeOf(operand);
                        // An int or a long goes to an overload of its own, boxed only when an observer is set (the steady state
                        // sets none); another value type is boxed here.
                        var report = type.Kind switch { TypeKind.I32 => LearningObserver.SeenInt32Method, TypeKind.I64 => LearningObserver.SeenInt64Method, _ => LearningObserver.SeenMethod };
                        if (type.StackKind is not StackKind.Reference && ReferenceEquals(report, LearningObserver.SeenMethod))
                        {
                            var box = new Instruction(Opcode.Box, operand) { TypeOperand = type };
                            boxed = copy.SetResult(box, IrType.Object, null);
                            rewritten.Add(box);
                        }
                        rewritten.Add(new Instruction(Opcode.Call, index.Result!.Value, boxed) { Method = report });
                    }
                    rewritten.Add(instruction);
                }
                instructions.Clear();
                instructions.AddRange(rewritten);
            }
        }

        /// <summary>An object array holding <paramref name="operands"/>, boxed, made by instructions appended to <paramref name="into"/>.</summary>
        private Value ObjectArrayOf(List<Instruction> into, IReadOnlyList<Value> operands)
        {
            var length = new Instruction(Opcode.Const) { Integer = operands.Count };
            copy.SetResult(length, IrType.I32, null);
            into.Add(length);
            var array = new Instruction(Opcode.NewArray, length.Result!.Value) { TypeOperand = IrType.Object };
            copy.SetResult(array, ObjectArray, null);
            into.Add(array);
            for (int k = 0; k < operands.Count; k++)
            {
                var index = new Instruction(Opcode.Const) { Integer = k };
                copy.SetResult(index, IrType.I32, null);
                into.Add(index);
                var element = operands[k];
                var type = copy.TypeOf(element);
                if (type.StackKind is not StackKind.Reference)
                {
                    var box = new Instruction(Opcode.Box, element) { TypeOperand = type };
                    element = copy.SetResult(box, IrType.Object, null);
                    into.Add(box);
                }
                into.Add(new Instruction(Opcode.StoreElement, array.Result!.Value, index.Result!.Value, element) { TypeOperand = IrType.Object });
            }
            return array.Result!.Value;
        }

        /// <summary>
        /// Each call of <see cref="dispatching"/> made two ways: through the observer while one is set
        /// (<see cref="LearningObserver.Watching"/>: <see cref="LearningObserver.CallPortal"/> or <see cref="LearningObserver.CallHelper"/>
        /// with the call's index and its operands boxed), directly otherwise. Its block is split at the call: the part before
        /// ends in the test, each way stores the result into a slot of its own, and the part after loads it, the uses of the
        /// result renamed to the load (the call's block dominated them; the part after dominates them now).
        /// </summary>
        private void Dispatch()
        {
            var work = new Queue<Block>(copy.Blocks);
            while (work.Count > 0)
            {
                var made = work.Dequeue();
                var instructions = copy[made].Instructions;
                int at = instructions.FindIndex(dispatching.ContainsKey);
                if (at < 0) continue;
                var call = instructions[at];
                int index = dispatching[call];
                var observed = copy.AddBlock();
                var direct = copy.AddBlock();
                var after = copy.AddBlock();
                foreach (var added in new[] { observed, direct, after })
                {
                    copy[added].Try = copy[made].Try;
                    copy[added].HandlerOf = copy[made].HandlerOf;
                }
                copy[after].Instructions.AddRange(instructions.Skip(at + 1));
                instructions.RemoveRange(at, instructions.Count - at);
                var watching = Append(made, new Instruction(Opcode.Call) { Method = LearningObserver.WatchingMethod }, IrType.Bool);
                Append(made, new Instruction(Opcode.BrIf, watching) { Targets = { new BlockCall(observed, []), new BlockCall(direct, []) } });
                Slot? held = call.Result is { } result ? copy.AddSlot(copy.TypeOf(result), copy[result].Name) : null;
                // Through the observer.
                var list = new List<Instruction>();
                var arguments = ObjectArrayOf(list, call.Operands);
                foreach (var instruction in list) copy[observed].Instructions.Add(instruction);
                var through = learning!.Dispatched[index].Kind switch { 1 => LearningObserver.CallPortalMethod, 2 => LearningObserver.CallHelperMethod, _ => LearningObserver.CallDelegateMethod };
                var returned = Append(observed, new Instruction(Opcode.Call, Constant(observed, index), arguments) { Method = through }, IrType.Object);
                if (held is { } slot) Append(observed, new Instruction(Opcode.StoreSlot, Unbox(observed, returned, copy.TypeOf(call.Result!.Value))) { Slot = slot });
                Append(observed, new Instruction(Opcode.Jump) { Targets = { new BlockCall(after, []) } });
                // Directly.
                copy[direct].Instructions.Add(call);
                if (held is { } kept) Append(direct, new Instruction(Opcode.StoreSlot, call.Result!.Value) { Slot = kept });
                Append(direct, new Instruction(Opcode.Jump) { Targets = { new BlockCall(after, []) } });
                if (held is { } loaded)
                {
                    var original = call.Result!.Value;
                    var load = new Instruction(Opcode.LoadSlot) { Slot = loaded };
                    var renamed = copy.SetResult(load, copy.TypeOf(original), copy[original].Name);
                    copy[after].Instructions.Insert(0, load);
                    foreach (var block in copy.Blocks)
                    {
                        if (block == direct) continue;
                        foreach (var instruction in copy[block].Instructions)
                        {
                            for (int k = 0; k < instruction.Operands.Count; k++)
                                if (instruction.Operands[k] == original) instruction.Operands[k] = renamed;
                            foreach (var target in instruction.TargetCalls)
                                for (int k = 0; k < target.Arguments.Count; k++)
                                    if (target.Arguments[k] == original) target.Arguments[k] = renamed;
                        }
                    }
                }
                work.Enqueue(after);
            }
        }

        private void Stop(Block made, Instruction stop)
        {
            Append(made, new Instruction(Opcode.StoreElement, output, Constant(made, 0), Box(made, Constant(made, Stopped), IrType.I32)) { TypeOperand = IrType.Object });
            for (int i = 0; i < stop.Operands.Count; i++)
            {
                var operand = Map(stop.Operands[i])!.Value;
                Append(made, new Instruction(Opcode.StoreElement, output, Constant(made, i + 1), Box(made, operand, copy.TypeOf(operand))) { TypeOperand = IrType.Object });
            }
            // A learning step goes on from here in the next step, with the slots as this one left them: handed back into the
            // third array when the caller passes one (a learning step; a step that does not learn passes null, one test).
            if (learning is not null && learning.Refusal is null && graph.SlotCount > 0)
            {
                var handing = copy.AddBlock();
                var done = copy.AddBlock();
                foreach (var added in new[] { handing, done })
                {
                    copy[added].Try = copy[made].Try;
                    copy[added].HandlerOf = copy[made].HandlerOf;
                }
                Append(made, new Instruction(Opcode.BrIf, handBack) { Targets = { new BlockCall(handing, []), new BlockCall(done, []) } });
                foreach (var slot in graph.Slots)
                {
                    if (!learning.HandsBack(graph[slot].Type)) continue;
                    var content = Append(handing, new Instruction(Opcode.LoadSlot) { Slot = slot }, graph[slot].Type);
                    Append(handing, new Instruction(Opcode.StoreElement, handBack, Constant(handing, slot.Index), Box(handing, content, graph[slot].Type)) { TypeOperand = IrType.Object });
                }
                Append(handing, new Instruction(Opcode.Return, Append(handing, new Instruction(Opcode.Null), IrType.Object)));
                made = done;
            }
            Append(made, new Instruction(Opcode.Return, Append(made, new Instruction(Opcode.Null), IrType.Object)));
        }

        private void RewriteReturns(Block made)
        {
            var instructions = copy[made].Instructions;
            if (instructions.Count == 0 || instructions[^1].Opcode != Opcode.Return) return;
            var ret = instructions[^1];
            instructions.RemoveAt(instructions.Count - 1);
            Value result = ret.Operands.Count == 1
                ? Box(made, ret.Operands[0], copy.TypeOf(ret.Operands[0]))
                : Append(made, new Instruction(Opcode.Null), IrType.Object);
            Append(made, new Instruction(Opcode.Return, result) { Location = ret.Location });
        }

        /// <summary>Step 4: each value of <paramref name="throughSlot"/> stored at its definitions, loaded at its uses outside its block.</summary>
        private void ThroughSlots(Block entry, Dictionary<Value, (Slot Slot, Value Entered)> throughSlot)
        {
            if (throughSlot.Count == 0) return;
            var definedIn = new Dictionary<Value, Block>();
            foreach (var made in copy.Blocks)
            {
                foreach (var parameter in copy[made].Parameters)
                    if (throughSlot.ContainsKey(parameter)) definedIn[parameter] = made;
                foreach (var instruction in copy[made].Instructions)
                    if (instruction.Result is { } result && throughSlot.ContainsKey(result)) definedIn[result] = made;
            }
            foreach (var made in copy.Blocks)
            {
                var instructions = copy[made].Instructions;
                var rewritten = new List<Instruction>(instructions.Count + 4);
                // A parameter's store comes first in its block.
                foreach (var parameter in copy[made].Parameters)
                    if (throughSlot.TryGetValue(parameter, out var held)) rewritten.Add(new Instruction(Opcode.StoreSlot, parameter) { Slot = held.Slot });
                foreach (var instruction in instructions)
                {
                    if (made != entry)
                    {
                        for (int k = 0; k < instruction.Operands.Count; k++)
                            if (Load(made, instruction.Operands[k]) is { } load) { rewritten.Add(load); instruction.Operands[k] = load.Result!.Value; }
                        foreach (var target in instruction.TargetCalls)
                            for (int k = 0; k < target.Arguments.Count; k++)
                                if (Load(made, target.Arguments[k]) is { } load) { rewritten.Add(load); target.Arguments[k] = load.Result!.Value; }
                    }
                    else if (instruction.IsTerminator)
                        // The entry stores what it unboxed before it jumps.
                        foreach (var (_, (slot, entered)) in throughSlot) rewritten.Add(new Instruction(Opcode.StoreSlot, entered) { Slot = slot });
                    rewritten.Add(instruction);
                    if (instruction.Result is { } result && throughSlot.TryGetValue(result, out var held))
                        rewritten.Add(new Instruction(Opcode.StoreSlot, result) { Slot = held.Slot });
                }
                instructions.Clear();
                instructions.AddRange(rewritten);
            }

            Instruction? Load(Block made, Value used)
            {
                if (!throughSlot.TryGetValue(used, out var held) || definedIn.TryGetValue(used, out var home) && home == made) return null;
                var load = new Instruction(Opcode.LoadSlot) { Slot = held.Slot };
                copy.SetResult(load, copy.TypeOf(used), copy[used].Name);
                return load;
            }
        }

        private Value Append(Block at, Instruction instruction, IrType type) => copy.Append(at, instruction, type).Result!.Value;

        private void Append(Block at, Instruction instruction) => copy.Append(at, instruction);

        private Value Constant(Block at, long value) => Append(at, new Instruction(Opcode.Const) { Integer = value }, IrType.I32);

        private Value Box(Block at, Value value, IrType type) =>
            type.StackKind is StackKind.Reference ? value : Append(at, new Instruction(Opcode.Box, value) { TypeOperand = type }, IrType.Object);

        private Value Unbox(Block at, Value element, IrType type) => type.Kind switch
        {
            TypeKind.Object => element,
            _ when type.StackKind is StackKind.Reference => Append(at, new Instruction(Opcode.CastClass, element) { TypeOperand = type }, type),
            _ => Append(at, new Instruction(Opcode.UnboxAny, element) { TypeOperand = type }, type),
        };

    }
}
