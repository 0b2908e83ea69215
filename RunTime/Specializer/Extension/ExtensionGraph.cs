using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Specializer.Extension;

/// <summary>
/// One annotated graph (its binding times copied in, so the engine needs no analysis) in the generating extension's compact form: a register class and a register number
/// per value, and per block the pre-decoded <see cref="ExtensionOp"/>s the engine runs (see
/// the generator's <c>ExtensionCompiler</c>). Value indexes are dense per graph, so a value's index is its register:
/// frames hold per-value state and per-class register files of <see cref="IntCount"/>, <see cref="FloatCount"/>
/// and <see cref="RefCount"/> entries.
/// </summary>
public sealed class ExtensionGraph
{
    private FlowGraph graph = null!;
    private RegisterClass[] classes = [];
    private int[] registers = [];
    private IrType[] types = [];
    private bool[] redValues = [];
    private ExtensionOp?[] definitions = [];
    private ExtensionOp[][] blocks = [];
    private int[] parameters = [];
    private bool hasRegions;
    private int intCount, floatCount, refCount;

    // A graph read from the stored form is loaded when something first asks for its contents (the engine inlining
    // a call to it, an exit evaluating it): a portal is ready once its own graph is read, and a run pays only for
    // the helpers its programs reach. Null once loaded, and for a graph built in memory.
    private Action<ExtensionGraph>? loader;
    private Action<ExtensionGraph>? linker;
    private readonly object gate = new();
    private bool loading;

    /// <summary>The interning of operand arrays while the graph is laid out (<see cref="ExtensionLayout.Op"/>); dropped once a stored graph is loaded.</summary>
    internal OperandArrays? Layout;

    internal ExtensionGraph(FlowGraph graph, string name)
    {
        this.name = name;
        Initialize(graph);
    }

    /// <summary>A graph whose contents <paramref name="load"/> fills in (<see cref="Initialize(FlowGraph)"/>, the ops) when first needed.</summary>
    internal ExtensionGraph(string name, Action<ExtensionGraph> load)
    {
        this.name = name;
        loader = load;
    }

    /// <summary>
    /// The graph at <paramref name="storedIndex"/> of a stored program, whose name <paramref name="nameOf"/> gives and whose
    /// contents <paramref name="load"/> fills in when first needed: one name source and one loader for all of a program's graphs
    /// (<see cref="ExtensionBinary"/>), each finding its part by <see cref="StoredIndex"/>.
    /// </summary>
    internal ExtensionGraph(int storedIndex, Func<int, string> nameOf, Action<ExtensionGraph> load)
    {
        StoredIndex = storedIndex;
        this.nameOf = nameOf;
        loader = load;
    }

    // A stored graph's name is decoded when first asked for (a dump, a message, a unit that inlines it): preparing a portal
    // reads one graph of its program (Lua's: 1 of 110), and each graph made at once with its name, its own reader and its own
    // loader was some 250 bytes of fresh memory more. Two threads asking at once decode equal strings; either is kept.
    private string? name;
    private readonly Func<int, string>? nameOf;

    /// <summary>The graph's index in its stored program (0 for one built in memory).</summary>
    internal int StoredIndex { get; }

    /// <summary>Sizes the per-value and per-block tables for <paramref name="flow"/> (layout fills them in).</summary>
    internal void Initialize(FlowGraph flow) => Initialize(flow, new IrType[flow.ValueCount], new bool[flow.ValueCount]);

    /// <summary>
    /// As <see cref="Initialize(FlowGraph)"/>, adopting <paramref name="valueTypes"/> and <paramref name="valueRed"/> (one entry
    /// per value) as the graph's own tables: the stored graph's reader made them, and a copy would only be more fresh memory.
    /// </summary>
    internal void Initialize(FlowGraph flow, IrType[] valueTypes, bool[] valueRed)
    {
        graph = flow;
        int count = flow.ValueCount;
        if (valueTypes.Length != count || valueRed.Length != count)
            throw new ArgumentException($"{Name}: {valueTypes.Length} types and {valueRed.Length} binding times for {count} values");
        classes = new RegisterClass[count];
        registers = new int[count];
        types = valueTypes;
        redValues = valueRed;
        definitions = new ExtensionOp?[count];
        blocks = new ExtensionOp[flow.BlockCount][];
    }

    /// <summary>False while a graph read from the stored form has not been needed yet.</summary>
    public bool IsLoaded => Volatile.Read(ref loader) is null;

    /// <summary>
    /// Runs <paramref name="link"/> on the graph once it is loaded: now if it is, else right after it is read, before
    /// any other thread sees its contents (<see cref="ExtensionLinker"/> binds a lazily read graph this way).
    /// </summary>
    internal void WhenLoaded(Action<ExtensionGraph> link)
    {
        lock (gate)
        {
            if (loader is not null)
            {
                linker += link;
                return;
            }
        }
        link(this);
    }

    private void EnsureLoaded()
    {
        if (Volatile.Read(ref loader) is not null) Load();
    }

    private void Load()
    {
        // The monitor is reentrant: the loading thread reads the graph's own tables while filling them (loading is
        // set then), and any other thread waits here until the graph is complete.
        lock (gate)
        {
            if (loader is null || loading) return;
            loading = true;
            try
            {
                loader(this);
                Layout = null;
                linker?.Invoke(this);
                linker = null;
                Volatile.Write(ref loader, null);
            }
            finally
            {
                loading = false;
            }
        }
    }

