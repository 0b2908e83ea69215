using System.Reflection;
using PeJit.Analysis;
using PeJit.Analysis.BindingTimes;
using PeJit.Frontend.Evaluation;
using PeJit.Frontend.IR;

namespace PeJit.Specializer.Engine;

/// <summary>
/// The generating extension's engine: runs a portal's annotated graphs on a green key, doing the green
/// operations and emitting the red ones into a residual graph, and so turns the hot interpreted loop that
/// starts at that key into one residual function (a <see cref="Unit"/>).
/// </summary>
/// <remarks>
/// Strategy:
/// 1. each green key reached at the merge point gets one residual block whose parameters are the reds;
///    reaching a key again is a jump there, so interpreted loops become residual loops;
/// 2. a path runs the interpreter's graphs instruction by instruction: green instructions are executed on
///    concrete values, red ones copied into the current residual block with green operands turned into
///    constants; a green branch is decided, a red branch splits the path in two residual blocks;
///    inlined calls push a frame, returns pop it;
/// 3. a key the unit cannot take (over a budget) becomes an exit that hands the merge point's variables
///    back to the interpreter.
/// Specialization is deterministic: the same key and program give the same residual graph.
/// </remarks>
public sealed class UnitSpecializer
{
    private readonly PortalAnalysis portal;
    private readonly IMemberResolver resolver;
    private readonly SpecializationSettings settings;

    /// <summary>Creates an engine for one analyzed portal.</summary>
    public UnitSpecializer(PortalAnalysis portal, IMemberResolver resolver, SpecializationSettings? settings = null)
    {
        if (portal.Graph is null || portal.MergePoint is null || portal.MergeBlock is null)
            throw new SpecializationException($"{portal.Hints.Method.FullName}: the portal has analysis errors; fix them first (pejit bta)");
        this.portal = portal;
        this.resolver = resolver;
        this.settings = settings ?? SpecializationSettings.Default;
    }

    /// <summary>The portal's merge-point variables: greens then reds.</summary>
    public IReadOnlyList<Value> MergeVariables => portal.MergeVariables;

    /// <summary>Number of greens among <see cref="MergeVariables"/>.</summary>
    public int GreenCount => portal.Hints.Greens.Count;

    /// <summary>The reds every key block takes: the merge point's, then the implicit ones (<c>this</c>).</summary>
    private IEnumerable<Value> KeyReds => MergeVariables.Skip(GreenCount).Concat(portal.ImplicitReds);

    /// <summary>Specializes the unit entered at <paramref name="entry"/>.</summary>
    /// <exception cref="SpecializationException">Something on the way is not supported yet, or a path did not end within its budget.</exception>
    public Unit Specialize(GreenKey entry) => Specialize(entry, new Dictionary<Instruction, IReadOnlyList<object?>>());

    /// <summary>
    /// Specializes the unit entered at <paramref name="entry"/>, with a compiled case for each value of
    /// <paramref name="promotions"/> at its <c>Jit.Promote</c> site (values seen there so far; other values
    /// leave compiled code in the middle of the step). The unit for more cases holds everything the unit for
    /// fewer did: specialization is deterministic.
    /// </summary>
    /// <remarks>
    /// A unit is the hot interpreted loop, not everything reachable from it: a first run specializes forward
    /// within the budgets and records which key's step reaches which key; when some keys reached are not on a
    /// cycle through the entry (code after the loop, a path that leaves it for good), a second run turns them
    /// into exits. Both runs are deterministic, so the second holds exactly the first's code for the loop.
    /// </remarks>
    public Unit Specialize(GreenKey entry, IReadOnlyDictionary<Instruction, IReadOnlyList<object?>> promotions)
    {
        var explore = new Run(this, entry, promotions, allowed: null);
        var unit = explore.Execute();
        if (settings.OnlyKeysOnCycle)
        {
            var loop = explore.KeyGraph.OnCycleThrough(entry);
            if (loop.Count < unit.Keys.Count)
                unit = new Run(this, entry, promotions, loop).Execute();
        }
        unit.PromotionCases = promotions;
        return unit;
    }

