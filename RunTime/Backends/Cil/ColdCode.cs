using System.Reflection.Emit;
using PeJit.IR;
using PeJit.IR.Graphs;
using Opcode = PeJit.IR.Opcode;

namespace PeJit.Backends.Cil;

/// <summary>
/// The code of a unit that runs at most once per entry of the unit, split off into methods of its own (hot/cold
/// splitting): the blocks that cannot reach a loop, the exits above all, which write back the live values and make the
/// objects allocation removal took apart. In a unit of many keys they are most of the code (Lua <c>polymorphic</c>'s
/// 17-key unit: 1,191 of its 2,758 instructions, in 71 exits), and they take the one method past the sizes .NET
/// optimizes (<see cref="IlShape"/>): the loop then runs unoptimized because of code that runs once. Split off, the
/// loop's method stays small, and .NET compiles an exit's method only when that exit is first taken.
/// </summary>
/// <remarks>
/// <para>A block is cold when it cannot reach a cycle (so, once left to, the unit never comes back to a loop), lies
/// outside every exception region, and uses no stack slot (a slot is a local of the method, which another method cannot
/// see). An <em>entry</em> is a cold block entered from a block that is not cold, or by more than one edge; every other
/// cold block is entered by exactly one edge from a cold block, so it belongs to exactly one entry's tree. An entry whose
/// tree holds at least <c>minimumInstructions</c> instructions is outlined: a method of its own, given the entry's
/// parameters and every value its blocks use that is defined before it (its live-ins), returning what the unit
/// returns. A jump to an outlined entry goes to a stub that calls the method and returns its result. Smaller entries
/// stay in each method that jumps to them. The cold blocks form no cycle, so the live-ins are computed bottom-up.</para>
/// <para>Cost: O(blocks + edges + instructions) to find the cold blocks and the trees; the live-ins of an entry are
/// a pass over its own blocks plus its stubs' live-ins, O(instructions + live-ins) in all.</para>
/// </remarks>
internal sealed class ColdCode
{
    /// <summary>Entries whose trees are smaller than this stay inline: a call and a method cost more than they save.</summary>
    public const int MinimumInstructions = 16;

    private readonly FlowGraph graph;
    private readonly Entry?[] entryOf;

    /// <summary>Edges into each block, over the whole graph (a parameter of a block entered once is its argument).</summary>
    public int[] EdgesIn { get; }

    /// <summary>For a block entered by one edge, the block that edge leaves (meaningless for the others).</summary>
    public int[] SourceOf { get; }

    /// <summary>The outlined entries, each a method of its own.</summary>
    public List<Entry> Outlined { get; } = [];

    /// <summary>The outlined loops (<see cref="OutlinedLoop"/>), each a method of its own, the inner ones before those that call them.</summary>
    public List<Entry> Loops { get; } = [];

    /// <summary>What the unit's own method emits: every block but the outlined trees, with stubs for their entries.</summary>
    public Scope Hot { get; }

    private ColdCode(FlowGraph graph, int[] edgesIn, int[] sourceOf, Entry?[] entryOf, Scope hot)
    {
        this.graph = graph;
        EdgesIn = edgesIn;
        SourceOf = sourceOf;
        this.entryOf = entryOf;
        Hot = hot;
    }

    /// <summary>An outlined entry: its block, the blocks its method emits, the entries it calls, its live-ins, its method.</summary>
    public sealed class Entry(Block block)
    {
        public Block Block { get; } = block;

        public Scope Scope { get; set; } = null!;

        /// <summary>The entry's parameters, then the values defined before it that its method uses (constants aside), by index.</summary>
        public Value[] LiveIns { get; set; } = [];

        /// <summary>The method, declared before any method that calls it is emitted.</summary>
        public DynamicMethod Method { get; set; } = null!;

        /// <summary>
        /// For an outlined loop (<see cref="OutlinedLoop"/>), the loop: its method returns the exit taken, and a jump to
        /// its header goes to a stub block that calls it and follows that exit. Null for cold code.
        /// </summary>
        public OutlinedLoop? Loop { get; init; }
    }

    /// <summary>
    /// What one method emits: its blocks, and the outlined entries it jumps to (each a call). A map of the IR's own and a
    /// list of a class, not a dictionary keyed by <see cref="Block"/>: ReadyToRun leaves framework generics over the IR's
    /// structs to .NET's JIT, on the first unit's path (FirstUnitDotnetJitTests).
    /// </summary>
    public sealed class Scope(BlockSet blocks)
    {
        public BlockSet Blocks { get; } = blocks;

        /// <summary>The outlined entry at each block this method jumps to (a table sized by them, not by the graph: a unit has many methods).</summary>
        public StubTable Stubs { get; } = new();

        /// <summary>The same entries, in the order first jumped to.</summary>
        public List<Entry> StubList { get; } = [];
    }

