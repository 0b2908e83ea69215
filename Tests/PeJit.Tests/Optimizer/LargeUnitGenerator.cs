using System.Text;
using PeJit.IR;
using PeJit.IR.Text;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// Writes residual graphs of a chosen size that look like the units an interpreter's hot loop turns into: the
/// frame's arrays re-read from its fields, a loop per interpreted loop with element loads and stores, a switch
/// over a promoted value whose cases call out or compute, tests repeated on the same value (guards), and exits
/// that write the state back and return. Sizes scale by repeating such loops, chained one after the other.
/// </summary>
public static class LargeUnitGenerator
{
    private const string Holder = "PeJit.Tests.Specializer.ArrayHolder";

    /// <summary>A unit of about <paramref name="instructions"/> instructions (each segment is about 44).</summary>
    public static FlowGraph Generate(int instructions) => IrParser.Parse(Text(instructions));

    /// <summary>The unit's text (see <see cref="Generate"/>).</summary>
    public static string Text(int instructions)
    {
        var segments = Math.Max(1, instructions / 44);
        var text = new StringBuilder();
        var next = 0;
        string V() => $"v{next++}";
        text.AppendLine($"function \"unit Generated({instructions})\" -> i64 {{");
        var frame = V();
        var sp = V();
        var exit = V();
        text.AppendLine($"block0({frame} (frame): class \"{Holder}\", {sp} (sp): i32, {exit} (exit): class \"System.Object[]\"):");
        var zero = V();
        var zeroWide = V();
        text.AppendLine($"    {zero}: i32 = const 0");
        text.AppendLine($"    {zeroWide}: i64 = const 0");
        text.AppendLine($"    jump block1({zeroWide}, {zero})");
        for (var segment = 0; segment < segments; segment++)
        {
            // Blocks of segment s: header 6s+1, dispatch 6s+2, two cases 6s+3 and 6s+4, latch 6s+5, exit 6s+6.
            var header = 6 * segment + 1;
            var nextHeader = segment + 1 < segments ? $"block{header + 6}" : null;
            var accumulator = V();
            var counter = V();
            text.AppendLine($"block{header}({accumulator} (acc): i64, {counter} (k): i32):");
            var values = V();
            var other = V();
            text.AppendLine($"    {values}: class \"System.Int64[]\" = ldfld \"System.Int64[] {Holder}::Values\" {frame}");
            text.AppendLine($"    {other}: class \"System.Int64[]\" = ldfld \"System.Int64[] {Holder}::Other\" {frame}");
            var index = V();
            var loaded = V();
            var top = V();
            var sum = V();
            text.AppendLine($"    {index}: nint = const {segment % 4}");
            text.AppendLine($"    {loaded}: i64 = ldelem i64 {values}, {index}");
            text.AppendLine($"    {top}: i64 = ldelem i64 {other}, {sp}");
            text.AppendLine($"    {sum}: i64 = add {loaded}, {top}");
            text.AppendLine($"    stelem i64 {values}, {index}, {sum}");
            var one = V();
            var spUp = V();
            var spDown = V();
            text.AppendLine($"    {one}: i32 = const 1");
            text.AppendLine($"    {spUp}: i32 = add {sp}, {one}");
            text.AppendLine($"    {spDown}: i32 = sub {spUp}, {one}");
            text.AppendLine($"    stelem i64 {other}, {spDown}, {sum}");
            var reloaded = V();
            text.AppendLine($"    {reloaded}: i64 = ldelem i64 {other}, {spDown}");
            var test = V();
            text.AppendLine($"    {test}: bool = clt {reloaded}, {accumulator}");
            text.AppendLine($"    brif {test}, block{header + 1}, block{header + 5}");
            text.AppendLine($"block{header + 1}:");
            var again = V();
            text.AppendLine($"    {again}: bool = clt {reloaded}, {accumulator}");
            var narrow = V();
            var three = V();
            var key = V();
            text.AppendLine($"    {narrow}: i32 = conv {sum}");
            text.AppendLine($"    {three}: i32 = const 3");
            text.AppendLine($"    {key}: i32 = and {narrow}, {three}");
            text.AppendLine($"    brif {again}, block{header + 2}, block{header + 5}");
            text.AppendLine($"block{header + 2}:");
            text.AppendLine($"    switch {key}, [block{header + 3}, block{header + 4}, block{header + 3}], block{header + 5}");
            text.AppendLine($"block{header + 3}:");
            text.AppendLine($"    call \"System.Void {Holder}::Touch(System.Int64[])\" {values}");
            var max = V();
            text.AppendLine($"    {max}: i64 = call \"System.Int64 System.Math::Max(System.Int64,System.Int64)\" {sum}, {accumulator}");
            text.AppendLine($"    jump block{header + 4}");
            text.AppendLine($"block{header + 4}:");
            var again2 = V();
            text.AppendLine($"    {again2}: bool = clt {reloaded}, {accumulator}");
            var count = V();
            var next1 = V();
            var limit = V();
            var more = V();
            text.AppendLine($"    {count}: i32 = ldfld \"System.Int32 {Holder}::Count\" {frame}");
            text.AppendLine($"    {next1}: i32 = add {counter}, {one}");
            text.AppendLine($"    {limit}: i32 = add {count}, {zero}");
            text.AppendLine($"    {more}: bool = clt {next1}, {limit}");
            var wide = V();
            var newAccumulator = V();
            text.AppendLine($"    {wide}: i64 = conv {next1}");
            text.AppendLine($"    {newAccumulator}: i64 = add {sum}, {wide}");
            text.AppendLine(nextHeader is null
                ? $"    brif {more}, block{header}({newAccumulator}, {next1}), block{header + 5}"
                : $"    brif {more}, block{header}({newAccumulator}, {next1}), {nextHeader}({newAccumulator}, {zero})");
            text.AppendLine($"block{header + 5}:");
            var boxed = V();
            var slot = V();
            var boxedSp = V();
            var slot1 = V();
            text.AppendLine($"    {boxed}: object = box i64 {sum}");
            text.AppendLine($"    {slot}: i32 = const 0");
            text.AppendLine($"    stelem object {exit}, {slot}, {boxed}");
            text.AppendLine($"    {boxedSp}: object = box i32 {sp}");
            text.AppendLine($"    {slot1}: i32 = const 1");
            text.AppendLine($"    stelem object {exit}, {slot1}, {boxedSp}");
            var result = V();
            text.AppendLine($"    {result}: i64 = const {segment}");
            text.AppendLine($"    ret {result}");
        }
        text.AppendLine("}");
        return text.ToString();
    }

    /// <summary>The number of instructions in <paramref name="graph"/>.</summary>
    public static int InstructionCount(FlowGraph graph) => graph.Blocks.Sum(block => graph[block].Instructions.Count);
}