    /// <summary>One interpreter frame while specializing: which graph, where in it, and what is known.</summary>
    private sealed class Frame
    {
        public required AnnotatedGraph Graph { get; init; }
        public Block Block { get; set; }
        public int Index { get; set; }
        public Dictionary<Value, Known> Values { get; init; } = [];
        public Dictionary<Slot, Known> Slots { get; init; } = [];
        public Dictionary<Slot, Slot> ResidualSlots { get; init; } = [];
        public Instruction? CallSite { get; init; }

        public Frame Copy() => new()
        {
            Graph = Graph, Block = Block, Index = Index, CallSite = CallSite,
            Values = new(Values), Slots = new(Slots), ResidualSlots = new(ResidualSlots),
        };
    }

    /// <summary>A path still to specialize: where its code goes, its frames, and the key its step started at.</summary>
    private sealed record Pending(Block Residual, List<Frame> Frames, BlockCall? Transfer, GreenKey Origin);

    private sealed class Run
    {
        private readonly UnitSpecializer owner;
        private readonly GreenKey entryKey;
        private readonly FlowGraph residual;
        private readonly Unit unit;
        private readonly Value constants;
        private readonly Value exitBuffer;
        private readonly Dictionary<GreenKey, Block> keyBlocks = [];
        private readonly Queue<Pending> pending = new();
        private readonly Dictionary<object, int> constantIndex = new(ReferenceEqualityComparer.Instance);
        private readonly IrType objectArray = IrType.Class("System.Object[]");
        private readonly FlowGraph portalGraph;
        private Block current;
        private int instructionCount;

        private readonly IReadOnlyDictionary<Instruction, IReadOnlyList<object?>> promotions;
        private readonly IReadOnlySet<GreenKey>? allowed;

        /// <summary>The key whose step the current path runs; null while entering the unit.</summary>
        private GreenKey? origin;

        /// <summary>Which key's step reached which key, in this run.</summary>
        public KeyGraph KeyGraph { get; } = new();

        /// <summary>A run from <paramref name="entryKey"/>; <paramref name="allowed"/> are the keys the unit may hold
        /// code for (others become exits), null for any within the budgets.</summary>
        public Run(UnitSpecializer owner, GreenKey entryKey, IReadOnlyDictionary<Instruction, IReadOnlyList<object?>> promotions, IReadOnlySet<GreenKey>? allowed)
        {
            this.owner = owner;
            this.entryKey = entryKey;
            this.promotions = promotions;
            this.allowed = allowed;
            portalGraph = owner.portal.Graph!.Graph;
            residual = new FlowGraph($"unit {owner.portal.Hints.Method.Name} {entryKey}", IrType.Object);
            unit = new Unit(residual, entryKey);
            current = residual.AddBlock();
            constants = residual.AddParameter(current, objectArray, "constants");
            exitBuffer = residual.AddParameter(current, objectArray, "exit");
            state = residual.AddParameter(current, objectArray, "state");
        }

        private readonly Value state;

        public Unit Execute()
        {
            // The entry unboxes the reds from the merge-point state (greens first, then reds).
            // The state holds the merge point's variables, then the implicit reds.
            var reds = new List<Value>();
            var stateValues = owner.MergeVariables.Concat(owner.portal.ImplicitReds).ToList();
            for (int j = owner.GreenCount; j < stateValues.Count; j++)
            {
                var type = portalGraph.TypeOf(stateValues[j]);
                var element = Emit(new Instruction(Opcode.LoadElement, state, Constant(j, IrType.I32)) { TypeOperand = IrType.Object }, IrType.Object);
                reds.Add(Unbox(element, type));
            }
            EnterKey(entryKey, reds);
            while (pending.Count > 0)
            {
                var next = pending.Dequeue();
                current = next.Residual;
                origin = next.Origin;
                var top = next.Frames[^1];
                if (next.Transfer is { } transfer) Transfer(top, transfer);
                RunPath(next.Frames);
            }
            unit.ExitBufferSize = Math.Max(unit.ExitBufferSize, owner.MergeVariables.Count + 1);
            return unit;
        }

        // ---- keys and exits -------------------------------------------------------------------------

