namespace PeJit.Frontend.Construction;

/// <summary>A basic block of CIL: a run of instructions with one entry, and what the converter knows of it.</summary>
internal sealed class ILBlock(int index, int first)
{
    /// <summary>Position in IL order.</summary>
    public int Index { get; } = index;

    /// <summary>Index of the first instruction.</summary>
    public int First { get; } = first;

    /// <summary>Index of the last instruction.</summary>
    public int Last { get; set; }

    /// <summary>Ordinary successors (branch targets, fall-through, leave targets), duplicates kept.</summary>
    public List<int> Successors { get; } = [];

    /// <summary>Ordinary predecessors, one entry per edge.</summary>
    public List<int> Predecessors { get; } = [];

    /// <summary>Filter and handler entries an exception raised here may reach.</summary>
    public List<int> ExceptionalSuccessors { get; } = [];

    /// <summary>The innermost clause whose try range holds this block, or -1.</summary>
    public int TryClause { get; set; } = -1;

    /// <summary>The innermost clause whose handler or filter holds this block, or -1.</summary>
    public int HandlerClause { get; set; } = -1;

    /// <summary>When this block starts a handler, its clause; else -1.</summary>
    public int HandlerEntryOf { get; set; } = -1;

    /// <summary>When this block starts a filter, its clause; else -1.</summary>
    public int FilterEntryOf { get; set; } = -1;

    /// <summary>True for the entry of a handler or filter.</summary>
    public bool IsHandlerOrFilterEntry => HandlerEntryOf >= 0 || FilterEntryOf >= 0;
}
