using PeJit.IR;

namespace PeJit.Optimizer;

internal sealed partial class LoopPromotion
{
    /// <summary>
    /// Loads of a promoted integer field that read, on every iteration, its entry value plus a constant (an interpreter's
    /// stack pointer after the pushes of this turn so far, read again in a block the pushes' block branched to): the
    /// preheader's load and that constant, for <see cref="IndexOf"/>. Loads at offset 0 are in <see cref="canonical"/>.
    /// </summary>
    private readonly ValueMap<EntryOffset> entryOffsets = new();

    /// <summary>
    /// The loop's loads and stores of promoted fields whose value is the field's entry value plus a constant: in the
    /// rewritten loop a load reads, and a store defines, that sum made once before the loop (<see cref="EntryPlus"/>), so
    /// a turn that ends where it began passes the header the entry value itself and its parameter goes.
    /// </summary>
    private readonly Dictionary<Instruction, int> knownOffsets = new(ReferenceEqualityComparer.Instance);

    /// <summary>The sums <see cref="EntryPlus"/> made, a few per loop: (field, offset, value).</summary>
    private readonly List<(PromotedField Field, int Offset, Value Sum)> entrySums = [];

    /// <summary>
    /// The value a rewritten load or store of a promoted field stands for when <see cref="FindEntryValuedLoads"/> knows it
    /// as the entry value plus a constant; null otherwise.
    /// </summary>
    private Value? KnownFieldValue(Instruction access, PromotedField field) =>
        knownOffsets.TryGetValue(access, out int offset) ? EntryPlus(field, offset) : null;

    /// <summary>The field's entry value plus <paramref name="offset"/>, made at the end of the preheader's chain (once per offset).</summary>
    private Value EntryPlus(PromotedField field, int offset)
    {
        if (offset == 0) return field.First;
        foreach (var (known, at, sum) in entrySums)
            if (known == field && at == offset) return sum;
        var instructions = graph[chainEnd].Instructions;
        var location = instructions[^1].Location;
        var constant = new Instruction(Opcode.Const) { Integer = offset, Location = location };
        graph.SetResult(constant, field.Carried);
        var add = new Instruction(Opcode.Add, field.First, constant.Result!.Value) { Location = location };
        var result = graph.SetResult(add, field.Carried);
        instructions.Insert(instructions.Count - 1, constant);
        instructions.Insert(instructions.Count - 1, add);
        entrySums.Add((field, offset, result));
        return result;
    }

    /// <summary>The index <paramref name="value"/> is, rooted at a field's entry value where it reads one (<see cref="entryOffsets"/>), else at its canonical root.</summary>
    private ArrayIndex IndexOf(Value value)
    {
        var raw = ArrayIndex.Of(graph, value, static root => root);
        if (raw.Root is not { } root) return raw;
        if (entryOffsets.TryGetValue(root, out var entry)) return new ArrayIndex(entry.First, unchecked((int)(raw.Offset + entry.Offset)));
        return new ArrayIndex(Canonical(root), raw.Offset);
    }

    /// <summary>A load that reads a field's entry value (<see cref="PromotedField.First"/>) plus <see cref="Offset"/>.</summary>
    private sealed class EntryOffset(Value first, int offset)
    {
        public Value First { get; } = first;
        public int Offset { get; } = offset;
    }