        private void EnterKey(GreenKey key, IReadOnlyList<Value> reds)
        {
            if (origin is null) KeyGraph.Add(key);
            else KeyGraph.Add(origin, key);
            if (keyBlocks.TryGetValue(key, out var known))
            {
                Append(new Instruction(Opcode.Jump) { Targets = { new BlockCall(known, reds) } });
                return;
            }
            string? over = keyBlocks.Count >= owner.settings.MaxKeysPerUnit ? $"the unit holds {keyBlocks.Count} green keys (MaxKeysPerUnit)"
                : instructionCount >= owner.settings.MaxResidualInstructions ? $"the unit holds {instructionCount} residual instructions (MaxResidualInstructions)"
                : null;
            if (over is null && allowed is not null && !allowed.Contains(key))
            {
                EmitExit(key, reds, "the key is not on a cycle through the unit's entry");
                return;
            }
            if (over is not null)
            {
                unit.Notes.Add($"exit at {key}: {over}");
                EmitExit(key, reds, over);
                return;
            }
            var block = residual.AddBlock();
            var parameters = owner.KeyReds.Select(v => residual.AddParameter(block, portalGraph.TypeOf(v), portalGraph[v].Name)).ToList();
            keyBlocks[key] = block;
            unit.Keys.Add(key);
            Append(new Instruction(Opcode.Jump) { Targets = { new BlockCall(block, reds) } });
            var frame = new Frame { Graph = owner.portal.Graph!, Block = owner.portal.MergeBlock!.Value };
            frame.Index = portalGraph[frame.Block].Instructions.IndexOf(owner.portal.MergePoint!) + 1;
            var variables = owner.MergeVariables.Concat(owner.portal.ImplicitReds).ToList();
            for (int i = 0; i < variables.Count; i++)
                frame.Values[variables[i]] = i < owner.GreenCount
                    ? Known.OfGreen(key.Values[i])
                    : Known.OfRed(parameters[i - owner.GreenCount]);
            pending.Enqueue(new Pending(block, [frame], null, key));
        }

        private void EmitExit(GreenKey key, IReadOnlyList<Value> reds, string reason)
        {
            int index = unit.Exits.Count;
            unit.Exits.Add(new CompiledExit(index, key, reason));
            StoreExit(0, Box(Constant(index, IrType.I32), IrType.I32));
            for (int i = 0; i < owner.MergeVariables.Count; i++)
            {
                var type = portalGraph.TypeOf(owner.MergeVariables[i]);
                var value = i < owner.GreenCount ? Lift(Known.OfGreen(key.Values[i]), type) : reds[i - owner.GreenCount];
                StoreExit(i + 1, Box(value, type));
            }
            ReturnDefault();
        }

        private void StoreExit(int slot, Value value) =>
            Append(new Instruction(Opcode.StoreElement, exitBuffer, Constant(slot, IrType.I32), value) { TypeOperand = IrType.Object });

        private Value Box(Value value, IrType type) =>
            type.StackKind is StackKind.Reference ? value : Emit(new Instruction(Opcode.Box, value) { TypeOperand = type }, IrType.Object);

        private void ReturnDefault() => Append(new Instruction(Opcode.Return, Emit(new Instruction(Opcode.Null), IrType.Object)));

        /// <summary>The value inside an object: unboxed for value types, cast for references.</summary>
        private Value Unbox(Value element, IrType type) => type.Kind switch
        {
            TypeKind.Object => element,
            _ when type.StackKind is StackKind.Reference => Emit(new Instruction(Opcode.CastClass, element) { TypeOperand = type }, type),
            _ => Emit(new Instruction(Opcode.UnboxAny, element) { TypeOperand = type }, type),
        };

        // ---- residual code --------------------------------------------------------------------------

        private Instruction Append(Instruction instruction)
        {
            instructionCount++;
            return residual.Append(current, instruction);
        }

        private Value Emit(Instruction instruction, IrType type)
        {
            instructionCount++;
            residual.Append(current, instruction, type);
            return instruction.Result!.Value;
        }

        private Value Constant(long value, IrType type) => Emit(new Instruction(Opcode.Const) { Integer = value }, type);

