using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// Which of a loop's promoted frame elements may hold, at the start of each loop block, a value memory does not (stored by
/// the loop since the last write-back): the others need no write-back before the next call that may reach the frame, nor
/// at an exit (<see cref="PromoteMemory"/>, rule 9). Before this, every such call wrote back every element the loop stores
/// anywhere, so two calls in a row (a Lua call's <c>Array.Copy</c> of the arguments and the call itself) stored the same
/// registers twice, and a call right after another stored back the values just loaded again.
/// </summary>
/// <remarks>
/// <para>A forward "may be dirty" analysis over the loop's blocks: an element becomes dirty at a store of it and clean at
/// a call that may reach the frame or read it (the write-back before it; the loads again after a call that may write it
/// leave memory and the SSA value equal); a block starts with what any predecessor in the loop ends with, the header also
/// with nothing from the preheader (the elements' first values are loaded there). Sound because nothing else in the loop
/// writes a promoted element (promotion kept every other access apart, and calls that may reach the frame are the
/// barriers), and an exception leaving the loop needs no frame element written back (rule 10).</para>
/// <para>Cost: the blocks of the loop times its instructions per round; rounds until nothing changes, at most one more than
/// the loop's nesting depth in practice.</para>
/// </remarks>
internal static class FrameWriteBacks
{
    /// <summary>
    /// Per loop block (by block index), which of the <paramref name="count"/> tracked elements may be dirty at its start.
    /// <paramref name="order"/> is the loop's blocks in reverse post-order; <paramref name="storedElement"/> says which
    /// tracked element an instruction stores (-1 for none); <paramref name="writesBack"/> whether all are written back before it.
    /// </summary>
    public static Dictionary<int, bool[]> DirtyAtStart(NaturalLoop loop, IReadOnlyList<Block> order, Func<Block, IReadOnlyList<Edge>> edgesInto,
        Func<Block, IReadOnlyList<Instruction>> instructionsOf, Func<Instruction, int> storedElement, Func<Instruction, bool> writesBack, int count)
    {
        var atStart = new Dictionary<int, bool[]>();
        var atEnd = new Dictionary<int, bool[]>();
        foreach (var block in order)
        {
            atStart[block.Index] = new bool[count];
            atEnd[block.Index] = new bool[count];
        }
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var block in order)
            {
                var start = atStart[block.Index];
                foreach (var edge in edgesInto(block))
                {
                    // Edges from outside the loop enter only the header, from the preheader: nothing dirty there.
                    if (!loop.Blocks.Contains(edge.Source)) continue;
                    var end = atEnd[edge.Source.Index];
                    for (int k = 0; k < count; k++)
                        if (end[k] && !start[k]) start[k] = changed = true;
                }
                var state = (bool[])start.Clone();
                foreach (var instruction in instructionsOf(block))
                {
                    if (writesBack(instruction)) Array.Clear(state);
                    else if (storedElement(instruction) is var k and >= 0) state[k] = true;
                }
                var known = atEnd[block.Index];
                for (int k = 0; k < count; k++)
                    if (state[k] && !known[k]) known[k] = changed = true;
            }
        }
        return atStart;
    }
}
