using System.Reflection;
using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Jit.PromoteClass: a guard on the exact class of a red reference, one path per class seen so far (null a case
// of its own), an exit for a class not seen, and past the case budget a generic path; and what a path with the
// class known decides while specializing (type tests, casts, null tests, GetType, virtual calls).
public sealed partial class UnitSpecializer
{
    private sealed partial class Run
    {
        private static readonly MethodRef GetTypeMethod = new("System.Type System.Object::GetType()", hasThis: true,
            origin: typeof(object).GetMethod(nameof(GetType))!) { IsPure = true };

        // The run-time types of isinst and castclass, resolved once per op (the linker resolves only green ones).
        private readonly Dictionary<ExtensionOp, Type> testedTypes = new(ReferenceEqualityComparer.Instance);

        /// <summary>
        /// <c>Jit.PromoteClass</c> of a red value: a guard on its class.
        /// </summary>
        /// <remarks>
        /// Strategy (the flexible switch of <see cref="Promote"/>, keyed by class):
        /// 1. a null test first (<c>GetType</c> needs an object); null is a case when it was seen here;
        /// 2. on an object, <c>GetType()</c> once, compared with each class seen so far, in the order seen; each hit
        ///    goes on with the class known (<see cref="ExtensionFrame.ExactClasses"/>);
        /// 3. what no case covers leaves in the middle of the step (the runtime counts the class and, once it
        ///    recurs, specializes the unit again with a case for it), unless the site has more classes recorded
        ///    than <c>MaxCasesPerPromotion</c>: then one generic path goes on with the class unknown, and the type
        ///    tests and virtual calls after it stay as the interpreter runs them, with no exit.
        /// Ends the path: the cases are queued as paths of their own.
        /// </remarks>
        private void PromoteClass(List<ExtensionFrame> frames, ExtensionOp site, Value red, IrType type)
        {
            int result = site.Result;
            var location = site.Instruction.Location;
            var at = SiteOf(site.Instruction);
            var seen = promotions.GetValueOrDefault(at) ?? [];
            int budget = owner.settings.MaxCasesPerPromotion;
            bool generic = seen.Count > budget;
            var cases = seen.Take(budget).ToList();
            if (generic)
                unit.Notes.Add($"class promotion at {at}: {seen.Count} classes seen, {budget} compiled (MaxCasesPerPromotion); a generic path serves the others");

            // Each path goes on in a block of its own, the result set as the case says.
            void Go(Block block, object? exactClass)
            {
                var copies = frames.Select(f => f.Copy()).ToList();
                copies[^1].SetRed(result, red, exactClass);
                pending.Enqueue(new Pending(block, copies, null, origin!));
            }
            void Otherwise()
            {
                if (generic) Go(current, null);
                else
                {
                    frames[^1].SetRed(result, red);
                    EmitMidStepExit(frames, site.Instruction, red, type, promotesClass: true, promoteSite: at);
                }
            }

            // 1. Null.
            var isObject = AddBlockHere();
            var isNull = AddBlockHere();
            Append(new Instruction(Opcode.BrIf, red) { Location = location, Targets = { new BlockCall(isObject, []), new BlockCall(isNull, []) } });
            current = isNull;
            if (cases.Contains(null)) Go(isNull, ExtensionFrame.NullClass);
            else Otherwise();

            // 2. The classes seen.
            current = isObject;
            var classes = cases.OfType<Type>().ToList();
            if (classes.Count > 0)
            {
                var actual = Emit(new Instruction(Opcode.Call, red) { Method = GetTypeMethod, Location = location }, IrType.Class("System.Type"));
                foreach (var exactClass in classes)
                {
                    var test = Emit(new Instruction(Opcode.Ceq, actual, Lift(Known.OfGreen(exactClass), IrType.Object)) { Location = location }, IrType.Bool);
                    Go(BranchOnCase(test, location), exactClass);
                }
            }
            // 3. Any other class.
            Otherwise();
        }

        /// <summary>
        /// A value op on a red reference whose class is known, decided while specializing: <c>isinst</c> (the object or
        /// null), <c>castclass</c> that succeeds (the object), a comparison with null. False when it is not one of
        /// these, or the class is unknown: the op is emitted as usual.
        /// </summary>
        private bool TryDecideOnClass(ExtensionFrame frame, ExtensionOp op)
        {
            var instruction = op.Instruction;
            switch (instruction.Opcode)
            {
                case Opcode.IsInst or Opcode.CastClass:
                {
                    int operand = op.Operands[0];
                    Ensure(frame, operand);
                    if (frame.IsGreen(operand) || frame.ExactClass(operand) is not { } exactClass) return false;
                    bool passes = exactClass == ExtensionFrame.NullClass || TestedType(op).IsAssignableFrom((Type)exactClass);
                    if (instruction.Opcode == Opcode.IsInst && exactClass == ExtensionFrame.NullClass)
                        frame.SetBoxed(op.Result, null);
                    else if (passes)
                        frame.SetRed(op.Result, frame.Reds[operand], exactClass);
                    else if (instruction.Opcode == Opcode.IsInst)
                        frame.SetBoxed(op.Result, null);
                    else
                        return false;   // a cast that fails: emitted, it throws where the interpreter does
                    return true;
                }
                case Opcode.Ceq or Opcode.Cne or Opcode.CgtUn when op.Operands.Length == 2:
                {
                    // x == null, x != null, x > null (C#'s "is not null"), with x's class known.
                    int left = op.Operands[0], right = op.Operands[1];
                    Ensure(frame, left);
                    Ensure(frame, right);
                    if (frame.Graph.Classes[left] != RegisterClass.Ref || frame.Graph.Classes[right] != RegisterClass.Ref) return false;
                    bool? leftNull = IsNullKnown(frame, left), rightNull = IsNullKnown(frame, right);
                    if (leftNull is null || rightNull is null || (frame.IsGreen(left) && frame.IsGreen(right))) return false;
                    // Only a comparison with null is decided: two objects of known classes may still be one object.
                    if (leftNull == false && rightNull == false) return false;
                    bool equal = leftNull == rightNull;
                    bool outcome = instruction.Opcode switch
                    {
                        Opcode.Ceq => equal,
                        Opcode.Cne => !equal,
                        _ => leftNull == false && rightNull == true,
                    };
                    frame.SetInt(op.Result, outcome ? 1 : 0);
                    return true;
                }
                default:
                    return false;
            }
        }

        /// <summary>Whether a reference is null, when known: green, or red of a known class; null when unknown.</summary>
        private static bool? IsNullKnown(ExtensionFrame frame, int value) =>
            frame.IsGreen(value) ? frame.Ref(value) is null
            : frame.ExactClass(value) is { } exactClass ? exactClass == ExtensionFrame.NullClass
            : null;

        /// <summary>A branch on a red reference whose class is known: decided (null or not). False when the class is unknown.</summary>
        private bool TryBranchOnClass(ExtensionFrame frame, ExtensionOp branch)
        {
            int selector = branch.Operands[0];
            if (branch.Kind != ExtensionOpKind.Branch || frame.Graph.Classes[selector] != RegisterClass.Ref || frame.ExactClass(selector) is not { } exactClass)
                return false;
            Transfer(frame, branch.Targets[exactClass == ExtensionFrame.NullClass ? 1 : 0]);
            return true;
        }

        /// <summary><c>GetType()</c> of a value whose class is green: the class, green; false (emitted as a call) when it is not known or the value is null.</summary>
        private bool TryClassOf(ExtensionFrame frame, ExtensionOp op)
        {
            int operand = op.Operands[0];
            Ensure(frame, operand);
            object? exactClass = frame.IsGreen(operand) ? frame.Ref(operand)?.GetType() : frame.ExactClass(operand);
            if (exactClass is not Type known) return false;
            frame.SetRef(op.Result, known);
            return true;
        }

        /// <summary>The exact class of a virtual call's receiver while specializing: a green one's, or a red one's known class; null otherwise (null for a null receiver too).</summary>
        private Type? ReceiverClass(ExtensionFrame frame, ExtensionOp op)
        {
            int operand = op.Operands[0];
            Ensure(frame, operand);
            if (frame.IsGreen(operand)) return frame.Box(operand)?.GetType();
            return frame.ExactClass(operand) as Type;
        }

        /// <summary>
        /// The result of a residual <c>newobj</c> is of its constructor's class: recorded, so that type tests, null
        /// tests and virtual calls on a fresh object are decided as on a promoted one (a box an inlined operation
        /// returns, tested again by its caller).
        /// </summary>
        private void RecordAllocatedClass(ExtensionFrame frame, ExtensionOp op)
        {
            if (op.Result < 0 || frame.Graph.Classes[op.Result] != RegisterClass.Ref || frame.IsGreen(op.Result)) return;
            if (!allocatedClasses.TryGetValue(op, out var type))
                allocatedClasses[op] = type = owner.resolver.ResolveMethod(op.Instruction.Method!).DeclaringType;
            if (type is { IsValueType: false }) frame.SetRed(op.Result, frame.Reds[op.Result], type);
        }

        private readonly Dictionary<ExtensionOp, Type?> allocatedClasses = new(ReferenceEqualityComparer.Instance);

        private Type TestedType(ExtensionOp op)
        {
            if (!testedTypes.TryGetValue(op, out var type))
                testedTypes[op] = type = op.RuntimeType ?? owner.resolver.ResolveType(op.Instruction.TypeOperand!);
            return type;
        }
    }
}
