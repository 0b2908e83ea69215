using PeJit.IR;
using PeJit.IR.Semantics;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Compiled calls: an interpreted call (the portal calling itself for a function of the interpreted program)
// calls the callee's compiled unit through a call cell, falling back to the portal when there is none.
public sealed partial class UnitSpecializer
{
    /// <summary>
    /// The call cell for a callee key, made or found by the runtime (which keeps it up to date); null: interpreted
    /// calls stay residual calls of the portal. The function itself returns null for a key that will get no unit (a
    /// function's entry while functions are not compiled): a cell there would only add its state array and a failed
    /// <c>CallCell.Enter</c> to every call before the portal call it falls back to.
    /// </summary>
    public Func<GreenKey, CallCell?>? CallCells { get; set; }

    /// <summary>
    /// Whether the backend compiles typed units (<see cref="Unit.StateParameters"/>) and a call of a unit's own method
    /// (a call whose <see cref="MethodRef.Origin"/> is the residual graph): then a function's unit takes its reds
    /// typed and calls its own key directly, not through its call cell. The runtime sets it for the CIL backend.
    /// </summary>
    public bool DirectSelfCalls { get; set; }

    /// <summary>
    /// Whether a typed unit's direct self-calls that pass objects made for the call (the callee's frame) pass their
    /// contents instead, to a second entry of the unit that makes them only where they escape
    /// (<see cref="Unit.ShapedEntry"/>, <see cref="SelfCallShapes"/>). Only with <see cref="DirectSelfCalls"/>.
    /// </summary>
    public bool ShapedSelfCalls { get; set; } = true;

    /// <summary>
    /// Whether the portal call a compiled call falls back to, or resumes through after the callee's unit left at an exit, goes
    /// on at the merge point without running the portal's entry (a woven portal that tests <c>PortalCounters.Resuming</c>
    /// before its entry's code): then the entry of an interpreted call may do what must happen once per call (a write of a
    /// field, <c>Calls++</c>), run in the caller's residual code before the call (<see cref="Run.RunEntry"/>). Asked at each
    /// such call; null or false: such entries keep the call a portal call. Set by the runtime.
    /// </summary>
    public Func<bool>? ResumesBeforeEntry { get; set; }

    /// <summary>Whether residual graphs carry the portal's <c>[Virtualizable]</c> frames (<see cref="FlowGraph.Virtualizables"/>) for the optimizer to honor.</summary>
    public bool Virtualizables { get; set; } = true;

    private sealed partial class Run
    {
        /// <summary>The most steps the portal's entry (from its parameters to the merge point) may take while it is run green.</summary>
        private const int MaxEntrySteps = 10_000;

        /// <summary>Whether <paramref name="op"/> is a residual call of the portal itself: an interpreted call.</summary>
        private bool IsInterpretedCall(ExtensionOp op) =>
            owner.CallCells is not null && op.Instruction.Method is { } method && method.FullName == owner.portal.FullName;

        /// <summary>
        /// The portal's class when <paramref name="op"/>, a call of the portal's method, may run an override instead (a
        /// <c>callvirt</c> of a virtual method, not <c>sealed</c>, of a class that is not sealed) and the receiver's class is
        /// not known to be that class; else null: the call runs the portal. An override is another method (not woven, other
        /// code), so such a call is compiled only behind a test of the receiver's class (<see cref="CallThroughCell"/>), and
        /// not inlined.
        /// </summary>
        private Type? ClassToGuard(ExtensionFrame frame, ExtensionOp op)
        {
            if (op.Instruction.Method is not { HasThis: true } method || op.Instruction.Opcode != Opcode.CallVirt
                || owner.OverridablePortalClass(method) is not { } portalClass) return null;
            int receiver = op.Operands[0];
            Ensure(frame, receiver);
            var known = frame.IsGreen(receiver) ? frame.Ref(receiver)?.GetType() : frame.ExactClass(receiver) as Type;
            return known == portalClass ? null : portalClass;
        }

