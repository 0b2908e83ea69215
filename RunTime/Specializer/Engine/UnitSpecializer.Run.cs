using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

public sealed partial class UnitSpecializer
{
    /// <summary>A path still to specialize: where its code goes, its frames, and the key its step started at.</summary>
    private sealed record Pending(Block Residual, List<ExtensionFrame> Frames, ExtensionTarget? Transfer, GreenKey Origin);

    /// <summary>
    /// One specialization of a unit from its entry key: the residual graph being built, the paths still to
    /// run, and the loop that runs each path op by op. Keys and exits, lifting, promotion and calls are in the
    /// other <c>UnitSpecializer.*.cs</c> files.
    /// </summary>
    /// <remarks>
    /// Cost: linear in the unit: each op of each path runs once (<see cref="UnitSpecializer.OpsRun"/> counts them), and
    /// each residual instruction is appended once; keys and constants are found by hashing. <c>SpecializerCostTests</c>
    /// checks it counted (ops, residual block look-ups, allocation at N and 2N register instructions).
    /// </remarks>
    private sealed partial class Run
    {
        private readonly UnitSpecializer owner;
        private readonly GreenKey entryKey;
        private readonly FlowGraph residual;
        private readonly Unit unit;
        private readonly Value constants;
        private readonly Value exitBuffer;
        // Block indices, not blocks: a dictionary with a struct of PeJit's as its value is compiled by .NET on the first
        // unit's path (Docs/PERFORMANCE.md, warm-up).
        private readonly Dictionary<GreenKey, int> keyBlocks = [];
        private readonly PathQueue pending = new();
        private readonly Dictionary<object, int> constantIndex = new(ReferenceEqualityComparer.Instance);
        private readonly IrType objectArray = IrType.Class("System.Object[]");
        private readonly FlowGraph portalGraph;
        // The engine's copies of struct locals with red fields (analysis rule 7), each with the residual slot that holds
        // the whole struct: a write through a green address of one is performed on the copy and emitted to the slot.
        // Made when first needed: a dictionary with a struct of PeJit's as its value is compiled by .NET on first use.
        private Dictionary<object, Slot>? partialStructs;
        private Block current;
        private int instructionCount;

        // Block arguments read before any parameter is written (a loop may pass a parameter to another).
        private RegisterState[] scratchStates = new RegisterState[8];
        private long[] scratchInts = new long[8];
        private double[] scratchFloats = new double[8];
        private object?[] scratchRefs = new object?[8];
        private Value[] scratchReds = new Value[8];
        private object?[] scratchClasses = new object?[8];

        private readonly IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>> promotions;
        private readonly IReadOnlySet<GreenKey>? allowed;

        /// <summary>The key whose step the current path runs; null while entering the unit.</summary>
        private GreenKey? origin;

        /// <summary>
        /// The key of the step the current path runs, whose cases a <c>Jit.Promote</c> site on it compiles
        /// (<see cref="PromotionSite"/>); the entry's while entering the unit.
        /// </summary>
        private GreenKey StepKey => origin ?? entryKey;

        /// <summary>Which key's step reached which key, in this run.</summary>
        public KeyGraph KeyGraph { get; } = new();