        /// <summary>A residual value holding <paramref name="known"/>: itself when red, a constant when green.</summary>
        private Value Lift(Known known, IrType type)
        {
            if (!known.IsGreen) return known.Red;
            switch (known.Green)
            {
                case null:
                    return Emit(new Instruction(Opcode.Null), type.IsReference ? type : IrType.Object);
                case int i:
                    return Constant(i, type.StackKind == StackKind.Int32 ? type : IrType.I32);
                case long l:
                    return Constant(l, type.StackKind == StackKind.Int64 ? type : IrType.I64);
                case nint n:
                    return Constant(n, type.StackKind == StackKind.NativeInt ? type : IrType.NInt);
                case float f:
                    return Emit(new Instruction(Opcode.Const) { Float = f }, IrType.F32);
                case double d:
                    return Emit(new Instruction(Opcode.Const) { Float = d }, IrType.F64);
                case string s:
                    return Emit(new Instruction(Opcode.String) { Text = s }, IrType.String);
                default:
                {
                    var value = known.Green;
                    if (!constantIndex.TryGetValue(value, out int index))
                    {
                        index = unit.Constants.Count;
                        unit.Constants.Add(value);
                        constantIndex[value] = index;
                    }
                    var element = Emit(new Instruction(Opcode.LoadElement, constants, Constant(index, IrType.I32)) { TypeOperand = IrType.Object }, IrType.Object);
                    return Unbox(element, type);
                }
            }
        }

        /// <summary>Copies an interpreter instruction into the residual code, its operands lifted.</summary>
        private Known Residualize(Frame frame, Instruction instruction)
        {
            var copy = new Instruction(instruction.Opcode)
            {
                Integer = instruction.Integer, Float = instruction.Float, Text = instruction.Text,
                TypeOperand = instruction.TypeOperand, Field = instruction.Field, Method = instruction.Method,
                Slot = instruction.Slot, Location = instruction.Location,
            };
            var graph = frame.Graph.Graph;
            foreach (var operand in instruction.Operands) copy.Operands.Add(Lift(Lookup(frame, operand), graph.TypeOf(operand)));
            if (instruction.Result is not { } result)
            {
                Append(copy);
                return default;
            }
            return Known.OfRed(Emit(copy, graph.TypeOf(result)));
        }

        // ---- running the interpreter's graphs ---------------------------------------------------------

        private Known Lookup(Frame frame, Value value)
        {
            if (frame.Values.TryGetValue(value, out var known)) return known;
            var definition = frame.Graph.Graph[value].DefiningInstruction;
            if (definition is { Opcode: Opcode.Const or Opcode.Null or Opcode.String or Opcode.Default or Opcode.SizeOf or Opcode.Token })
                return frame.Values[value] = Known.OfGreen(Green(frame, definition, []));
            throw new SpecializationException($"{frame.Graph.Name}: {value} is used where its definition was not run (a value live at the merge point that it does not pass?)");
        }

        private void Transfer(Frame frame, BlockCall call)
        {
            var graph = frame.Graph.Graph;
            var arguments = call.Arguments.Select(a => Lookup(frame, a)).ToList();
            var parameters = graph[call.Target].Parameters;
            for (int i = 0; i < parameters.Count; i++)
            {
                var known = arguments[i];
                if (known.IsGreen && frame.Graph.TimeOf(parameters[i]) == BindingTime.Red)
                    known = Known.OfRed(Lift(known, graph.TypeOf(parameters[i])));
                frame.Values[parameters[i]] = known;
            }
            frame.Block = call.Target;
            frame.Index = 0;
        }

        private void RunPath(List<Frame> frames)
        {
            for (int steps = 0; ; steps++)
            {
                if (steps > owner.settings.MaxStepsPerPath)
                    throw new SpecializationException($"unit at {entryKey}: a path ran {steps} steps without reaching a merge point (MaxStepsPerPath); an unrolled loop may not end");
                var frame = frames[^1];
                var instruction = frame.Graph.Graph[frame.Block].Instructions[frame.Index++];
                if (!Step(frames, frame, instruction)) return;
            }
        }