        /// <summary>
        /// Whether the receiver of <paramref name="op"/>, an interpreted call of an instance portal, may be null (then the
        /// compiled call is guarded: a null receiver makes the portal call, which throws as the plain interpreter's does).
        /// Not null: a static portal's call (no receiver), a green object, a red whose exact class is known (the portal's
        /// <c>this</c> of a sealed class, an allocation), and the portal's own <c>this</c> in a frame of its graph (the unit's,
        /// or an inlined activation's, which was entered only on a receiver known not to be null).
        /// </summary>
        private bool ReceiverMayBeNull(ExtensionFrame frame, ExtensionOp op)
        {
            if (op.Instruction.Method is not { HasThis: true }) return false;
            int receiver = op.Operands[0];
            Ensure(frame, receiver);
            if (frame.IsGreen(receiver)) return frame.Ref(receiver) is null;
            if (frame.ExactClass(receiver) is Type) return false;
            var implicitReds = owner.portal.ImplicitReds;
            return !(frame.Graph == owner.program.Portal && implicitReds.Count > 0 && receiver == implicitReds[0].Index);
        }

        /// <summary>
        /// An interpreted call: runs the portal's entry on the call's arguments up to its merge point, green, to
        /// learn the callee's green key and the reds it starts with; then emits the call through the key's
        /// <see cref="CallCell"/>, the portal call itself as the fallback (see <see cref="CallCell"/>). False, and
        /// nothing emitted, when the entry does something red the fallback would do again (<see cref="RunEntry"/>) or
        /// the key's greens are not all known: the call then stays a plain residual call.
        /// </summary>
        /// <remarks>
        /// Strategy: the entry of a portal usually only initializes the interpreter's loop variables (a stack
        /// pointer to 0) and makes its frame, so it is run on a frame of its own, outside the path: green ops run,
        /// jumps and green branches are followed; the first red op the fallback could not repeat unseen, red branch
        /// or call other than the merge point gives up. It runs dry first (nothing emitted) to learn the callee's
        /// key; once the call is made through the cell, the receiver tested where it may be null (or, for a virtual
        /// portal, of another class), it runs again and emits its red ops (field loads, the frame's arrays).
        /// An instance portal's callee gets the call's receiver as its <c>this</c>.
        /// </remarks>
        private bool CallThroughCell(ExtensionFrame frame, ExtensionOp op)
        {
            // The entry run first without emitting anything, to learn the key; emitted (below) only once the call is made so.
            var merge = CalleeAtMergePoint(frame, op, out var callee, out bool effects, dry: true);
            // A callee the caller reads at run time (`Run(Functions[arg], ...)`, a red argument for a green of the key): a typed
            // unit guesses that the call is of its own key, and tests that argument before the entry (below).
            (int Argument, object? Value)? guess = null;
            if (typed && (merge is null || !AllKnown(callee, merge)) && GuessOwnKey(frame, op) is { } guessed)
            {
                guess = guessed;
                merge = CalleeAtMergePoint(frame, op, out callee, out effects, dry: true, guess: guessed);
            }
            if (merge is null) return false;
            bool mayBeNull = ReceiverMayBeNull(frame, op);
            var classToGuard = ClassToGuard(frame, op);
            if ((mayBeNull || classToGuard is not null) && frame.IsGreen(op.Operands[0])) return false;
            var greens = new List<object?>(owner.GreenCount);
            List<int>? speculated = null;
            for (int i = 0; i < owner.GreenCount; i++)
            {
                var known = Lookup(callee, merge.Operands[i]);
                if (known.IsGreen)
                {
                    greens.Add(known.Green);
                    continue;
                }
                // A green of the callee the caller computes at run time (a closure's entry read from a table): a
                // typed unit guesses that the call is of its own function, and tests that guess (below).
                if (!typed || !CanCompare(merge.OperandTypes[i])) return false;
                (speculated ??= []).Add(i);
                greens.Add(entryKey.Values[i]);
            }
            var key = new GreenKey(greens);
            // A guess tested after the entry ran falls back to the portal call, which would run an entry with effects again.
            if (speculated is not null && (effects || !key.Equals(entryKey))) return false;
            if (owner.CallCells!(key) is not { } cell) return false;

            var location = op.Instruction.Location;
            bool hasResult = op.Result >= 0;
            var join = AddBlockHere();
            Value? joined = hasResult ? residual.AddParameter(join, op.ResultType) : null;
            var fallback = AddBlockHere();
            // Before the entry's code, which may read the receiver's fields: if (receiver == null) the portal call, which throws
            // NullReferenceException as the plain interpreter's call does; for a virtual portal, if (receiver.GetType() !=
            // the portal's class) the portal call, which runs the override.
            if (mayBeNull || classToGuard is not null)
            {
                var receiver = frame.Reds[op.Operands[0]];
                var isNull = Emit(new Instruction(Opcode.Ceq, receiver, Emit(new Instruction(Opcode.Null), op.OperandTypes[0])) { Location = location }, IrType.Bool);
                var notNull = AddBlockHere();
                Append(new Instruction(Opcode.BrIf, isNull) { Location = location, Targets = { new BlockCall(fallback, []), new BlockCall(notNull, []) } });
                current = notNull;
                if (classToGuard is not null)
                {
                    var actual = Emit(new Instruction(Opcode.Call, receiver) { Method = GetTypeMethod, Location = location }, IrType.Class("System.Type"));
                    var same = Emit(new Instruction(Opcode.Ceq, actual, Lift(Known.OfGreen(classToGuard), IrType.Object)) { Location = location }, IrType.Bool);
                    var ofClass = AddBlockHere();
                    Append(new Instruction(Opcode.BrIf, same) { Location = location, Targets = { new BlockCall(ofClass, []), new BlockCall(fallback, []) } });
                    current = ofClass;
                }
            }
            if (guess is { } tested)
            {
                // if (argument == the unit's own key's value) the entry and the call below, else the portal call (the entry not run).
                var argumentType = op.OperandTypes[tested.Argument];
                var same = Emit(new Instruction(Opcode.Ceq, Lift(frame, op.Operands[tested.Argument], argumentType), ExpectedGreen(tested.Value, argumentType)) { Location = location }, IrType.Bool);
                var asGuessed = AddBlockHere();
                Append(new Instruction(Opcode.BrIf, same) { Location = location, Targets = { new BlockCall(asGuessed, []), new BlockCall(fallback, []) } });
                current = asGuessed;
                unit.GuessedSelfCalls++;
            }
            merge = CalleeAtMergePoint(frame, op, out callee, out _, guess: guess)
                ?? throw new SpecializationException($"{frame.Graph.Name}: the portal's entry at the interpreted call at {location} reached its merge point once and not again");
            if (speculated is not null)
            {
                // if (green == the unit's own && ...) the call below else the portal call.
                foreach (int i in speculated)
                {
                    var type = merge.OperandTypes[i];
                    var value = Lift(callee, merge.Operands[i], type);
                    var expected = entryKey.Values[i];
                    var same = Emit(new Instruction(Opcode.Ceq, value, ExpectedGreen(expected, type)) { Location = location }, IrType.Bool);
                    var next = AddBlockHere();
                    Append(new Instruction(Opcode.BrIf, same) { Location = location, Targets = { new BlockCall(next, []), new BlockCall(fallback, []) } });
                    current = next;
                }
            }
            if (typed && key.Equals(entryKey)) CallSelf(callee, merge, cell, join, fallback, hasResult ? op.ResultType : null, location, effects);
            else CallCellEnter(callee, merge, cell, join, fallback, hasResult ? op.ResultType : null, location, effects);

            current = fallback;
            Residualize(frame, op);
            Append(new Instruction(Opcode.Jump) { Targets = { new BlockCall(join, hasResult ? [frame.Reds[op.Result]] : []) } });

            current = join;
            if (hasResult) frame.SetRed(op.Result, joined!.Value);
            unit.CalledKeys.Add(key);
            return true;
        }