        /// <summary>A run from <paramref name="entryKey"/>; <paramref name="allowed"/> are the keys the unit may hold
        /// code for (others become exits), null for any within the budgets.</summary>
        public Run(UnitSpecializer owner, GreenKey entryKey, IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>> promotions, IReadOnlySet<GreenKey>? allowed, bool wholeFunction = false,
            CompiledExit? startExit = null)
        {
            this.owner = owner;
            this.entryKey = entryKey;
            this.promotions = promotions;
            this.allowed = allowed;
            this.startExit = startExit;
            portalGraph = owner.program.Portal.Graph;
            this.wholeFunction = wholeFunction;
            // A function's unit takes its reds typed and returns the portal's result unboxed when the backend can
            // call it so (DirectSelfCalls), so that its calls of its own key are direct calls of its own method.
            // A bridge takes the exit buffer it starts from as its state (UnitSpecializer.ExitBridges.cs): never typed.
            // An instance portal's unit takes `this` as its last parameter (StateVariables put the implicit reds last, at
            // PortalProtocol.ThisIndex in the state); its exits write only the merge point's variables, as an untyped
            // unit's do: `this` never changes, and whoever enters (the woven entry's cell or slow path) made the state the
            // runtime goes on with, `this` included.
            typed = startExit is null && owner.DirectSelfCalls && wholeFunction && owner.CallCells is not null
                && portalGraph.ReturnType.Kind is not (TypeKind.GenericParameter or TypeKind.ByRef or TypeKind.Pointer);
            // Concatenated, not interpolated: the first interpolated string of a process sets up the shared char ArrayPool
            // (its EventSource, a ConditionalWeakTable), some fifty type loads in the first unit (Docs/PERFORMANCE.md, "Cold warm-up").
            residual = new FlowGraph((startExit is null ? "unit " : "bridge ") + owner.portal.Name + " " + entryKey.ToString()
                + (startExit is null ? "" : " exit #" + startExit.Index.ToString()), typed ? portalGraph.ReturnType : IrType.Object)
                { Virtualizables = owner.Virtualizables ? owner.portal.Virtualizables : [] };
            unit = new Unit(residual, entryKey);
            current = residual.AddBlock();
            constants = residual.AddParameter(current, objectArray, "constants");
            exitBuffer = residual.AddParameter(current, objectArray, "exit");
            if (!typed)
            {
                state = residual.AddParameter(current, objectArray, "state");
                return;
            }
            var stateValues = owner.StateVariables;
            var indices = new int[stateValues.Length - owner.GreenCount];
            for (int j = owner.GreenCount; j < stateValues.Length; j++)
            {
                indices[j - owner.GreenCount] = j;
                typedReds.Add(residual.AddParameter(current, portalGraph.TypeOf(stateValues[j]), $"state{j}"));
            }
            unit.StateParameters = indices;
            unit.Self = new CallCell.SelfCode();
        }

        private readonly Value state;

        /// <summary>Whether the unit is a function's (entered where the portal enters it): a call of its own key is recursion.</summary>
        private readonly bool wholeFunction;

        /// <summary>
        /// Whether the unit takes <c>(constants, exit, red...)</c> typed and returns the portal's result unboxed
        /// (<see cref="Unit.StateParameters"/>) instead of the state array and a boxed result.
        /// </summary>
        private readonly bool typed;

        /// <summary>The reds as the typed unit's parameters.</summary>
        private readonly List<Value> typedReds = [];

        public Unit Execute()
        {
            // The entry unboxes the reds from the merge-point state (greens first, then reds).
            // The state holds the merge point's variables, then the implicit reds.
            var reds = new List<Value>();
            var stateValues = owner.StateVariables;
            if (startExit is not null) StartAtExit(startExit);
            else if (typed) reds.AddRange(typedReds);
            else
            {
                for (int j = owner.GreenCount; j < stateValues.Length; j++)
                {
                    var type = portalGraph.TypeOf(stateValues[j]);
                    var element = Emit(new Instruction(Opcode.LoadElement, state, Constant(j, IrType.I32)) { TypeOperand = IrType.Object }, IrType.Object);
                    reds.Add(Unbox(element, type));
                }
            }
            if (startExit is null) EnterKey(entryKey, reds);
            while (pending.Count > 0)
            {
                // A path runs until it ends or waits at a join point; when every path of its step waits, the
                // earliest ones join and go on (UnitSpecializer.Joins.cs).
                var next = pending.Dequeue();
                current = next.Residual;
                origin = next.Origin;
                step = pending.StepOf(next.Origin);
                var arrived = Arrived.Continue;
                if (next.Transfer is { } transfer)
                {
                    Transfer(next.Frames[^1], transfer);
                    arrived = Arrive(next.Frames, blockEntry: true);
                }
                if (arrived == Arrived.Continue) arrived = RunPath(next.Frames);
                if (arrived == Arrived.Ended) step.Alive--;
                ReleaseJoins(step);
            }
            GuardExitedFinallies();
            EmitExitTails();
            NoteColdCalls();
            // The optimizer keeps to the passes that leave exception regions intact on a unit that holds one, hot loop
            // included: say so where a person reads why a loop was not optimized (a query engine's foreach over a
            // Dictionary after its scan loop, in the loop's unit, kept its per-row loop from most passes).
            if (residual.RegionCount > 0)
                unit.Notes.Add($"holds {residual.RegionCount} exception region(s) (a try, catch or finally it inlined: a foreach over a collection, "
                    + "a using, a lock; or the portal's own): the optimizer runs only its passes that keep regions intact on the whole unit; "
                    + "a try the loop does not need (code after the loop, run once) is better called outside the portal");
            if (unit.DirectSelfCalls > 0)
            {
                unit.Notes.Add($"calls itself directly at {unit.DirectSelfCalls} call(s) (reds as arguments, the result unboxed; through its call cell with little stack left)");
                if (owner.ShapedSelfCalls && selfCallSites is not null && SelfCallShapes.Split(residual, selfCallSites, unit.StateParameters!) is { } shaped)
                {
                    unit.ShapedEntry = shaped;
                    unit.Notes.Add($"its direct calls that make the callee's reds pass their contents to a second entry ({shaped.Parameters.Count - 2} parameters after the constants and the exit buffer)");
                }
            }
            unit.ExitBufferSize = Math.Max(unit.ExitBufferSize, owner.MergeVariables.Count + 1);
            return unit;
        }

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