    /// <summary>The outlined entry at <paramref name="block"/> (a method of its own, called by a jump there), or null.</summary>
    public Entry? OutlinedAt(Block block) => entryOf[block.Index];

    /// <summary>Splits <paramref name="graph"/>'s cold code, or returns a split that keeps every block in the unit's method.</summary>
    public static ColdCode Find(FlowGraph graph, RegionLayout layout, int minimumInstructions = MinimumInstructions) =>
        Find(graph, layout, LoopOutlining.None, null, minimumInstructions);

    /// <summary>
    /// Splits <paramref name="graph"/>'s cold code and, as <paramref name="loopOutlining"/> says, its loops
    /// (<see cref="OutlinedLoop"/>, given <paramref name="resolve"/>) into methods of their own.
    /// </summary>
    public static ColdCode Find(FlowGraph graph, RegionLayout layout, LoopOutlining loopOutlining, Func<IrType, Type>? resolve,
        int minimumInstructions = MinimumInstructions)
    {
        int count = graph.BlockCount;
        var predecessors = Predecessors.Compute(graph);
        var edgesIn = new int[count];
        var source = new int[count];
        foreach (var block in graph.Blocks)
        {
            var edges = predecessors.EdgesInto(block);
            edgesIn[block.Index] = edges.Count;
            if (edges.Count == 1) source[block.Index] = edges[0].Source.Index;
        }

        // Cold: cannot reach a cycle. A block joins once all its successors have (an edge at a time); blocks in exception
        // regions never do (a handler is a successor no edge names), nor do those that jump into them.
        var eligible = new bool[count];
        var cold = new bool[count];
        var waiting = new int[count];
        var ready = new Stack<int>();
        foreach (var block in graph.Blocks)
        {
            eligible[block.Index] = block != FlowGraph.Entry && layout.ContainerOf(block) == layout.Root && !UsesSlots(graph, block);
            waiting[block.Index] = Successors(block).Count;
            if (waiting[block.Index] == 0 && eligible[block.Index]) ready.Push(block.Index);
        }
        while (ready.Count > 0)
        {
            int block = ready.Pop();
            cold[block] = true;
            foreach (var edge in predecessors.EdgesInto(new Block(block)))
                if (--waiting[edge.Source.Index] == 0 && eligible[edge.Source.Index]) ready.Push(edge.Source.Index);
        }

        // Entries and their trees' sizes.
        var entryOf = new Entry?[count];
        var candidates = new List<Entry>(); // made for every candidate, kept for the large ones
        foreach (var block in graph.Blocks)
            if (cold[block.Index] && (edgesIn[block.Index] != 1 || !cold[source[block.Index]])) candidates.Add(new Entry(block));
        foreach (var entry in candidates)
        {
            int size = 0;
            var work = new Stack<int>();
            work.Push(entry.Block.Index);
            while (work.Count > 0)
            {
                int block = work.Pop();
                size += graph[new Block(block)].Instructions.Count;
                foreach (var target in Successors(new Block(block)))
                    if (IsTreeBlock(target.Target.Index)) work.Push(target.Target.Index);
            }
            if (size >= minimumInstructions) entryOf[entry.Block.Index] = entry;
        }
        // In a tree: cold, entered once, from a cold block (so not an entry).
        bool IsTreeBlock(int block) => cold[block] && edgesIn[block] == 1 && cold[source[block]];

        // Outlined loops: each a method of its own, entered at its header only (a natural loop), its blocks in no other
        // method; a method that jumps to the header calls it there and goes on along the exit it returns.
        var loopOf = new Entry?[count];
        var loops = new List<Entry>();
        if (resolve is not null && loopOutlining != LoopOutlining.None)
        {
            // Innermost loops come first, then the outer ones: an outer loop's blocks end up its own in loopOf, and its
            // method holds the blocks that are not its inner loops', with a stub for each inner loop's header.
            var found = OutlinedLoop.Find(graph, loopOutlining, layout, resolve);
            var entryAt = new Entry?[count]; // by header
            for (int i = 0; i < found.Count; i++)
            {
                var entry = new Entry(found[i].Loop.Header) { Loop = found[i], LiveIns = found[i].LiveIns };
                entryAt[entry.Block.Index] = entry;
                var blocks = new BlockSet(count);
                foreach (var block in found[i].Loop.Blocks)
                {
                    if (loopOf[block.Index] is null || !found[i].IsOuter) blocks.Add(block);
                    loopOf[block.Index] = entry;
                }
                entry.Scope = new Scope(blocks);
                var inner = found[i].Inner;
                for (int k = 0; k < inner.Count; k++)
                {
                    var innerEntry = entryAt[inner[k].Loop.Header.Index]!;
                    entry.Scope.Stubs.TryAdd(innerEntry);
                    entry.Scope.StubList.Add(innerEntry);
                }
                loops.Add(entry);
            }
        }

        var hotRoots = new List<int>();
        foreach (var block in graph.Blocks)
            if (!cold[block.Index] && loopOf[block.Index] is null) hotRoots.Add(block.Index);
        var result = new ColdCode(graph, edgesIn, source, entryOf, Close(hotRoots));
        foreach (var block in graph.Blocks)
            if (entryOf[block.Index] is { } entry)
            {
                entry.Scope = Close([block.Index]);
                result.Outlined.Add(entry);
            }
        var done = new bool[count];
        foreach (var entry in result.Outlined) result.LiveIns(entry, done);
        result.Loops.AddRange(loops);
        return result;

        // The blocks one method emits: its roots and every block they reach without entering an outlined entry.
        Scope Close(List<int> roots)
        {
            var scope = new Scope(new BlockSet(count));
            var work = new Stack<int>();
            foreach (var root in roots)
                if (scope.Blocks.Add(new Block(root))) work.Push(root);
            while (work.Count > 0)
            {
                foreach (var call in Successors(new Block(work.Pop())))
                {
                    var target = call.Target;
                    Reach(scope, work, target);
                }
            }
            return scope;
        }

        // A jump's target as the method that jumps sees it: an outlined entry's call, an outlined loop's call followed
        // by its exits (the method jumps along them after the call), or a block of its own.
        void Reach(Scope scope, Stack<int> work, Block target)
        {
            // A cold block reaches no cycle, so an entry's method never comes back to the entry itself.
            if (entryOf[target.Index] is { } entry)
            {
                if (scope.Stubs.TryAdd(entry)) scope.StubList.Add(entry);
            }
            else if (loopOf[target.Index] is { } loop)
            {
                if (scope.Stubs.TryAdd(loop))
                {
                    scope.StubList.Add(loop);
                    var exits = loop.Loop!.Exits; // by index: a list's enumerator is a type .NET loads on the first unit's path
                    for (int i = 0; i < exits.Count; i++) Reach(scope, work, exits[i].Call.Target);
                }
            }
            else if (scope.Blocks.Add(target)) work.Push(target.Index);
        }

        // The jumps out of a block: its terminator's targets, one per edge. The list itself, not an IReadOnlyList: a foreach
        // over the interface takes the boxed enumerator of a list of an IR struct, which .NET compiles in every process.
        List<BlockCall> Successors(Block block) => graph[block].Terminator?.Targets ?? NoTargets;
    }