        /// <summary>Whether every green of the key at <paramref name="merge"/> is known in <paramref name="callee"/>.</summary>
        private bool AllKnown(ExtensionFrame callee, ExtensionOp merge)
        {
            for (int i = 0; i < owner.GreenCount; i++)
                if (!Lookup(callee, merge.Operands[i]).IsGreen) return false;
            return true;
        }

        /// <summary>
        /// For an interpreted call whose callee key the entry cannot learn from the caller's greens (the callee read from a
        /// field, <c>Run(Functions[arg], ...)</c>): the argument and the value to guess for it such that the entry, run dry with
        /// that argument green, reaches the unit's own key; null when no one argument does. Tried: each red argument (not the
        /// receiver) of a parameter the portal's entry takes green, against each green of the own key a value of its type
        /// could be (an object of the parameter's class, compared by reference; an integer). The guess is tested in the
        /// residual code before the entry (<c>argument == value</c>), so a wrong one costs a compare and the portal call.
        /// </summary>
        private (int Argument, object? Value)? GuessOwnKey(ExtensionFrame frame, ExtensionOp op)
        {
            var portal = owner.program.Portal;
            var parameters = portal.Parameters;
            if (parameters.Length != op.Operands.Length) return null;
            int first = op.Instruction.Method is { HasThis: true } ? 1 : 0;
            for (int j = first; j < parameters.Length; j++)
            {
                int operand = op.Operands[j];
                Ensure(frame, operand);
                if (frame.IsGreen(operand) || portal.RedValues[parameters[j]]) continue;
                var type = op.OperandTypes[j];
                if (!CanCompare(type)) continue;
                for (int i = 0; i < owner.GreenCount; i++)
                {
                    var value = entryKey.Values[i];
                    if (!CouldBe(type, value)) continue;
                    if (CalleeAtMergePoint(frame, op, out var callee, out _, dry: true, guess: (j, value)) is { } merge
                        && AllKnown(callee, merge) && KeyAt(callee, merge).Equals(entryKey))
                        return (j, value);
                }
            }
            return null;
        }