        /// <summary>
        /// Copies an interpreter instruction into the residual code, its operands lifted; a result becomes red. In the frame of
        /// an inlined generic method the copy names the closed types and members (<see cref="Instantiation"/>).
        /// </summary>
        private void Residualize(ExtensionFrame frame, ExtensionOp op)
        {
            var instruction = op.Instruction;
            if (frame.Generic is { } typeArguments && op.Result >= 0 && op.Operands.Length == 0 && instruction.Method is { } called
                && typeArguments.TypeArgumentConstant(called) is (true, var constant))
            {
                // A test of the type arguments alone (IsReferenceOrContainsReferences<T>()): known once they are, as .NET's JIT knows it.
                frame.SetBoxed(op.Result, constant);
                return;
            }
            if (frame.Generic is null && GenericParameterNamed(op) is { } generic)
                throw new SpecializationException($"{frame.Graph.Name} ({instruction.Location}): the residual {instruction.Info.Name}"
                    + (instruction.Method is { } method ? $" of {method.Name}" : "") + $" would name the generic parameter {generic}, and the call "
                    + "that reached this generic code did not say its type arguments (a generic method called through a delegate or an "
                    + "interface the engine did not resolve); mark the method [DontLookInside] to keep it a call");
            var copy = new Instruction(instruction.Opcode)
            {
                Integer = instruction.Integer, Float = instruction.Float, Text = instruction.Text,
                TypeOperand = instruction.TypeOperand, Field = instruction.Field, Method = instruction.Method,
                Slot = instruction.Slot, Location = instruction.Location,
            };
            var resultType = op.ResultType;
            if (frame.Generic is { } instantiation) resultType = Instantiate(frame, instantiation, op, copy);
            var operands = op.Operands;
            for (int i = 0; i < operands.Length; i++)
            {
                Ensure(frame, operands[i]);
                copy.Operands.Add(Lift(frame, operands[i], TypeIn(frame, op.OperandTypes[i])));
            }
            if (op.Result < 0)
            {
                Append(copy);
                return;
            }
            frame.SetRed(op.Result, Emit(copy, resultType));
        }

        /// <summary>
        /// Names the closed types and members in <paramref name="copy"/> of <paramref name="op"/>, run in a generic method's
        /// frame (<c>ldelem T</c>: <c>ldelem i64</c>); returns the result's closed type. What the process cannot instantiate
        /// (a framework class's private member that differs from the analyzed one) gives up the unit: the interpreter goes on.
        /// </summary>
        private static IrType Instantiate(ExtensionFrame frame, Instantiation instantiation, ExtensionOp op, Instruction copy)
        {
            try
            {
                if (copy.TypeOperand is { } typeOperand) copy.TypeOperand = instantiation.Type(typeOperand);
                if (copy.Field is { } field) copy.Field = instantiation.Field(field);
                if (copy.Method is { } method) copy.Method = instantiation.Reference(method);
                return instantiation.Type(op.ResultType);
            }
            catch (Exception e) when (Instantiation.CannotInstantiate(e))
            {
                throw new SpecializationException($"{frame.Graph.Name} ({op.Instruction.Location}): the residual {op.Instruction.Info.Name} cannot be instantiated "
                    + $"for {instantiation.Method.DeclaringType}::{instantiation.Method.Name}: {e.Message}", e);
            }
        }

        /// <summary><paramref name="type"/>, a type <paramref name="frame"/>'s code names, with the frame's type arguments (itself outside generic code).</summary>
        private static IrType TypeIn(ExtensionFrame frame, IrType type) => TypeIn(frame.Generic, frame.Graph.Name, type);

