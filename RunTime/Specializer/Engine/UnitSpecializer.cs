using System.Collections.Concurrent;
using System.Reflection;
using PeJit.Analysis;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

/// <summary>
/// The generating extension's engine: runs a portal's graphs, compiled once into the extension's compact form
/// (<see cref="ExtensionProgram"/>), on a green key, doing the green operations on typed registers and emitting
/// the red ones into a residual graph, and so turns the hot interpreted loop that starts at that key into one
/// residual function (a <see cref="Unit"/>).
/// </summary>
/// <remarks>
/// Strategy:
/// 1. each green key reached at the merge point gets one residual block whose parameters are the reds;
///    reaching a key again is a jump there, so interpreted loops become residual loops;
/// 2. a path runs the compiled graphs op by op: green ops are executed on concrete values in the frame's
///    typed registers, red ones copied into the current residual block with green operands turned into
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
    private readonly ExtensionProgram program;
    private readonly ConcurrentDictionary<(ExtensionOp, Type), ExtensionGraph?> overrides = new();

    /// <summary>Creates an engine for one analyzed portal, compiling its generating extension.</summary>
    public UnitSpecializer(PortalAnalysis portal, IMemberResolver resolver, SpecializationSettings? settings = null)
    {
        if (portal.Graph is null || portal.MergePoint is null || portal.MergeBlock is null)
            throw new SpecializationException($"{portal.Hints.Method.FullName}: the portal has analysis errors; fix them first (pejit bta)");
        this.portal = portal;
        this.resolver = resolver;
        this.settings = settings ?? SpecializationSettings.Default;
        program = ExtensionCompiler.Compile(portal, resolver);
    }

    /// <summary>The portal's generating extension in compact form, as the engine runs it.</summary>
    public ExtensionProgram Extension => program;

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

    /// <summary>A path still to specialize: where its code goes, its frames, and the key its step started at.</summary>
    private sealed record Pending(Block Residual, List<ExtensionFrame> Frames, ExtensionTarget? Transfer, GreenKey Origin);

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

        // Block arguments read before any parameter is written (a loop may pass a parameter to another).
        private RegisterState[] scratchStates = new RegisterState[8];
        private long[] scratchInts = new long[8];
        private double[] scratchFloats = new double[8];
        private object?[] scratchRefs = new object?[8];
        private Value[] scratchReds = new Value[8];

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
            var frame = new ExtensionFrame(owner.program.Portal) { Block = owner.portal.MergeBlock!.Value.Index };
            frame.Index = portalGraph[owner.portal.MergeBlock!.Value].Instructions.IndexOf(owner.portal.MergePoint!) + 1;
            var variables = owner.MergeVariables.Concat(owner.portal.ImplicitReds).ToList();
            for (int i = 0; i < variables.Count; i++)
            {
                if (i < owner.GreenCount) frame.SetBoxed(variables[i].Index, key.Values[i]);
                else frame.SetRed(variables[i].Index, parameters[i - owner.GreenCount]);
            }
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

        /// <summary>A residual value holding value <paramref name="value"/> of <paramref name="frame"/> (set): integers and floats lifted from their registers without boxing, as <see cref="Lift(Known, IrType)"/> would.</summary>
        private Value Lift(ExtensionFrame frame, int value, IrType type)
        {
            if (frame.States[value] != RegisterState.Green) return frame.Reds[value];
            var graph = frame.Graph;
            switch (graph.Classes[value])
            {
                case RegisterClass.Int:
                    return LiftInteger(frame.Int(value), graph.Types[value].StackKind, type);
                case RegisterClass.Float:
                    return Emit(new Instruction(Opcode.Const) { Float = frame.Float(value) }, graph.Types[value].Kind == TypeKind.F32 ? IrType.F32 : IrType.F64);
                default:
                    return Lift(Known.OfGreen(frame.Ref(value)), type);
            }
        }

        private Value LiftInteger(long content, StackKind source, IrType type) => source switch
        {
            StackKind.Int32 => Constant((int)content, type.StackKind == StackKind.Int32 ? type : IrType.I32),
            StackKind.Int64 => Constant(content, type.StackKind == StackKind.Int64 ? type : IrType.I64),
            _ => Constant(content, type.StackKind == StackKind.NativeInt ? type : IrType.NInt),
        };

        /// <summary>Copies an interpreter instruction into the residual code, its operands lifted; a result becomes red.</summary>
        private void Residualize(ExtensionFrame frame, ExtensionOp op)
        {
            var instruction = op.Instruction;
            var copy = new Instruction(instruction.Opcode)
            {
                Integer = instruction.Integer, Float = instruction.Float, Text = instruction.Text,
                TypeOperand = instruction.TypeOperand, Field = instruction.Field, Method = instruction.Method,
                Slot = instruction.Slot, Location = instruction.Location,
            };
            var operands = op.Operands;
            for (int i = 0; i < operands.Length; i++)
            {
                Ensure(frame, operands[i]);
                copy.Operands.Add(Lift(frame, operands[i], op.OperandTypes[i]));
            }
            if (op.Result < 0)
            {
                Append(copy);
                return;
            }
            frame.SetRed(op.Result, Emit(copy, op.ResultType));
        }

        // ---- running the compiled graphs --------------------------------------------------------------

        /// <summary>Makes sure value <paramref name="value"/> is set: a constant not run on this path runs now.</summary>
        private void Ensure(ExtensionFrame frame, int value)
        {
            if (frame.States[value] != RegisterState.Unset) return;
            if (frame.Graph.Definitions[value] is { } definition)
            {
                RunGreen(frame, definition);
                return;
            }
            throw new SpecializationException($"{frame.Graph.Name}: v{value} is used where its definition was not run (a value live at the merge point that it does not pass?)");
        }

        /// <summary>What is known of a value, green ones boxed (keys, exits, promotions).</summary>
        private Known Lookup(ExtensionFrame frame, int value)
        {
            Ensure(frame, value);
            return frame.Get(value);
        }

        private void Transfer(ExtensionFrame frame, ExtensionTarget target)
        {
            var arguments = target.Arguments;
            int count = arguments.Length;
            if (scratchStates.Length < count)
            {
                int size = Math.Max(count, scratchStates.Length * 2);
                scratchStates = new RegisterState[size];
                scratchInts = new long[size];
                scratchFloats = new double[size];
                scratchRefs = new object?[size];
                scratchReds = new Value[size];
            }
            var graph = frame.Graph;
            var parameters = target.Parameters;
            for (int i = 0; i < count; i++)
            {
                int argument = arguments[i];
                Ensure(frame, argument);
                if (frame.States[argument] == RegisterState.Red || target.RedParameters[i])
                {
                    // A green argument of a red parameter is lifted here: nothing else is emitted in between.
                    scratchStates[i] = RegisterState.Red;
                    scratchReds[i] = Lift(frame, argument, graph.Types[parameters[i]]);
                    continue;
                }
                scratchStates[i] = RegisterState.Green;
                switch (graph.Classes[argument])
                {
                    case RegisterClass.Int: scratchInts[i] = frame.Int(argument); break;
                    case RegisterClass.Float: scratchFloats[i] = frame.Float(argument); break;
                    default: scratchRefs[i] = frame.Ref(argument); break;
                }
            }
            for (int i = 0; i < count; i++)
            {
                int parameter = parameters[i], argument = arguments[i];
                if (scratchStates[i] == RegisterState.Red)
                {
                    frame.SetRed(parameter, scratchReds[i]);
                    continue;
                }
                var argumentClass = graph.Classes[argument];
                if (argumentClass != graph.Classes[parameter])
                {
                    frame.SetBoxed(parameter, argumentClass switch
                    {
                        RegisterClass.Int => ValueSemantics.IntegerStackForm(scratchInts[i], graph.Types[argument]),
                        RegisterClass.Float => ValueSemantics.FloatStackForm(scratchFloats[i], graph.Types[argument]),
                        _ => scratchRefs[i],
                    });
                    continue;
                }
                switch (argumentClass)
                {
                    case RegisterClass.Int: frame.SetInt(parameter, scratchInts[i]); break;
                    case RegisterClass.Float: frame.SetFloat(parameter, scratchFloats[i]); break;
                    default: frame.SetRef(parameter, scratchRefs[i]); break;
                }
            }
            Array.Clear(scratchRefs, 0, count);
            frame.Block = target.Block;
            frame.Index = 0;
        }

        private void RunPath(List<ExtensionFrame> frames)
        {
            for (int steps = 0; ; steps++)
            {
                if (steps > owner.settings.MaxStepsPerPath)
                    throw new SpecializationException($"unit at {entryKey}: a path ran {steps} steps without reaching a merge point (MaxStepsPerPath); an unrolled loop may not end");
                var frame = frames[^1];
                var op = frame.Graph.Blocks[frame.Block][frame.Index++];
                if (!Step(frames, frame, op)) return;
            }
        }

        /// <summary>Runs one op; false when the path ends.</summary>
        private bool Step(List<ExtensionFrame> frames, ExtensionFrame frame, ExtensionOp op)
        {
            switch (op.Kind)
            {
                case ExtensionOpKind.Jump:
                    Transfer(frame, op.Targets[0]);
                    return true;
                case ExtensionOpKind.Branch or ExtensionOpKind.Switch:
                {
                    int selector = op.Operands[0];
                    Ensure(frame, selector);
                    if (frame.IsGreen(selector))
                    {
                        int index = op.Kind == ExtensionOpKind.Branch
                            ? (IsTrue(frame, selector) ? 0 : 1)
                            : SwitchIndex(frame, selector, op.Targets.Length);
                        Transfer(frame, op.Targets[index]);
                        return true;
                    }
                    Split(frames, op, frame.Reds[selector]);
                    return false;
                }
                case ExtensionOpKind.Return:
                    return Return(frames, frame, op);
                case ExtensionOpKind.Throw:
                    Residualize(frame, op);
                    return false;
                case ExtensionOpKind.Unsupported:
                    throw new SpecializationException(op.Message!);
                case ExtensionOpKind.Call:
                    return Call(frames, frame, op);
                case ExtensionOpKind.StoreSlot:
                {
                    var slot = op.Instruction.Slot;
                    int stored = op.Operands[0];
                    Ensure(frame, stored);
                    if (!op.RedSlot)
                        (frame.Slots ??= [])[slot] = frame.Get(stored);
                    else
                        Append(new Instruction(Opcode.StoreSlot, Lift(frame, stored, frame.Graph.Graph[slot].Type)) { Slot = ResidualSlot(frame, slot) });
                    return true;
                }
                case ExtensionOpKind.LoadRedSlot:
                {
                    var slot = op.Instruction.Slot;
                    frame.SetRed(op.Result, Emit(new Instruction(Opcode.LoadSlot) { Slot = ResidualSlot(frame, slot) }, frame.Graph.Graph[slot].Type));
                    return true;
                }
                case ExtensionOpKind.SlotAddress:
                    frame.SetRed(op.Result, Emit(new Instruction(Opcode.SlotAddr) { Slot = ResidualSlot(frame, op.Instruction.Slot) }, op.ResultType));
                    return true;
                case ExtensionOpKind.Value:
                {
                    if (op.ResultIsGreen && AllGreen(frame, op.Operands)) RunGreen(frame, op);
                    else Residualize(frame, op);
                    return true;
                }
                default:
                    Residualize(frame, op);
                    return true;
            }
        }

        private bool AllGreen(ExtensionFrame frame, int[] operands)
        {
            foreach (int operand in operands)
            {
                Ensure(frame, operand);
                if (!frame.IsGreen(operand)) return false;
            }
            return true;
        }

        /// <summary>Runs a green op, turning what it throws into a <see cref="SpecializationException"/> that names it.</summary>
        private static void RunGreen(ExtensionFrame frame, ExtensionOp op)
        {
            try
            {
                GreenExecution.Run(frame, op);
            }
            catch (Exception e) when (e is ArithmeticException or IndexOutOfRangeException or NullReferenceException or InvalidCastException or EvaluationException)
            {
                var instruction = op.Instruction;
                throw new SpecializationException($"{frame.Graph.Name}: the green '{instruction.Info.Name}' at {instruction.Location} threw {e.GetType().Name} while specializing", e);
            }
        }

        private bool Return(List<ExtensionFrame> frames, ExtensionFrame frame, ExtensionOp op)
        {
            bool hasValue = op.Operands.Length == 1;
            if (hasValue) Ensure(frame, op.Operands[0]);
            if (frames.Count == 1)
            {
                if (!hasValue)
                {
                    ReturnDefault();
                    return false;
                }
                var type = portalGraph.ReturnType;
                Append(new Instruction(Opcode.Return, Box(Lift(frame, op.Operands[0], type), type)));
                return false;
            }
            frames.RemoveAt(frames.Count - 1);
            var caller = frames[^1];
            if (frame.CallSite!.Result is var result and >= 0)
            {
                if (!hasValue) caller.Set(result, default);
                else if (frame.IsGreen(op.Operands[0]) && caller.Graph.RedValues[result])
                    caller.SetRed(result, Lift(frame, op.Operands[0], caller.Graph.Types[result]));
                else
                    caller.CopyFrom(frame, op.Operands[0], result);
            }
            return true;
        }

        /// <summary>
        /// A flexible switch: for each value seen at this <c>Jit.Promote</c> so far, a residual test and a path
        /// that goes on with the value green; for any other value, an exit in the middle of the step.
        /// </summary>
        private void Promote(List<ExtensionFrame> frames, ExtensionOp site, Value red, IrType type)
        {
            int result = site.Result;
            var location = site.Instruction.Location;
            var cases = promotions.GetValueOrDefault(site.Instruction) ?? [];
            if (cases.Count > owner.settings.MaxCasesPerPromotion)
                unit.Notes.Add($"promotion at {location}: {cases.Count} values seen, {owner.settings.MaxCasesPerPromotion} compiled (MaxCasesPerPromotion); others go to the interpreter");
            foreach (var value in cases.Take(owner.settings.MaxCasesPerPromotion))
            {
                var test = Emit(new Instruction(Opcode.Ceq, red, Lift(Known.OfGreen(value), type)) { Location = location }, IrType.Bool);
                var hit = residual.AddBlock();
                var miss = residual.AddBlock();
                Append(new Instruction(Opcode.BrIf, test) { Location = location, Targets = { new BlockCall(hit, []), new BlockCall(miss, []) } });
                var copies = frames.Select(f => f.Copy()).ToList();
                copies[^1].SetBoxed(result, value);
                pending.Enqueue(new Pending(hit, copies, null, origin!));
                current = miss;
            }
            frames[^1].SetRed(result, red);
            EmitMidStepExit(frames, site.Instruction, red, type);
        }

        /// <summary>Leaves compiled code in the middle of a step: every frame's live values go to the exit buffer.</summary>
        private void EmitMidStepExit(List<ExtensionFrame> frames, Instruction site, Value promoted, IrType type)
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
                if (frame.ResidualSlots is { Count: > 0 } || frame.Slots is { Count: > 0 })
                    throw new SpecializationException($"{frame.Graph.Name}: compiled code cannot leave in the middle of a step that uses address-taken locals ({site.Location}); keep Jit.Promote out of such methods");
                var block = new Block(frame.Block);
                var live = Liveness.LiveFrom(graph, block, frame.Index);
                var values = new List<ExitValue>();
                foreach (var value in live.OrderBy(v => v.Index))
                {
                    if (frame.States[value.Index] == RegisterState.Unset)
                    {
                        if (frame.Graph.Definitions[value.Index] is not null) Ensure(frame, value.Index);
                        else continue;   // a call's result not back yet, or a value the rest defines again
                    }
                    if (frame.IsGreen(value.Index))
                    {
                        values.Add(new ExitValue(value, true, frame.Box(value.Index), 0));
                        continue;
                    }
                    var red = frame.Reds[value.Index];
                    var valueType = graph.TypeOf(value);
                    if (valueType.Kind is TypeKind.ByRef or TypeKind.Pointer)
                        throw new SpecializationException($"{frame.Graph.Name}: compiled code cannot leave in the middle of a step while an address ({value}) is live ({site.Location})");
                    if (red == promoted && promotedSlot == 0) promotedSlot = slot;
                    StoreExit(slot, Box(red, valueType));
                    values.Add(new ExitValue(value, false, null, slot++));
                }
                var callResult = f + 1 < frames.Count ? frames[f + 1].CallSite!.Instruction.Result : null;
                exitFrames.Add(new ExitFrame(graph, block, frame.Index, values, callResult));
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

        private Slot ResidualSlot(ExtensionFrame frame, Slot slot)
        {
            var slots = frame.ResidualSlots ??= [];
            if (!slots.TryGetValue(slot, out var mapped))
                slots[slot] = mapped = residual.AddSlot(frame.Graph.Graph[slot].Type, frame.Graph.Graph[slot].Name);
            return mapped;
        }

        private void Split(List<ExtensionFrame> frames, ExtensionOp branch, Value selector)
        {
            var copy = new Instruction(branch.Instruction.Opcode, selector) { Location = branch.Instruction.Location };
            foreach (var target in branch.Targets)
            {
                var block = residual.AddBlock();
                copy.Targets.Add(new BlockCall(block, []));
                pending.Enqueue(new Pending(block, frames.Select(f => f.Copy()).ToList(), target, origin!));
            }
            Append(copy);
        }

        /// <summary>What <c>brif</c> sees: a non-zero integer; a reference as <see cref="ValueSemantics.IsTrue"/> sees its object.</summary>
        private static bool IsTrue(ExtensionFrame frame, int value) => frame.Graph.Classes[value] switch
        {
            RegisterClass.Int => frame.Int(value) != 0,
            RegisterClass.Float => true,
            _ => ValueSemantics.IsTrue(frame.Ref(value)),
        };

        private static int SwitchIndex(ExtensionFrame frame, int value, int targets)
        {
            long index = frame.Graph.Classes[value] switch
            {
                RegisterClass.Int => frame.Graph.Types[value].StackKind == StackKind.Int32 ? (uint)(int)frame.Int(value) : frame.Int(value),
                RegisterClass.Float => -1,
                _ => frame.Ref(value) switch { int i => (uint)i, long l => l, nint n => n, _ => -1 },
            };
            return index >= 0 && index < targets - 1 ? (int)index : targets - 1;
        }

        // ---- calls ------------------------------------------------------------------------------------

        private bool Call(List<ExtensionFrame> frames, ExtensionFrame frame, ExtensionOp op)
        {
            var decision = op.Decision ?? throw new SpecializationException(op.Message!);
            var instruction = op.Instruction;
            switch (decision.Treatment)
            {
                case Analysis.BindingTimes.CallTreatment.MergePoint:
                {
                    int greenCount = owner.GreenCount;
                    var greens = new List<object?>(greenCount);
                    for (int i = 0; i < greenCount; i++)
                    {
                        var known = Lookup(frame, op.Operands[i]);
                        if (!known.IsGreen) throw new SpecializationException($"{frame.Graph.Name}: a declared green is red at the merge point");
                        greens.Add(known.Green);
                    }
                    var reds = new List<Value>();
                    for (int i = greenCount; i < op.Operands.Length; i++)
                    {
                        Ensure(frame, op.Operands[i]);
                        reds.Add(Lift(frame, op.Operands[i], op.OperandTypes[i]));
                    }
                    foreach (var implicitRed in owner.portal.ImplicitReds)
                    {
                        Ensure(frame, implicitRed.Index);
                        reds.Add(Lift(frame, implicitRed.Index, frame.Graph.Types[implicitRed.Index]));
                    }
                    EnterKey(new GreenKey(greens), reds);
                    return false;
                }
                case Analysis.BindingTimes.CallTreatment.CanEnterJit or Analysis.BindingTimes.CallTreatment.AssertGreen:
                    return true;
                case Analysis.BindingTimes.CallTreatment.Promote:
                {
                    int operand = op.Operands[0];
                    Ensure(frame, operand);
                    if (frame.IsGreen(operand))
                    {
                        frame.CopyFrom(frame, operand, op.Result);
                        return true;
                    }
                    Promote(frames, op, frame.Reds[operand], op.OperandTypes[0]);
                    return false;
                }
                case Analysis.BindingTimes.CallTreatment.GreenCall when AllGreen(frame, op.Operands):
                    InvokeGreen(frame, op);
                    return true;
                case Analysis.BindingTimes.CallTreatment.Inline when frames.Count <= owner.settings.MaxInliningDepth && !op.Callees[0].HasRegions:
                    Enter(frames, frame, op, op.Callees[0]);
                    return true;
                case Analysis.BindingTimes.CallTreatment.InlineVirtual when frames.Count <= owner.settings.MaxInliningDepth
                    && Receiver(frame, op) is { } receiver
                    && Override(op, receiver) is { HasRegions: false } target:
                    Enter(frames, frame, op, target);
                    return true;
                default:
                    Residualize(frame, op);
                    return true;
            }
        }

        private object? Receiver(ExtensionFrame frame, ExtensionOp op)
        {
            int operand = op.Operands[0];
            Ensure(frame, operand);
            return frame.IsGreen(operand) ? frame.Box(operand) : null;
        }

        private void Enter(List<ExtensionFrame> frames, ExtensionFrame caller, ExtensionOp call, ExtensionGraph target)
        {
            var callee = new ExtensionFrame(target) { Block = FlowGraph.Entry.Index, CallSite = call };
            var parameters = target.Parameters;
            for (int i = 0; i < parameters.Length; i++)
            {
                int operand = call.Operands[i], parameter = parameters[i];
                Ensure(caller, operand);
                if (caller.IsGreen(operand) && target.RedValues[parameter])
                    callee.SetRed(parameter, Lift(caller, operand, target.Types[parameter]));
                else
                    callee.CopyFrom(caller, operand, parameter);
            }
            frames.Add(callee);
        }

        /// <summary>The compiled override a green receiver dispatches to, among the analyzed targets (looked up once per call site and receiver type).</summary>
        private ExtensionGraph? Override(ExtensionOp op, object receiver)
        {
            var receiverType = receiver.GetType();
            if (owner.overrides.TryGetValue((op, receiverType), out var known)) return known;
            ExtensionGraph? found = null;
            var candidates = op.Decision!.Targets;
            for (int c = 0; c < candidates.Count && found is null; c++)
            {
                var method = (MethodInfo)owner.resolver.ResolveMethod(MethodRef.From(candidates[c].Method));
                for (var type = receiverType; type is not null; type = type.BaseType)
                {
                    var declared = type.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                        .FirstOrDefault(m => m.GetBaseDefinition() == method.GetBaseDefinition());
                    if (declared is null) continue;
                    if (declared.MetadataToken == method.MetadataToken && declared.Module == method.Module) found = op.Callees[c];
                    break;
                }
            }
            owner.overrides[(op, receiverType)] = found;
            return found;
        }

        /// <summary>Runs a green call through its compiled delegate; what it throws becomes a <see cref="SpecializationException"/>.</summary>
        private static void InvokeGreen(ExtensionFrame frame, ExtensionOp op)
        {
            op.AccessRuns++;
            try
            {
                op.Access!(frame, op.OperandRegisters, op.Result < 0 ? -1 : frame.Graph.Registers[op.Result]);
                if (op.Result >= 0) frame.States[op.Result] = RegisterState.Green;
            }
            catch (Exception e) when (e is not SpecializationException)
            {
                throw new SpecializationException($"{frame.Graph.Name}: the green call to {op.Instruction.Method!.Name} threw {e.GetType().Name} while specializing", e);
            }
        }
    }
}