        /// <summary>Runs one instruction; false when the path ends.</summary>
        private bool Step(List<Frame> frames, Frame frame, Instruction instruction)
        {
            var annotated = frame.Graph;
            var graph = annotated.Graph;
            switch (instruction.Opcode)
            {
                case Opcode.Jump:
                    Transfer(frame, instruction.Targets[0]);
                    return true;
                case Opcode.BrIf or Opcode.Switch:
                {
                    var selector = Lookup(frame, instruction.Operands[0]);
                    if (selector.IsGreen)
                    {
                        int index = instruction.Opcode == Opcode.BrIf
                            ? (IsTrue(selector.Green) ? 0 : 1)
                            : SwitchIndex(selector.Green, instruction.Targets.Count);
                        Transfer(frame, instruction.Targets[index]);
                        return true;
                    }
                    Split(frames, instruction, selector.Red);
                    return false;
                }
                case Opcode.Return:
                {
                    var returned = instruction.Operands.Count == 1 ? Lookup(frame, instruction.Operands[0]) : default;
                    if (frames.Count == 1)
                    {
                        if (instruction.Operands.Count == 0)
                        {
                            ReturnDefault();
                            return false;
                        }
                        var type = portalGraph.ReturnType;
                        Append(new Instruction(Opcode.Return, Box(Lift(returned, type), type)));
                        return false;
                    }
                    frames.RemoveAt(frames.Count - 1);
                    var caller = frames[^1];
                    if (frame.CallSite!.Result is { } result)
                        caller.Values[result] = returned.IsGreen && caller.Graph.TimeOf(result) == BindingTime.Red
                            ? Known.OfRed(Lift(returned, caller.Graph.Graph.TypeOf(result)))
                            : returned;
                    return true;
                }
                case Opcode.Throw:
                    Residualize(frame, instruction);
                    return false;
                case Opcode.Leave or Opcode.EndFinally or Opcode.EndFilter or Opcode.Rethrow:
                    throw new SpecializationException($"{annotated.Name}: exception handling ('{instruction.Info.Name}') is not supported by the specializer yet");
                case Opcode.Call or Opcode.CallVirt or Opcode.NewObject or Opcode.ConstrainedCall:
                    return Call(frames, frame, instruction);
                case Opcode.StoreSlot:
                    if (annotated.TimeOf(instruction.Slot) == BindingTime.Green)
                        frame.Slots[instruction.Slot] = Lookup(frame, instruction.Operands[0]);
                    else
                        Append(new Instruction(Opcode.StoreSlot, Lift(Lookup(frame, instruction.Operands[0]), graph[instruction.Slot].Type))
                        { Slot = ResidualSlot(frame, instruction.Slot) });
                    return true;
                case Opcode.LoadSlot when annotated.TimeOf(instruction.Slot) == BindingTime.Red:
                    frame.Values[instruction.Result!.Value] = Known.OfRed(Emit(new Instruction(Opcode.LoadSlot) { Slot = ResidualSlot(frame, instruction.Slot) }, graph[instruction.Slot].Type));
                    return true;
                case Opcode.SlotAddr:
                    frame.Values[instruction.Result!.Value] = Known.OfRed(Emit(new Instruction(Opcode.SlotAddr) { Slot = ResidualSlot(frame, instruction.Slot) }, graph.TypeOf(instruction.Result!.Value)));
                    return true;
            }
            if (instruction.Result is { } value)
            {
                bool allGreen = instruction.Operands.All(o => Lookup(frame, o).IsGreen);
                frame.Values[value] = annotated.TimeOf(value) == BindingTime.Green && allGreen
                    ? Known.OfGreen(Green(frame, instruction, instruction.Operands.Select(o => Lookup(frame, o).Green).ToList()))
                    : Residualize(frame, instruction);
            }
            else
            {
                Residualize(frame, instruction);
            }
            return true;
        }

        /// <summary>
        /// A flexible switch: for each value seen at this <c>Jit.Promote</c> so far, a residual test and a path
        /// that goes on with the value green; for any other value, an exit in the middle of the step.
        /// </summary>
        private void Promote(List<Frame> frames, Instruction site, Value red, IrType type)
        {
            var result = site.Result!.Value;
            var cases = promotions.GetValueOrDefault(site) ?? [];
            if (cases.Count > owner.settings.MaxCasesPerPromotion)
                unit.Notes.Add($"promotion at {site.Location}: {cases.Count} values seen, {owner.settings.MaxCasesPerPromotion} compiled (MaxCasesPerPromotion); others go to the interpreter");
            foreach (var value in cases.Take(owner.settings.MaxCasesPerPromotion))
            {
                var test = Emit(new Instruction(Opcode.Ceq, red, Lift(Known.OfGreen(value), type)) { Location = site.Location }, IrType.Bool);
                var hit = residual.AddBlock();
                var miss = residual.AddBlock();
                Append(new Instruction(Opcode.BrIf, test) { Location = site.Location, Targets = { new BlockCall(hit, []), new BlockCall(miss, []) } });
                var copies = frames.Select(f => f.Copy()).ToList();
                copies[^1].Values[result] = Known.OfGreen(value);
                pending.Enqueue(new Pending(hit, copies, null, origin!));
                current = miss;
            }
            frames[^1].Values[result] = Known.OfRed(red);
            EmitMidStepExit(frames, site, red, type);
        }

