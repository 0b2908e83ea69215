using System.Reflection.Emit;
using PeJit.IR;

namespace PeJit.Backends.Cil;

/// <summary>
/// The tables indexed by a unit graph's values and blocks that the emitters of the unit's methods (its own, its cold code's,
/// its loops') share: made once per unit, and each method's emitter starts a generation (<see cref="Begin"/>) in which
/// every entry written in an earlier one reads as absent. So no method allocates or clears a table the size of the graph,
/// and a unit of N outlined loops costs O(graph + the methods' own sizes) in all, not N times the graph (before, each
/// method's emitter took its own arrays the size of the graph, which capped outlining at 16 loops a unit;
/// CilBackendCostTests' case of 40 loops counts it).
/// </summary>
/// <remarks>
/// Stamps (the generation that wrote an entry) rather than clearing: a table read in a generation that did not write the
/// entry gives its absent value. Non-generic classes over arrays, not framework collections: a new collection type or a
/// generic instantiation over a framework struct (<see cref="Label"/>) would be loaded or compiled on every process's first
/// unit (LuaColdPathFirstTimesTests). The emitters run one after the other, never two at once.
/// </remarks>
internal sealed class EmitTables
{
    private int generation;

    public EmitTables(int valueCount, int blockCount)
    {
        Locals = new LocalTable(this, valueCount);
        Labels = new LabelTable(this, blockCount);
        AliasOf = new Ints(this, valueCount, -1);
        ClassOf = new Ints(this, valueCount, -1);
        Uses = new Ints(this, valueCount, 0);
        DefinedIn = new Ints(this, valueCount, 0);
        AliasState = new Ints(this, valueCount, 0);
        CandidateOf = new Ints(this, valueCount, -1);
        DenseBlock = new Ints(this, blockCount, -1);
        AtUse = new Flags(this, valueCount);
        UsedOutside = new Flags(this, valueCount);
        Arguments = new Flags(this, valueCount);
        StubBlocks = new BlockMembers(blockCount);
        Used = new ValueMembers(valueCount);
    }

    /// <summary>Starts a method: every table reads as empty again. O(1), but for the two ordered member sets (O(their members)).</summary>
    public void Begin()
    {
        generation++;
        StubBlocks.Clear();
        Used.Clear();
    }

    /// <summary>Each value's local.</summary>
    public LocalTable Locals { get; }

    /// <summary>Each block's label.</summary>
    public LabelTable Labels { get; }

    /// <summary>Per value, the argument it is another name for (-1: none).</summary>
    public Ints AliasOf { get; }

    /// <summary>Per value, the object whose class it is, emitted again at each comparison (-1: none).</summary>
    public Ints ClassOf { get; }

    /// <summary>Per value, its loads in the method.</summary>
    public Ints Uses { get; }

    /// <summary>Per value, its defining block's index + 1 in the method (0: a parameter, or another method's value).</summary>
    public Ints DefinedIn { get; }

    /// <summary>Per value, the alias cycle search's state (0 unseen, 1 on the current path, 2 resolved).</summary>
    public Ints AliasState { get; }

    /// <summary>Per value, its candidate number in <see cref="LocalColoring"/> (-1: none).</summary>
    public Ints CandidateOf { get; }

    /// <summary>Per block, its number among the method's blocks in <see cref="LocalColoring"/> (-1: none yet).</summary>
    public Ints DenseBlock { get; }

    /// <summary>Values emitted where they are used (no local).</summary>
    public Flags AtUse { get; }

    /// <summary>Values used outside their defining block.</summary>
    public Flags UsedOutside { get; }

    /// <summary>Values the method is given (its parameters, an outlined entry's live-ins).</summary>
    public Flags Arguments { get; }

    /// <summary>Outlined entries' stub blocks the method emits, in index order.</summary>
    public BlockMembers StubBlocks { get; }

    /// <summary>Values the method loads or is given, in index order: those that may need a local.</summary>
    public ValueMembers Used { get; }

    /// <summary>An int per index, <c>absent</c> where this generation wrote none.</summary>
    internal sealed class Ints(EmitTables owner, int count, int absent)
    {
        private readonly int[] items = new int[count];
        private readonly int[] stamps = new int[count];

        public int this[int index]
        {
            get => stamps[index] == owner.generation ? items[index] : absent;
            set
            {
                items[index] = value;
                stamps[index] = owner.generation;
            }
        }
    }

    /// <summary>A set of indices for this generation.</summary>
    internal sealed class Flags(EmitTables owner, int count)
    {
        private readonly int[] stamps = new int[count];

        public bool Contains(Value value) => stamps[value.Index] == owner.generation;

        /// <summary>Adds <paramref name="value"/>; false when it was in already.</summary>
        public bool Add(Value value)
        {
            if (stamps[value.Index] == owner.generation) return false;
            stamps[value.Index] = owner.generation;
            return true;
        }
    }

    /// <summary>Each value's local for this generation.</summary>
    internal sealed class LocalTable(EmitTables owner, int count)
    {
        private readonly LocalBuilder?[] items = new LocalBuilder?[count];
        private readonly int[] stamps = new int[count];

        public LocalBuilder this[Value key]
        {
            get => stamps[key.Index] == owner.generation ? items[key.Index]! : throw new KeyNotFoundException($"{key} has no local in this method");
            set
            {
                items[key.Index] = value;
                stamps[key.Index] = owner.generation;
            }
        }

        public bool ContainsKey(Value value) => stamps[value.Index] == owner.generation;

        public bool TryGetValue(Value value, out LocalBuilder local)
        {
            bool present = stamps[value.Index] == owner.generation;
            local = present ? items[value.Index]! : null!;
            return present;
        }
    }

    /// <summary>Each block's label for this generation.</summary>
    internal sealed class LabelTable(EmitTables owner, int count)
    {
        private readonly Label[] items = new Label[count];
        private readonly int[] stamps = new int[count];

        public Label this[Block block]
        {
            get => stamps[block.Index] == owner.generation ? items[block.Index] : throw new KeyNotFoundException($"{block} has no label in this method");
            set
            {
                items[block.Index] = value;
                stamps[block.Index] = owner.generation;
            }
        }
    }

    /// <summary>
    /// A set of blocks enumerated in index order, emptied by removing its members (the IR's <see cref="BlockSet"/> over the
    /// whole graph, made once).
    /// </summary>
    internal sealed class BlockMembers(int count)
    {
        private readonly BlockSet set = new(count);
        private readonly List<Block> added = [];

        public bool Add(Block block)
        {
            if (!set.Add(block)) return false;
            added.Add(block);
            return true;
        }

        public bool Contains(Block block) => set.Contains(block);

        /// <summary>The members, in index order (a walk over the set's words: O(graph / 64) a method).</summary>
        public BlockSet Members => set;

        internal void Clear()
        {
            for (int i = 0; i < added.Count; i++) set.Remove(added[i]);
            added.Clear();
        }
    }

    /// <summary>A set of values enumerated in index order, emptied by removing its members.</summary>
    internal sealed class ValueMembers(int count)
    {
        private readonly ValueSet set = new(count);
        private readonly List<Value> added = [];

        public void Add(Value value)
        {
            if (set.Add(value)) added.Add(value);
        }

        /// <summary>The members, in index order (a walk over the set's words: O(graph / 64) a method).</summary>
        public ValueSet Members => set;

        internal void Clear()
        {
            for (int i = 0; i < added.Count; i++) set.Remove(added[i]);
            added.Clear();
        }
    }
}
