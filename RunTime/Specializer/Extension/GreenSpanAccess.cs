using System.Reflection;
using PeJit.IR.Semantics;

namespace PeJit.Specializer.Extension;

/// <summary>
/// The green access of a span method PeJit knows (<see cref="SpanMethods"/>): a span of a green array is held as a
/// <see cref="SpanValue"/> in a reference register (a span cannot be boxed, so no compiled lambda or reflection call can take
/// one), and the call runs on it. A green span's address (the <c>this</c> of <c>Length</c>, the indexer, <c>Slice</c>) stands for
/// the span, as a green struct's does (<see cref="GreenOperation.LoadSlot"/>); the indexer's result, the element's address,
/// stands for the element, which the analysis lets only be read.
/// </summary>
internal static class GreenSpanAccess
{
    /// <summary>
    /// The access of a call of <paramref name="reference"/> (the method <paramref name="resolve"/> finds, when its name does
    /// not say enough), its operands in registers of <paramref name="classes"/>. A method that cannot be resolved is a <see cref="Engine.SpecializationException"/>
    /// when the access runs, never an exception of the interpreted program (which the engine would compile as a call that throws).
    /// </summary>
    public static GreenAccess Of(IR.MethodRef reference, Func<MethodBase> resolve, RegisterClass[] classes, IR.IrType[] operandTypes, RegisterClass resultClass, IR.IrType resultType)
    {
        // Spans of primitives (a byte code's) from the name alone: the stored form's resolver finds no framework generic's
        // member by a signature in its generic parameters (op_Implicit(!0[])).
        SpanCall call;
        try
        {
            call = SpanMethods.Describe(reference) ?? SpanMethods.Describe(resolve())
                ?? throw new InvalidOperationException($"{reference.Name} is not a span method PeJit runs");
        }
        catch (Exception e) when (e is InvalidOperationException or MissingMemberException or TypeLoadException or ArgumentException or NotSupportedException
            or FileNotFoundException or AmbiguousMatchException)
        {
            return (_, _, _, _, _) => throw new Engine.SpecializationException($"the span method of a green call cannot be found: {e.Message}");
        }
        return (ints, floats, refs, registers, result) =>
        {
            var arguments = new object?[registers.Length];
            for (int i = 0; i < registers.Length; i++)
                arguments[i] = classes[i] switch
                {
                    RegisterClass.Int => ValueSemantics.IntegerStackForm(ints[registers[i]], operandTypes[i]),
                    RegisterClass.Float => ValueSemantics.FloatStackForm(floats[registers[i]], operandTypes[i]),
                    _ => refs[registers[i]],
                };
            var value = SpanMethods.Invoke(call, arguments);
            if (result >= 0) ExtensionFrame.StoreBoxed(ints, floats, refs, result, resultClass, value, resultType);
        };
    }
}