        /// <summary><paramref name="type"/> with the type arguments of <paramref name="instantiation"/> (itself for none); what cannot be instantiated gives the unit up.</summary>
        private static IrType TypeIn(Instantiation? instantiation, string graph, IrType type)
        {
            if (instantiation is null) return type;
            try
            {
                return instantiation.Type(type);
            }
            catch (Exception e) when (Instantiation.CannotInstantiate(e))
            {
                throw new SpecializationException($"{graph}: the type {type} cannot be instantiated for "
                    + $"{instantiation.Method.DeclaringType}::{instantiation.Method.Name}: {e.Message}", e);
            }
        }

        /// <summary>The name of a generic parameter a residual copy of <paramref name="op"/> would have for a type, or null.</summary>
        private static string? GenericParameterNamed(ExtensionOp op) =>
            IrType.GenericParameterAmong(op.Result >= 0 ? op.ResultType : null, op.Instruction.TypeOperand, op.OperandTypes);

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
                scratchClasses = new object?[size];
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
                    scratchReds[i] = Lift(frame, argument, TypeIn(frame, graph.Types[parameters[i]]));
                    scratchClasses[i] = frame.States[argument] == RegisterState.Red ? frame.ExactClass(argument) : null;
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
                    frame.SetRed(parameter, scratchReds[i], scratchClasses[i]);
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
            Array.Clear(scratchClasses, 0, count);
            frame.Block = target.Block;
            frame.Index = 0;
        }

        /// <summary>Runs a path op by op until it ends or waits at a join point.</summary>
        private Arrived RunPath(List<ExtensionFrame> frames)
        {
            pathFrames = frames;
            for (int steps = 0; ; steps++)
            {
                if (steps > owner.settings.MaxStepsPerPath)
                    throw new SpecializationException($"unit at {entryKey}: a path ran {steps} steps without reaching a merge point (MaxStepsPerPath); an unrolled loop may not end");
                var frame = frames[^1];
                if (frame.Index == 0 && (frame.Graph.HasRegions || frame.OpenTries is not null)) AlignRegions(frames, frame);
                int depth = frames.Count;
                var op = frame.Graph.Blocks[frame.Block][frame.Index++];
                owner.opsRun++;
                if (!Step(frames, frame, op)) return Arrived.Ended;
                // Into a block, or back from a call: maybe a join point.
                bool entered = frames.Count == depth && frame.Index == 0;
                if (!entered && frames.Count >= depth && !arriveAfterCall) continue;
                arriveAfterCall = false;
                var arrived = Arrive(frames, entered);
                if (arrived != Arrived.Continue) return arrived;
            }
        }