        /// <summary>Whether a red of <paramref name="type"/> could hold <paramref name="value"/>: an object of its class, or an integer for an integer type.</summary>
        private bool CouldBe(IrType type, object? value)
        {
            if (type.StackKind is StackKind.Reference)
                return value is not null && !value.GetType().IsValueType && owner.resolver.ResolveType(type).IsInstanceOfType(value);
            return value is int or long or short or sbyte or byte or ushort or uint or ulong or char or bool;
        }

        /// <summary>The key at <paramref name="merge"/>, every green known in <paramref name="callee"/>.</summary>
        private GreenKey KeyAt(ExtensionFrame callee, ExtensionOp merge)
        {
            var greens = new object?[owner.GreenCount];
            for (int i = 0; i < greens.Length; i++) greens[i] = Lookup(callee, merge.Operands[i]).Green;
            return new GreenKey(greens);
        }

        /// <summary>
        /// <c>state = new object[n] { reds boxed }; if (CallCell.Enter(cell, state)) goto join(unbox state[0]) else goto fallback</c>;
        /// <see cref="CallCell.EnterAfterEntry"/> when the entry this code ran has <paramref name="effects"/> (the fallback's
        /// portal call then resumes at the merge point even when the cell has no unit).
        /// </summary>
        private void CallCellEnter(ExtensionFrame callee, ExtensionOp merge, CallCell cell, Block join, Block fallback, IrType? resultType, SourceLocation location, bool effects)
        {
            // state = new object[n]; state[j] = box(red j) for the reds, then `this` of an instance portal at
            // PortalProtocol.ThisIndex (a typed unit's entry unboxes it from there); the runtime fills in the greens.
            var state = Emit(new Instruction(Opcode.NewArray, Constant(owner.StateVariables.Length, IrType.I32)) { TypeOperand = IrType.Object, Location = location }, objectArray);
            StoreImplicitReds(callee, merge, state, location);
            for (int i = owner.GreenCount; i < merge.Operands.Length; i++)
            {
                // A red the entry set to a green value (a stack pointer's 0) is boxed once, into the constants.
                int operand = merge.Operands[i];
                Ensure(callee, operand);
                var type = merge.OperandTypes[i];
                var boxed = callee.IsGreen(operand) && type.StackKind != StackKind.Reference && callee.Box(operand) is { } green
                    ? ConstantObject(ValueSemantics.ToClr(green, owner.resolver.ResolveType(type))!)
                    : Box(Lift(callee, operand, type), type);
                Append(new Instruction(Opcode.StoreElement, state, Constant(i, IrType.I32), boxed) { TypeOperand = IrType.Object, Location = location });
            }
            var cellValue = Lift(Known.OfGreen(cell), IrType.Object);
            var entered = Emit(new Instruction(Opcode.Call, cellValue, state) { Method = effects ? CallCell.EnterAfterEntryMethod : CallCell.EnterMethod, Location = location }, IrType.Bool);
            BranchToResult(entered, state, join, fallback, resultType, location);
        }