    /// <summary>
    /// Loads of a promoted field that read the value it had when the loop was entered, on every iteration, or for a 32-bit
    /// integer field that value plus a constant: the loop stores back, by the end of each turn, what such a load gave
    /// (an interpreter's stack pointer, <c>state.Sp</c>, back where it was after a balanced turn of pushes and pops). Those
    /// loads stand for the preheader's load of the field (<see cref="Canonical"/>, or plus their constant for
    /// <see cref="IndexOf"/>), so what they index (<c>Stack[state.Sp + 1]</c>, <c>stack[stackTop - 2]</c> read after a
    /// branch) is at an invariant index and can be promoted in the same pass.
    /// </summary>
    /// <remarks>
    /// Strategy: assume the field holds its entry value at the header, follow the loop's blocks in reverse post-order
    /// (a block's predecessors in the loop come first, except the header's latches), knowing at each point the field's
    /// offset from its entry value, or nothing: a load reads the entry value plus the offset known there; a store sets the
    /// offset of the value it stores (a load's result plus or minus 32-bit constants, <see cref="ArrayIndex.Of"/>'s chain),
    /// or nothing; a block starts with the offset every predecessor ends with (a predecessor not seen yet, closing a cycle
    /// inside the loop, knows nothing). When every latch ends at offset 0 the assumption was right: the SSA construction of
    /// the rewrite gives the header a parameter every jump passes the entry value, which the trivial parameters' removal
    /// turns into the preheader's load, so the two agree. Otherwise no load is taken for one.
    /// </remarks>
    private void FindEntryValuedLoads()
    {
        var order = new List<Block>();
        foreach (var block in dominators.ReversePostOrder)
            if (loop.Blocks.Contains(block)) order.Add(block);
        if (order.Count != loop.Blocks.Count) return;
        var atEnd = new int?[graph.BlockCount];
        // Offsets may be negative (a stack pointer read after a pop): not a ValueToIndexMap, which maps to indices.
        var loadOffsets = new ValueMap<int>();
        var storeOffsets = new List<(Instruction Store, int Offset)>();
        foreach (var field in fields)
        {
            if (!field.Loaded) continue;
            Array.Clear(atEnd);
            loadOffsets.Clear();
            storeOffsets.Clear();
            foreach (var block in order)
            {
                int? offset = block == loop.Header ? 0 : AtEveryEdge(index.EdgesInto(block), atEnd);
                foreach (var instruction in graph[block].Instructions)
                {
                    if (!fieldOf.TryGetValue(instruction, out var accessed) || accessed != field) continue;
                    if (instruction.Opcode == Opcode.LoadField)
                    {
                        if (offset is { } known) loadOffsets[instruction.Result!.Value] = known;
                    }
                    else
                    {
                        offset = OffsetFromEntry(instruction.Operands[1], loadOffsets);
                        if (offset is { } stored) storeOffsets.Add((instruction, stored));
                    }
                }
                atEnd[block.Index] = offset;
            }
            bool atEveryLatch = true;
            foreach (var latch in loop.Latches) atEveryLatch &= atEnd[latch.Index] == 0;
            if (!atEveryLatch) continue;
            foreach (var block in order)
                foreach (var instruction in graph[block].Instructions)
                {
                    if (instruction.Opcode != Opcode.LoadField || !fieldOf.TryGetValue(instruction, out var accessed) || accessed != field
                        || !loadOffsets.TryGetValue(instruction.Result!.Value, out int known)) continue;
                    if (known == 0) canonical[instruction.Result!.Value] = field.First;
                    else entryOffsets[instruction.Result!.Value] = new EntryOffset(field.First, known);
                    knownOffsets[instruction] = known;
                }
            foreach (var (store, stored) in storeOffsets) knownOffsets[store] = stored;
        }
    }

    /// <summary>The offset every edge's source ends with; null when one knows none, or they differ.</summary>
    private static int? AtEveryEdge(IReadOnlyList<PeJit.IR.Graphs.Edge> edges, int?[] atEnd)
    {
        int? offset = null;
        for (int i = 0; i < edges.Count; i++)
        {
            if (atEnd[edges[i].Source.Index] is not { } end || (offset is { } seen && seen != end)) return null;
            offset = end;
        }
        return offset;
    }

    /// <summary>
    /// The offset from the field's entry value of <paramref name="value"/>: a load's (<paramref name="loadOffsets"/>), plus
    /// the 32-bit constants added and subtracted on the way; null when it is not such a value.
    /// </summary>
    private int? OffsetFromEntry(Value value, ValueMap<int> loadOffsets)
    {
        if (loadOffsets.TryGetValue(value, out int direct)) return direct;
        if (graph.TypeOf(value).StackKind != StackKind.Int32) return null;
        var index = ArrayIndex.Of(graph, value, static root => root);
        if (index.Root is not { } root || !loadOffsets.TryGetValue(root, out int offset)) return null;
        return unchecked((int)(offset + index.Offset));
    }
}