    private static readonly List<BlockCall> NoTargets = [];

    /// <summary>
    /// Fills <paramref name="entry"/>'s live-ins: its parameters, then what its blocks and its stubs use that they do not
    /// define (the stubs' own live-ins first computed; the cold blocks form no cycle).
    /// </summary>
    private void LiveIns(Entry entry, bool[] done)
    {
        if (done[entry.Block.Index]) return;
        done[entry.Block.Index] = true;
        var defined = new ValueSet(graph.ValueCount);
        var used = new ValueSet(graph.ValueCount);
        foreach (var block in entry.Scope.Blocks)
        {
            foreach (var parameter in graph[block].Parameters) defined.Add(parameter);
            foreach (var instruction in graph[block].Instructions)
            {
                if (instruction.Result is { } result) defined.Add(result);
                foreach (var operand in instruction.Operands) used.Add(operand);
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments) used.Add(argument);
            }
        }
        foreach (var stub in entry.Scope.StubList)
        {
            LiveIns(stub, done);
            foreach (var parameter in graph[stub.Block].Parameters) defined.Add(parameter);
            foreach (var value in stub.LiveIns) used.Add(value);
        }
        var parameters = graph[entry.Block].Parameters;
        int count = parameters.Count;
        foreach (var value in used)
            if (!defined.Contains(value) && !IsConstant(graph[value].DefiningInstruction)) count++;
        var liveIns = new Value[count];
        for (int i = 0; i < parameters.Count; i++) liveIns[i] = parameters[i];
        int next = parameters.Count;
        foreach (var value in used)
            if (!defined.Contains(value) && !IsConstant(graph[value].DefiningInstruction)) liveIns[next++] = value;
        entry.LiveIns = liveIns;
    }

    /// <summary>A constant (<c>const</c>, <c>null</c>, a string): each method that uses it emits it again, none passes it.</summary>
    public static bool IsConstant(Instruction? instruction) => instruction?.Opcode is Opcode.Const or Opcode.Null or Opcode.String;

    private static bool UsesSlots(FlowGraph graph, Block block)
    {
        foreach (var instruction in graph[block].Instructions)
            if (instruction.Opcode is Opcode.LoadSlot or Opcode.StoreSlot or Opcode.SlotAddr) return true;
        return false;
    }
}