        /// <summary>
        /// A call of the unit's own key from a typed unit: a direct call of the unit's own method with the reds as
        /// they are and the result unboxed (PyPy's call_assembler of a loop to itself), with enough stack; otherwise
        /// through the cell (whose runtime continues on a fresh stack). When the call leaves at an exit (its slot 0
        /// set), the runtime goes on from there (<see cref="CallCell.Resume"/>): into a unit, or the portal resumes.
        /// </summary>
        /// <remarks>
        /// <code>
        ///   if (!RuntimeHelpers.TryEnsureSufficientExecutionStack()) goto through the cell
        ///   result = self(constants, exit, reds)
        ///   if (exit[0] == null) goto join(result)
        ///   state = new object[n]; if (CallCell.Resume(cell, selfCode, state, exit)) goto join(unbox state[0]) else goto fallback
        /// </code>
        /// </remarks>
        private void CallSelf(ExtensionFrame callee, ExtensionOp merge, CallCell cell, Block join, Block fallback, IrType? resultType, SourceLocation location, bool effects)
        {
            var arguments = new List<Value> { constants, exitBuffer };
            var parameterTypes = new List<string> { "System.Object[]", "System.Object[]" };
            for (int i = owner.GreenCount; i < merge.Operands.Length; i++)
            {
                int operand = merge.Operands[i];
                Ensure(callee, operand);
                arguments.Add(Lift(callee, operand, merge.OperandTypes[i]));
                parameterTypes.Add($"p{i}");
            }
            // An instance portal's unit takes `this` last: the call's receiver, as the callee's frame has it.
            var receivers = owner.portal.ImplicitReds;
            for (int k = 0; k < receivers.Count; k++)
            {
                int value = receivers[k].Index;
                Ensure(callee, value);
                arguments.Add(Lift(callee, value, callee.Graph.Types[value]));
                parameterTypes.Add($"p{merge.Operands.Length + k}");
            }
            var roomy = Emit(new Instruction(Opcode.Call) { Method = CallCell.StackCheckMethod, Location = location }, IrType.Bool);
            var direct = AddBlockHere();
            var viaCell = AddBlockHere();
            Append(new Instruction(Opcode.BrIf, roomy) { Location = location, Targets = { new BlockCall(direct, []), new BlockCall(viaCell, []) } });

            current = direct;
            selfMethod ??= new MethodRef($"{residual.ReturnType.Name} pejit.unit::self({string.Join(",", parameterTypes)})", hasThis: false, origin: residual);
            var call = new Instruction(Opcode.Call) { Method = selfMethod, Location = location };
            call.Operands.AddRange(arguments);
            (selfCallSites ??= []).Add(new SelfCallShapes.Site(call, viaCell, fallback));
            Value? result = null;
            if (residual.ReturnType.Kind == TypeKind.Void) Append(call);
            else result = Emit(call, residual.ReturnType);
            var left = Emit(new Instruction(Opcode.LoadElement, exitBuffer, Constant(0, IrType.I32)) { TypeOperand = IrType.Object, Location = location }, IrType.Object);
            var returned = Emit(new Instruction(Opcode.Ceq, left, Emit(new Instruction(Opcode.Null), IrType.Object)) { Location = location }, IrType.Bool);
            var ran = AddBlockHere();
            var resume = AddBlockHere();
            Append(new Instruction(Opcode.BrIf, returned) { Location = location, Targets = { new BlockCall(ran, []), new BlockCall(resume, []) } });
            current = ran;
            Append(new Instruction(Opcode.Jump) { Targets = { new BlockCall(join, resultType is not null && result is { } r ? [r] : []) } });

            current = resume;
            // `this` in the state too: after the exit the runtime may go on in a unit that is not typed, which reads it there.
            var state = Emit(new Instruction(Opcode.NewArray, Constant(owner.StateVariables.Length, IrType.I32)) { TypeOperand = IrType.Object, Location = location }, objectArray);
            StoreImplicitReds(callee, merge, state, location);
            var cellValue = Lift(Known.OfGreen(cell), IrType.Object);
            var resumed = Emit(new Instruction(Opcode.Call, cellValue, ConstantObject(unit.Self!), state, exitBuffer) { Method = CallCell.ResumeMethod, Location = location }, IrType.Bool);
            BranchToResult(resumed, state, join, fallback, resultType, location);

            current = viaCell;
            CallCellEnter(callee, merge, cell, join, fallback, resultType, location, effects);
            unit.DirectSelfCalls++;
        }

