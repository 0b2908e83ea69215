using System.Reflection;
using PeJit.IR.Semantics;

namespace PeJit.IR.Evaluation;

// Spans of arrays and strings: held as SpanValues (a span cannot be boxed, so no reflection call can take or return one), and the span
// methods PeJit knows run on them (SpanMethods), as the specializer runs them on a green span.
public sealed partial class GraphEvaluator
{
    /// <summary>
    /// A call of a span method PeJit knows (<see cref="SpanMethods"/>) on spans held as <see cref="SpanValue"/>s; false for any
    /// other method. <c>this</c> is the address of a span; the indexer gives the element's address in the array; a constructor
    /// called on an address (C#'s <c>span = new ReadOnlySpan&lt;T&gt;(array, start, length)</c> into a local) fills it.
    /// </summary>
    private static bool TrySpanCall(Instruction instruction, MethodBase method, object?[] operands, bool newObject, out object? result)
    {
        result = null;
        if (SpanMethods.Classify(instruction.Method!) == SpanOperation.None) return false;
        var call = SpanMethods.Describe(instruction.Method!) ?? SpanMethods.Describe(method)
            ?? throw new EvaluationException($"{method.Name}: a span method whose element type is unknown");
        var arguments = (object?[])operands.Clone();
        if (method is ConstructorInfo && !newObject)
        {
            var address = operands[0] as Address ?? throw new EvaluationException($"{method.Name}: a constructor called on {operands[0]?.GetType().Name ?? "null"}, not an address");
            address.Store(SpanMethods.Invoke(call, arguments));
            return true;
        }
        if (method is not ConstructorInfo && !method.IsStatic && arguments[0] is Address self) arguments[0] = self.Load();
        result = SpanMethods.Invoke(call, arguments);
        if (call.Operation == SpanOperation.Item)
        {
            // The element's address, once the span's own bounds check passed (the value just read).
            var span = (SpanValue)arguments[0]!;
            long index = span.Start + Convert.ToInt64(arguments[1], System.Globalization.CultureInfo.InvariantCulture);
            result = span.Text is { } text ? new CharacterAddress(text, checked((int)index)) : new ElementAddress(span.Array!, index);
        }
        return true;
    }
}
