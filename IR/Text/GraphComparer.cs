using PeJit.IR;

namespace PeJit.IR.Text;

/// <summary>
/// Structural equality of two graphs, as the text form sees them: blocks, parameters, instructions,
/// operands, immediates (types by kind and name, members by full name), targets, locations, regions,
/// slots and value names. Cecil references are not compared: a parsed graph has none.
/// </summary>
public static class GraphComparer
{
    /// <summary>The differences between <paramref name="a"/> and <paramref name="b"/>; empty when they are equal.</summary>
    public static IReadOnlyList<string> Differences(FlowGraph a, FlowGraph b)
    {
        var differences = new List<string>();
        void Differ(string what, object? x, object? y)
        {
            if (!Equals(x, y) && differences.Count < 50) differences.Add($"{what}: {x ?? "null"} vs {y ?? "null"}");
        }
        Differ("name", a.Name, b.Name);
        Differ("return type", a.ReturnType, b.ReturnType);
        Differ("block count", a.BlockCount, b.BlockCount);
        Differ("slot count", a.Slots.Count(), b.Slots.Count());
        Differ("region count", a.Regions.Count(), b.Regions.Count());
        Differ("virtualizables", string.Join("; ", a.Virtualizables.Select(v => v.Print())), string.Join("; ", b.Virtualizables.Select(v => v.Print())));
        if (differences.Count > 0) return differences;
        foreach (var slot in a.Slots) Differ($"{slot}", a[slot], b[slot]);
        foreach (var region in a.Regions)
        {
            var (x, y) = (a[region], b[region]);
            Differ($"{region} kind", x.Kind, y.Kind);
            Differ($"{region} catch type", x.CatchType, y.CatchType);
            Differ($"{region} handler", x.Handler, y.Handler);
            Differ($"{region} filter", x.Filter, y.Filter);
            Differ($"{region} parent", x.Parent, y.Parent);
        }
        foreach (var block in a.Blocks)
        {
            var (x, y) = (a[block], b[block]);
            Differ($"{block} try", x.Try, y.Try);
            Differ($"{block} handler", x.HandlerOf, y.HandlerOf);
            Differ($"{block} parameters", string.Join(", ", x.Parameters), string.Join(", ", y.Parameters));
            foreach (var (p, q) in x.Parameters.Zip(y.Parameters)) Value(p, q, $"{block} parameter");
            Differ($"{block} instruction count", x.Instructions.Count, y.Instructions.Count);
            foreach (var (i, j) in x.Instructions.Zip(y.Instructions)) Instruction(i, j, $"{block}");
        }
        return differences;

        void Value(Value p, Value q, string where)
        {
            Differ($"{where} value", p, q);
            Differ($"{where} {p} type", a.TypeOf(p), b.TypeOf(q));
            Differ($"{where} {p} name", a[p].Name, b[q].Name);
        }

        void Instruction(Instruction i, Instruction j, string where)
        {
            where = $"{where} {i.Info.Name}";
            Differ($"{where} opcode", i.Opcode, j.Opcode);
            Differ($"{where} operands", string.Join(", ", i.Operands), string.Join(", ", j.Operands));
            Differ($"{where} targets", string.Join(", ", i.Targets), string.Join(", ", j.Targets));
            Differ($"{where} type", i.TypeOperand, j.TypeOperand);
            Differ($"{where} method", i.Method, j.Method);
            Differ($"{where} field", i.Field, j.Field);
            Differ($"{where} text", i.Text, j.Text);
            Differ($"{where} location", i.Location, j.Location);
            if ((i.Info.Immediates & ImmediateKinds.Slot) != 0) Differ($"{where} slot", i.Slot, j.Slot);
            if ((i.Info.Immediates & ImmediateKinds.Number) != 0)
            {
                Differ($"{where} integer", i.Integer, j.Integer);
                // Every NaN prints as "nan", so NaNs are equal whatever their payload.
                if (!(double.IsNaN(i.Float) && double.IsNaN(j.Float)))
                    Differ($"{where} float bits", BitConverter.DoubleToInt64Bits(i.Float), BitConverter.DoubleToInt64Bits(j.Float));
            }
            if (i.Result is { } r && j.Result is { } s) Value(r, s, where);
            else Differ($"{where} result", i.Result, j.Result);
        }
    }
}