        /// <summary>Runs one op; false when the path ends.</summary>
        private bool Step(List<ExtensionFrame> frames, ExtensionFrame frame, ExtensionOp op)
        {
            switch (op.Kind)
            {
                case ExtensionOpKind.Jump or ExtensionOpKind.Leave:
                    Transfer(frame, op.Targets[0]);
                    return true;
                case ExtensionOpKind.EndFinally or ExtensionOpKind.Rethrow or ExtensionOpKind.EndFilter:
                    return EndHandler(frame, op);
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
                    if (TryBranchOnClass(frame, op)) return true;
                    Split(frames, op, frame.Reds[selector]);
                    return false;
                }
                case ExtensionOpKind.Return:
                    RefuseInsideRegions([frame], frame, "a return");
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
                    RefuseSlotStoreInsideMergeRegions(frame, op);
                    if (!op.RedSlot)
                    {
                        RefuseGreenStoreInsideRegions(frame, op);
                        (frame.Slots ??= new(SlotComparer.Instance))[slot] = frame.Get(stored);
                        // A struct local with red fields: its residual slot holds the whole struct, so it gets the value too
                        // (a copy: the engine's may be written in place later).
                        if (op.PartialSlot)
                            Append(new Instruction(Opcode.StoreSlot, frame.IsGreen(stored)
                                ? Lift(Known.OfGreen(GreenExecution.CopyOfStruct(frame.Box(stored))), frame.Graph.Graph[slot].Type)
                                : Lift(frame, stored, frame.Graph.Graph[slot].Type)) { Slot = ResidualSlot(frame, slot) });
                    }
                    else
                        Append(new Instruction(Opcode.StoreSlot, Lift(frame, stored, frame.Graph.Graph[slot].Type)) { Slot = ResidualSlot(frame, slot) });
                    return true;
                }
                case ExtensionOpKind.LoadRedSlot:
                {
                    var slot = op.Instruction.Slot;
                    frame.SetRed(op.Result, Emit(new Instruction(Opcode.LoadSlot) { Slot = ResidualSlot(frame, slot) }, TypeIn(frame, frame.Graph.Graph[slot].Type)));
                    return true;
                }
                case ExtensionOpKind.SlotAddress:
                    frame.SetRed(op.Result, Emit(new Instruction(Opcode.SlotAddr) { Slot = ResidualSlot(frame, op.Instruction.Slot) }, TypeIn(frame, op.ResultType)));
                    return true;
                case ExtensionOpKind.Effect when ExtensionLinker.IsStoreThroughAddress(op):
                    Ensure(frame, op.Operands[0]);
                    if (frame.IsGreen(op.Operands[0]) && frame.Box(op.Operands[0]) is GreenSlotAddress local) StoreThroughSlotAddress(frames, frame, op, local);
                    else if (frame.IsGreen(op.Operands[0])) StoreThroughGreenAddress(frames, frame, op);
                    else Residualize(frame, op);
                    return true;
                case ExtensionOpKind.Value when op.ResultIsGreen && op.Instruction.Opcode == Opcode.SlotAddr
                                               && TypeIn(frame, frame.Graph.Graph[op.Instruction.Slot].Type).StackKind != StackKind.ValueType:
                    // The green address of a local that is not a struct: the local itself, in this path's frame (GreenSlotAddress).
                    frame.SetBoxed(op.Result, new GreenSlotAddress(frames.Count - 1, op.Instruction.Slot));
                    return true;
                case ExtensionOpKind.Value when op.ResultIsGreen && op.Instruction.Opcode == Opcode.Load && IsSlotAddress(frame, op.Operands[0], out var read):
                    frame.Set(op.Result, SlotContents(frames, read));
                    return true;
                case ExtensionOpKind.Value when op.PartialSlot:
                    // A green address of a struct local with red fields: the fresh copy it stands for is registered with
                    // the residual slot that holds the whole struct (StoreThroughGreenAddress, Lift).
                    RunGreen(frame, op);
                    if (frame.Ref(op.Result) is { } copy) (partialStructs ??= new(ReferenceEqualityComparer.Instance))[copy] = ResidualSlot(frame, op.Instruction.Slot);
                    return true;
                case ExtensionOpKind.Value:
                {
                    if (TryDecideOnClass(frame, op)) return true;
                    if (!op.ResultIsGreen || !AllGreen(frame, op.Operands))
                        Residualize(frame, op);
                    else if (TryRunGreen(frame, op) is { } thrown)
                        return ThrowsAtRunTime(frame, op, thrown);
                    return true;
                }
                default:
                    Residualize(frame, op);
                    return true;
            }
        }

        /// <summary>True when value <paramref name="value"/> of <paramref name="frame"/> is a green address of a local that is not a struct.</summary>
        private bool IsSlotAddress(ExtensionFrame frame, int value, out GreenSlotAddress address)
        {
            Ensure(frame, value);
            address = (frame.IsGreen(value) ? frame.Box(value) as GreenSlotAddress : null)!;
            return address is not null;
        }

        /// <summary>What the local a green address names holds now, in this path's frames (its type's default before any store).</summary>
        private static Known SlotContents(List<ExtensionFrame> frames, GreenSlotAddress address)
        {
            var owner = frames[address.Depth];
            if (owner.Slots is not null && owner.Slots.TryGetValue(address.Slot, out var known)) return known;
            return Known.OfGreen(DefaultOf(TypeIn(owner, owner.Graph.Graph[address.Slot].Type)));
        }

        /// <summary>The default value of a local of <paramref name="type"/> that is not a struct, as the engine holds a green one.</summary>
        private static object? DefaultOf(IrType type)
        {
            object? zero = type.StackKind switch
            {
                StackKind.Int32 => 0, StackKind.Int64 => 0L, StackKind.NativeInt => (nint)0,
                StackKind.Float => type.Kind == TypeKind.F32 ? 0f : 0d,
                _ => null,
            };
            return zero;
        }

        /// <summary>
        /// A store through the green address of a local that is not a struct (analysis rule 9, Docs/bta.md rule 11: a helper advancing a
        /// green pc passed by ref): the local's green contents in its frame change, nothing is emitted.
        /// </summary>
        private void StoreThroughSlotAddress(List<ExtensionFrame> frames, ExtensionFrame frame, ExtensionOp op, GreenSlotAddress address)
        {
            var instruction = op.Instruction;
            var owner = frames[address.Depth];
            if (instruction.Opcode == Opcode.InitObj)
            {
                // default(T) in generic code, whose T is a type that is no struct here (long): the local's default.
                (owner.Slots ??= new(SlotComparer.Instance))[address.Slot] = Known.OfGreen(DefaultOf(TypeIn(owner, owner.Graph.Graph[address.Slot].Type)));
                return;
            }
            int stored = op.Operands[1];
            Ensure(frame, stored);
            if (!frame.IsGreen(stored))
                throw new SpecializationException($"{frame.Graph.Name}: the store at {instruction.Location} writes a red value through the green address of a local; "
                    + "the analysis keeps a local passed by ref green only while every store through its address is green, so the compiled program and its analysis differ: build it again with pejit build");
            foreach (var open in frames)
                if (open.OpenTries is not null)
                    throw new SpecializationException($"{frame.Graph.Name}: the green store through an address at {instruction.Location} is inside a try block; its handler would not see the value. "
                        + "Make the local red, or mark the helper that writes it [DontLookInside]");
            (owner.Slots ??= new(SlotComparer.Instance))[address.Slot] = Known.OfGreen(ValueSemantics.Normalize(frame.Box(stored), TypeIn(owner, owner.Graph.Graph[address.Slot].Type)));
        }

        /// <summary>
        /// A field writer's <c>stfld</c> through a green address (analysis rule 7): the address stands for the
        /// struct copy the green <c>slotaddr</c> made the slot's value (GreenExecution, LoadSlot), and the write is
        /// performed on it, so the slot, and what reads it afterwards, sees the new field. Nothing is emitted.
        /// </summary>
        private void StoreThroughGreenAddress(List<ExtensionFrame> frames, ExtensionFrame frame, ExtensionOp op)
        {
            var instruction = op.Instruction;
            foreach (var open in frames)
                if (open.OpenTries is not null)
                    throw new SpecializationException($"{frame.Graph.Name}: the green write through an address at {instruction.Location} is inside a try block; its handler would not see the value. "
                        + "Make the struct red (Jit.Promote a field of it after the try), or mark the method that writes it [DontLookInside]");
            var target = frame.Ref(op.Operands[0]) ?? throw new SpecializationException($"{frame.Graph.Name}: the green address written at {instruction.Location} holds no struct");
            // A struct local with red fields (analysis rule 7): the write also goes to the residual slot holding the whole struct.
            Value? residualAddress = partialStructs is not null && partialStructs.TryGetValue(target is GreenFieldAddress inner ? inner.Struct : target, out var held)
                ? Lift(Known.OfGreen(target), op.OperandTypes[0]) : null;
            if (instruction.Opcode == Opcode.InitObj)
            {
                // initobj: every field of the copy back to its default.
                var type = op.RuntimeType ?? throw new SpecializationException($"{frame.Graph.Name}: the type {instruction.TypeOperand} reset at {instruction.Location} was not found when the program was linked");
                if (type != target.GetType())
                    throw new SpecializationException($"{frame.Graph.Name}: the green address reset at {instruction.Location} holds a {target.GetType().Name}, not a {type.Name}");
                var fresh = Activator.CreateInstance(type);
                foreach (var each in type.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic))
                    each.SetValue(target, each.GetValue(fresh));
                if (residualAddress is { } reset) Append(new Instruction(Opcode.InitObj, reset) { TypeOperand = instruction.TypeOperand, Location = instruction.Location });
                return;
            }
            int stored = op.Operands[1];
            Ensure(frame, stored);
            if (residualAddress is { } written)
            {
                Append(new Instruction(instruction.Opcode, written, Lift(frame, stored, op.OperandTypes[1]))
                {
                    Field = instruction.Field, TypeOperand = instruction.TypeOperand, Location = instruction.Location,
                });
                // A red value goes to the residual slot alone: the analysis made the field red, so nothing reads the copy's.
                if (!frame.IsGreen(stored)) return;
            }
            if (frame.IsGreen(stored) && target is GreenFieldAddress address)
            {
                // store through a field's address (s.F++, s.F += x).
                address.Store(ValueSemantics.ToClr(frame.Box(stored), address.Field.FieldType));
                return;
            }
            if (!frame.IsGreen(stored))
                throw new SpecializationException($"{frame.Graph.Name}: the store to {instruction.Field!.Name} at {instruction.Location} writes a red value through a green address; "
                    + "the analysis keeps a struct green only while every write into it is green, so the compiled program and its analysis differ: build it again with pejit build");
            if (instruction.Opcode != Opcode.StoreField)
                throw new SpecializationException($"{frame.Graph.Name}: the green address written at {instruction.Location} is not a field's");
            var field = op.RuntimeField
                ?? throw new SpecializationException($"{frame.Graph.Name}: the field {instruction.Field!.FullName} written at {instruction.Location} was not found when the program was linked");
            field.SetValue(target, ValueSemantics.ToClr(frame.Box(stored), field.FieldType));
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

        /// <summary>
        /// Runs a green op on the path; what it throws as the interpreter's own instruction would (a green array
        /// index out of range, a division by zero of green values) is returned, anything else is a
        /// <see cref="SpecializationException"/> that names the op.
        /// </summary>
        private static Exception? TryRunGreen(ExtensionFrame frame, ExtensionOp op)
        {
            try
            {
                GreenExecution.Run(frame, op);
                return null;
            }
            catch (Exception e) when (e is ArithmeticException or IndexOutOfRangeException or NullReferenceException or InvalidCastException)
            {
                return e;
            }
            catch (EvaluationException e)
            {
                var instruction = op.Instruction;
                throw new SpecializationException($"{frame.Graph.Name}: the green '{instruction.Info.Name}' at {instruction.Location} threw {e.GetType().Name} while specializing", e);
            }
        }

        /// <summary>
        /// A green op or call threw while specializing: the interpreter, reaching it with these greens, throws there. The
        /// op goes into the residual code with its operands as constants, so that compiled code throws the same
        /// exception at the same point, after the same effects; the path ends there (nothing after it runs), and
        /// the rest of the unit is compiled as usual. Ends the path (false).
        /// </summary>
        private bool ThrowsAtRunTime(ExtensionFrame frame, ExtensionOp op, Exception thrown)
        {
            var instruction = op.Instruction;
            string what = instruction.Method is { } method ? $"call to {method.Name}" : $"'{instruction.Info.Name}'";
            unit.Notes.Add($"{frame.Graph.Name}: the green {what} at {instruction.Location} throws {thrown.GetType().Name} with the greens of {origin ?? entryKey}; compiled code throws it there");
            Residualize(frame, op);
            // Never reached: the op above always throws (its operands are constants). A block needs a terminator.
            Append(new Instruction(Opcode.Throw, Emit(new Instruction(Opcode.Null), IrType.Object)) { Location = instruction.Location });
            return false;
        }

        private Slot ResidualSlot(ExtensionFrame frame, Slot slot)
        {
            var slots = frame.ResidualSlots ??= new(SlotComparer.Instance);
            if (!slots.TryGetValue(slot, out var mapped))
                slots[slot] = mapped = residual.AddSlot(TypeIn(frame, frame.Graph.Graph[slot].Type), frame.Graph.Graph[slot].Name);
            return mapped;
        }

        private void Split(List<ExtensionFrame> frames, ExtensionOp branch, Value selector)
        {
            // Paths split at red branches join again where they meet with the same greens (UnitSpecializer.Joins.cs),
            // but paths whose greens stay apart (a green set differently on each side) do not. The key budget is
            // checked only at merge points; this one stops the paths themselves, before their residual code or
            // their queue outgrows memory: the unit is given up, the interpreter goes on.
            if (instructionCount >= owner.settings.MaxResidualInstructions)
                throw new SpecializationException($"unit at {entryKey}: {instructionCount} residual instructions before the paths split at red branches reached a merge point (MaxResidualInstructions): "
                    + $"the branch at {branch.Instruction.Location} is one of many red branches within one interpreted step; make the values it tests green, or move the code behind them into a helper the analysis leaves a call ([DontLookInside])");
            var copy = new Instruction(branch.Instruction.Opcode, selector) { Location = branch.Instruction.Location };
            foreach (var target in branch.Targets)
            {
                var block = residual.AddBlock();
                residual[block].Try = residual[current].Try;
                residual[block].HandlerOf = residual[current].HandlerOf;
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
    }
}