        /// <summary>Leaves compiled code in the middle of a step: every frame's live values go to the exit buffer.</summary>
        private void EmitMidStepExit(List<Frame> frames, Instruction site, Value promoted, IrType type)
        {
            int index = unit.Exits.Count;
            KeyGraph.AddOpen(origin!);
            StoreExit(0, Box(Constant(index, IrType.I32), IrType.I32));
            int slot = 1;
            int promotedSlot = 0;
            var exitFrames = new List<ExitFrame>();
            for (int f = 0; f < frames.Count; f++)
            {
                var frame = frames[f];
                var graph = frame.Graph.Graph;
                if (frame.ResidualSlots.Count > 0 || frame.Slots.Count > 0)
                    throw new SpecializationException($"{frame.Graph.Name}: compiled code cannot leave in the middle of a step that uses address-taken locals ({site.Location}); keep Jit.Promote out of such methods");
                var live = Liveness.LiveFrom(graph, frame.Block, frame.Index);
                var values = new List<ExitValue>();
                foreach (var value in live.OrderBy(v => v.Index))
                {
                    if (!frame.Values.TryGetValue(value, out var known))
                    {
                        if (graph[value].DefiningInstruction is { Opcode: Opcode.Const or Opcode.Null or Opcode.String or Opcode.Default or Opcode.SizeOf or Opcode.Token })
                            known = Lookup(frame, value);
                        else continue;   // a call's result not back yet, or a value the rest defines again
                    }
                    if (known.IsGreen)
                    {
                        values.Add(new ExitValue(value, true, known.Green, 0));
                        continue;
                    }
                    var valueType = graph.TypeOf(value);
                    if (valueType.Kind is TypeKind.ByRef or TypeKind.Pointer)
                        throw new SpecializationException($"{frame.Graph.Name}: compiled code cannot leave in the middle of a step while an address ({value}) is live ({site.Location})");
                    if (known.Red == promoted && promotedSlot == 0) promotedSlot = slot;
                    StoreExit(slot, Box(known.Red, valueType));
                    values.Add(new ExitValue(value, false, null, slot++));
                }
                var callResult = f + 1 < frames.Count ? frames[f + 1].CallSite!.Result : null;
                exitFrames.Add(new ExitFrame(graph, frame.Block, frame.Index, values, callResult));
            }
            if (promotedSlot == 0)
            {
                promotedSlot = slot;
                StoreExit(slot++, Box(promoted, type));
            }
            unit.ExitBufferSize = Math.Max(unit.ExitBufferSize, slot);
            unit.Exits.Add(new CompiledExit(index, entryKey, $"a value at Jit.Promote ({site.Location}) without a compiled case")
            {
                Frames = exitFrames, PromoteSite = site, PromotedSlot = promotedSlot, PromotedType = type,
            });
            ReturnDefault();
        }

        private Slot ResidualSlot(Frame frame, Slot slot)
        {
            if (!frame.ResidualSlots.TryGetValue(slot, out var mapped))
                frame.ResidualSlots[slot] = mapped = residual.AddSlot(frame.Graph.Graph[slot].Type, frame.Graph.Graph[slot].Name);
            return mapped;
        }

        private void Split(List<Frame> frames, Instruction branch, Value selector)
        {
            var copy = new Instruction(branch.Opcode, selector) { Location = branch.Location };
            foreach (var target in branch.Targets)
            {
                var block = residual.AddBlock();
                copy.Targets.Add(new BlockCall(block, []));
                pending.Enqueue(new Pending(block, frames.Select(f => f.Copy()).ToList(), target, origin!));
            }
            Append(copy);
        }

        private static bool IsTrue(object? value) => value switch
        {
            null => false, int i => i != 0, long l => l != 0, nint n => n != 0, _ => true,
        };

        private static int SwitchIndex(object? value, int targets)
        {
            long index = value switch { int i => (uint)i, long l => l, nint n => n, _ => -1 };
            return index >= 0 && index < targets - 1 ? (int)index : targets - 1;
        }