        /// <summary>
        /// Stores the callee's implicit reds (an instance portal's <c>this</c>) into a state after its merge point's variables,
        /// at <c>PortalProtocol.ThisIndex</c>, where the runtime and a unit's entry read them.
        /// </summary>
        private void StoreImplicitReds(ExtensionFrame callee, ExtensionOp merge, Value state, SourceLocation location)
        {
            var implicitReds = owner.portal.ImplicitReds;
            for (int r = 0; r < implicitReds.Count; r++)
            {
                int value = implicitReds[r].Index;
                Ensure(callee, value);
                var type = callee.Graph.Types[value];
                Append(new Instruction(Opcode.StoreElement, state, Constant(merge.Operands.Length + r, IrType.I32), Box(Lift(callee, value, type), type)) { TypeOperand = IrType.Object, Location = location });
            }
        }

        /// <summary>Whether a green of <paramref name="type"/> that is red at a call can be tested against a key's value with <c>ceq</c>.</summary>
        private static bool CanCompare(IrType type) =>
            type.Kind is TypeKind.Bool or TypeKind.Char or TypeKind.I8 or TypeKind.U8 or TypeKind.I16 or TypeKind.U16 or TypeKind.I32 or TypeKind.U32 or TypeKind.I64 or TypeKind.U64
            || type.StackKind is StackKind.Reference;

        /// <summary>A key's green value as residual code compares it: an integer constant, or the object itself (compared by reference).</summary>
        private Value ExpectedGreen(object? expected, IrType type)
        {
            if (type.StackKind is StackKind.Reference)
                return expected is null ? Emit(new Instruction(Opcode.Null), type) : ConstantObject(expected);
            return Constant(expected is ulong large ? unchecked((long)large) : Convert.ToInt64(expected, System.Globalization.CultureInfo.InvariantCulture), type);
        }

        /// <summary>The IR reference to the unit's own method (its <see cref="MethodRef.Origin"/> is the residual graph).</summary>
        private MethodRef? selfMethod;

        /// <summary>
        /// The direct self-calls made, with their slow paths, for <see cref="SelfCallShapes"/>; made at the first (most
        /// units make none, and a field initializer would load the list's types in every process's first unit).
        /// </summary>
        private List<SelfCallShapes.Site>? selfCallSites;

