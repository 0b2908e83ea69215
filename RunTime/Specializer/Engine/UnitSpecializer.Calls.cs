using System.Reflection;
using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Calls and inlining: what each call treatment does (merge point, promotion, green call, inlining, a
// virtual call on a green receiver resolved to its override), and the return that leaves an inlined frame.
public sealed partial class UnitSpecializer
{
    private sealed partial class Run
    {
        // ---- calls ------------------------------------------------------------------------------------

        private bool Call(List<ExtensionFrame> frames, ExtensionFrame frame, ExtensionOp op)
        {
            var treatment = op.Treatment ?? throw new SpecializationException(op.Message!);
            switch (treatment)
            {
                case CallTreatment.MergePoint when frame.InlinedPortal is not null:
                    return PassInlinedMergePoint(frame, op);
                case CallTreatment.MergePoint:
                {
                    if (owner.CatchesSteps) CloseStep(frames, frame);
                    else RefuseInsideRegions(frames, frame, "the merge point");
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
                    // By index: the list enumerated as an IEnumerable<Value> (even empty) is code .NET compiles in the first unit.
                    var implicitReds = owner.portal.ImplicitReds;
                    for (int r = 0; r < implicitReds.Count; r++)
                    {
                        var implicitRed = implicitReds[r];
                        Ensure(frame, implicitRed.Index);
                        reds.Add(Lift(frame, implicitRed.Index, frame.Graph.Types[implicitRed.Index]));
                    }
                    EnterKey(new GreenKey(greens), reds);
                    return false;
                }
                case CallTreatment.CanEnterJit when frame.InlinedPortal is { } inlined:
                    // Where the interpreter says a loop of the interpreted program closes: the callee has a loop of its
                    // own, which gets a unit of its own when it gets hot (PyPy does not inline such a callee either).
                    throw new InlineRefusal(inlined.Entry, "it has a loop (it reaches Jit.CanEnterJit); its loop gets a unit of its own when it gets hot");
                case CallTreatment.CanEnterJit or CallTreatment.AssertGreen:
                    return true;
                case CallTreatment.Promote:
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
                case CallTreatment.PromoteClass:
                {
                    int operand = op.Operands[0];
                    Ensure(frame, operand);
                    // Green, or red of a class already known: nothing to guard.
                    if (frame.IsGreen(operand) || frame.ExactClass(operand) is not null)
                    {
                        frame.CopyFrom(frame, operand, op.Result);
                        return true;
                    }
                    PromoteClass(frames, op, frame.Reds[operand], op.OperandTypes[0]);
                    return false;
                }
                case CallTreatment.Inline or CallTreatment.InlineVirtual or CallTreatment.Unfold or CallTreatment.UnfoldVirtual
                    or CallTreatment.InlineConstructor
                    when IsCold(frame, op):
                    Residualize(frame, op);
                    if (op.Instruction.Opcode == Opcode.NewObject) RecordAllocatedClass(frame, op);
                    coldCalls.TryGetValue(op.Instruction.Method!.FullName, out int seen);
                    coldCalls[op.Instruction.Method!.FullName] = seen + 1;
                    return true;
                case CallTreatment.ClassOf when TryClassOf(frame, op):
                    return true;
                case CallTreatment.GreenCall when AllGreen(frame, op.Operands):
                    return TryInvokeGreen(frame, op) is not { } thrown || ThrowsAtRunTime(frame, op, thrown);
                case CallTreatment.Inline when frames.Count <= owner.settings.MaxInliningDepth:
                    Enter(frames, frame, op, op.Callees[0], generic: CalleeInstantiation(frame, op, op.Callees[0]));
                    return true;
                case CallTreatment.InlineVirtual when frames.Count <= owner.settings.MaxInliningDepth
                    && ReceiverClass(frame, op) is { } receiverClass
                    && Override(op, receiverClass) is { } target:
                    Enter(frames, frame, op, target, generic: CalleeInstantiation(frame, op, target, receiverClass));
                    return true;
                case CallTreatment.InlineConstructor when frames.Count <= owner.settings.MaxInliningDepth:
                    EnterConstructor(frames, frame, op);
                    return true;
                case CallTreatment.Unfold or CallTreatment.UnfoldVirtual:
                    Unfold(frames, frame, op);
                    return true;
                case CallTreatment.Residual when IsObjectConstructor(op):
                    // System.Object's constructor does nothing: the base call an inlined constructor ends its chain with.
                    return true;
                case CallTreatment.InlineDelegate:
                    CallDelegate(frames, frame, op);
                    return true;
                case CallTreatment.Residual when IsInlinablePortalCall(op) && InlinePortalCall(frames, frame, op) is { } goesOn:
                    return goesOn;
                case CallTreatment.Residual when IsInterpretedCall(op) && CallThroughCell(frame, op):
                    return true;
                case CallTreatment.Residual when OtherPortalToInline(op) is { } other && InlineOtherPortalCall(frames, frame, op, other):
                    return true;
                default:
                    Residualize(frame, op);
                    if (op.Instruction.Opcode == Opcode.NewObject) RecordAllocatedClass(frame, op);
                    return true;
            }
        }

        /// <summary>Calls left residual because every path from them ends in a throw, by method, with how many (the unit's note).</summary>
        private readonly Dictionary<string, int> coldCalls = new(StringComparer.Ordinal);

        /// <summary>
        /// Whether a call the analysis would inline is cold: every path from its block ends in a throw
        /// (<see cref="ThrowingBlocks"/>), so it stays a call of the original method, which computes the same.
        /// Only where that changes nothing else: the result is red (or there is none), so the ops after it expect
        /// a residual value, and no operand is an address (the callee could write through it into a local the
        /// engine knows, and a handler could read it).
        /// </summary>
        private static bool IsCold(ExtensionFrame frame, ExtensionOp op)
        {
            if (!frame.Graph.ThrowingBlocks[frame.Block] || op.Instruction.Method is null) return false;
            if (op.Result >= 0 && !frame.Graph.RedValues[op.Result]) return false;
            foreach (var type in op.OperandTypes)
                if (type.Kind is TypeKind.ByRef or TypeKind.Pointer) return false;
            return true;
        }

        /// <summary>The unit's note on the cold calls left residual, if any.</summary>
        private void NoteColdCalls()
        {
            if (coldCalls.Count == 0) return;
            // Loops and a sort of the names rather than LINQ's Sum, OrderBy and Select over the dictionary's pairs: those are
            // framework generics over KeyValuePair<string, int> that .NET compiles on the first unit's thread (some 20 methods).
            var names = new List<string>(coldCalls.Keys);
            names.Sort(StringComparer.Ordinal);
            int total = 0;
            var listed = new System.Text.StringBuilder();
            foreach (string name in names)
            {
                int count = coldCalls[name];
                total += count;
                if (listed.Length > 0) listed.Append(", ");
                listed.Append(name);
                if (count != 1) listed.Append(" (").Append(count.ToString()).Append("x)");
            }
            unit.Notes.Add(total.ToString() + " call(s) on paths that end in a throw left residual, not inlined: " + listed.ToString());
        }

        /// <summary>
        /// Pushes <paramref name="target"/>'s frame, its parameters from <paramref name="firstParameter"/> on taking
        /// the call's operands from <paramref name="firstOperand"/> on (a green operand that the callee needs red is
        /// lifted); the parameters before stay for the caller to set (a delegate's target object). The frame of an inlined
        /// generic method carries its type arguments, <paramref name="generic"/> (<see cref="CalleeInstantiation"/>).
        /// </summary>
        private ExtensionFrame Enter(List<ExtensionFrame> frames, ExtensionFrame caller, ExtensionOp call, ExtensionGraph target,
            int firstParameter = 0, int firstOperand = 0, Instantiation? generic = null)
        {
            var callee = new ExtensionFrame(target) { Block = FlowGraph.Entry.Index, CallSite = call, Generic = generic };
            var parameters = target.Parameters;
            for (int i = firstParameter; i < parameters.Length; i++)
            {
                int operand = call.Operands[i - firstParameter + firstOperand], parameter = parameters[i];
                Ensure(caller, operand);
                if (caller.IsGreen(operand) && target.RedValues[parameter])
                    callee.SetRed(parameter, Lift(caller, operand, TypeIn(callee, target.Types[parameter])));
                else
                    callee.CopyFrom(caller, operand, parameter);
            }
            frames.Add(callee);
            return callee;
        }

        /// <summary>
        /// A <c>newobj</c> whose constructor the analysis inlines (<see cref="CallTreatment.InlineConstructor"/>): the
        /// residual code allocates the object without a constructor (<c>allocate</c>, every field zero, as
        /// <c>newobj</c> has it before its constructor runs), and the constructor's graph runs on it as an inlined call,
        /// its <c>this</c> that object with its class known; <see cref="Return"/> hands the object to the caller. The
        /// analysis chose only classes without a static constructor in their chain, so no class constructor runs
        /// at another time than the interpreter's <c>newobj</c> would run it.
        /// </summary>
        private void EnterConstructor(List<ExtensionFrame> frames, ExtensionFrame caller, ExtensionOp op)
        {
            var constructor = op.Callees[0];
            var generic = CalleeInstantiation(caller, op, constructor);
            var type = TypeIn(generic, constructor.Name, constructor.Types[constructor.Parameters[0]]);
            var allocated = Emit(new Instruction(Opcode.Allocate) { TypeOperand = type, Location = op.Instruction.Location }, type);
            var callee = Enter(frames, caller, op, constructor, firstParameter: 1, generic: generic);
            if (!allocatedClasses.TryGetValue(op, out var exactClass))
                allocatedClasses[op] = exactClass = generic?.Method.DeclaringType ?? owner.resolver.ResolveMethod(op.Instruction.Method!).DeclaringType;
            callee.SetRed(constructor.Parameters[0], allocated, exactClass);
        }

        /// <summary>A call of <c>System.Object::.ctor</c>, which does nothing.</summary>
        private static bool IsObjectConstructor(ExtensionOp op) =>
            op.Instruction is { Opcode: Opcode.Call, Method: { Name: ".ctor", DeclaringTypeName: "System.Object", ParameterCount: 0 } };

        /// <summary>The compiled override a receiver of class <paramref name="receiverType"/> (green, or promoted) dispatches to, among the analyzed targets (looked up once per call site and receiver type).</summary>
        private ExtensionGraph? Override(ExtensionOp op, Type receiverType)
        {
            if (owner.Overrides.TryGetValue((op, receiverType), out var known)) return known;
            ExtensionGraph? found = null;
            var candidates = op.CalleeMethods;
            for (int c = 0; c < candidates.Length && found is null; c++)
            {
                var method = (MethodInfo)owner.resolver.ResolveMethod(candidates[c]);
                for (var type = receiverType; type is not null; type = type.BaseType)
                {
                    var declared = type.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                        .FirstOrDefault(m => m.GetBaseDefinition() == method.GetBaseDefinition());
                    if (declared is null) continue;
                    if (declared.MetadataToken == method.MetadataToken && declared.Module == method.Module) found = op.Callees[c];
                    break;
                }
            }
            owner.Overrides[(op, receiverType)] = found;
            return found;
        }

        /// <summary>
        /// Runs a green call through its compiled delegate. What the callee throws is returned: the call is pure (the analysis
        /// made it green), so the interpreter, making it with these greens, throws the same there; a path that only a red
        /// branch leads to (a case of a red switch decoding an operand past the code's end) must not cost the unit. What the
        /// runtime throws (out of memory or stack) and PeJit's own failures are a <see cref="SpecializationException"/>.
        /// </summary>
        private static Exception? TryInvokeGreen(ExtensionFrame frame, ExtensionOp op)
        {
            op.AccessRuns++;
            try
            {
                op.Access!(frame.Ints, frame.Floats, frame.Refs, op.OperandRegisters, op.Result < 0 ? -1 : frame.Graph.Registers[op.Result]);
                if (op.Result >= 0) frame.States[op.Result] = RegisterState.Green;
                return null;
            }
            catch (Exception e) when (e is not (SpecializationException or EvaluationException or OutOfMemoryException or InsufficientExecutionStackException))
            {
                return e;
            }
            catch (Exception e) when (e is not SpecializationException)
            {
                throw new SpecializationException($"{frame.Graph.Name}: the green call to {op.Instruction.Method!.Name} threw {e.GetType().Name} while specializing", e);
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
                var value = Lift(frame, op.Operands[0], type);
                Append(new Instruction(Opcode.Return, typed ? value : Box(value, type)));
                return false;
            }
            frames.RemoveAt(frames.Count - 1);
            var caller = frames[^1];
            if (frame.CallSite!.Result is var result and >= 0)
            {
                // An inlined constructor's newobj is the object it ran on (EnterConstructor), of its class.
                if (frame.CallSite.Treatment == CallTreatment.InlineConstructor)
                {
                    int self = frame.Graph.Parameters[0];
                    caller.SetRed(result, frame.Reds[self], frame.ExactClass(self));
                }
                else if (!hasValue) caller.Set(result, default);
                // An unfolded recursive call hands back a green value as it is: the analysis made the result red
                // only because the call might have stayed residual (RecursionUnfolding).
                else if (frame.IsGreen(op.Operands[0]) && caller.Graph.RedValues[result] && frame.UnfoldedGreens is null)
                    caller.SetRed(result, Lift(frame, op.Operands[0], TypeIn(caller, caller.Graph.Types[result])));
                else
                    caller.CopyFrom(frame, op.Operands[0], result);
            }
            return true;
        }
    }
}