        // ---- calls ------------------------------------------------------------------------------------

        private bool Call(List<Frame> frames, Frame frame, Instruction instruction)
        {
            var annotated = frame.Graph;
            if (!annotated.Calls.TryGetValue(instruction, out var decision))
                throw new SpecializationException($"{annotated.Name}: no call decision for {instruction.Method!.Name} (the analysis did not reach it)");
            switch (decision.Treatment)
            {
                case CallTreatment.MergePoint:
                {
                    var greens = instruction.Operands.Take(owner.GreenCount).Select(o => Lookup(frame, o)).ToList();
                    if (greens.Any(g => !g.IsGreen))
                        throw new SpecializationException($"{annotated.Name}: a declared green is red at the merge point");
                    var reds = instruction.Operands.Skip(owner.GreenCount).Concat(owner.portal.ImplicitReds)
                        .Select(o => Lift(Lookup(frame, o), annotated.Graph.TypeOf(o))).ToList();
                    EnterKey(new GreenKey(greens.Select(g => g.Green).ToList()), reds);
                    return false;
                }
                case CallTreatment.CanEnterJit or CallTreatment.AssertGreen:
                    return true;
                case CallTreatment.Promote:
                {
                    var value = Lookup(frame, instruction.Operands[0]);
                    var result = instruction.Result!.Value;
                    if (value.IsGreen)
                    {
                        frame.Values[result] = value;
                        return true;
                    }
                    Promote(frames, instruction, value.Red, annotated.Graph.TypeOf(instruction.Operands[0]));
                    return false;
                }
                case CallTreatment.GreenCall when instruction.Operands.All(o => Lookup(frame, o).IsGreen):
                {
                    var result = InvokeGreen(frame, instruction);
                    if (instruction.Result is { } value) frame.Values[value] = Known.OfGreen(result);
                    return true;
                }
                case CallTreatment.Inline when frames.Count <= owner.settings.MaxInliningDepth && decision.Targets[0].Graph.Regions.Any() is false:
                    Enter(frames, frame, instruction, decision.Targets[0]);
                    return true;
                case CallTreatment.InlineVirtual when frames.Count <= owner.settings.MaxInliningDepth
                    && Lookup(frame, instruction.Operands[0]) is { IsGreen: true, Green: { } receiver }
                    && Override(decision, receiver) is { } target && !target.Graph.Regions.Any():
                    Enter(frames, frame, instruction, target);
                    return true;
                default:
                {
                    var result = Residualize(frame, instruction);
                    if (instruction.Result is { } value) frame.Values[value] = result;
                    return true;
                }
            }
        }

        private void Enter(List<Frame> frames, Frame caller, Instruction call, AnnotatedGraph target)
        {
            var callee = new Frame { Graph = target, Block = FlowGraph.Entry, CallSite = call };
            var parameters = target.Graph.Parameters;
            for (int i = 0; i < parameters.Count; i++)
            {
                var known = Lookup(caller, call.Operands[i]);
                if (known.IsGreen && target.TimeOf(parameters[i]) == BindingTime.Red)
                    known = Known.OfRed(Lift(known, target.Graph.TypeOf(parameters[i])));
                callee.Values[parameters[i]] = known;
            }
            frames.Add(callee);
        }

        /// <summary>The annotated override a green receiver dispatches to, among the analyzed targets.</summary>
        private AnnotatedGraph? Override(CallDecision decision, object receiver)
        {
            foreach (var candidate in decision.Targets)
            {
                var method = (MethodInfo)owner.resolver.ResolveMethod(Frontend.IR.MethodRef.From(candidate.Method));
                for (var type = receiver.GetType(); type is not null; type = type.BaseType)
                {
                    var declared = type.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                        .FirstOrDefault(m => m.GetBaseDefinition() == method.GetBaseDefinition());
                    if (declared is null) continue;
                    if (declared.MetadataToken == method.MetadataToken && declared.Module == method.Module) return candidate;
                    break;
                }
            }
            return null;
        }