    // The tables as they are, without loading the graph first: for ExtensionLayout, which fills them in while the graph is
    // loaded (through the public getters, each read of a table there was a call of Load and a monitor entered, per value and per
    // op, and .NET compiled Load again on its tier-1 thread in every JIT-enabled process).
    internal FlowGraph GraphWhileLaidOut => graph;
    internal IrType[] TypesWhileLaidOut => types;
    internal RegisterClass[] ClassesWhileLaidOut => classes;
    internal int[] RegistersWhileLaidOut => registers;
    internal bool[] RedValuesWhileLaidOut => redValues;
    internal ExtensionOp?[] DefinitionsWhileLaidOut => definitions;

    /// <summary>The interpreter graph (exits and residual copies name its values and instructions).</summary>
    public FlowGraph Graph { get { EnsureLoaded(); return graph; } }

    /// <summary>The annotated graph's name: <c>Type::Method[GR]</c>.</summary>
    public string Name => name ??= nameOf!(StoredIndex);

    /// <summary>Per value: its register class.</summary>
    public RegisterClass[] Classes { get { EnsureLoaded(); return classes; } }

    /// <summary>Per value: its register number in its class's file.</summary>
    public int[] Registers { get { EnsureLoaded(); return registers; } }

    /// <summary>Per value: its type.</summary>
    public IrType[] Types { get { EnsureLoaded(); return types; } }

    /// <summary>Per value: red by the analysis.</summary>
    public bool[] RedValues { get { EnsureLoaded(); return redValues; } }

    /// <summary>Per value defined by a constant-like instruction (<c>const</c>, <c>null</c>, <c>string</c>, <c>default</c>, <c>sizeof</c>, <c>token</c>): that op, run when the value is used where its definition was not run.</summary>
    public ExtensionOp?[] Definitions { get { EnsureLoaded(); return definitions; } }

    /// <summary>
    /// The interpreter graph's live values (what an exit in the middle of a step hands to the graph
    /// evaluator), computed the first time an exit needs them: the graph does not change at run time.
    /// Two threads may both compute it; they compute equal snapshots, and either one is kept.
    /// </summary>
    internal Liveness Liveness => liveness ??= Liveness.Compute(Graph);
    private Liveness? liveness;

    /// <summary>
    /// Values live at every point of the graph whatever reads them, by index, ascending: for the portal's graph its implicit
    /// reds (an instance portal's <c>this</c>), which every merge point passes in the state (<see cref="PortalShape"/>)
    /// though the merge point's call does not name them, so <see cref="Liveness"/> finds them dead after it when the loop
    /// never reads them (a lambda made the portal, its captured fields copied into locals before the loop). Empty otherwise.
    /// </summary>
    internal int[] KeptLive { get; set; } = [];

    /// <summary>Where paths split at red branches may join again (<see cref="Engine.JoinPoints"/>), computed the first time a path arrives at a block; a race computes equal ones.</summary>
    internal Engine.JoinPoints JoinPoints => joinPoints ??= Engine.JoinPoints.Compute(this);
    private Engine.JoinPoints? joinPoints;

    /// <summary>For each block, whether every path from it ends in a throw (<see cref="Engine.ThrowingBlocks"/>): its calls are cold.</summary>
    internal bool[] ThrowingBlocks => throwingBlocks ??= Engine.ThrowingBlocks.Compute(this);
    private bool[]? throwingBlocks;

    /// <summary>Per block: its ops, in order.</summary>
    public ExtensionOp[][] Blocks { get { EnsureLoaded(); return blocks; } }

    /// <summary>The entry block's parameters (value indexes).</summary>
    public int[] Parameters { get { EnsureLoaded(); return parameters; } internal set => parameters = value; }

    /// <summary>True when the graph has exception regions (such calls are not inlined).</summary>
    public bool HasRegions { get { EnsureLoaded(); return hasRegions; } internal set => hasRegions = value; }

    /// <summary>Size of the integer register file.</summary>
    public int IntCount { get { EnsureLoaded(); return intCount; } internal set => intCount = value; }

    /// <summary>Size of the float register file.</summary>
    public int FloatCount { get { EnsureLoaded(); return floatCount; } internal set => floatCount = value; }

    /// <summary>Size of the reference register file.</summary>
    public int RefCount { get { EnsureLoaded(); return refCount; } internal set => refCount = value; }

    /// <summary>
    /// Runs a straight-line graph of green values (its entry block, up to its <c>ret</c>) on typed registers,
    /// as the engine runs green ops: the parameters given in stack form, the result returned in stack form.
    /// What an op throws is thrown as is. For tests of the compact form against <c>ValueSemantics</c>.
    /// </summary>
    public object? RunGreen(IReadOnlyList<object?> parameters)
    {
        var frame = new ExtensionFrame(this);
        for (int i = 0; i < Parameters.Length; i++) frame.SetBoxed(Parameters[i], parameters[i]);
        foreach (var op in Blocks[0])
        {
            if (op.Kind == ExtensionOpKind.Return) return op.Operands.Length == 0 ? null : frame.Box(op.Operands[0]);
            if (op.Kind != ExtensionOpKind.Value) throw new InvalidOperationException($"{Name}: '{op.Instruction.Info.Name}' is not a green value");
            GreenExecution.Run(frame, op);
        }
        throw new InvalidOperationException($"{Name}: the entry block does not return");
    }

    /// <summary>The op at a block and index.</summary>
    public ExtensionOp this[int block, int index] => Blocks[block][index];
}