        /// <summary><c>if (ran) goto join(unbox state[0]) else goto fallback</c>.</summary>
        private void BranchToResult(Value ran, Value state, Block join, Block fallback, IrType? resultType, SourceLocation location)
        {
            var returned = AddBlockHere();
            Append(new Instruction(Opcode.BrIf, ran) { Location = location, Targets = { new BlockCall(returned, []), new BlockCall(fallback, []) } });
            current = returned;
            if (resultType is not null)
            {
                var boxed = Emit(new Instruction(Opcode.LoadElement, state, Constant(0, IrType.I32)) { TypeOperand = IrType.Object, Location = location }, IrType.Object);
                Append(new Instruction(Opcode.Jump) { Targets = { new BlockCall(join, [Unbox(boxed, resultType)]) } });
            }
            else
            {
                Append(new Instruction(Opcode.Jump) { Targets = { new BlockCall(join, []) } });
            }
        }

        /// <summary>An object of the unit's constants array, as residual code reads it: <c>constants[k]</c>.</summary>
        private Value ConstantObject(object value)
        {
            if (!constantIndex.TryGetValue(value, out int index))
            {
                index = unit.Constants.Count;
                unit.Constants.Add(value);
                constantIndex[value] = index;
            }
            return Emit(new Instruction(Opcode.LoadElement, constants, Constant(index, IrType.I32)) { TypeOperand = IrType.Object }, IrType.Object);
        }

        /// <summary>
        /// The portal's frame for the interpreted call <paramref name="op"/> (its arguments from <paramref name="frame"/>,
        /// a green one lifted where the portal's parameter is red), run green from the entry to the merge point, which is
        /// returned; null when the entry cannot be run so (<see cref="RunEntry"/>). Shared by calls through a cell and
        /// inlined calls; of another portal's <paramref name="program"/> for a call of that portal (<see cref="InlineOtherPortalCall"/>).
        /// <paramref name="dry"/>: nothing is emitted (the callee's reds are placeholders, not to be read): to learn the callee's
        /// key before deciding what the call becomes, so that a call left a call carries none of the entry's code.
        /// <paramref name="guess"/>: an argument taken as green with a value the residual code tests before (<see cref="GuessOwnKey"/>).
        /// </summary>
        private ExtensionOp? CalleeAtMergePoint(ExtensionFrame frame, ExtensionOp op, out ExtensionFrame callee, out bool effects, ExtensionProgram? program = null, bool dry = false,
            (int Argument, object? Value)? guess = null)
        {
            var portal = (program ?? owner.program).Portal;
            callee = new ExtensionFrame(portal) { Block = FlowGraph.Entry.Index };
            effects = false;
            var parameters = portal.Parameters;
            if (parameters.Length != op.Operands.Length) return null;
            for (int i = 0; i < parameters.Length; i++)
            {
                int operand = op.Operands[i], parameter = parameters[i];
                Ensure(frame, operand);
                if (guess is { } guessed && guessed.Argument == i)
                    callee.SetBoxed(parameter, guessed.Value);
                else if (frame.IsGreen(operand) && portal.RedValues[parameter])
                    callee.SetRed(parameter, dry ? default : Lift(frame, operand, portal.Types[parameter]));
                else
                    callee.CopyFrom(frame, operand, parameter);
            }
            // Effects only in the own portal's entry: another portal's start does not take this portal's resumptions.
            return RunEntry(callee, dry, program is null && owner.ResumesBeforeEntry?.Invoke() == true, out effects);
        }

