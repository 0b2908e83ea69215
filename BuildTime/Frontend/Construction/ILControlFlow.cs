using Mono.Cecil.Cil;

namespace PeJit.Frontend.Construction;

/// <summary>
/// The basic blocks of a method body and its exception clauses as the converter needs them: ordinary and
/// exceptional edges, the clause chain of each block, and which blocks start handlers and filters.
/// </summary>
/// <remarks>
/// Strategy: leaders are the first instruction, branch targets, instructions after a control transfer, and
/// every boundary of a try, handler or filter range. A clause's parent is the first later clause whose try
/// range contains its try range (ECMA-335 orders inner clauses first), so walking parents from a block's
/// innermost clause visits exactly the clauses that protect it, in the order the runtime tries them.
/// </remarks>
internal sealed class ILControlFlow
{
    // Arrays rather than dictionaries: built for every method converted, they are most of its garbage otherwise.
    private readonly int[] blockOfInstruction;
    private readonly int[] indexOfOffset;

    private ILControlFlow(MethodBody body)
    {
        Body = body;
        Instructions = body.Instructions;
        indexOfOffset = new int[Instructions.Count == 0 ? 0 : Instructions[^1].Offset + 1];
        for (int i = 0; i < Instructions.Count; i++) indexOfOffset[Instructions[i].Offset] = i;
        blockOfInstruction = new int[Instructions.Count];
        Clauses = body.ExceptionHandlers;
    }

    /// <summary>The method body.</summary>
    public MethodBody Body { get; }

    /// <summary>The body's instructions (macros already simplified).</summary>
    public IList<Instruction> Instructions { get; }

    /// <summary>The exception clauses, in table order.</summary>
    public IList<ExceptionHandler> Clauses { get; }

    /// <summary>Blocks in IL order.</summary>
    public List<ILBlock> Blocks { get; } = [];

    /// <summary>For each clause, the next enclosing clause, or -1.</summary>
    public int[] ClauseParent { get; private set; } = [];

    /// <summary>For each clause, the block its handler starts with.</summary>
    public int[] HandlerEntry { get; private set; } = [];

    /// <summary>For each clause, the block its filter starts with, or -1.</summary>
    public int[] FilterEntry { get; private set; } = [];

    /// <summary>For each clause, the block its try range starts with.</summary>
    public int[] TryEntry { get; private set; } = [];

    /// <summary>The block holding instruction <paramref name="index"/>.</summary>
    public int BlockOf(int index) => blockOfInstruction[index];

    /// <summary>The block starting at <paramref name="instruction"/>.</summary>
    public int BlockAt(Instruction instruction) => blockOfInstruction[indexOfOffset[instruction.Offset]];

    /// <summary>Builds the control flow of a body.</summary>
    public static ILControlFlow Build(MethodBody body)
    {
        var flow = new ILControlFlow(body);
        flow.FindBlocks();
        flow.MapClauses();
        flow.LinkEdges();
        return flow;
    }

    /// <summary>Offset just past the last instruction: where a range with no end instruction ends.</summary>
    public int EndOffset => Instructions.Count == 0 ? 0 : Instructions[^1].Offset + Instructions[^1].GetSize();

    /// <summary>Offset of an instruction that ends a range, or the end of the body.</summary>
    public int OffsetOf(Instruction? instruction) => instruction?.Offset ?? EndOffset;

    /// <summary>True when <paramref name="offset"/> is inside clause <paramref name="clause"/>'s try range.</summary>
    public bool InTry(int clause, int offset) =>
        Clauses[clause].TryStart.Offset <= offset && offset < OffsetOf(Clauses[clause].TryEnd);

    /// <summary>True when <paramref name="offset"/> is inside clause <paramref name="clause"/>'s filter or handler.</summary>
    public bool InHandler(int clause, int offset)
    {
        var c = Clauses[clause];
        int start = c.HandlerType == ExceptionHandlerType.Filter ? c.FilterStart.Offset : c.HandlerStart.Offset;
        return start <= offset && offset < OffsetOf(c.HandlerEnd);
    }

