using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;
using Opcode = PeJit.IR.Opcode;

namespace PeJit.Backends.Cil;

/// <summary>
/// Compiles a <see cref="FlowGraph"/> to a <see cref="DynamicMethod"/>: every stack slot and every value that
/// is not a constant or a single use by the next instruction becomes a typed local (no boxing of primitives;
/// values used only in their block share pooled locals, see <c>DeclareLocals</c>), jumps store their arguments into the target's parameter locals,
/// calls are direct. RyuJIT then does register allocation and the rest.
/// </summary>
/// <remarks>
/// Strategy: blocks are emitted in layout order, each at a label. A jump evaluates all its arguments onto
/// the evaluation stack before storing any, so moves between a block's own parameters (a swap around a
/// loop) are correct without temporaries. A conditional branch whose targets take arguments goes through a
/// small trampoline per edge. The method is owned by the module of the code it came from and skips
/// visibility checks, so residual code may touch the interpreter's private members as the interpreter does.
/// Exception regions become CIL exception blocks (<see cref="RegionLayout"/>): a try body entered at more than
/// one block starts with a dispatch on a selector local the jump sets; a jump that leaves a try body or a
/// handler is a <c>leave</c>, a return inside one stores the result and leaves to the method's end. Shapes the
/// layout cannot express (a try inside a handler) are rejected with <see cref="BackendException"/>.
/// <para>Cost: linear in the graph's size: one pass to declare locals (<c>DeclareLocals</c>), one to emit the blocks in
/// layout order, a label per block; <c>CilBackendCostTests</c> counts it (IL bytes, block look-ups, allocation at N
/// and 2N instructions). A jump into a try body entered at several blocks looks its entry up among that body's
/// entries, linear in their number (a try entered at many places, rare in residual code).</para>
/// </remarks>
public sealed class CilBackend(IMemberResolver resolver) : IBackend
{
    /// <inheritdoc/>
    public string Name => "cil";

    /// <summary>Which loops become methods of their own (<see cref="OutlinedLoop"/>); <c>PEJIT_OUTLINE_LOOPS</c> by default.</summary>
    public LoopOutlining OutlineLoops { get; init; } = DefaultLoopOutlining;

    /// <summary>
    /// <c>PEJIT_OUTLINE_LOOPS</c>: <c>1</c>, the innermost loops and the loops holding only such loops, of a unit with more
    /// than one loop (<see cref="LoopOutlining.NestsOfSeveral"/>); <c>innermost</c>, the innermost ones only; <c>all</c>,
    /// innermost loops and nests of every unit (for the tests and fuzzers: every loop shape through the outlining); unset or
    /// <c>0</c>, none: the default, because BenchmarkDotNet on a quiet machine told no difference on Lua <c>sieve</c> (two
    /// processes each, 11.4-17.3 ms either way, the process deciding; Docs/PERFORMANCE.md, "Loops with one level of
    /// nesting"), and with every loop outlined (no cap since branch <c>outline16</c>; its outer loop 32 instructions a turn
    /// where the default's is 38) the runs at hand were too loaded to tell either (Docs/PERFORMANCE.md, "outline16"). Read
    /// here, not in <see cref="OutlinedLoop"/>: loading that class loads its lists' types, which a process that outlines
    /// nothing need not (LuaColdPathFirstTimesTests counts them).
    /// </summary>
    private static readonly LoopOutlining DefaultLoopOutlining = Environment.GetEnvironmentVariable("PEJIT_OUTLINE_LOOPS") switch
    {
        "1" => LoopOutlining.NestsOfSeveral,
        "innermost" => LoopOutlining.InnermostOfSeveral,
        "all" => LoopOutlining.Every,
        _ => LoopOutlining.None,
    };

    /// <summary>
    /// IL bytes this backend has emitted so far, in every method: the units', their cold code's and their loops' (what
    /// CilBackendCostTests counts: the unit's own method shrinks as loops leave it for methods of their own).
    /// </summary>
    public long ILBytesEmitted => Interlocked.Read(ref ilBytesEmitted);

    private long ilBytesEmitted;

    /// <summary>Compiles <paramref name="graph"/> to a dynamic method owned by <paramref name="owner"/>.</summary>
    /// <exception cref="BackendException">The graph uses something this backend cannot emit.</exception>
    public ICompiledCode Compile(FlowGraph graph, Module owner, string? name = null)
    {
        var method = Declare(graph, owner, name);
        var shape = EmitWithColdCode(graph, owner, method, sibling: null, out int loops);
        return new CilCompiledCode(method, shape) { OutlinedLoops = loops };
    }

    /// <summary>Emits <paramref name="graph"/> as a dynamic method owned by <paramref name="owner"/>, not yet compiled by RyuJIT.</summary>
    /// <param name="graph">The graph to compile.</param>
    /// <param name="owner">The module the method belongs to (visibility, collection).</param>
    /// <param name="name">The method's name; from the graph's when null.</param>
    /// <param name="created">
    /// Called with the method before its body is emitted: a caller whose resolver maps some call to the method
    /// being emitted (a copy of a recursive method that calls itself) learns it here.
    /// </param>
    /// <exception cref="BackendException">The graph uses something this backend cannot emit.</exception>
    public DynamicMethod Emit(FlowGraph graph, Module owner, string? name = null, Action<DynamicMethod>? created = null) =>
        Emit(graph, owner, out _, name, created);

    /// <summary>
    /// Emits <paramref name="graph"/> as a dynamic method, as the other overload does, and says how .NET's JIT will see it
    /// (<paramref name="shape"/>: whether it will optimize it).
    /// </summary>
    /// <exception cref="BackendException">The graph uses something this backend cannot emit.</exception>
    public DynamicMethod Emit(FlowGraph graph, Module owner, out IlShape shape, string? name = null, Action<DynamicMethod>? created = null)
    {
        var method = Declare(graph, owner, name);
        created?.Invoke(method);
        shape = EmitWithColdCode(graph, owner, method, sibling: null, out _);
        return method;
    }

    private static CountingILGenerator Counting(DynamicMethod method) => new(method.GetILGenerator(), method.GetParameters().Length);

    /// <summary>
    /// Emits <paramref name="graph"/> into <paramref name="method"/>, its cold code (<see cref="ColdCode"/>) into methods of
    /// its own, declared first; returns the shape of <paramref name="method"/>, the one .NET must optimize.
    /// </summary>
    private IlShape EmitWithColdCode(FlowGraph graph, Module owner, DynamicMethod method, (FlowGraph, DynamicMethod)? sibling, out int loops)
    {
        var layout = RegionLayout.Build(graph);
        var cold = ColdCode.Find(graph, layout, OutlineLoops, type => TypeOf(type, graph));
        loops = cold.Loops.Count;
        var invariantAccesses = InvariantElementAccesses.Find(graph);
        var returnType = method.ReturnType;
        foreach (var entry in cold.Outlined)
        {
            var parameterTypes = new Type[entry.LiveIns.Length];
            for (int i = 0; i < parameterTypes.Length; i++) parameterTypes[i] = TypeOf(graph.TypeOf(entry.LiveIns[i]), graph);
            entry.Method = new DynamicMethod($"{method.Name}_cold{entry.Block.Index}", returnType, parameterTypes, owner, skipVisibility: true);
        }
        // An outlined loop's method: its value parameters, then a ref per live-out; it returns the exit taken.
        foreach (var entry in cold.Loops)
        {
            var loop = entry.Loop!;
            var parameterTypes = new Type[entry.LiveIns.Length + loop.LiveOuts.Length];
            for (int i = 0; i < entry.LiveIns.Length; i++) parameterTypes[i] = TypeOf(graph.TypeOf(entry.LiveIns[i]), graph);
            for (int i = 0; i < loop.LiveOuts.Length; i++)
                parameterTypes[entry.LiveIns.Length + i] = TypeOf(graph.TypeOf(loop.LiveOuts[i]), graph).MakeByRefType();
            entry.Method = new DynamicMethod($"{method.Name}_loop{entry.Block.Index}", typeof(int), parameterTypes, owner, skipVisibility: true);
        }
        // One set of tables the size of the graph for all the unit's methods, each emitter a generation of them.
        var tables = new EmitTables(graph.ValueCount, graph.BlockCount);
        var hot = new Emitter(this, graph, method, Counting(method), layout, cold, null, invariantAccesses, tables) { Sibling = sibling };
        hot.Emit();
        long bytes = hot.Shape.CodeSize;
        foreach (var entry in cold.Outlined)
            bytes += EmitOutlined(entry);
        foreach (var entry in cold.Loops)
            bytes += EmitOutlined(entry);
        Interlocked.Add(ref ilBytesEmitted, bytes);
        return hot.Shape;

        int EmitOutlined(ColdCode.Entry entry)
        {
            var emitter = new Emitter(this, graph, method, Counting(entry.Method), layout, cold, entry, invariantAccesses, tables) { Sibling = sibling };
            emitter.Emit();
            return emitter.Shape.CodeSize;
        }
    }