        private object? InvokeGreen(Frame frame, Instruction instruction)
        {
            var method = owner.resolver.ResolveMethod(instruction.Method!);
            var operands = instruction.Operands.Select(o => Lookup(frame, o).Green).ToList();
            var parameters = method.GetParameters();
            int offset = method.IsStatic ? 0 : 1;
            var arguments = parameters.Select((p, i) => ValueSemantics.ToClr(operands[i + offset], p.ParameterType)).ToArray();
            try
            {
                var result = method.Invoke(method.IsStatic ? null : operands[0], arguments);
                return instruction.Result is { } value ? ValueSemantics.Normalize(result, frame.Graph.Graph.TypeOf(value)) : null;
            }
            catch (TargetInvocationException e)
            {
                throw new SpecializationException($"{frame.Graph.Name}: the green call to {instruction.Method!.Name} threw {e.InnerException?.GetType().Name} while specializing", e.InnerException);
            }
        }

        /// <summary>Runs a green instruction on concrete operands.</summary>
        private object? Green(Frame frame, Instruction instruction, IReadOnlyList<object?> operands)
        {
            var type = instruction.Result is { } r ? frame.Graph.Graph.TypeOf(r) : IrType.Void;
            try
            {
                switch (instruction.Opcode)
                {
                    case Opcode.Const:
                        return type.StackKind switch
                        {
                            // Arms typed object: a switch over numeric arms would convert them all to double.
                            StackKind.Float => type.Kind == TypeKind.F32 ? (object)(float)instruction.Float : instruction.Float,
                            StackKind.Int64 => (object)instruction.Integer,
                            StackKind.NativeInt => (object)(nint)instruction.Integer,
                            _ => (object)(int)instruction.Integer,
                        };
                    case Opcode.Null: return null;
                    case Opcode.String: return instruction.Text;
                    case Opcode.Default:
                    {
                        var clr = owner.resolver.ResolveType(instruction.TypeOperand!);
                        return ValueSemantics.Normalize(clr.IsValueType ? Activator.CreateInstance(clr) : null, instruction.TypeOperand!);
                    }
                    case Opcode.LoadField:
                        return ValueSemantics.Normalize(owner.resolver.ResolveField(instruction.Field!).GetValue(operands[0]), type);
                    case Opcode.LoadStatic:
                        return ValueSemantics.Normalize(owner.resolver.ResolveField(instruction.Field!).GetValue(null), type);
                    case Opcode.LoadElement:
                        return ValueSemantics.Normalize(((Array)operands[0]!).GetValue(operands[1] is nint n ? (long)n : (int)operands[1]!), type);
                    case Opcode.ArrayLength:
                        return (nint)((Array)operands[0]!).Length;
                    case Opcode.IsInst:
                        return owner.resolver.ResolveType(instruction.TypeOperand!).IsInstanceOfType(operands[0]) ? operands[0] : null;
                    case Opcode.CastClass:
                        return operands[0] is null || owner.resolver.ResolveType(instruction.TypeOperand!).IsInstanceOfType(operands[0])
                            ? operands[0]
                            : throw new SpecializationException($"{frame.Graph.Name}: a green cast fails while specializing");
                    case Opcode.UnboxAny:
                        return ValueSemantics.Normalize(operands[0], instruction.TypeOperand!);
                    case Opcode.LoadSlot:
                        return frame.Slots.TryGetValue(instruction.Slot, out var slot) ? slot.Green
                            : ValueSemantics.Normalize(Default(frame.Graph.Graph[instruction.Slot].Type), frame.Graph.Graph[instruction.Slot].Type);
                    default:
                        if ((instruction.Info.Flags & (OpcodeFlags.ReadsMemory | OpcodeFlags.WritesMemory | OpcodeFlags.Call)) == 0 && instruction.Operands.Count > 0)
                            return ValueSemantics.Pure(instruction.Opcode, operands, type, frame.Graph.Graph.TypeOf(instruction.Operands[0]).IsReference);
                        throw new SpecializationException($"{frame.Graph.Name}: '{instruction.Info.Name}' cannot run while specializing");
                }
            }
            catch (Exception e) when (e is ArithmeticException or IndexOutOfRangeException or NullReferenceException or InvalidCastException or EvaluationException)
            {
                throw new SpecializationException($"{frame.Graph.Name}: the green '{instruction.Info.Name}' at {instruction.Location} threw {e.GetType().Name} while specializing", e);
            }
        }

        private object? Default(IrType type)
        {
            var clr = owner.resolver.ResolveType(type);
            return clr.IsValueType ? Activator.CreateInstance(clr) : null;
        }
    }
}