    private void FindBlocks()
    {
        var leaders = new SortedSet<int> { 0 };
        for (int i = 0; i < Instructions.Count; i++)
        {
            var instruction = Instructions[i];
            foreach (var target in BranchTargets(instruction)) leaders.Add(indexOfOffset[target.Offset]);
            if (EndsBlock(instruction) && i + 1 < Instructions.Count) leaders.Add(i + 1);
        }
        foreach (var clause in Clauses)
        {
            foreach (var boundary in new[] { clause.TryStart, clause.TryEnd, clause.HandlerStart, clause.HandlerEnd, clause.FilterStart })
                if (boundary is not null) leaders.Add(indexOfOffset[boundary.Offset]);
        }
        foreach (int leader in leaders)
        {
            if (Blocks.Count > 0) Blocks[^1].Last = leader - 1;
            Blocks.Add(new ILBlock(Blocks.Count, leader));
        }
        if (Blocks.Count > 0) Blocks[^1].Last = Instructions.Count - 1;
        foreach (var block in Blocks)
            for (int i = block.First; i <= block.Last; i++) blockOfInstruction[i] = block.Index;
    }

    private void MapClauses()
    {
        int n = Clauses.Count;
        ClauseParent = new int[n];
        HandlerEntry = new int[n];
        FilterEntry = new int[n];
        TryEntry = new int[n];
        for (int i = 0; i < n; i++)
        {
            var clause = Clauses[i];
            ClauseParent[i] = -1;
            for (int j = i + 1; j < n; j++)
                if (InTry(j, clause.TryStart.Offset) && OffsetOf(clause.TryEnd) <= OffsetOf(Clauses[j].TryEnd))
                {
                    ClauseParent[i] = j;
                    break;
                }
            TryEntry[i] = BlockAt(clause.TryStart);
            HandlerEntry[i] = BlockAt(clause.HandlerStart);
            Blocks[HandlerEntry[i]].HandlerEntryOf = i;
            FilterEntry[i] = -1;
            if (clause.HandlerType == ExceptionHandlerType.Filter)
            {
                FilterEntry[i] = BlockAt(clause.FilterStart);
                Blocks[FilterEntry[i]].FilterEntryOf = i;
            }
        }
        foreach (var block in Blocks)
        {
            int offset = Instructions[block.First].Offset;
            for (int i = 0; i < n && block.TryClause < 0; i++)
                if (InTry(i, offset)) block.TryClause = i;
            int smallest = int.MaxValue;
            for (int i = 0; i < n; i++)
            {
                if (!InHandler(i, offset)) continue;
                var c = Clauses[i];
                int start = c.HandlerType == ExceptionHandlerType.Filter ? c.FilterStart.Offset : c.HandlerStart.Offset;
                int size = OffsetOf(c.HandlerEnd) - start;
                if (size < smallest) { smallest = size; block.HandlerClause = i; }
            }
        }
    }

    private void LinkEdges()
    {
        foreach (var block in Blocks)
        {
            var last = Instructions[block.Last];
            foreach (var target in BranchTargets(last)) block.Successors.Add(BlockAt(target));
            if (FallsThrough(last) && block.Index + 1 < Blocks.Count) block.Successors.Add(block.Index + 1);
            for (int clause = block.TryClause; clause >= 0; clause = ClauseParent[clause])
            {
                if (FilterEntry[clause] >= 0) block.ExceptionalSuccessors.Add(FilterEntry[clause]);
                block.ExceptionalSuccessors.Add(HandlerEntry[clause]);
            }
        }
        foreach (var block in Blocks)
            foreach (int successor in block.Successors) Blocks[successor].Predecessors.Add(block.Index);
    }

    /// <summary>Targets of a branch, switch or leave; none for other instructions.</summary>
    public static IEnumerable<Instruction> BranchTargets(Instruction instruction) => instruction.Operand switch
    {
        Instruction target when instruction.OpCode.FlowControl is FlowControl.Branch or FlowControl.Cond_Branch => [target],
        Instruction[] targets => targets,
        _ => [],
    };

    /// <summary>True when control may go on to the next instruction.</summary>
    public static bool FallsThrough(Instruction instruction) => instruction.OpCode.FlowControl switch
    {
        FlowControl.Branch or FlowControl.Return or FlowControl.Throw => false,
        _ => instruction.OpCode.Code is not (Code.Endfinally or Code.Endfilter or Code.Leave or Code.Leave_S or Code.Jmp),
    };

    private static bool EndsBlock(Instruction instruction) =>
        !FallsThrough(instruction) || instruction.OpCode.FlowControl == FlowControl.Cond_Branch;
}