    private DynamicMethod Declare(FlowGraph graph, Module owner, string? name)
    {
        var returnType = TypeOf(graph.ReturnType, graph);
        var parameterTypes = new Type[graph.Parameters.Count];
        for (int i = 0; i < parameterTypes.Length; i++) parameterTypes[i] = TypeOf(graph.TypeOf(graph.Parameters[i]), graph);
        return new DynamicMethod(name ?? "pejit_" + Sanitize(graph.Name), returnType, parameterTypes, owner, skipVisibility: true);
    }

    /// <summary>
    /// Compiles a typed unit (<c>PeJit.Specializer.Engine.Unit.StateParameters</c>): <paramref name="graph"/> takes
    /// <c>(object[] constants, object?[] exit, red...)</c> and returns the portal's result unboxed; the code's
    /// <see cref="ICompiledCode.Run"/> is a second method of the unit shape that unboxes each red from the state
    /// (parameter i from <c>state[stateIndices[i]]</c>), calls the first and boxes its result.
    /// </summary>
    /// <exception cref="BackendException">The graph uses something this backend cannot emit.</exception>
    /// <param name="graph">The unit's residual graph.</param>
    /// <param name="owner">The module the methods belong to.</param>
    /// <param name="name">The method's name.</param>
    /// <param name="stateIndices">Where each red parameter sits in the state.</param>
    /// <param name="shapedEntry">
    /// The unit's second entry (<c>Unit.ShapedEntry</c>), emitted as a method of its own: a call whose reference has
    /// either graph as its origin calls that graph's method. Null: none.
    /// </param>
    public CilCompiledCode CompileUnit(FlowGraph graph, Module owner, string name, IReadOnlyList<int> stateIndices, FlowGraph? shapedEntry = null)
    {
        DynamicMethod body;
        IlShape shape;
        int loops;
        if (shapedEntry is null)
        {
            body = Declare(graph, owner, name);
            shape = EmitWithColdCode(graph, owner, body, sibling: null, out loops);
        }
        else
        {
            // Both declared first: each calls the other.
            body = Declare(graph, owner, name);
            var shaped = Declare(shapedEntry, owner, name + "_shaped");
            shape = EmitWithColdCode(graph, owner, body, (shapedEntry, shaped), out loops);
            EmitWithColdCode(shapedEntry, owner, shaped, (graph, body), out int shapedLoops);
            loops += shapedLoops;
        }
        var parameters = body.GetParameters();
        if (parameters.Length != stateIndices.Count + 2)
            throw new BackendException($"{graph.Name}: a typed unit takes (constants, exit) and {stateIndices.Count} reds, not {parameters.Length} parameters");
        var entry = new DynamicMethod(name + "_entry", typeof(object), [typeof(object[]), typeof(object[]), typeof(object[])], owner, skipVisibility: true);
        var il = entry.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldarg_1);
        for (int i = 0; i < stateIndices.Count; i++)
        {
            var type = parameters[i + 2].ParameterType;
            il.Emit(OpCodes.Ldarg_2);
            il.Emit(OpCodes.Ldc_I4, stateIndices[i]);
            il.Emit(OpCodes.Ldelem_Ref);
            if (type.IsValueType) il.Emit(OpCodes.Unbox_Any, type);
            else if (type != typeof(object)) il.Emit(OpCodes.Castclass, type);
        }
        il.Emit(OpCodes.Call, body);
        if (body.ReturnType == typeof(void)) il.Emit(OpCodes.Ldnull);
        else if (body.ReturnType.IsValueType) il.Emit(OpCodes.Box, body.ReturnType);
        il.Emit(OpCodes.Ret);
        return new CilCompiledCode(entry, body, shape) { OutlinedLoops = loops };
    }

    private Type TypeOf(IrType type, FlowGraph graph)
    {
        if (type.Kind == TypeKind.GenericParameter)
            throw new BackendException($"{graph.Name}: the unit holds a value of the generic parameter {type.Name} (from an inlined generic method's code, "
                + "which PeJit does not instantiate yet); make that method non-generic, or mark it [DontLookInside] to keep it a call");
        try
        {
            return resolver.ResolveType(type);
        }
        catch (Exception e) when (e is not BackendException)
        {
            throw new BackendException($"{graph.Name}: cannot resolve the type {type}: {e.Message}", e);
        }
    }

    private static string Sanitize(string name)
    {
        int colons = name.IndexOf("::", StringComparison.Ordinal);
        int paren = name.IndexOf('(', Math.Max(colons, 0));
        return colons >= 0 && paren > colons ? name[(name.LastIndexOf(' ', colons) + 1)..paren] : name;
    }

    /// <summary>
    /// Emits one method: the unit's own (<paramref name="outlined"/> null: every block <paramref name="cold"/> leaves
    /// it) or an outlined entry's. <paramref name="self"/> is the unit's method either way: a call of the graph itself
    /// calls it.
    /// </summary>
    private sealed class Emitter(CilBackend backend, FlowGraph graph, DynamicMethod self, CountingILGenerator il,
        RegionLayout layout, ColdCode cold, ColdCode.Entry? outlined, HashSet<Instruction>? invariantAccesses, EmitTables tables)
    {
        private readonly ColdCode.Scope scope = outlined?.Scope ?? cold.Hot;

        /// <summary>The emitted method as .NET's JIT counts it (after <see cref="Emit"/>).</summary>
        public IlShape Shape => il.Shape;

        // The graph-sized tables are the unit's, shared by its methods' emitters (EmitTables): this one's generation.
        private readonly EmitTables.LocalTable locals = tables.Locals;
        // Stack slots are the unit's method's only: cold code and outlined loops use none.
        private readonly LocalBuilder[] slots = outlined is null ? new LocalBuilder[graph.SlotCount] : [];
        private readonly EmitTables.LabelTable labels = tables.Labels;

        private RegionLayout.Container current = null!;
        // Made when a unit has exception regions (few do): a dictionary of a framework struct (Label) is compiled by .NET.
        private Dictionary<RegionLayout.Container, Label>? tryStarts;
        private Dictionary<RegionLayout.Container, LocalBuilder>? selectors;
        private Label returnLabel;
        private LocalBuilder? returnLocal;
        private bool returnUsed;
        /// <summary>The IL offset right after the last exception block emitted (-1 before any): where its end label falls.</summary>
        private int exceptionBlockEnd = -1;

        public void Emit()
        {
            tables.Begin();
            current = layout.Root;
            foreach (var block in scope.Blocks) labels[block] = il.DefineLabel();
            foreach (var stub in scope.StubList) labels[stub.Block] = il.DefineLabel();
            for (int i = 0; i < slots.Length; i++) slots[i] = il.DeclareLocal(Type(graph[new Slot(i)].Type));
            DeclareLocals();
            returnLabel = il.DefineLabel();
            if (graph.ReturnType.Kind != TypeKind.Void && outlined?.Loop is null) returnLocal = il.DeclareLocal(Type(graph.ReturnType));
            int argumentCount = outlined?.LiveIns.Length ?? graph.Parameters.Count;
            for (int i = 0; i < argumentCount; i++)
            {
                il.Emit(OpCodes.Ldarg, i);
                il.Emit(OpCodes.Stloc, locals[outlined is null ? graph.Parameters[i] : outlined.LiveIns[i]]);
            }
            BranchTo(outlined?.Block ?? FlowGraph.Entry, leave: false);
            EmitContainer(layout.Root);
            // An exception block ends at a label, where ILGenerator's own leave at the end of its try and of each catch goes:
            // it must fall on an instruction of the method. When the method's IL ends with an exception block (the graph
            // lists every block of the method body before the region's, say a handler and the block it leaves to before its
            // try), the return sequence goes there: unreached unless a return inside a region leaves to it, and valid either way.
            if (il.ILOffset == exceptionBlockEnd) returnUsed = true;
            if (returnUsed)
            {
                il.MarkLabel(returnLabel);
                if (returnLocal is not null) il.Emit(OpCodes.Ldloc, returnLocal);
                il.Emit(OpCodes.Ret);
            }
        }

        /// <summary>
        /// Gives values their locals, few and small (.NET compiles a method with more than 2,000 locals, or past
        /// 60,000 IL bytes, without optimizations, and tracks only the first 1,024 locals in registers):
        /// <list type="bullet">
        /// <item>a constant (<c>const</c>, <c>null</c>, a string) gets none: every use loads it again;</item>
        /// <item>a value used once, as an operand of the next instruction of its block, gets none: its instruction
        /// is emitted where that operand is loaded, so the value stays on the evaluation stack (only loads of
        /// locals, which nothing in between writes, move before it);</item>
        /// <item>a value used only in its own block shares a local of its type with such values of other blocks
        /// (each block takes them from the same pool again: none is live across a block's end);</item>
        /// <item>a parameter of a block entered by one edge only (an exit, a branch's arm) gets none: it is that edge's
        /// argument under another name (<see cref="FindAliases"/>), so the edge stores nothing and the block loads the argument;</item>
        /// <item>every other value, and every other block parameter, gets a local of its own.</item>
        /// </list>
        /// Cost: O(the method's instructions and the values it uses), on the unit's tables (<see cref="EmitTables"/>).
        /// </summary>
        private void DeclareLocals()
        {
            FindAliases();
            FindClassTests();
            // The unit's tables (EmitTables), not arrays of this method's own: framework generics over Value would be compiled
            // by .NET in every process (ReadyToRun cannot precompile them), on the first unit's path.
            var uses = tables.Uses;
            var usedOutside = tables.UsedOutside;
            var definedIn = tables.DefinedIn; // block index + 1; 0 for a block parameter and a value of another method
            var used = tables.Used;
            foreach (var block in scope.Blocks)
                foreach (var instruction in graph[block].Instructions)
                    if (instruction.Result is { } result) definedIn[result.Index] = block.Index + 1;
            // Values live across blocks share locals (LocalColoring) where the unit has no exception regions (whose handlers
            // would make every value of a try live in it); it is told where each local is loaded, as the emitter loads it.
            var coloring = graph.RegionCount == 0 && ShareLocals ? new LocalColoring(tables) : null;
            var loopStubs = new List<ColdCode.Entry>();
            foreach (var block in scope.Blocks)
            {
                var instructions = graph[block].Instructions;
                for (int position = 0; position < instructions.Count; position++)
                {
                    var instruction = instructions[position];
                    foreach (var operand in instruction.Operands) Use(operand, block, position);
                    foreach (var target in instruction.Targets) Target(target, block, position);
                }
            }
            // An outlined loop's stub block (its header's place here) loads the loop's live-ins, then jumps along its exits.
            for (int i = 0; i < loopStubs.Count; i++)
            {
                var stub = loopStubs[i];
                foreach (var value in stub.LiveIns) Use(value, stub.Block, 0);
                var exits = stub.Loop!.Exits; // by index: a list's enumerator is a type .NET loads on the first unit's path
                for (int e = 0; e < exits.Count; e++) Target(exits[e].Call, stub.Block, 0);
            }
            foreach (var block in stubBlocks.Members)
                if (scope.Stubs[block].Loop is null)
                    foreach (var value in scope.Stubs[block].LiveIns) Use(value, block, -1, counted: false);
            void Target(BlockCall target, Block block, int position)
            {
                // An exit of the loop this method is: it stores the live-outs the exit reaches (the caller passes the arguments).
                if (outlined?.Loop is { } own && !own.Contains(target.Target))
                {
                    foreach (int k in own.Exits[own.ExitOf(target)].Stores) Use(own.LiveOuts[k], block, position);
                    return;
                }
                var parameters = graph[target.Target].Parameters;
                for (int i = 0; i < parameters.Count; i++)
                    if (aliasOf[parameters[i].Index] < 0) Use(target.Arguments[i], block, position);
                if (!scope.Stubs.TryGetValue(target.Target, out var entry))
                {
                    if (scope.Blocks.Contains(target.Target)) coloring?.AddEdge(block.Index, target.Target.Index);
                    return;
                }
                // A jump to an outlined loop stores the header's parameters and goes to the loop's stub block.
                if (entry.Loop is not null)
                {
                    coloring?.AddEdge(block.Index, target.Target.Index);
                    if (stubBlocks.Add(target.Target)) loopStubs.Add(entry);
                    return;
                }
                // An edge in the method body calls the entry in place, loading what else it uses; one in a region
                // leaves to the entry's stub block, which loads it all (see Jump), right after the jump.
                if (layout.ContainerOf(block) == layout.Root && CallsInPlace(target))
                    for (int i = parameters.Count; i < entry.LiveIns.Length; i++) Use(entry.LiveIns[i], block, position);
                else
                {
                    stubBlocks.Add(target.Target);
                    if (coloring is not null)
                        foreach (var value in entry.LiveIns) coloring.AddUse(Root(value).Index, block.Index, position);
                }
            }
            void Use(Value value, Block block, int position, bool counted = true)
            {
                // A use of an aliased parameter is a use of its argument, in the parameter's block; a use of a class
                // emitted again at each test is a use of the object there.
                value = Root(value);
                if (classOf[value.Index] >= 0) value = new Value(classOf[value.Index]);
                uses[value.Index]++;
                used.Add(value);
                if (definedIn[value.Index] != block.Index + 1) usedOutside.Add(value);
                if (counted) coloring?.AddUse(value.Index, block.Index, position);
            }
            // Values this method is given (its arguments, an outlined entry's live-ins) keep locals of their own.
            var arguments = tables.Arguments;
            if (outlined is null)
                for (int i = 0; i < graph.Parameters.Count; i++)
                {
                    arguments.Add(graph.Parameters[i]);
                    used.Add(graph.Parameters[i]);
                }
            else
                foreach (var argument in outlined.LiveIns)
                {
                    arguments.Add(argument);
                    used.Add(argument);
                }
            var typeNumbers = new Dictionary<Type, int>();
            var candidateTypes = new List<Type>();
            var candidates = new List<int>();

            foreach (var block in stubBlocks.Members)
                foreach (var parameter in graph[block].Parameters) locals[parameter] = il.DeclareLocal(Type(graph[parameter].Type));
            var pool = new Dictionary<Type, List<LocalBuilder>>();
            foreach (var block in scope.Blocks)
            {
                foreach (var parameter in graph[block].Parameters)
                    if (aliasOf[parameter.Index] < 0)
                    {
                        if (coloring is not null && !arguments.Contains(parameter) && !stubBlocks.Contains(block)) Candidate(parameter, block, -1);
                        else locals[parameter] = il.DeclareLocal(Type(graph[parameter].Type));
                    }
                var taken = new Dictionary<Type, int>();
                var instructions = graph[block].Instructions;
                for (int i = 0; i < instructions.Count; i++)
                {
                    var instruction = instructions[i];
                    if (instruction.Result is not { } result) continue;
                    if (classOf[result.Index] >= 0
                        || instruction.Opcode is Opcode.Const or Opcode.Null or Opcode.String
                        || instruction.Opcode is not Opcode.Default && uses[result.Index] == 1 && !usedOutside.Contains(result)
                            && i + 1 < instructions.Count && IsOperandOf(result, instructions[i + 1]))
                    {
                        atUse.Add(result);
                        continue;
                    }
                    var type = Type(graph[result].Type);
                    if (usedOutside.Contains(result))
                    {
                        if (coloring is not null) Candidate(result, block, i);
                        else locals[result] = il.DeclareLocal(type);
                        continue;
                    }
                    if (!pool.TryGetValue(type, out var shared)) pool[type] = shared = [];
                    int next = taken.GetValueOrDefault(type);
                    if (next == shared.Count) shared.Add(il.DeclareLocal(type));
                    locals[result] = shared[next];
                    taken[type] = next + 1;
                }
            }
            if (coloring is not null) GiveSharedLocals(coloring, candidateTypes, candidates);

            void Candidate(Value value, Block block, int position)
            {
                var type = Type(graph[value].Type);
                if (!typeNumbers.TryGetValue(type, out int number))
                {
                    typeNumbers[type] = number = candidateTypes.Count;
                    candidateTypes.Add(type);
                }
                coloring!.AddCandidate(value.Index, block.Index, position, number);
                candidates.Add(value.Index);
            }
            // Values this method uses but does not define (an outlined entry's live-ins) still need a local; so would values
            // of no block's instruction (none today). Values only other methods use get none. Only the values this method
            // loads or is given, in index order: a walk over all the graph's values in each of many methods would cost their
            // number times the graph.
            foreach (var value in used.Members)
            {
                int i = value.Index;
                var data = graph[value];
                if (data.DefiningInstruction is null && data.ParameterOf is null || locals.ContainsKey(value) || atUse.Contains(value) || aliasOf[i] >= 0) continue;
                if (uses[i] == 0 && !arguments.Contains(value)) continue;
                // A constant of another method's block is emitted again where it is used (ColdCode passes none).
                if (ColdCode.IsConstant(data.DefiningInstruction))
                {
                    atUse.Add(value);
                    continue;
                }
                locals[value] = il.DeclareLocal(Type(data.Type));
            }
        }

        /// <summary>
        /// Gives the candidates of <paramref name="coloring"/> (value indices in <paramref name="candidates"/>, in the order
        /// registered) their shared locals, one set per type; a local of its own each when the colouring gives up.
        /// </summary>
        private void GiveSharedLocals(LocalColoring coloring, List<Type> types, List<int> candidates)
        {
            var colour = coloring.Colour((outlined?.Block ?? FlowGraph.Entry).Index, types.Count, out var perType);
            if (colour is null)
            {
                foreach (int value in candidates) locals[new Value(value)] = il.DeclareLocal(Type(graph[new Value(value)].Type));
                return;
            }
            var pools = new LocalBuilder[types.Count][];
            for (int t = 0; t < pools.Length; t++)
            {
                pools[t] = new LocalBuilder[perType[t]];
                for (int c = 0; c < perType[t]; c++) pools[t][c] = il.DeclareLocal(types[t]);
            }
            for (int k = 0; k < candidates.Count; k++) locals[new Value(candidates[k])] = pools[coloring.TypeOf(k)][colour[k]];
        }

        /// <summary>
        /// False with <c>PEJIT_SHARE_LOCALS=0</c>: every value live across blocks gets a local of its own, as before
        /// <see cref="LocalColoring"/> (to compare).
        /// </summary>
        internal static bool ShareLocals { get; set; } = Environment.GetEnvironmentVariable("PEJIT_SHARE_LOCALS") != "0";

        /// <summary>
        /// For each parameter of a block entered by exactly one edge, the value that edge passes (a value's index; -1 for
        /// a parameter that has its own local, and for every other value). Such a block runs only right after that edge,
        /// so its parameters hold the arguments unchanged: loading the argument's local (or emitting a constant again) is
        /// loading the parameter. Without this every exit of a large unit stores each live value into a local of its
        /// own and loads it back, three local references and a local per value: Lua <c>polymorphic</c>'s 71 exits alone
        /// took its unit past the 8,000 references and near the 2,000 locals .NET optimizes (<see cref="IlShape"/>).
        /// An argument whose uses move to the parameter's block gets a local of its own there (<c>DeclareLocals</c>
        /// counts those uses as its), never a pooled one a later block reuses. Cost: O(instructions + values).
        /// </summary>
        private void FindAliases()
        {
            aliasOf = tables.AliasOf; // -1 everywhere in this method's generation
            var aliased = new List<int>(); // the parameters given an alias, for the two walks below
            var edges = cold.EdgesIn;
            // Only edges of this method, and none into an outlined entry: that entry's method gets its parameters as
            // arguments (the jump is a call, or a stub block's parameter locals hold them).
            foreach (var block in scope.Blocks)
                foreach (var instruction in graph[block].Instructions)
                    foreach (var target in instruction.Targets)
                    {
                        if (edges[target.Target.Index] != 1 || target.Target == block || target.Target == FlowGraph.Entry
                            || cold.OutlinedAt(target.Target) is not null || !scope.Blocks.Contains(target.Target)) continue;
                        var parameters = graph[target.Target].Parameters;
                        for (int i = 0; i < parameters.Count; i++)
                            if (SameRepresentation(graph.TypeOf(target.Arguments[i]), graph.TypeOf(parameters[i])))
                            {
                                if (aliasOf[parameters[i].Index] < 0) aliased.Add(parameters[i].Index);
                                aliasOf[parameters[i].Index] = target.Arguments[i].Index;
                            }
                    }
            // Blocks nobody reaches can pass each other's parameters round in a cycle: cut it where it is found, that
            // parameter keeping a local (the code is never run, but must be valid).
            var state = tables.AliasState; // 0 unseen, 1 on the current path, 2 resolved
            var path = new List<int>();
            for (int a = 0; a < aliased.Count; a++)
            {
                int value = aliased[a];
                while (aliasOf[value] >= 0 && state[value] == 0)
                {
                    state[value] = 1;
                    path.Add(value);
                    value = aliasOf[value];
                }
                if (state[value] == 1) aliasOf[value] = -1; // back on the path: a cycle
                foreach (var on in path) state[on] = 2;
                path.Clear();
                state[value] = 2;
            }
            // Straight to the root: a parameter aliased to an aliased parameter loads what that one loads.
            for (int a = 0; a < aliased.Count; a++)
            {
                int i = aliased[a], root = i;
                while (aliasOf[root] >= 0) root = aliasOf[root];
                if (root != i) aliasOf[i] = root;
            }
        }

        /// <summary>
        /// Finds the classes (<c>x.GetType()</c>) that are only compared (with <c>typeof(T)</c>, a class test), of an object
        /// known not to be null there: each is emitted again at each comparison, as C# writes <c>x.GetType() == typeof(T)</c>,
        /// the shape .NET's JIT turns into one compare of the object's method table. Kept in a local, the class is a call
        /// of <c>Object.GetType</c> and a compare of <c>Type</c> objects (Lua <c>polymorphic</c>'s loop: three such calls
        /// a turn). Known not null: made by the unit (<c>newobj</c>, <c>newarr</c>, <c>box</c>, a string), or the class is
        /// taken in a block entered only by the true edge of a branch on the object (the specializer's class tests all
        /// come after such a null test), so moving the call to the comparisons moves no exception. Cost: O(instructions).
        /// </summary>
        private void FindClassTests()
        {
            classOf = tables.ClassOf; // -1 everywhere in this method's generation
            foreach (var block in scope.Blocks)
                foreach (var instruction in graph[block].Instructions)
                    if (instruction is { Opcode: Opcode.Call or Opcode.CallVirt, Result: { } result, Operands.Count: 1 }
                        && instruction.Method!.FullName == GetTypeName && KnownNotNull(instruction.Operands[0], block))
                        classOf[result.Index] = instruction.Operands[0].Index;
            foreach (var block in scope.Blocks)
                foreach (var instruction in graph[block].Instructions)
                {
                    if (instruction.Opcode is not (Opcode.Ceq or Opcode.Cne))
                        foreach (var operand in instruction.Operands) classOf[operand.Index] = -1;
                    foreach (var target in instruction.Targets)
                        foreach (var argument in target.Arguments) classOf[argument.Index] = -1;
                }
            // A class another method uses (an outlined entry's live-in) stays a value of its own.
            foreach (var entry in scope.StubList)
            {
                foreach (var value in entry.LiveIns) classOf[value.Index] = -1;
                if (entry.Loop is { } loop)
                    foreach (var value in loop.LiveOuts) classOf[value.Index] = -1;
            }
            // An outlined loop's own live-outs are stored at its exits, its live-ins are its arguments.
            if (outlined?.Loop is { } own)
                foreach (var value in own.LiveOuts) classOf[value.Index] = -1;
        }

        private const string GetTypeName = "System.Type System.Object::GetType()";

        private bool KnownNotNull(Value value, Block block)
        {
            if (graph[value].DefiningInstruction?.Opcode is Opcode.NewObject or Opcode.Allocate or Opcode.NewArray or Opcode.Box or Opcode.String) return true;
            if (cold.EdgesIn[block.Index] != 1 || block == FlowGraph.Entry) return false;
            var source = new Block(cold.SourceOf[block.Index]);
            if (!scope.Blocks.Contains(source)) return false;
            var terminator = graph[source].Instructions[^1];
            return terminator.Opcode == Opcode.BrIf && terminator.Operands[0].Index == value.Index
                && terminator.Targets[0].Target == block && terminator.Targets[1].Target != block;
        }

        /// <summary>Per value, the object whose class it is when emitted again at each comparison, or -1 (<see cref="FindClassTests"/>).</summary>
        private EmitTables.Ints classOf = null!;

        /// <summary>Outlined entries jumped to from inside a region: their stub blocks are emitted (<see cref="Jump"/>).</summary>
        private readonly EmitTables.BlockMembers stubBlocks = tables.StubBlocks;

        /// <summary>
        /// True when a value of type <paramref name="argument"/> stored into a local of type <paramref name="parameter"/> and
        /// loaded back is the same value: the same type, or two object references (a store into a local of a narrower
        /// integer or of float32 converts, which an alias would skip).
        /// </summary>
        private static bool SameRepresentation(IrType argument, IrType parameter) =>
            argument == parameter || argument.StackKind == StackKind.Reference && parameter.StackKind == StackKind.Reference;

        /// <summary>Per value, the argument it is another name for, or -1 (<see cref="FindAliases"/>).</summary>
        private EmitTables.Ints aliasOf = null!;

        private Value Root(Value value) => aliasOf[value.Index] is var root and >= 0 ? new Value(root) : value;

        /// <summary>
        /// True when <paramref name="value"/> is an operand of <paramref name="instruction"/>. A loop, not <c>List.Contains</c>:
        /// that goes through <c>EqualityComparer&lt;Value&gt;</c> and <c>Array.IndexOf</c>, which ReadyToRun leaves to .NET's
        /// JIT for a struct of the IR (six methods compiled on every first unit's path).
        /// </summary>
        private static bool IsOperandOf(Value value, Instruction instruction)
        {
            var operands = instruction.Operands;
            for (int i = 0; i < operands.Count; i++)
                if (operands[i].Index == value.Index) return true;
            return false;
        }

        /// <summary>Values emitted where they are used (constants, and single uses by the next instruction): no local.</summary>
        private readonly EmitTables.Flags atUse = tables.AtUse;

        /// <summary>Emits a container's blocks and, where their first block falls, the exception blocks nested in it.</summary>
        private void EmitContainer(RegionLayout.Container container)
        {
            // The blocks are in index order; each nested exception block goes before the first block after its own
            // first one. A merge, not a sort of tuples: LINQ over a struct tuple is compiled by .NET in every process.
            var nested = container.Nested;
            if (nested.Count > 1) nested.Sort(static (a, b) => a.FirstBlock.CompareTo(b.FirstBlock));
            int next = 0;
            // An outlined entry's method holds blocks of the method body only, none of them in a region: its own blocks and
            // its stub blocks, merged in index order as the walk over the container below would meet them (that walk looks
            // at every block of the graph, which in each of many methods would cost their number times the graph).
            if (outlined is not null)
            {
                current = container;
                var blocks = scope.Blocks.GetEnumerator();
                var stubs = stubBlocks.Members.GetEnumerator();
                bool moreBlocks = blocks.MoveNext(), moreStubs = stubs.MoveNext();
                while (moreBlocks || moreStubs)
                    if (moreStubs && (!moreBlocks || stubs.Current.Index < blocks.Current.Index))
                    {
                        EmitBlock(stubs.Current);
                        moreStubs = stubs.MoveNext();
                    }
                    else
                    {
                        EmitBlock(blocks.Current);
                        moreBlocks = blocks.MoveNext();
                    }
                return;
            }
            foreach (var block in container.Blocks)
            {
                while (next < nested.Count && nested[next].FirstBlock < block.Index) EmitExceptionBlock(nested[next++]);
                current = container;
                EmitBlock(block);
            }
            while (next < nested.Count) EmitExceptionBlock(nested[next++]);
        }

        /// <summary>A block of the method's container: an outlined entry's stub where this method calls it, or its own code.</summary>
        private void EmitBlock(Block block)
        {
            if (scope.Stubs.TryGetValue(block, out var stub))
            {
                if (stubBlocks.Contains(block))
                {
                    if (stub.Loop is null) EmitStub(block, stub);
                    else EmitLoopCall(block, stub);
                }
                return;
            }
            if (!scope.Blocks.Contains(block)) return;
            il.MarkLabel(labels[block]);
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Result is not { } result || !atUse.Contains(result)) EmitInstruction(instruction);
        }

        /// <summary>
        /// An outlined entry's block, for jumps from inside a region (which must leave it first): call the entry's method with
        /// its live-ins, the parameters the jumps stored among them, and return what it returns.
        /// </summary>
        private void EmitStub(Block block, ColdCode.Entry entry)
        {
            il.MarkLabel(labels[block]);
            foreach (var value in entry.LiveIns) Load(value);
            il.Emit(OpCodes.Call, entry.Method);
            // Cold blocks are in no region: the stub is in the method body, where ret is allowed.
            il.Emit(OpCodes.Ret);
        }

        /// <summary>
        /// An outlined loop's stub block, at its header's place: the jumps into the loop stored its header's parameters. Calls
        /// the loop's method with its live-ins and the addresses of a temporary per live-out (the live-outs' own locals stay
        /// unexposed, so RyuJIT may keep them in registers), copies the temporaries into those locals, and jumps along the
        /// exit the method returns, as the loop's block would have.
        /// </summary>
        private void EmitLoopCall(Block block, ColdCode.Entry entry)
        {
            var loop = entry.Loop!;
            il.MarkLabel(labels[block]);
            foreach (var value in entry.LiveIns) Load(value);
            var temporaries = new LocalBuilder[loop.LiveOuts.Length];
            for (int i = 0; i < temporaries.Length; i++)
            {
                temporaries[i] = il.DeclareLocal(Type(graph[loop.LiveOuts[i]].Type));
                il.Emit(OpCodes.Ldloca, temporaries[i]);
            }
            il.Emit(OpCodes.Call, entry.Method);
            var exitTaken = il.DeclareLocal(typeof(int));
            il.Emit(OpCodes.Stloc, exitTaken);
            for (int i = 0; i < temporaries.Length; i++)
                if (locals.TryGetValue(loop.LiveOuts[i], out var local))
                {
                    il.Emit(OpCodes.Ldloc, temporaries[i]);
                    il.Emit(OpCodes.Stloc, local);
                }
            var trampolines = new List<Trampoline>();
            var exits = loop.Exits;
            if (exits.Count > 1)
            {
                var cases = new Label[exits.Count - 1];
                for (int i = 0; i < cases.Length; i++) cases[i] = Edge(exits[i].Call, trampolines);
                il.Emit(OpCodes.Ldloc, exitTaken);
                il.Emit(OpCodes.Switch, cases);
            }
            Jump(exits[^1].Call);
            EmitTrampolines(trampolines);
        }

        /// <summary>An exit of the outlined loop this method is: stores the live-outs it reaches into their refs and returns its number.</summary>
        private void EmitLoopExit(OutlinedLoop loop, BlockCall call)
        {
            int number = loop.ExitOf(call);
            int first = outlined!.LiveIns.Length;
            foreach (int k in loop.Exits[number].Stores)
            {
                il.Emit(OpCodes.Ldarg, first + k);
                Load(loop.LiveOuts[k]);
                il.Emit(OpCodes.Stobj, Type(graph[loop.LiveOuts[k]].Type));
            }
            il.Emit(OpCodes.Ldc_I4, number);
            il.Emit(OpCodes.Ret);
        }

        /// <summary>A try body with its clauses: the dispatch to the entered block, the body, then each handler.</summary>
        private void EmitExceptionBlock(RegionLayout.Container body)
        {
            // A try body nothing enters (its blocks unreachable, or none: a pass removed the way in) runs nothing, nor do its
            // handlers, which only its exceptions enter, nor the tries nested in it (a jump into one would enter it too).
            if (body.Entries.Count == 0) return;
            il.BeginExceptionBlock();
            il.MarkLabel(TryStart(body));
            current = body;
            if (body.Entries.Count == 1)
                il.Emit(OpCodes.Br, Route(body, body.Entries[0]));
            else
            {
                il.Emit(OpCodes.Ldloc, Selector(body));
                il.Emit(OpCodes.Switch, body.Entries.Select(e => Route(body, e)).ToArray());
                il.Emit(OpCodes.Br, Route(body, body.Entries[0]));
            }
            EmitContainer(body);
            for (int i = 0; i < body.Clauses.Count; i++)
            {
                var data = graph[body.Clauses[i]];
                switch (data.Kind)
                {
                    case RegionKind.Catch: il.BeginCatchBlock(Type(data.CatchType!)); break;
                    case RegionKind.Filter: EmitFilter(body.Filters[i]!, data); break;
                    case RegionKind.Finally: il.BeginFinallyBlock(); break;
                    default: il.BeginFaultBlock(); break;
                }
                current = body.Handlers[i];
                // A catch handler starts with the exception on the stack: its entry block's one parameter.
                if (data.Kind is RegionKind.Catch or RegionKind.Filter) il.Emit(OpCodes.Stloc, locals[graph[data.Handler].Parameters[0]]);
                il.Emit(OpCodes.Br, labels[data.Handler]);
                EmitContainer(body.Handlers[i]);
            }
            il.EndExceptionBlock();
            exceptionBlockEnd = il.ILOffset;
        }

        /// <summary>
        /// A filter: its blocks, which start with the exception on the stack (the filter entry's one parameter). CIL
        /// allows one <c>endfilter</c>, the filter's last instruction, which <c>BeginCatchBlock</c> emits: so each
        /// IR <c>endfilter</c> stores its result and branches to the end (<see cref="filterEnd"/>), which loads it.
        /// Then the catch block of the filter's handler begins.
        /// </summary>
        private void EmitFilter(RegionLayout.Container filter, RegionData data)
        {
            il.BeginExceptFilterBlock();
            current = filter;
            il.Emit(OpCodes.Stloc, locals[graph[data.Filter!.Value].Parameters[0]]);
            il.Emit(OpCodes.Br, labels[data.Filter.Value]);
            filterResult ??= il.DeclareLocal(typeof(int));
            filterEnd = il.DefineLabel();
            EmitContainer(filter);
            il.MarkLabel(filterEnd.Value);
            filterEnd = null;
            il.Emit(OpCodes.Ldloc, filterResult);
            il.BeginCatchBlock(null);
        }

        /// <summary>Where the filter being emitted ends (<see cref="EmitFilter"/>); null outside a filter.</summary>
        private Label? filterEnd;

        /// <summary>The result of the filter being emitted, stored by each <c>endfilter</c>.</summary>
        private LocalBuilder? filterResult;

        private Label TryStart(RegionLayout.Container body)
        {
            tryStarts ??= [];
            if (!tryStarts.TryGetValue(body, out var label)) tryStarts[body] = label = il.DefineLabel();
            return label;
        }

        private LocalBuilder Selector(RegionLayout.Container body)
        {
            selectors ??= [];
            if (!selectors.TryGetValue(body, out var local)) selectors[body] = local = il.DeclareLocal(typeof(int));
            return local;
        }

        /// <summary>Where a try body's dispatch sends an entry: the block, or the start of the nested try that holds it.</summary>
        private Label Route(RegionLayout.Container body, Block entry)
        {
            var entered = layout.Path(body, entry).Entered;
            return entered.Count == 0 ? labels[entry] : TryStart(entered[0]);
        }

        /// <summary>
        /// Branches from the current container to <paramref name="target"/>: sets the selector of each try body
        /// entered, then a <c>leave</c> when it leaves a try or handler (a plain branch cannot), else a <c>br</c>.
        /// Leaving a finally or fault handler other than by <c>endfinally</c> is refused; so is a plain jump out of
        /// a try with a finally (in the IR only <c>leave</c> runs the finally, in CIL every exit does).
        /// </summary>
        private void BranchTo(Block target, bool leave)
        {
            // Without regions nothing is left or entered: a plain branch. The path between containers is a method of its
            // own, never inlined, so that a unit without regions (most) does not load the lists and tuples it names.
            if (graph.RegionCount == 0) il.Emit(OpCodes.Br, labels[target]);
            else BranchAcrossContainers(target, leave);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void BranchAcrossContainers(Block target, bool leave)
        {
            var (left, entered) = layout.Path(current, target);
            foreach (var container in left)
            {
                if (container.IsHandler && graph[container.Region!.Value].Kind is RegionKind.Finally or RegionKind.Fault)
                    throw new BackendException($"{graph.Name}: a jump to {target} leaves {container}; a finally or fault handler ends with endfinally; the unit runs in the interpreter");
                if (!leave && !container.IsHandler && container.Clauses.Any(c => graph[c].Kind is RegionKind.Finally or RegionKind.Fault))
                    throw new BackendException($"{graph.Name}: a jump to {target} leaves {container} without 'leave', which would run its finally in CIL but not in the IR; the unit runs in the interpreter");
            }
            foreach (var container in entered)
                if (container.Entries.Count > 1)
                {
                    il.Emit(OpCodes.Ldc_I4, container.Entries.IndexOf(target));
                    il.Emit(OpCodes.Stloc, Selector(container));
                }
            var label = entered.Count > 0 ? TryStart(entered[0]) : labels[target];
            il.Emit(left.Count > 0 ? OpCodes.Leave : OpCodes.Br, label);
        }

        private Type Type(IrType type) => backend.TypeOf(type, graph);

        private void Load(Value value)
        {
            value = Root(value);
            if (atUse.Contains(value)) EmitInstruction(graph[value].DefiningInstruction!);
            else il.Emit(OpCodes.Ldloc, locals[value]);
        }

        /// <summary>
        /// Before a loop-invariant element access (<see cref="InvariantElementAccesses"/>): <c>if ((uint)index &gt;=
        /// (uint)array.Length) throw new IndexOutOfRangeException()</c>, the exception and message .NET's own check
        /// throws. A null array throws <see cref="NullReferenceException"/> from <c>ldlen</c>, as <c>ldelem</c> would.
        /// </summary>
        private void CheckInvariantBounds(Instruction instruction)
        {
            if (invariantAccesses is null || !invariantAccesses.Contains(instruction)) return;
            // Both operands are defined outside the loop or are constants, so neither waits on the stack.
            var (array, index) = (instruction.Operands[0], instruction.Operands[1]);
            var inBounds = il.DefineLabel();
            Load(index);
            var kind = graph.TypeOf(index).StackKind;
            if (kind == StackKind.Int32) il.Emit(OpCodes.Conv_U);
            Load(array);
            il.Emit(OpCodes.Ldlen);
            if (kind == StackKind.Int64) { il.Emit(OpCodes.Conv_U8); }
            il.Emit(OpCodes.Blt_Un, inBounds);
            il.Emit(OpCodes.Newobj, IndexOutOfRange);
            il.Emit(OpCodes.Throw);
            il.MarkLabel(inBounds);
        }

        private static readonly ConstructorInfo IndexOutOfRange = typeof(IndexOutOfRangeException).GetConstructor(System.Type.EmptyTypes)!;

        private void LoadOperands(Instruction instruction)
        {
            foreach (var operand in instruction.Operands) Load(operand);
        }

        private void StoreResult(Instruction instruction)
        {
            if (instruction.Result is { } result && !atUse.Contains(result)) il.Emit(OpCodes.Stloc, locals[result]);
        }

        /// <summary>Stores a jump's arguments into its target's parameters (all loaded first: a parallel move) and branches.</summary>
        private void Jump(BlockCall call, bool leave = false)
        {
            var parameters = graph[call.Target].Parameters;
            if (outlined?.Loop is { } own && !own.Contains(call.Target))
            {
                EmitLoopExit(own, call);
                return;
            }
            // In the method body a jump to an outlined entry is its call: the arguments are its first live-ins. No local
            // per parameter, no store: one load per value, which is what keeps a unit of many exits under .NET's limits.
            if (current == layout.Root && scope.Stubs.TryGetValue(call.Target, out var entry) && entry.Loop is null && CallsInPlace(call))
            {
                foreach (var argument in call.Arguments) Load(argument);
                for (int i = parameters.Count; i < entry.LiveIns.Length; i++) Load(entry.LiveIns[i]);
                il.Emit(OpCodes.Call, entry.Method);
                il.Emit(OpCodes.Ret);
                return;
            }
            for (int i = 0; i < parameters.Count; i++)
                if (aliasOf[parameters[i].Index] < 0) Load(call.Arguments[i]);
            for (int i = parameters.Count - 1; i >= 0; i--)
                if (aliasOf[parameters[i].Index] < 0) il.Emit(OpCodes.Stloc, locals[parameters[i]]);
            BranchTo(call.Target, leave);
        }

        /// <summary>
        /// An edge with moves to perform (or a region to cross), emitted after its branch. A class, not a tuple with
        /// <see cref="Label"/>: a list of a framework struct is compiled by .NET in every process.
        /// </summary>
        private sealed class Trampoline(Label label, BlockCall call)
        {
            public Label Label { get; } = label;
            public BlockCall Call { get; } = call;
        }

        /// <summary>A label that, when branched to, performs the edge's moves and goes to its target.</summary>
        private Label Edge(BlockCall call, List<Trampoline> trampolines)
        {
            if (!HasMoves(call) && layout.ContainerOf(call.Target) == current && scope.Blocks.Contains(call.Target)) return labels[call.Target];
            var label = il.DefineLabel();
            trampolines.Add(new Trampoline(label, call));
            return label;
        }

        /// <summary>
        /// True when a jump to an outlined entry can be its call: each argument is passed as the entry's parameter would hold
        /// it (the stub block's parameter locals convert the others, a narrower integer or float32).
        /// </summary>
        private bool CallsInPlace(BlockCall call)
        {
            var parameters = graph[call.Target].Parameters;
            for (int i = 0; i < parameters.Count; i++)
                if (!SameRepresentation(graph.TypeOf(call.Arguments[i]), graph.TypeOf(parameters[i]))) return false;
            return true;
        }

        /// <summary>True when <paramref name="call"/> stores into a parameter (one not aliased to its argument).</summary>
        private bool HasMoves(BlockCall call)
        {
            foreach (var parameter in graph[call.Target].Parameters)
                if (aliasOf[parameter.Index] < 0) return true;
            return false;
        }

        private void EmitTrampolines(List<Trampoline> trampolines)
        {
            foreach (var trampoline in trampolines)
            {
                il.MarkLabel(trampoline.Label);
                Jump(trampoline.Call);
            }
        }

        private FieldInfo Field(Instruction instruction) => Resolve(() => backend.ResolveField(instruction.Field!), instruction);

        // A call whose reference has the graph itself as its origin is a call of the method being emitted (a unit
        // calling its own key directly; see UnitSpecializer.DirectSelfCalls).
        private MethodBase Method(Instruction instruction) => instruction.Method!.Origin == (object)graph
            ? self
            : Sibling is var (siblingGraph, siblingMethod) && instruction.Method.Origin == (object)siblingGraph
            ? siblingMethod
            : Resolve(() => backend.ResolveMethod(instruction.Method!), instruction);

        /// <summary>Another graph emitted with this one and its method: a typed unit and its shaped entry, which call each other.</summary>
        public (FlowGraph Graph, DynamicMethod Method)? Sibling { get; init; }

        private T Resolve<T>(Func<T> resolve, Instruction instruction)
        {
            try
            {
                return resolve();
            }
            catch (Exception e) when (e is not BackendException)
            {
                throw new BackendException($"{graph.Name}: cannot resolve the member of '{instruction.Info.Name}' at {instruction.Location}: {e.Message}", e);
            }
        }

        private void EmitInstruction(Instruction instruction)
        {
            switch (instruction.Opcode)
            {
                case Opcode.Const: EmitConstant(instruction); break;
                case Opcode.Null: il.Emit(OpCodes.Ldnull); break;
                case Opcode.String: il.Emit(OpCodes.Ldstr, instruction.Text!); break;
                case Opcode.Default:
                    il.Emit(OpCodes.Ldloca, locals[instruction.Result!.Value]);
                    il.Emit(OpCodes.Initobj, Type(instruction.TypeOperand!));
                    return;
                case Opcode.SizeOf: il.Emit(OpCodes.Sizeof, Type(instruction.TypeOperand!)); break;
                case Opcode.Token:
                    if (instruction.TypeOperand is { } type) il.Emit(OpCodes.Ldtoken, Type(type));
                    else if (instruction.Field is not null) il.Emit(OpCodes.Ldtoken, Field(instruction));
                    else if (Method(instruction) is MethodInfo info) il.Emit(OpCodes.Ldtoken, info);
                    else il.Emit(OpCodes.Ldtoken, (ConstructorInfo)Method(instruction));
                    break;

                case Opcode.Add or Opcode.Sub or Opcode.Mul or Opcode.Div or Opcode.DivUn or Opcode.Rem or Opcode.RemUn
                    or Opcode.And or Opcode.Or or Opcode.Xor or Opcode.Shl or Opcode.Shr or Opcode.ShrUn
                    or Opcode.AddOvf or Opcode.AddOvfUn or Opcode.SubOvf or Opcode.SubOvfUn or Opcode.MulOvf or Opcode.MulOvfUn
                    or Opcode.Neg or Opcode.Not or Opcode.CheckFinite:
                    LoadOperands(instruction);
                    il.Emit(Arithmetic(instruction.Opcode));
                    break;
                case Opcode.MulHigh:
                    // CIL has no multiply-high: int32 widens to int64 and shifts the product down; int64 calls
                    // Math.BigMul, which the .NET JIT makes one multiplication (and inlines here).
                    LoadOperands(instruction);
                    if (graph.TypeOf(instruction.Result!.Value).StackKind == StackKind.Int32)
                    {
                        var right = il.DeclareLocal(typeof(long));
                        il.Emit(OpCodes.Conv_I8);
                        il.Emit(OpCodes.Stloc, right);
                        il.Emit(OpCodes.Conv_I8);
                        il.Emit(OpCodes.Ldloc, right);
                        il.Emit(OpCodes.Mul);
                        il.Emit(OpCodes.Ldc_I4, 32);
                        il.Emit(OpCodes.Shr);
                        il.Emit(OpCodes.Conv_I4);
                    }
                    else
                    {
                        if (graph.TypeOf(instruction.Result!.Value).StackKind != StackKind.Int64)
                            throw new BackendException($"{graph.Name}: mulhi of {graph.TypeOf(instruction.Result!.Value)} at {instruction.Location} is not supported; the optimizer makes it on int32 and int64 only");
                        il.Emit(OpCodes.Call, MultiplyHigh64);
                    }
                    break;
                case Opcode.Ceq or Opcode.Cgt or Opcode.CgtUn or Opcode.Clt or Opcode.CltUn:
                    LoadOperands(instruction);
                    il.Emit(Arithmetic(instruction.Opcode));
                    break;
                case Opcode.Cne or Opcode.Cle or Opcode.Cge or Opcode.CleUn or Opcode.CgeUn:
                    // The complement of another comparison: for integers a <= b is !(a > b) with the same
                    // signedness; for floats the unordered case flips, so a <= b is !(a > b or unordered).
                    LoadOperands(instruction);
                    il.Emit((instruction.Opcode, IsFloat(instruction.Operands[0])) switch
                    {
                        (Opcode.Cne, _) => OpCodes.Ceq,
                        (Opcode.Cle, false) or (Opcode.CleUn, true) => OpCodes.Cgt,
                        (Opcode.Cle, true) or (Opcode.CleUn, false) => OpCodes.Cgt_Un,
                        (Opcode.Cge, false) or (Opcode.CgeUn, true) => OpCodes.Clt,
                        _ => OpCodes.Clt_Un,
                    });
                    il.Emit(OpCodes.Ldc_I4_0);
                    il.Emit(OpCodes.Ceq);
                    break;
                case Opcode.Conv or Opcode.ConvUn or Opcode.ConvOvf or Opcode.ConvOvfUn:
                    LoadOperands(instruction);
                    EmitConversion(instruction);
                    break;

                case Opcode.LoadSlot: il.Emit(OpCodes.Ldloc, slots[instruction.Slot.Index]); break;
                case Opcode.StoreSlot: LoadOperands(instruction); il.Emit(OpCodes.Stloc, slots[instruction.Slot.Index]); return;
                case Opcode.SlotAddr: il.Emit(OpCodes.Ldloca, slots[instruction.Slot.Index]); break;

                case Opcode.LoadField: LoadOperands(instruction); il.Emit(OpCodes.Ldfld, Field(instruction)); break;
                case Opcode.StoreField: LoadOperands(instruction); il.Emit(OpCodes.Stfld, Field(instruction)); return;
                case Opcode.FieldAddr: LoadOperands(instruction); il.Emit(OpCodes.Ldflda, Field(instruction)); break;
                case Opcode.LoadStatic: il.Emit(OpCodes.Ldsfld, Field(instruction)); break;
                case Opcode.StoreStatic: LoadOperands(instruction); il.Emit(OpCodes.Stsfld, Field(instruction)); return;
                case Opcode.StaticAddr: il.Emit(OpCodes.Ldsflda, Field(instruction)); break;

                case Opcode.NewArray: LoadOperands(instruction); il.Emit(OpCodes.Newarr, Type(instruction.TypeOperand!)); break;
                case Opcode.ArrayLength: LoadOperands(instruction); il.Emit(OpCodes.Ldlen); break;
                case Opcode.LoadElement: CheckInvariantBounds(instruction); LoadOperands(instruction); il.Emit(OpCodes.Ldelem, Type(instruction.TypeOperand!)); break;
                case Opcode.StoreElement: LoadOperands(instruction); il.Emit(OpCodes.Stelem, Type(instruction.TypeOperand!)); return;
                case Opcode.ElementAddr: CheckInvariantBounds(instruction); LoadOperands(instruction); il.Emit(OpCodes.Ldelema, Type(instruction.TypeOperand!)); break;

                case Opcode.NewObject:
                    LoadOperands(instruction);
                    il.Emit(OpCodes.Newobj, (ConstructorInfo)Method(instruction));
                    break;
                case Opcode.Allocate:
                    // CIL allocates only through a constructor: the runtime's allocation without one (what the
                    // graph evaluator does too). Allocation removal leaves it only where the object escapes.
                    il.Emit(OpCodes.Ldtoken, Type(instruction.TypeOperand!));
                    il.Emit(OpCodes.Call, TypeFromHandle);
                    il.Emit(OpCodes.Call, UninitializedObject);
                    break;
                case Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall:
                    EmitCall(instruction);
                    break;
                case Opcode.LoadFunction: il.Emit(OpCodes.Ldftn, (MethodInfo)Method(instruction)); break;
                case Opcode.LoadVirtualFunction: LoadOperands(instruction); il.Emit(OpCodes.Ldvirtftn, (MethodInfo)Method(instruction)); break;

                case Opcode.Box: LoadOperands(instruction); il.Emit(OpCodes.Box, Type(instruction.TypeOperand!)); break;
                case Opcode.Unbox: LoadOperands(instruction); il.Emit(OpCodes.Unbox, Type(instruction.TypeOperand!)); break;
                case Opcode.UnboxAny: LoadOperands(instruction); il.Emit(OpCodes.Unbox_Any, Type(instruction.TypeOperand!)); break;
                case Opcode.IsInst: LoadOperands(instruction); il.Emit(OpCodes.Isinst, Type(instruction.TypeOperand!)); break;
                case Opcode.CastClass: LoadOperands(instruction); il.Emit(OpCodes.Castclass, Type(instruction.TypeOperand!)); break;

                case Opcode.Load: LoadOperands(instruction); il.Emit(OpCodes.Ldobj, Type(instruction.TypeOperand!)); break;
                case Opcode.Store: LoadOperands(instruction); il.Emit(OpCodes.Stobj, Type(instruction.TypeOperand!)); return;
                case Opcode.InitObj: LoadOperands(instruction); il.Emit(OpCodes.Initobj, Type(instruction.TypeOperand!)); return;
                case Opcode.CopyObj: LoadOperands(instruction); il.Emit(OpCodes.Cpobj, Type(instruction.TypeOperand!)); return;

                case Opcode.Jump: Jump(instruction.Targets[0]); return;
                case Opcode.BrIf:
                {
                    var trampolines = new List<Trampoline>();
                    Load(instruction.Operands[0]);
                    il.Emit(OpCodes.Brtrue, Edge(instruction.Targets[0], trampolines));
                    Jump(instruction.Targets[1]);
                    EmitTrampolines(trampolines);
                    return;
                }
                case Opcode.Switch:
                {
                    var trampolines = new List<Trampoline>();
                    Load(instruction.Operands[0]);
                    var cases = new Label[instruction.Targets.Count - 1];
                    for (int i = 0; i < cases.Length; i++) cases[i] = Edge(instruction.Targets[i], trampolines);
                    il.Emit(OpCodes.Switch, cases);
                    Jump(instruction.Targets[^1]);
                    EmitTrampolines(trampolines);
                    return;
                }
                case Opcode.Return: EmitReturn(instruction); return;
                case Opcode.Throw: LoadOperands(instruction); il.Emit(OpCodes.Throw); return;
                case Opcode.Leave: Jump(instruction.Targets[0], leave: true); return;
                case Opcode.Rethrow:
                    if (!current.IsHandler || current.IsFilter || graph[current.Region!.Value].Kind is not (RegionKind.Catch or RegionKind.Filter))
                        throw new BackendException($"{graph.Name}: 'rethrow' at {instruction.Location} is outside a catch handler");
                    il.Emit(OpCodes.Rethrow);
                    return;
                case Opcode.EndFilter:
                    if (!current.IsFilter || filterEnd is null)
                        throw new BackendException($"{graph.Name}: 'endfilter' at {instruction.Location} is outside a filter");
                    LoadOperands(instruction);
                    il.Emit(OpCodes.Stloc, filterResult!);
                    il.Emit(OpCodes.Br, filterEnd.Value);
                    return;
                case Opcode.EndFinally:
                    if (!current.IsHandler || graph[current.Region!.Value].Kind is not (RegionKind.Finally or RegionKind.Fault))
                        throw new BackendException($"{graph.Name}: 'endfinally' at {instruction.Location} is outside a finally or fault handler");
                    il.Emit(OpCodes.Endfinally);
                    return;
                default:
                    throw new BackendException($"{graph.Name}: '{instruction.Info.Name}' at {instruction.Location} is not supported by the CIL backend");
            }
            StoreResult(instruction);
        }

        /// <summary>A return: <c>ret</c> in the method body; inside a try or handler the result is stored and the code leaves to the method's end.</summary>
        private void EmitReturn(Instruction instruction)
        {
            LoadOperands(instruction);
            if (current == layout.Root)
            {
                il.Emit(OpCodes.Ret);
                return;
            }
            if (current.IsHandler && graph[current.Region!.Value].Kind is RegionKind.Finally or RegionKind.Fault)
                throw new BackendException($"{graph.Name}: 'ret' at {instruction.Location} is inside {current}, which CIL does not allow");
            if (returnLocal is not null) il.Emit(OpCodes.Stloc, returnLocal);
            returnUsed = true;
            il.Emit(OpCodes.Leave, returnLabel);
        }

        private bool IsFloat(Value value) => graph.TypeOf(value).StackKind == StackKind.Float;

        private void EmitConstant(Instruction instruction)
        {
            var type = graph.TypeOf(instruction.Result!.Value);
            switch (type.StackKind)
            {
                case StackKind.Float when type.Kind == TypeKind.F32: il.Emit(OpCodes.Ldc_R4, (float)instruction.Float); break;
                case StackKind.Float: il.Emit(OpCodes.Ldc_R8, instruction.Float); break;
                case StackKind.Int64: il.Emit(OpCodes.Ldc_I8, instruction.Integer); break;
                case StackKind.NativeInt: il.Emit(OpCodes.Ldc_I8, instruction.Integer); il.Emit(OpCodes.Conv_I); break;
                default: il.Emit(OpCodes.Ldc_I4, unchecked((int)instruction.Integer)); break;
            }
        }

        private void EmitCall(Instruction instruction)
        {
            var method = Method(instruction);
            LoadOperands(instruction);
            if (instruction.Opcode == Opcode.ConstrainedCall) il.Emit(OpCodes.Constrained, Type(instruction.TypeOperand!));
            var opcode = instruction.Opcode == Opcode.Call ? OpCodes.Call : OpCodes.Callvirt;
            if (method is MethodInfo info) il.Emit(opcode, info);
            else il.Emit(opcode, (ConstructorInfo)method);
            if (instruction.Result is null && method is MethodInfo { ReturnType: var returned } && returned != typeof(void))
                il.Emit(OpCodes.Pop);
        }

        private void EmitConversion(Instruction instruction)
        {
            var target = graph.TypeOf(instruction.Result!.Value);
            var kind = target.Kind == TypeKind.Enum ? target.Element!.Kind : target.Kind;
            bool checkedConversion = instruction.Opcode is Opcode.ConvOvf or Opcode.ConvOvfUn;
            bool unsignedSource = instruction.Opcode is Opcode.ConvUn or Opcode.ConvOvfUn;
            if (!checkedConversion)
            {
                if (unsignedSource && kind is TypeKind.F32 or TypeKind.F64)
                {
                    il.Emit(OpCodes.Conv_R_Un);
                    il.Emit(kind == TypeKind.F32 ? OpCodes.Conv_R4 : OpCodes.Conv_R8);
                    return;
                }
                il.Emit(kind switch
                {
                    TypeKind.I8 => OpCodes.Conv_I1,
                    TypeKind.U8 or TypeKind.Bool => OpCodes.Conv_U1,
                    TypeKind.I16 => OpCodes.Conv_I2,
                    TypeKind.U16 or TypeKind.Char => OpCodes.Conv_U2,
                    TypeKind.I32 => OpCodes.Conv_I4,
                    TypeKind.U32 => OpCodes.Conv_U4,
                    TypeKind.I64 => OpCodes.Conv_I8,
                    TypeKind.U64 => OpCodes.Conv_U8,
                    TypeKind.NInt => OpCodes.Conv_I,
                    TypeKind.NUInt => OpCodes.Conv_U,
                    TypeKind.F32 => OpCodes.Conv_R4,
                    TypeKind.F64 => OpCodes.Conv_R8,
                    _ => throw new BackendException($"{graph.Name}: conversion to {target} is not supported"),
                });
                return;
            }
            il.Emit((kind, unsignedSource) switch
            {
                (TypeKind.I8, false) => OpCodes.Conv_Ovf_I1,
                (TypeKind.U8 or TypeKind.Bool, false) => OpCodes.Conv_Ovf_U1,
                (TypeKind.I16, false) => OpCodes.Conv_Ovf_I2,
                (TypeKind.U16 or TypeKind.Char, false) => OpCodes.Conv_Ovf_U2,
                (TypeKind.I32, false) => OpCodes.Conv_Ovf_I4,
                (TypeKind.U32, false) => OpCodes.Conv_Ovf_U4,
                (TypeKind.I64, false) => OpCodes.Conv_Ovf_I8,
                (TypeKind.U64, false) => OpCodes.Conv_Ovf_U8,
                (TypeKind.NInt, false) => OpCodes.Conv_Ovf_I,
                (TypeKind.NUInt, false) => OpCodes.Conv_Ovf_U,
                (TypeKind.I8, true) => OpCodes.Conv_Ovf_I1_Un,
                (TypeKind.U8 or TypeKind.Bool, true) => OpCodes.Conv_Ovf_U1_Un,
                (TypeKind.I16, true) => OpCodes.Conv_Ovf_I2_Un,
                (TypeKind.U16 or TypeKind.Char, true) => OpCodes.Conv_Ovf_U2_Un,
                (TypeKind.I32, true) => OpCodes.Conv_Ovf_I4_Un,
                (TypeKind.U32, true) => OpCodes.Conv_Ovf_U4_Un,
                (TypeKind.I64, true) => OpCodes.Conv_Ovf_I8_Un,
                (TypeKind.U64, true) => OpCodes.Conv_Ovf_U8_Un,
                (TypeKind.NInt, true) => OpCodes.Conv_Ovf_I_Un,
                (TypeKind.NUInt, true) => OpCodes.Conv_Ovf_U_Un,
                _ => throw new BackendException($"{graph.Name}: checked conversion to {target} is not supported"),
            });
        }

        private static readonly MethodInfo TypeFromHandle = typeof(Type).GetMethod(nameof(System.Type.GetTypeFromHandle), [typeof(RuntimeTypeHandle)])!;
        private static readonly MethodInfo UninitializedObject =
            typeof(System.Runtime.CompilerServices.RuntimeHelpers).GetMethod(nameof(System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject), [typeof(Type)])!;
        private static readonly MethodInfo MultiplyHigh64 = typeof(DivisionMagic).GetMethod(nameof(DivisionMagic.MultiplyHigh), [typeof(long), typeof(long)])!;

        /// <summary>
        /// The CIL instruction of each arithmetic, bitwise and compare opcode. A switch, not a dictionary: a
        /// <c>Dictionary&lt;Opcode, OpCode&gt;</c> is a dozen framework methods .NET compiles on the first unit's path.
        /// </summary>
        private static OpCode Arithmetic(Opcode opcode) => opcode switch
        {
            Opcode.Add => OpCodes.Add, Opcode.Sub => OpCodes.Sub, Opcode.Mul => OpCodes.Mul,
            Opcode.Div => OpCodes.Div, Opcode.DivUn => OpCodes.Div_Un, Opcode.Rem => OpCodes.Rem,
            Opcode.RemUn => OpCodes.Rem_Un, Opcode.And => OpCodes.And, Opcode.Or => OpCodes.Or,
            Opcode.Xor => OpCodes.Xor, Opcode.Shl => OpCodes.Shl, Opcode.Shr => OpCodes.Shr,
            Opcode.ShrUn => OpCodes.Shr_Un, Opcode.AddOvf => OpCodes.Add_Ovf, Opcode.AddOvfUn => OpCodes.Add_Ovf_Un,
            Opcode.SubOvf => OpCodes.Sub_Ovf, Opcode.SubOvfUn => OpCodes.Sub_Ovf_Un, Opcode.MulOvf => OpCodes.Mul_Ovf,
            Opcode.MulOvfUn => OpCodes.Mul_Ovf_Un, Opcode.Neg => OpCodes.Neg, Opcode.Not => OpCodes.Not,
            Opcode.CheckFinite => OpCodes.Ckfinite, Opcode.Ceq => OpCodes.Ceq, Opcode.Cgt => OpCodes.Cgt,
            Opcode.CgtUn => OpCodes.Cgt_Un, Opcode.Clt => OpCodes.Clt, Opcode.CltUn => OpCodes.Clt_Un,
            _ => throw new KeyNotFoundException($"{opcode} is no arithmetic, bitwise or compare opcode"),
        };
    }

    private FieldInfo ResolveField(FieldRef field) => resolver.ResolveField(field);

    private MethodBase ResolveMethod(MethodRef method) => resolver.ResolveMethod(method);
}