        /// <summary>
        /// Runs the portal's entry on <paramref name="callee"/> up to the merge point, green, and returns the merge point; null
        /// when something on the way is red but what a portal call made after it (the fallback, or the call that resumes
        /// after the callee's unit left at an exit) may do again unseen: a field load, an array allocated with a green
        /// length (an interpreter's locals and stack) and stores into such an array at a green index within it. Any other
        /// red op (a write of a field, <c>Calls++</c>; red arithmetic) gives up, unless <paramref name="resumable"/> (the
        /// portal call after a compiled call resumes before its entry's code, <see cref="ResumesBeforeEntry"/>): then it is
        /// emitted too, and <paramref name="effects"/> says so, for the call to be made so that its portal call never runs
        /// the entry again (<see cref="CallCell.EnterAfterEntry"/>, no guess tested after the entry). A red branch or a call
        /// gives up. <paramref name="dry"/>: red ops are not emitted (their results are placeholders).
        /// </summary>
        private ExtensionOp? RunEntry(ExtensionFrame callee, bool dry, bool resumable, out bool effects)
        {
            effects = false;
            // Arrays the entry made, by value: their length plus one (0: not one of them).
            long[]? made = null;
            for (int steps = 0; steps < MaxEntrySteps; steps++)
            {
                var op = callee.Graph.Blocks[callee.Block][callee.Index++];
                switch (op.Kind)
                {
                    case ExtensionOpKind.Jump:
                        Transfer(callee, op.Targets[0]);
                        break;
                    case ExtensionOpKind.Branch or ExtensionOpKind.Switch:
                    {
                        int selector = op.Operands[0];
                        Ensure(callee, selector);
                        if (!callee.IsGreen(selector)) return null;
                        int index = op.Kind == ExtensionOpKind.Branch
                            ? (IsTrue(callee, selector) ? 0 : 1)
                            : SwitchIndex(callee, selector, op.Targets.Length);
                        Transfer(callee, op.Targets[index]);
                        break;
                    }
                    case ExtensionOpKind.Value when op.ResultIsGreen && AllGreen(callee, op.Operands):
                        if (TryRunGreen(callee, op) is not null) return null;
                        break;
                    case ExtensionOpKind.Value when op.Instruction.Opcode == Opcode.LoadField && !op.ResultIsGreen:
                        // A red field load (an interpreter's `regs = frame.Registers`) does nothing the fallback's doing it
                        // again would change: it is emitted, and the callee's red starts as its result.
                        ResidualizeEntryOp(callee, op, dry);
                        break;
                    case ExtensionOpKind.Value when op.Instruction.Opcode == Opcode.NewArray && !op.ResultIsGreen
                        && GreenInteger(callee, op.Operands[0]) is long length and >= 0 and < int.MaxValue:
                        // `new long[fn.Locals]`: a fresh array, which a fallback making its own never sees.
                        ResidualizeEntryOp(callee, op, dry);
                        (made ??= new long[callee.Graph.Types.Length])[op.Result] = length + 1;
                        break;
                    case ExtensionOpKind.Effect when op.Instruction.Opcode == Opcode.StoreElement && op.Operands.Length == 3
                        && made is not null && !callee.IsGreen(op.Operands[0]) && made[op.Operands[0]] > 0
                        && GreenInteger(callee, op.Operands[1]) is long index && index >= 0 && index < made[op.Operands[0]] - 1:
                        // `locals[0] = argument` into an array the entry made: nothing else sees it, and the index is within it.
                        ResidualizeEntryOp(callee, op, dry);
                        break;
                    case ExtensionOpKind.Call when op.Treatment == CallTreatment.MergePoint:
                        return op;
                    case ExtensionOpKind.Call when op.Treatment == CallTreatment.GreenCall && AllGreen(callee, op.Operands):
                        if (TryInvokeGreen(callee, op) is not null) return null;
                        break;
                    case ExtensionOpKind.Value or ExtensionOpKind.Effect when resumable && (op.Kind == ExtensionOpKind.Effect || !op.ResultIsGreen):
                        // `Calls++`: done once, here, in the caller; the portal call after the compiled call never runs the entry.
                        ResidualizeEntryOp(callee, op, dry);
                        effects = true;
                        break;
                    default:
                        return null;
                }
            }
            return null;
        }

        /// <summary>A red op of the portal's entry: emitted, or in a dry run (<see cref="CalleeAtMergePoint"/>) only its result marked red.</summary>
        private void ResidualizeEntryOp(ExtensionFrame callee, ExtensionOp op, bool dry)
        {
            if (!dry) Residualize(callee, op);
            else if (op.Result >= 0) callee.SetRed(op.Result, default);
        }

        /// <summary>The value of a green integer of <paramref name="frame"/>; null when it is red or not an integer.</summary>
        private long? GreenInteger(ExtensionFrame frame, int value)
        {
            Ensure(frame, value);
            return frame.IsGreen(value) && frame.Graph.Classes[value] == RegisterClass.Int ? frame.Int(value) : null;
        }
    }
}
