using System.Text;
using PeJit.IR;
using PeJit.IR.Text;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// Writes residual graphs of a chosen size shaped like a real interpreter's unit after specialization (Lua
/// <c>polymorphic</c>'s 17-key unit: 71 exits of 20 or more parameters each), which <see cref="LargeUnitGenerator"/>'s
/// units are not: per segment, a loop that carries a box (a register's value, which <c>virtualize</c> takes apart into a
/// parameter per field), a branch on a join of two string constants (<c>type(v) == "string"</c>, which <c>thread</c>
/// copies per path), and a side exit block that takes the box and <see cref="StateValues"/> values of state as
/// parameters and stores them all boxed into the exit's array (where the box escapes: it is made there). Segments are
/// chained one after the other, so a unit twice as large has twice the loops, the exits and the parameters.
/// </summary>
public static class ExitHeavyUnitGenerator
{
    private const string Holder = "PeJit.Tests.Specializer.ArrayHolder";

    /// <summary>How many values of state each segment's loop carries and its exit takes (a real exit's registers).</summary>
    public const int StateValues = 20;

    /// <summary>A unit of about <paramref name="instructions"/> instructions (each segment is about 90).</summary>
    public static FlowGraph Generate(int instructions) => IrParser.Parse(Text(instructions));

    /// <summary>The unit's text (see <see cref="Generate"/>).</summary>
    public static string Text(int instructions)
    {
        const int perSegment = 90;
        var segments = Math.Max(1, instructions / perSegment);
        var text = new StringBuilder();
        var next = 0;
        string V() => $"v{next++}";
        text.AppendLine($"function \"unit ExitHeavy({instructions})\" -> i64 {{");
        var frame = V();
        var exit = V();
        text.Append($"block0({frame} (frame): class \"{Holder}\", {exit} (exit): class \"System.Object[]\"");
        var state = new string[StateValues];
        for (int i = 0; i < StateValues; i++)
        {
            state[i] = V();
            text.Append($", {state[i]} (r{i}): i64");
        }
        text.AppendLine("):");
        var zero = V();
        text.AppendLine($"    {zero}: i32 = const 0");
        text.AppendLine("    jump block1");
        string List(IEnumerable<string> values) => string.Join(", ", values);
        for (var segment = 0; segment < segments; segment++)
        {
            // Blocks of segment s (b = 7s + 1): entry b, header b+1, body b+2, two paths b+3 and b+4, join b+5, exit b+6.
            int b = 7 * segment + 1;
            string nextEntry = segment + 1 < segments ? $"block{b + 7}" : "";
            // Entry: the register's first box.
            text.AppendLine($"block{b}:");
            var first = V();
            text.AppendLine($"    {first}: object = box i64 {state[segment % StateValues]}");
            text.AppendLine($"    jump block{b + 1}({first}, {zero}, {List(state)})");
            // Header: the box, a counter and the state carried.
            var box = V();
            var counter = V();
            var carried = new string[StateValues];
            text.Append($"block{b + 1}({box} (acc): object, {counter} (k): i32");
            for (int i = 0; i < StateValues; i++)
            {
                carried[i] = V();
                text.Append($", {carried[i]} (r{i}): i64");
            }
            text.AppendLine("):");
            var unboxed = V();
            var one = V();
            var counterUp = V();
            var sum = V();
            var newBox = V();
            var count = V();
            var more = V();
            text.AppendLine($"    {unboxed}: i64 = unbox.any i64 {box}");
            text.AppendLine($"    {one}: i32 = const 1");
            text.AppendLine($"    {counterUp}: i32 = add {counter}, {one}");
            text.AppendLine($"    {sum}: i64 = add {unboxed}, {carried[0]}");
            text.AppendLine($"    {newBox}: object = box i64 {sum}");
            text.AppendLine($"    {count}: i32 = ldfld \"System.Int32 {Holder}::Count\" {frame}");
            text.AppendLine($"    {more}: bool = clt {counterUp}, {count}");
            text.AppendLine(nextEntry.Length > 0
                ? $"    brif {more}, block{b + 2}, {nextEntry}"
                : $"    brif {more}, block{b + 2}, block{b + 6}({newBox}, {sum}, {List(carried)})");
            // Body: a test that picks one of two strings, joined; the join compares the string with a constant.
            text.AppendLine($"block{b + 2}:");
            var test = V();
            text.AppendLine($"    {test}: bool = clt {sum}, {carried[1]}");
            text.AppendLine($"    brif {test}, block{b + 3}, block{b + 4}");
            var number = V();
            text.AppendLine($"block{b + 3}:");
            text.AppendLine($"    {number}: string = string \"number\"");
            text.AppendLine($"    jump block{b + 5}({number})");
            var str = V();
            text.AppendLine($"block{b + 4}:");
            text.AppendLine($"    {str}: string = string \"string\"");
            text.AppendLine($"    jump block{b + 5}({str})");
            var kind = V();
            var literal = V();
            var isString = V();
            text.AppendLine($"block{b + 5}({kind} (kind): string):");
            text.AppendLine($"    {literal}: string = string \"string\"");
            text.AppendLine($"    {isString}: bool = call pure \"System.Boolean System.String::op_Equality(System.String,System.String)\" {kind}, {literal}");
            // The state changes on every turn (a register written), so that the exit's parameters are the loop's values.
            var changed = V();
            text.AppendLine($"    {changed}: i64 = add {carried[2 % StateValues]}, {sum}");
            var newState = (string[])carried.Clone();
            newState[2 % StateValues] = changed;
            text.AppendLine($"    brif {isString}, block{b + 6}({newBox}, {sum}, {List(newState)}), block{b + 1}({newBox}, {counterUp}, {List(newState)})");
            // Exit: the box and the state, each stored boxed into the exit's array (the box escapes here: made here).
            var exitBox = V();
            var exitSum = V();
            var exitState = new string[StateValues];
            text.Append($"block{b + 6}({exitBox} (acc): object, {exitSum} (sum): i64");
            for (int i = 0; i < StateValues; i++)
            {
                exitState[i] = V();
                text.Append($", {exitState[i]} (r{i}): i64");
            }
            text.AppendLine("):");
            var slot = V();
            text.AppendLine($"    {slot}: i32 = const 0");
            text.AppendLine($"    stelem object {exit}, {slot}, {exitBox}");
            for (int i = 0; i < StateValues; i++)
            {
                var boxed = V();
                var index = V();
                text.AppendLine($"    {boxed}: object = box i64 {exitState[i]}");
                text.AppendLine($"    {index}: i32 = const {i + 1}");
                text.AppendLine($"    stelem object {exit}, {index}, {boxed}");
            }
            text.AppendLine($"    ret {exitSum}");
        }
        text.AppendLine("}");
        return text.ToString();
    }
}
