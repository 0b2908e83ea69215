using PeJit.IR;
using PeJit.IR.Semantics;
using PeJit.IR.Graphs;
using PeJit.IR.Transforms;

namespace PeJit.Optimizer;

/// <summary>
/// Allocation removal (PyPy's virtuals, Bolz et al., "Allocation Removal by Partial Evaluation in a Tracing
/// JIT"; on graphs with merges after Stadler et al.'s partial escape analysis): an object the residual code
/// allocates and that does not escape is not allocated. Its fields live in SSA values: loads read them, stores
/// define new ones, a loop carrying the object in a block parameter carries one parameter per field instead.
/// Where it does escape, it is made there, with its exact contents, once.
/// </summary>
/// <remarks>
/// <para>Rules:</para>
/// <list type="number">
/// <item>Candidates are <c>box</c>, <c>newobj</c> of a constructor the frontend found to only store its
/// parameters into fields (<see cref="MethodRef.StoredFields"/>), and <c>allocate</c> (an object the specializer
/// allocated for an inlined constructor, whose body is the field stores after it); a field no store writes reads as
/// its default.
/// A block parameter (not the entry's) is a candidate when every jump passes it a candidate; candidates joined
/// by jumps form a group, which is removed or kept whole. A <c>newarr</c> of a constant length is a candidate too, its
/// elements its fields (<c>AllocationRemoval.Arrays.cs</c> has its uses and the array helpers it understands).</item>
/// <item>Uses that do not escape: a field load or store on the object, <c>unbox.any</c> of a box, <c>isinst</c>
/// and <c>castclass</c> to its exact class or <c>object</c> (folded to the object), and, when the graph can ask the
/// run-time classes (<see cref="FlowGraph.Members"/>), to a class its objects are instances of (the object) and an
/// <c>isinst</c> to one they are not (null; the cast's result is no member), <c>brif</c> on it and
/// <c>cgt.un</c> against <c>null</c> (it is not null), <c>ceq</c>/<c>cne</c> with anything (a virtual object is
/// only itself: it never escaped, so no other reference, real or virtual, can be it), <c>GetType()</c> (becomes
/// <c>typeof</c> its class, so that a class guard's comparison folds: <see cref="TypeObjects"/>), and passing it to a
/// candidate parameter of its group. Any other use escapes: a call's argument, a store into a real object or
/// array, a return, an exit's state, a cast to another class.</item>
/// <item>An escaping use makes the object just before it (<c>newobj</c> of its constructor with the fields'
/// current values, then stores of the fields the constructor does not set; <c>allocate</c> and a store of every
/// field a store wrote; or <c>box</c>), and the rest of
/// that block uses the object made. A jump passing it to a parameter that is not its group's makes it on that
/// edge only, in a new block between (a loop's exit edge allocates, its back edge does not). The group is kept whole (nothing removed) when an escape of a
/// member could reach, through its jumps, another use of that member before the member is defined again (its object could
/// be made twice, or read after a call changed it; the allocation run again, or the parameter's block entered again, is
/// another object, so a loop whose slow path hands this turn's box to a call keeps the next turn's virtual), or passes the
/// member to a group parameter. Paths that never run do not count: a branch on a member (never null) or on an
/// <c>isinst</c> its class fails takes one target, so the escapes behind an interpreter's own type tests of a value it made
/// (a key tested for one class, with the other classes' slow paths behind the test) do not keep it; nor does a branch on
/// integer constants (a comparison of two), which an earlier round's forwarding leaves until the next <c>fold</c> (a
/// callee frame's <c>Wanted</c> stored as 1 and read back: the return loop for other callers never runs); when such a decision leaves out a block the graph reaches, those branches become
/// jumps and the blocks behind them go before the rewrite, which would make objects there for removed groups. Or the group is kept when a jump passes a member to a
/// group parameter while the member is still live in the target (two names for one object); or when
/// allocations of a group differ in constructor or box type, or a field is seen with two types.</item>
/// <item>Graphs with exception regions are left alone (residual units have none).</item>
/// </list>
/// Strategy: classify every use once, decide per group, then rewrite with one SSA variable per (object,
/// field): definitions are the allocation, stores and the split parameters, and reads go through
/// <see cref="SsaUpdater"/>, which adds a block parameter where stores on different paths merge.
/// Cost: O(instructions + candidate values live across blocks) for the classification and liveness (the live ranges of
/// the candidate objects only, not of every value: a unit of many exits passes 20 or more values to each), plus, per
/// group that escapes somewhere, one walk of the blocks its escapes reach: O(instructions + blocks × escaping groups).
/// The rewrite is linear: a removed group parameter goes through the jumps into its block known from the start (not a
/// scan of the graph per parameter, which was blocks × removed parameters), and the objects made in a block or on an
/// edge are kept in one map for the whole rewrite, emptied per block and edge (a map per block, as large as the graph's
/// values, was blocks × values bytes).
/// </remarks>
internal static partial class AllocationRemoval
{
    private const string BoxContents = "";

    private enum Use { Read, Write, Fold, Flow, Escape, Bulk }

    private sealed class Group
    {
        public readonly BlockSet EscapeBlocks = new();
        /// <summary>Jumps that pass a member to a parameter that is not the group's: the object is made on that edge only.</summary>
        public readonly List<BlockCall> EscapeEdges = [];
        /// <summary>The block each of <see cref="EscapeEdges"/> leaves.</summary>
        public readonly List<Block> EscapeEdgeSources = [];
        /// <summary>The member each of <see cref="EscapeEdges"/> passes.</summary>
        public readonly List<Value> EscapeEdgeMembers = [];
        /// <summary>Each escaping use: its block and the member (an allocation or a group parameter) it makes.</summary>
        public readonly List<(Block Block, Value Member)> Escapes = [];
        public readonly Dictionary<string, IrType> FieldTypes = new(StringComparer.Ordinal);
        public readonly List<string> Fields = [];
        /// <summary>Fields a store writes after the allocation, with the reference to store them through.</summary>
        public readonly Dictionary<string, FieldRef> Stored = new(StringComparer.Ordinal);
        public Instruction? Allocation;
        /// <summary>The length of every array of the group (a <c>newarr</c> group); -1 for objects.</summary>
        public int Length = -1;
        public bool Bad;

        /// <summary>True when some use goes away with the allocation (a load, store, test or loop parameter); an object only ever escaping is left where it is.</summary>
        public bool Useful;

        /// <summary>The class of every object of the group: the box's type, or the class the constructor makes.</summary>
        public IrType? ExactType;

        public void AddField(string field, IrType type)
        {
            if (FieldTypes.TryGetValue(field, out var known)) Bad |= known != type;
            else
            {
                FieldTypes[field] = type;
                Fields.Add(field);
            }
        }

        /// <summary>Fields whose type a load gave: the field's declared type.</summary>
        private readonly HashSet<string> typedByLoad = new(StringComparer.Ordinal);

        /// <summary>
        /// A field of an object read or written by <c>ldfld</c>/<c>stfld</c>. A reference stored with another static type
        /// than the field's (a value the specializer knows the class of, from a folded <c>isinst</c> of a promoted class,
        /// keeps the type it was read with) is the same field: references differ only in what the verifier does not check
        /// (their stack kind is one). Its variable takes the field's declared type, which a load gives (<paramref name="isLoad"/>),
        /// and which every value stored there has at run time; until a load is seen, <c>object</c>, never one of the stored
        /// values' types (a variable of a sealed class holding another class's object could be devirtualized wrongly by .NET).
        /// </summary>
        public void AddObjectField(string field, IrType type, bool isLoad)
        {
            if (FieldTypes.TryGetValue(field, out var known) && known != type && known.StackKind == StackKind.Reference && type.StackKind == StackKind.Reference)
            {
                if (isLoad) FieldTypes[field] = type;
                else if (!typedByLoad.Contains(field)) FieldTypes[field] = IrType.Object;
                if (isLoad) typedByLoad.Add(field);
                return;
            }
            AddField(field, type);
            if (isLoad && FieldTypes[field] == type) typedByLoad.Add(field);
        }
    }

    /// <summary>Rounds of <see cref="Remove"/> one run may make (each after a round that removed an object holding another).</summary>
    private const int MaxRounds = 4;

    public static void Run(FlowGraph graph)
    {
        if (graph.RegionCount > 0) return;
        // A candidate stored into another candidate escapes in the round that decides them (a store into an object that
        // is still an object then): once the holder is removed, the held object's uses are the holder's loads' uses, and
        // the next round takes it apart (a builtin's result stored into an inlined callee's register array and read
        // back, Lua's `type(v) == "string"`). Another round only when that happened: nested objects are rare.
        for (int round = 0; round < MaxRounds && MayRemove(graph); round++)
            if (!Remove(graph)) break;
    }

    /// <summary>
    /// False when the pass would remove nothing, found without its collections: no candidate allocation, or every one
    /// used, and only as the value a <c>stelem</c> stores (an exit's state boxed into its array, the common case: such a
    /// use escapes, so each is a group of its own that is never <see cref="Group.Useful"/>, and such a group is kept).
    /// Any other use, a jump argument, or an allocation nothing uses (which the pass removes) sends the graph to
    /// <see cref="Remove"/>. Every candidate group holds an allocation (a parameter is one only when every jump passes it
    /// a candidate, a cast only of one), so a graph without one has nothing to remove.
    /// </summary>
    private static bool MayRemove(FlowGraph graph)
    {
        ValueSet? candidates = null;
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (IsCandidate(graph, instruction)) (candidates ??= new ValueSet()).Add(instruction.Result!.Value);
        if (candidates is null) return false;
        var stored = new ValueSet();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                var operands = instruction.Operands;
                for (int i = 0; i < operands.Count; i++)
                {
                    if (!candidates.Contains(operands[i])) continue;
                    if (instruction.Opcode != Opcode.StoreElement || i != 2) return true;
                    stored.Add(operands[i]);
                }
                foreach (var target in instruction.Targets)
                    for (int i = 0; i < target.Arguments.Count; i++)
                        if (candidates.Contains(target.Arguments[i])) return true;
            }
        return stored.Count < candidates.Count;
    }

    /// <summary>
    /// A block that uses an allocation directly and is also passed it by every jump into it (an exit's block that stores the
    /// object a register of every path holds, and takes it again as another register's value) takes it as a parameter
    /// instead, which those jumps pass. Made on each edge (the other parameter is no candidate), the object is then made once
    /// for both names; a direct use in the block would need it a second time, and keep the object allocated everywhere.
    /// Rare: only such a block is rewritten.
    /// </summary>
    private static void TakeAsParameterWherePassed(FlowGraph graph, ValueToValueMap allocations, Predecessors incoming)
    {
        List<(Block Block, Value Allocation)>? found = null;
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            var terminator = graph[block].Terminator;
            if (terminator is null) continue;
            foreach (var target in terminator.Targets)
                foreach (var argument in target.Arguments)
                {
                    if (!allocations.ContainsKey(argument) || graph[argument].DefiningInstruction is not { } allocation || !UsedIn(graph, target.Target, argument)) continue;
                    if (InstructionBlock(graph, allocation, target.Target)) continue;
                    found ??= [];
                    if (!Holds(found, target.Target, argument)) found.Add((target.Target, argument));
                }
        }
        if (found is null) return;
        foreach (var (block, value) in found)
        {
            var parameter = graph.AddParameter(block, graph.TypeOf(value), graph[value].Name);
            foreach (var instruction in graph[block].Instructions)
            {
                for (int i = 0; i < instruction.Operands.Count; i++)
                    if (instruction.Operands[i] == value) instruction.Operands[i] = parameter;
                foreach (var target in instruction.Targets)
                    for (int i = 0; i < target.Arguments.Count; i++)
                        if (target.Arguments[i] == value) target.Arguments[i] = parameter;
            }
            foreach (var edge in incoming.EdgesInto(block)) edge.Call.Arguments.Add(value);
        }
    }

    /// <summary>Whether an instruction of <paramref name="block"/> uses <paramref name="value"/>.</summary>
    private static bool UsedIn(FlowGraph graph, Block block, Value value)
    {
        foreach (var instruction in graph[block].Instructions)
            if (GraphEdits.Uses(instruction, value)) return true;
        return false;
    }

    /// <summary>Whether <paramref name="found"/> holds the pair: a loop, not <c>List.Contains</c>, whose default comparer of a tuple of PeJit's structs .NET compiles cold (ten methods).</summary>
    private static bool Holds(List<(Block Block, Value Allocation)> found, Block block, Value value)
    {
        foreach (var (b, v) in found)
            if (b.Index == block.Index && v.Index == value.Index) return true;
        return false;
    }

    /// <summary>Whether <paramref name="instruction"/> is in <paramref name="block"/>.</summary>
    private static bool InstructionBlock(FlowGraph graph, Instruction instruction, Block block) => graph[block].Instructions.Contains(instruction);

    /// <summary>
    /// The pass proper, for a graph <see cref="MayRemove"/> lets through. A method of its own, never inlined: a precompiled
    /// method's first call loads every type it names (here about 150: the groups, maps, lists, closures and tuples below),
    /// so a graph with nothing to remove would pay them in every process's first unit for a scan of its instructions
    /// (Docs/PERFORMANCE.md, "One record per green key, and first times counted by stage").
    /// </summary>
    /// <returns>Whether a removed object held another candidate (stored into it), which another round may remove.</returns>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool Remove(FlowGraph graph)
    {
        var incoming = Predecessors.Compute(graph);

        // 1. Candidates: allocations; parameters every jump passes a candidate (greatest fixed point); casts of
        //    candidates, which are the candidate itself (checked against the group's class in step 3).
        var root = new ValueToValueMap();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (IsCandidate(graph, instruction)) root[instruction.Result!.Value] = instruction.Result.Value;
        if (root.Count == 0) return false;
        TakeAsParameterWherePassed(graph, root, incoming);
        Value Uncast(Value v)
        {
            while (graph[v].DefiningInstruction is { Opcode: Opcode.IsInst or Opcode.CastClass } cast) v = cast.Operands[0];
            return v;
        }
        // Loops, the IR's maps and a list of groups in the order they were made, not LINQ or dictionaries over blocks
        // and values: those are compiled by .NET on the first unit's path (Docs/PERFORMANCE.md, warm-up).
        var parameters = new ValueSet();
        for (int b = 1; b < graph.BlockCount; b++)
            foreach (var parameter in graph[new Block(b)].Parameters)
                if (graph.TypeOf(parameter).IsReference && incoming.EdgesInto(new Block(b)).Count > 0) parameters.Add(parameter);
        bool changed = true;
        while (changed)
        {
            changed = false;
            var snapshot = new Value[parameters.Count];
            int count = 0;
            foreach (var parameter in parameters) snapshot[count++] = parameter;
            foreach (var parameter in snapshot)
            {
                var block = graph[parameter].ParameterOf!.Value;
                int index = GraphEdits.IndexOf(graph[block].Parameters, parameter);
                if (EveryEdgePassesCandidate(incoming.EdgesInto(block), index)) continue;
                parameters.Remove(parameter);
                changed = true;
            }
        }
        // A jump that passes one object to this parameter and to one that is no candidate gives the block two names for it:
        // the object is made on the edge, once, for both (a parameter of the group would split it from the other).
        bool EveryEdgePassesCandidate(IReadOnlyList<Edge> edges, int index)
        {
            for (int i = 0; i < edges.Count; i++)
            {
                var arguments = edges[i].Call.Arguments;
                if (Uncast(arguments[index]) is var origin && !(root.ContainsKey(origin) || parameters.Contains(origin))) return false;
                var targetParameters = graph[edges[i].Call.Target].Parameters;
                for (int j = 0; j < arguments.Count; j++)
                    if (j != index && !parameters.Contains(targetParameters[j]) && Uncast(arguments[j]) == origin) return false;
            }
            return true;
        }
        foreach (var parameter in parameters) root[parameter] = parameter;
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Opcode is Opcode.IsInst or Opcode.CastClass && root.TryGetValue(Uncast(instruction.Operands[0]), out var cast))
                    root[instruction.Result!.Value] = cast;

        // 2. Groups: candidates joined by jumps (union-find on roots).
        var parent = new ValueToValueMap();
        Value Find(Value v)
        {
            while (parent.TryGetValue(v, out var p) && p != v) v = parent[v] = parent.GetValueOrDefault(p, p);
            return v;
        }
        foreach (var parameter in parameters)
        {
            var block = graph[parameter].ParameterOf!.Value;
            int index = GraphEdits.IndexOf(graph[block].Parameters, parameter);
            foreach (var edge in incoming.EdgesInto(block))
            {
                var a = Find(root[edge.Call.Arguments[index]]);
                var b = Find(parameter);
                if (a != b) parent[a] = b;
            }
        }
        var groups = new ValueMap<Group>(graph.ValueCount);
        var groupsInOrder = new List<Group>(); // in the order they were made, as a dictionary's values were
        Group GroupOf(Value candidateRoot)
        {
            var representative = Find(candidateRoot);
            if (!groups.TryGetValue(representative, out var group))
            {
                groups[representative] = group = new Group();
                groupsInOrder.Add(group);
            }
            return group;
        }

        // 3. Each group's allocation and class; then every use classified: fields, escapes, the groups each block uses.
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                if (!IsCandidate(graph, instruction)) continue;
                var group = GroupOf(instruction.Result!.Value);
                var exact = instruction.Opcode == Opcode.Box ? instruction.TypeOperand! : graph.TypeOf(instruction.Result.Value);
                if (group.Allocation is null)
                {
                    group.Allocation = instruction;
                    group.ExactType = exact;
                    if (instruction.Opcode == Opcode.NewArray) group.Length = ArrayLength(graph, instruction);
                }
                else group.Bad |= group.Allocation.Opcode != instruction.Opcode || group.ExactType != exact
                    || (instruction.Opcode == Opcode.NewObject && !group.Allocation.Method!.Equals(instruction.Method))
                    || graph.TypeOf(group.Allocation.Result!.Value) != graph.TypeOf(instruction.Result.Value)
                    || (instruction.Opcode == Opcode.NewArray && ArrayLength(graph, instruction) != group.Length);
            }
        // Casts the group's class decides, when the graph can ask the run-time classes (FlowGraph.Members): an isinst to a
        // class its objects are not instances of is null (the interpreter's own type tests of a value it made, one class
        // after another), and its result is no member; a cast to a class they are instances of is
        // the object. Without the classes, a cast to another class keeps the group (rule 2).
        var nullCasts = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        var failedCasts = new ValueSet();
        if (graph.Members is { } members)
        {
            foreach (var block in graph.Blocks)
                foreach (var instruction in graph[block].Instructions)
                    if (instruction.Opcode is Opcode.IsInst or Opcode.CastClass && instruction.Result is { } cast
                        && root.TryGetValue(cast, out var castMember) && castMember != cast
                        && GroupOf(castMember) is { Allocation.Opcode: Opcode.NewObject or Opcode.Allocate, ExactType: { } exact }
                        && ChainFails(cast, exact))
                        failedCasts.Add(cast);
            bool ChainFails(Value value, IrType exact)
            {
                for (; graph[value].DefiningInstruction is { Opcode: Opcode.IsInst or Opcode.CastClass } link; value = link.Operands[0])
                    if (InstanceOf(members, exact, link.TypeOperand!) != true) return true;
                return false;
            }
            foreach (var cast in failedCasts)
            {
                var instruction = graph[cast].DefiningInstruction!;
                var member = root[cast];
                if (instruction.Opcode == Opcode.IsInst && !failedCasts.Contains(instruction.Operands[0])
                    && InstanceOf(members, GroupOf(member).ExactType!, instruction.TypeOperand!) == false)
                    nullCasts.Add(instruction);
                else GroupOf(member).Bad = true;
            }
            foreach (var cast in failedCasts) root.Remove(cast);
            // A failed cast passed to a group parameter: that parameter is not always an object of the group.
            foreach (var block in graph.Blocks)
                foreach (var instruction in graph[block].Instructions)
                    foreach (var target in instruction.Targets)
                        for (int i = 0; i < target.Arguments.Count; i++)
                            if (failedCasts.Contains(target.Arguments[i]) && parameters.Contains(graph[target.Target].Parameters[i]))
                                GroupOf(graph[target.Target].Parameters[i]).Bad = true;
        }
        var allocatedIn = new ValueMap<Block>(graph.ValueCount);
        var bulkCalls = new List<Instruction>();
        // The members one jump passes to its group's parameters (one set, emptied per jump: a set per jump grew to the
        // highest member's number).
        var passed = new ValueSet(graph.ValueCount);
        var passedValues = new List<Value>();
        // Candidates a candidate was stored into (Run: another round once those are removed).
        var holders = new ValueSet();
        // A helper's moves when its arrays are virtual candidates of one element type (and a fill's value of exactly that type).
        List<ElementMove>? BulkMoves(Instruction call)
        {
            var moves = Moves(graph, call, VirtualLength);
            if (moves is null) return null;
            var positions = ArrayPositions(Helper(call));
            var elementType = GroupOf(root[call.Operands[positions[0]]]).Allocation!.TypeOperand!;
            if (positions.Any(p => GroupOf(root[call.Operands[p]]).Allocation!.TypeOperand != elementType)) return null;
            if (Helper(call) == ArrayHelper.Fill && !FitsElement(graph, graph.TypeOf(call.Operands[1]), elementType)) return null;
            return moves;
        }
        // A sparse array (longer than MaxVirtualLength) has fields only for the elements accessed: helpers escape it.
        int VirtualLength(Value value) => root.TryGetValue(value, out var m) && GroupOf(m).Length is var n && n >= 0 && n <= MaxVirtualLength ? n : -1;
        Use Classify(Instruction instruction, int position, Value member) => instruction.Opcode switch
        {
            Opcode.LoadElement when position == 0 => ElementIndex(graph, instruction, GroupOf(member).Length) is null ? Use.Escape : Use.Read,
            Opcode.StoreElement when position == 0 => ElementIndex(graph, instruction, GroupOf(member).Length) is null
                || instruction.TypeOperand != GroupOf(member).Allocation!.TypeOperand || !FitsElement(graph, graph.TypeOf(instruction.Operands[2]), instruction.TypeOperand!) ? Use.Escape : Use.Write,
            Opcode.ArrayLength when GroupOf(member).Length >= 0 => Use.Fold,
            Opcode.Call when IsArrayPosition(Helper(instruction), position) && BulkMoves(instruction) is not null => Use.Bulk,
            Opcode.LoadField or Opcode.StoreField when GroupOf(member).Length >= 0 => Use.Escape,
            Opcode.LoadField when position == 0 => Use.Read,
            Opcode.StoreField when position == 0 => Use.Write,
            Opcode.UnboxAny when GroupOf(member).Allocation is { Opcode: Opcode.Box } box && instruction.TypeOperand == box.TypeOperand => Use.Read,
            Opcode.IsInst or Opcode.CastClass => Use.Fold,
            Opcode.BrIf => Use.Fold,
            Opcode.Ceq or Opcode.Cne => Use.Fold,
            Opcode.CgtUn when IsNull(graph, instruction.Operands[1 - position]) => Use.Fold,
            Opcode.Call or Opcode.CallVirt when TypeObjects.IsGetType(instruction) => Use.Fold,
            _ => Use.Escape,
        };
        foreach (var block in graph.Blocks)
        {
            foreach (var instruction in graph[block].Instructions)
            {
                if (IsCandidate(graph, instruction))
                {
                    var group = GroupOf(instruction.Result!.Value);
                    allocatedIn[instruction.Result.Value] = block;
                    if (instruction.Opcode == Opcode.Box) group.AddField(BoxContents, graph.TypeOf(instruction.Operands[0]));
                    else if (instruction.Opcode == Opcode.NewArray)
                        for (int i = 0; i < group.Length && group.Length <= MaxVirtualLength; i++) group.AddField(Element(i), instruction.TypeOperand!);
                    else if (instruction.Opcode == Opcode.NewObject)
                        for (int i = 0; i < instruction.Operands.Count; i++)
                            group.AddField(instruction.Method!.StoredFields![i].FullName, graph.TypeOf(instruction.Operands[i]));
                }
                for (int i = 0; i < instruction.Operands.Count; i++)
                {
                    if (!root.TryGetValue(instruction.Operands[i], out var member)) continue;
                    var group = GroupOf(member);
                    var use = Classify(instruction, i, member);
                    group.Useful |= use != Use.Escape;
                    switch (use)
                    {
                        case Use.Read when instruction.Opcode == Opcode.LoadElement:
                            group.AddField(Element(ElementIndex(graph, instruction, group.Length)!.Value), graph.TypeOf(instruction.Result!.Value));
                            break;
                        case Use.Write when instruction.Opcode == Opcode.StoreElement:
                            // The element's variable has the array's element type: a value of a subclass stored (FitsElement) is one of its values.
                            group.AddField(Element(ElementIndex(graph, instruction, group.Length)!.Value), instruction.TypeOperand!);
                            break;
                        case Use.Bulk:
                            if (bulkCalls.Count == 0 || !ReferenceEquals(bulkCalls[^1], instruction)) bulkCalls.Add(instruction);
                            break;
                        case Use.Read when instruction.Opcode == Opcode.UnboxAny:
                            group.AddField(BoxContents, graph.TypeOf(instruction.Result!.Value));
                            break;
                        case Use.Read:
                            group.AddObjectField(instruction.Field!.FullName, graph.TypeOf(instruction.Result!.Value), isLoad: true);
                            break;
                        case Use.Write:
                            group.AddObjectField(instruction.Field!.FullName, graph.TypeOf(instruction.Operands[1]), isLoad: false);
                            group.Stored.TryAdd(instruction.Field.FullName, instruction.Field);
                            break;
                        case Use.Fold when instruction.Opcode is Opcode.IsInst or Opcode.CastClass:
                            // A cast is the object itself only when it cannot fail: to the group's class, to object, or to a
                            // class the run-time classes say its objects are instances of; an isinst they are not is null.
                            group.Bad |= instruction.TypeOperand != group.ExactType && instruction.TypeOperand!.Kind != TypeKind.Object
                                && !nullCasts.Contains(instruction)
                                && !(graph.Members is { } known && group.Allocation?.Opcode is Opcode.NewObject or Opcode.Allocate
                                    && group.ExactType is { } exactClass && InstanceOf(known, exactClass, instruction.TypeOperand) == true);
                            break;
                        case Use.Escape:
                            group.EscapeBlocks.Add(block);
                            group.Escapes.Add((block, member));
                            // Stored into another candidate: removed, that one hands this one on to its loads (Run).
                            if (instruction.Opcode is Opcode.StoreElement or Opcode.StoreField && i == instruction.Operands.Count - 1 && i > 0
                                && root.TryGetValue(instruction.Operands[0], out var holder))
                                holders.Add(holder);
                            break;
                    }
                }
                foreach (var target in instruction.Targets)
                {
                    var targetParameters = graph[target.Target].Parameters;
                    foreach (var value in passedValues) passed.Remove(value);
                    passedValues.Clear();
                    for (int i = 0; i < target.Arguments.Count; i++)
                    {
                        if (!root.TryGetValue(target.Arguments[i], out var member)) continue;
                        var group = GroupOf(member);
                            bool flows = parameters.Contains(targetParameters[i]) && Find(targetParameters[i]) == Find(member);
                        if (!flows)
                        {
                            group.EscapeEdges.Add(target);
                            group.EscapeEdgeSources.Add(block);
                            group.EscapeEdgeMembers.Add(member);
                        }
                        else if (!passed.Add(member)) group.Bad = true;
                        else
                        {
                            passedValues.Add(member);
                            group.Useful = true;
                        }
                    }
                }
            }
        }

        // 4. Decide per group. Escapes on paths that never run do not count: a member is never null, and an isinst to a
        //    class its objects are not instances of is (nullCasts), so a branch on either takes one target whether the
        //    object is removed or not. The interpreter's own type tests of a value it made (a key tested for one
        //    class, the slow paths of the other classes behind the test) hold such escapes. Only groups of one class (not yet refused) decide.
        var consistent = new HashSet<Group>(ReferenceEqualityComparer.Instance);
        foreach (var group in groupsInOrder) if (!group.Bad) consistent.Add(group);
        // The position of the one target a block's branch takes, or null when both may.
        int? DecidedTarget(Block block)
        {
            if (graph[block].Terminator is not { Opcode: Opcode.BrIf } branch) return null;
            var condition = branch.Operands[0];
            if (root.TryGetValue(condition, out var member) && consistent.Contains(GroupOf(member))) return 0;
            if (graph[condition].DefiningInstruction is { } test && nullCasts.Contains(test)
                && root.TryGetValue(test.Operands[0], out var tested) && consistent.Contains(GroupOf(tested)))
                return 1;
            if (ConstantCondition(graph, condition) is { } taken) return taken ? 0 : 1;
            return null;
        }
        // A view over the targets, not an IEnumerable<Block> of one element (a generic over Block .NET compiles cold).
        TargetBlocks LiveSuccessors(Block block) =>
            DecidedTarget(block) is { } position ? new TargetBlocks([graph[block].Terminator!.Targets[position]]) : graph.Successors(block);
        var reachable = new BlockSet();
        var walk = new BlockStack();
        reachable.Add(FlowGraph.Entry);
        walk.Push(FlowGraph.Entry);
        while (walk.Count > 0)
            foreach (var successor in LiveSuccessors(walk.Pop()))
                if (reachable.Add(successor)) walk.Push(successor);
        DecideGroups(reachable);
        void DecideGroups(BlockSet live)
        {
            foreach (var group in groupsInOrder)
            {
                // An allocation nothing uses (an object stored only into one allocation removal took apart) goes too.
                // An object only ever escaping is left where it is, unless some path from its allocation never escapes (a box
                // handed to a call's slow path or an exit, not to the call itself): made only at the escapes, that path makes none.
                if (group.Allocation is null || (!group.Useful && group.EscapeBlocks.Count + group.EscapeEdges.Count > 0 && !PathWithoutEscape(group)))
                    group.Bad = true;
                int liveEscapes = 0;
                foreach (var block in group.EscapeBlocks) if (live.Contains(block)) liveEscapes++;
                for (int e = 0; e < group.EscapeEdges.Count; e++) if (live.Contains(group.EscapeEdgeSources[e])) liveEscapes++;
                if (group.Bad || liveEscapes == 0) continue;
                // The object an escape makes is the member's value there; it is that object until the member is defined
                // again (its allocation runs again, its block is entered again with what a jump passes). Reaching any
                // other use of the member before that would read fields a call may have changed, or make it twice; passing
                // it on to a group parameter would split a real object. Other members are other objects (two names for
                // one object are refused below), so their uses do not matter here.
                foreach (var (block, member) in group.Escapes)
                    if (!group.Bad && live.Contains(block))
                    {
                        foreach (var target in graph[block].Terminator?.Targets ?? [])
                        {
                            var targetParameters = graph[target.Target].Parameters;
                            for (int i = 0; i < target.Arguments.Count; i++)
                                if (root.TryGetValue(target.Arguments[i], out var m) && m == member && parameters.Contains(targetParameters[i])) group.Bad = true;
                        }
                        group.Bad |= UsedLater(LiveSuccessors(block), member);
                    }
                for (int e = 0; e < group.EscapeEdges.Count && !group.Bad; e++)
                    if (live.Contains(group.EscapeEdgeSources[e]))
                    {
                        var edge = group.EscapeEdges[e];
                        var targetParameters = graph[edge.Target].Parameters;
                        for (int i = 0; i < edge.Arguments.Count; i++)
                            if (root.TryGetValue(edge.Arguments[i], out var m) && m == group.EscapeEdgeMembers[e] && parameters.Contains(targetParameters[i])) group.Bad = true;
                        group.Bad |= UsedLater(new TargetBlocks([edge]), group.EscapeEdgeMembers[e]);
                    }
            }
            // True when the group is one allocation and a path from it reaches the end of the graph, or the allocation again,
            // through no block or edge where it escapes.
            bool PathWithoutEscape(Group group)
            {
                if (group.Allocation?.Result is not { } allocation || !allocatedIn.TryGetValue(allocation, out var home) || group.EscapeBlocks.Contains(home)) return false;
                foreach (var (_, member) in group.Escapes) if (member != allocation) return false;
                foreach (var member in group.EscapeEdgeMembers) if (member != allocation) return false;
                var reached = new BlockSet();
                var work = new BlockStack();
                work.Push(home);
                while (work.Count > 0)
                {
                    var block = work.Pop();
                    var terminator = graph[block].Terminator;
                    if (terminator is null || terminator.Targets.Count == 0) return true;
                    foreach (var target in terminator.Targets)
                    {
                        if (target.Target == home) return true;
                        if (group.EscapeEdges.Contains(target) || group.EscapeBlocks.Contains(target.Target)) continue;
                        if (reached.Add(target.Target)) work.Push(target.Target);
                    }
                }
                return false;
            }
            // True when a use of `member` (or of a cast of it) is reached from `starts` before the member is defined again.
            bool UsedLater(TargetBlocks starts, Value member)
            {
                var definedIn = graph[member].ParameterOf ?? (allocatedIn.TryGetValue(member, out var b) ? b : (Block?)null);
                var reached = new BlockSet();
                var work = new BlockStack();
                foreach (var start in starts)
                    if (start != definedIn && reached.Add(start)) work.Push(start);
                while (work.Count > 0)
                {
                    var block = work.Pop();
                    foreach (var instruction in graph[block].Instructions)
                    {
                        foreach (var operand in instruction.Operands)
                            if (root.TryGetValue(operand, out var m) && m == member) return true;
                        foreach (var target in instruction.Targets)
                            foreach (var argument in target.Arguments)
                                if (root.TryGetValue(argument, out var m) && m == member) return true;
                    }
                    foreach (var successor in LiveSuccessors(block))
                        if (successor != definedIn && reached.Add(successor)) work.Push(successor);
                }
                return false;
            }
            // Two live names for one object: a member passed to a group parameter while it (or a cast of it) is live in the target.
            bool anyGood = false;
            foreach (var parameter in parameters)
                if (!GroupOf(parameter).Bad)
                {
                    anyGood = true;
                    break;
                }
            if (anyGood)
            {
                // The live ranges of the members of groups still removable, the only values asked about below.
                var asked = new ValueSet(graph.ValueCount);
                foreach (var block in graph.Blocks)
                {
                    foreach (var blockParameter in graph[block].Parameters)
                        if (root.TryGetValue(blockParameter, out var m) && !GroupOf(m).Bad) asked.Add(blockParameter);
                    foreach (var instruction in graph[block].Instructions)
                        if (instruction.Result is { } result && root.TryGetValue(result, out var m) && !GroupOf(m).Bad) asked.Add(result);
                }
                var liveness = Liveness.Compute(graph, asked);
                foreach (var parameter in parameters)
                {
                    var group = GroupOf(parameter);
                    if (group.Bad) continue;
                    var block = graph[parameter].ParameterOf!.Value;
                    foreach (var v in liveness.LiveIn(block))
                        if (root.TryGetValue(v, out var m) && GroupOf(m) == group && m != parameter)
                        {
                            group.Bad = true;
                            break;
                        }
                }
            }
            // A helper moving elements between two groups: both go or both stay, and neither may be made anywhere (it
            // could be made before the call in the same block, which would leave the other's elements to a real array).
            for (bool again = true; again;)
            {
                again = false;
                foreach (var call in bulkCalls)
                {
                    var involved = ArrayPositions(Helper(call)).Select(p => GroupOf(root[call.Operands[p]])).Distinct().ToList();
                    if (involved.Count < 2 || involved.All(g => g.Bad)) continue;
                    if (involved.Any(g => g.Bad || g.EscapeBlocks.Count + g.EscapeEdges.Count > 0))
                    {
                        foreach (var g in involved) g.Bad = true;
                        again = true;
                    }
                }
            }
        }
        var removed = groupsInOrder.Where(g => !g.Bad).ToHashSet();
        if (removed.Count == 0) return false;
        // The decisions above left out blocks no run reaches (behind a branch on integer constants, on a member, or on a
        // cast that fails). Rewritten as they are, such a block could make an object a decided group lost there and pass it
        // to a group parameter removed, whose field parameters then take only the other jumps' values, defined where they do
        // not dominate (Lua: a callee's result box stored into a register array behind `Wanted != 1`, 1 forwarded). The
        // branches become jumps, those blocks go, and the pass starts again on the graph without them.
        if (RemoveDecidedBranches(graph, reachable, DecidedTarget)) return Remove(graph);
        bool heldCandidates = false;
        foreach (var holder in holders) heldCandidates |= removed.Contains(GroupOf(holder));
        bool Virtual(Value value, out Value member, out Group group)
        {
            group = null!;
            if (!root.TryGetValue(value, out member)) return false;
            group = GroupOf(member);
            return removed.Contains(group);
        }

        // 5. One SSA variable per (object, field); group parameters become one parameter per field.
        var variables = new Dictionary<(Value, string), SsaUpdater>(MemberFieldComparer.Instance);
        SsaUpdater Variable(Value member, string field)
        {
            if (!variables.TryGetValue((member, field), out var updater))
                variables[(member, field)] = updater = new SsaUpdater(graph, GroupOf(member).FieldTypes[field], graph[member].Name, incoming.EdgesInto);
            return updater;
        }
        var split = new Dictionary<(Value Parameter, string Field), int>(MemberFieldComparer.Instance);
        var splitParameters = new ValueSet();
        // The set enumerates in index order, which the loop needs (not LINQ's OrderBy, a framework generic over Value that .NET
        // compiles on the first unit's thread); the loop adds parameters to the graph, not to the set.
        foreach (var parameter in parameters)
        {
            if (!Virtual(parameter, out _, out var group)) continue;
            var block = graph[parameter].ParameterOf!.Value;
            splitParameters.Add(parameter);
            foreach (var field in group.Fields)
            {
                var fieldParameter = graph.AddParameter(block, group.FieldTypes[field], graph[parameter].Name);
                split[(parameter, field)] = graph[block].Parameters.Count - 1;
                // A placeholder, set when the jump's block is rewritten below; the positions stay as SsaUpdater only appends.
                foreach (var edge in incoming.EdgesInto(block)) edge.Call.Arguments.Add(fieldParameter);
                Variable(parameter, field).DefineAtStart(block, fieldParameter);
            }
        }
        // Definitions at each block's end, and the defaults an allocation starts its other fields with.
        var defaults = new Dictionary<Instruction, List<Instruction>>(ReferenceEqualityComparer.Instance);
        // A helper copying an element whose value is not known in its block yet (it is read at the block's start,
        // which can only be read once every block's end is defined): a placeholder value, replaced in step 6.
        var placeholders = new Dictionary<(Instruction, Value, string), Value>();
        var placeholderValues = new ValueSet();
        Value Placeholder(IrType type, SourceLocation location)
        {
            var value = Default(graph, type, location).Result!.Value;
            placeholderValues.Add(value);
            return value;
        }
        bool AllArraysVirtual(Instruction call, Func<Value, bool> made) =>
            ArrayPositions(Helper(call)).All(p => Virtual(call.Operands[p], out var m, out _) && !made(m));
        // The elements a helper call writes, all sources read before any destination is written.
        void ApplyMoves(Instruction call, Func<Value, string, Value> read, Func<Value, Value> made, Dictionary<(Value, string), Value> current)
        {
            var moves = BulkMoves(call)!;
            var values = new List<Value>(moves.Count);
            foreach (var move in moves)
                values.Add(move.SourcePosition < 0 ? defaults[call][0].Result!.Value
                    : move.SourceIndex < 0 ? made(call.Operands[move.SourcePosition])
                    : read(root[call.Operands[move.SourcePosition]], Element(move.SourceIndex)));
            for (int i = 0; i < moves.Count; i++) current[(root[call.Operands[moves[i].ArrayPosition]], Element(moves[i].Index))] = values[i];
        }
        // A virtual object stored into a field or element of another: it escapes there, so step 6 makes it just before
        // the store and stores the object made, which does not exist yet; a placeholder stands for it meanwhile.
        var storedPlaceholders = new Dictionary<Instruction, Value>(ReferenceEqualityComparer.Instance);
        Value StoredValue(Instruction store, Value stored)
        {
            if (!Virtual(stored, out _, out _)) return stored;
            if (!storedPlaceholders.TryGetValue(store, out var placeholder))
                storedPlaceholders[store] = placeholder = Placeholder(graph.TypeOf(stored), store.Location);
            return placeholder;
        }
        foreach (var block in graph.Blocks)
        {
            var current = new Dictionary<(Value, string), Value>(MemberFieldComparer.Instance);
            foreach (var instruction in graph[block].Instructions)
            {
                if (instruction.Result is { } result && IsCandidate(graph, instruction) && Virtual(result, out _, out var group))
                    foreach (var (field, value) in Initial(graph, instruction, group, defaults))
                        current[(result, field)] = value;
                else if (instruction.Opcode == Opcode.StoreField && Virtual(instruction.Operands[0], out var member, out _))
                    current[(member, instruction.Field!.FullName)] = StoredValue(instruction, instruction.Operands[1]);
                else if (instruction.Opcode == Opcode.StoreElement && Virtual(instruction.Operands[0], out var array, out _)
                    && Classify(instruction, 0, array) == Use.Write)
                    current[(array, Element(ElementIndex(graph, instruction, GroupOf(array).Length)!.Value))] = StoredValue(instruction, instruction.Operands[2]);
                else if (instruction.Opcode == Opcode.Call && Helper(instruction) != ArrayHelper.None && ArrayPositions(Helper(instruction)) is var positions
                    && Virtual(instruction.Operands[positions[0]], out var first, out _) && Classify(instruction, positions[0], first) == Use.Bulk
                    && AllArraysVirtual(instruction, _ => false))
                {
                    var element = GroupOf(first).Allocation!.TypeOperand!;
                    if (!defaults.ContainsKey(instruction)) defaults[instruction] = [Default(graph, element, instruction.Location)];
                    var call = instruction;
                    ApplyMoves(instruction, (m, f) => current.TryGetValue((m, f), out var known) ? known
                        : placeholders.TryGetValue((call, m, f), out var held) ? held
                        : placeholders[(call, m, f)] = Placeholder(GroupOf(m).FieldTypes[f], call.Location), v => v, current);
                }
            }
            foreach (var ((member, field), value) in current) Variable(member, field).DefineAtEnd(block, value);
        }

        // 6. Rewrite each block: loads read the variables, stores define them, escapes make the object.
        var replacement = new ValueToValueMap();
        var decided = new List<Instruction>();
        // The objects made in the block being rewritten, and on the edge: one map each for the whole rewrite, emptied of
        // what each block or edge put in it. A map per block, as large as the highest member's index, cost the graph's
        // values per block that makes an object (a unit of many exits, each making the objects its state holds).
        var made = new ValueToValueMap(graph.ValueCount);
        var madeKeys = new List<Value>();
        var madeOnEdge = new ValueToValueMap(graph.ValueCount);
        var madeOnEdgeKeys = new List<Value>();
        foreach (var block in graph.Blocks)
        {
            var current = new Dictionary<(Value, string), Value>(MemberFieldComparer.Instance);
            foreach (var key in madeKeys) made.Remove(key);
            madeKeys.Clear();
            Value Read(Value member, string field) =>
                current.TryGetValue((member, field), out var value) ? value : current[(member, field)] = Variable(member, field).ReadAtStart(block);
            Value Made(Value value) => root.TryGetValue(value, out var member) && made.TryGetValue(member, out var real) ? real : value;
            var rewritten = new List<Instruction>();
            // A jump's arguments: objects made in this block, and the fields of one passed to a split parameter.
            void Arguments(BlockCall target)
            {
                for (int i = 0; i < target.Arguments.Count; i++)
                {
                    if (!root.TryGetValue(target.Arguments[i], out var member)) continue;
                    if (made.TryGetValue(member, out var real)) target.Arguments[i] = real;
                    else if (Virtual(member, out _, out var group) && splitParameters.Contains(graph[target.Target].Parameters[i]))
                        foreach (var field in group.Fields)
                            target.Arguments[split[(graph[target.Target].Parameters[i], field)]] = Read(member, field);
                }
            }
            foreach (var instruction in graph[block].Instructions)
            {
                if (instruction.Result is { } result && IsCandidate(graph, instruction) && Virtual(result, out _, out var allocated))
                {
                    foreach (var (field, value) in Initial(graph, instruction, allocated, defaults))
                        current[(result, field)] = value;
                    rewritten.AddRange(defaults.GetValueOrDefault(instruction) ?? []);
                    continue;
                }
                // Make what escapes here, before the instruction.
                for (int i = 0; i < instruction.Operands.Count; i++)
                    if (Virtual(instruction.Operands[i], out var member, out var group) && !made.ContainsKey(member)
                        && Classify(instruction, i, member) is var use
                        && (use == Use.Escape || (use == Use.Bulk && !AllArraysVirtual(instruction, made.ContainsKey))))
                    {
                        made[member] = Materialize(graph, member, group, Read, rewritten, instruction.Location, placeholderValues);
                        madeKeys.Add(member);
                    }
                // A jump passing a virtual object to a parameter that is not its group's makes it on that edge only:
                // a new block between, so the other edges (a loop's back edge) keep it virtual.
                for (int t = 0; t < instruction.Targets.Count; t++)
                {
                    var target = instruction.Targets[t];
                    Block? between = null;
                    foreach (var key in madeOnEdgeKeys) madeOnEdge.Remove(key);
                    madeOnEdgeKeys.Clear();
                    for (int i = 0; i < target.Arguments.Count; i++)
                    {
                        if (!Virtual(target.Arguments[i], out var member, out var group) || made.ContainsKey(member)
                            || splitParameters.Contains(graph[target.Target].Parameters[i])) continue;
                        between ??= graph.AddBlock();
                        if (!madeOnEdge.TryGetValue(member, out var real))
                        {
                            madeOnEdge[member] = real = Materialize(graph, member, group, Read, graph[between.Value].Instructions, instruction.Location, placeholderValues);
                            madeOnEdgeKeys.Add(member);
                        }
                        target.Arguments[i] = real;
                    }
                    if (between is not { } edgeBlock) continue;
                    Arguments(target);
                    graph[edgeBlock].Instructions.Add(new Instruction(Opcode.Jump) { Targets = { target }, Location = instruction.Location });
                    instruction.Targets[t] = new BlockCall(edgeBlock, []);
                }

                bool OnVirtual(int position, out Value member, out Group group) =>
                    Virtual(instruction.Operands[position], out member, out group) && !made.ContainsKey(member);
                switch (instruction.Opcode)
                {
                    case Opcode.LoadField when OnVirtual(0, out var member, out _):
                        replacement[instruction.Result!.Value] = Read(member, instruction.Field!.FullName);
                        continue;
                    case Opcode.StoreField when OnVirtual(0, out var member, out _):
                        current[(member, instruction.Field!.FullName)] = Made(instruction.Operands[1]);
                        if (storedPlaceholders.TryGetValue(instruction, out var storedField)) replacement[storedField] = Made(instruction.Operands[1]);
                        continue;
                    case Opcode.LoadElement when OnVirtual(0, out var member, out var group):
                        replacement[instruction.Result!.Value] = Read(member, Element(ElementIndex(graph, instruction, group.Length)!.Value));
                        continue;
                    case Opcode.StoreElement when OnVirtual(0, out var member, out var group):
                        current[(member, Element(ElementIndex(graph, instruction, group.Length)!.Value))] = Made(instruction.Operands[2]);
                        if (storedPlaceholders.TryGetValue(instruction, out var storedElement)) replacement[storedElement] = Made(instruction.Operands[2]);
                        continue;
                    case Opcode.ArrayLength when OnVirtual(0, out _, out var group):
                        instruction.Opcode = Opcode.Const;
                        instruction.Operands.Clear();
                        instruction.Integer = group.Length;
                        break;
                    case Opcode.Call when Helper(instruction) != ArrayHelper.None && AllArraysVirtual(instruction, made.ContainsKey):
                    {
                        rewritten.AddRange(defaults[instruction]);
                        var call = instruction;
                        ApplyMoves(instruction, (m, f) =>
                        {
                            var value = Read(m, f);
                            if (placeholders.TryGetValue((call, m, f), out var placeholder)) replacement[placeholder] = value;
                            return value;
                        }, Made, current);
                        continue;
                    }
                    case Opcode.UnboxAny when OnVirtual(0, out var member, out _):
                        replacement[instruction.Result!.Value] = Read(member, BoxContents);
                        continue;
                    case Opcode.IsInst when nullCasts.Contains(instruction) && OnVirtual(0, out _, out _):
                        // Its objects are not instances of that class: null, which the branches on it then decide.
                        instruction.Opcode = Opcode.Null;
                        instruction.Operands.Clear();
                        instruction.TypeOperand = null;
                        break;
                    case Opcode.IsInst or Opcode.CastClass when OnVirtual(0, out _, out _):
                        continue;
                    case Opcode.Call or Opcode.CallVirt when TypeObjects.IsGetType(instruction) && OnVirtual(0, out _, out var ofClass):
                        // Its class is the group's: typeof that class, which a class guard's comparison then decides.
                        rewritten.Add(TypeObjects.Retarget(graph, instruction, ofClass.ExactType!));
                        break;
                    case Opcode.BrIf when OnVirtual(0, out _, out _):
                        // Not null: the branch becomes a jump once the variables no longer need the edges (step 7).
                        decided.Add(instruction);
                        break;
                    case Opcode.Ceq or Opcode.Cne when OnVirtual(0, out var member, out _) || OnVirtual(1, out member, out _):
                    {
                        // Only itself: a virtual object never escaped, so no other reference, real or virtual, is it.
                        bool same = root.TryGetValue(instruction.Operands[0], out var a) && root.TryGetValue(instruction.Operands[1], out var b) && a == b;
                        bool equal = instruction.Opcode == Opcode.Ceq;
                        instruction.Opcode = Opcode.Const;
                        instruction.Operands.Clear();
                        instruction.Integer = same == equal ? 1 : 0;
                        break;
                    }
                    case Opcode.CgtUn when OnVirtual(0, out _, out _) || OnVirtual(1, out _, out _):
                    {
                        bool virtualFirst = OnVirtual(0, out _, out _);
                        instruction.Opcode = Opcode.Const;
                        instruction.Operands.Clear();
                        instruction.Integer = virtualFirst ? 1 : 0;
                        break;
                    }
                }
                // Operands that name an object made in this block name the object made.
                for (int i = 0; i < instruction.Operands.Count; i++)
                    instruction.Operands[i] = Made(instruction.Operands[i]);
                foreach (var target in instruction.Targets) Arguments(target);
                rewritten.Add(instruction);
            }
            graph[block].Instructions.Clear();
            graph[block].Instructions.AddRange(rewritten);
        }

        // 7. The group parameters go, then what merging the variables made trivial.
        var groupParameters = new List<Value>();
        foreach (var parameter in parameters)
            if (Virtual(parameter, out _, out _)) groupParameters.Add(parameter);
        foreach (var parameter in groupParameters)
        {
            var block = graph[parameter].ParameterOf!.Value;
            // The jumps into it are those found at the start: step 6 moved a jump onto a new edge block as it was (the same
            // call), and made none to a group parameter's block; not a scan of the whole graph per parameter.
            graph.RemoveParameter(block, GraphEdits.IndexOf(graph[block].Parameters, parameter), EdgeCalls(incoming.EdgesInto(block)));
        }
        graph.ReplaceUses(replacement);
        foreach (var branch in decided)
        {
            branch.Opcode = Opcode.Jump;
            branch.Operands.Clear();
            branch.Targets.RemoveAt(1);
        }
        TrivialParameters.Remove(graph);
        // The fields of a removed object merged at a join are new parameters there, one per field, beside those the block
        // had: an inlined callee's frame made at a shared exit block passes its register array both as the frame's field and
        // as the interpreter's own local, two parameters every jump gives the same value. One name, so that the next round
        // does not refuse that array (or the objects in it) as an object with two live names (Lua `polymorphic`: the
        // strings `type()` returns, stored into such registers, stayed allocated).
        DuplicateParameters.Run(graph);
        GraphEdits.RemoveUnreachable(graph);
        graph.Compact();
        return heldCandidates;
    }

    /// <summary>
    /// When some block the graph reaches is not in <paramref name="live"/> (the blocks reached through the targets
    /// <paramref name="decidedTarget"/> leaves), makes every live branch with one possible target a jump there and removes
    /// the blocks no longer reached. Returns whether it changed the graph.
    /// </summary>
    private static bool RemoveDecidedBranches(FlowGraph graph, BlockSet live, Func<Block, int?> decidedTarget)
    {
        var reached = new BlockSet { FlowGraph.Entry };
        var work = new BlockStack();
        work.Push(FlowGraph.Entry);
        bool deadReached = false;
        while (work.Count > 0 && !deadReached)
            foreach (var successor in graph.Successors(work.Pop()))
                if (reached.Add(successor))
                {
                    deadReached |= !live.Contains(successor);
                    work.Push(successor);
                }
        if (!deadReached) return false;
        var decided = new List<(Instruction Branch, int Position)>();
        foreach (var block in graph.Blocks)
            if (live.Contains(block) && decidedTarget(block) is { } position) decided.Add((graph[block].Terminator!, position));
        foreach (var (branch, position) in decided)
        {
            branch.Opcode = Opcode.Jump;
            branch.Operands.Clear();
            branch.Targets.RemoveAt(1 - position);
        }
        GraphEdits.RemoveUnreachable(graph);
        graph.Compact();
        return true;
    }

    /// <summary>The jumps of <paramref name="edges"/>.</summary>
    private static IEnumerable<BlockCall> EdgeCalls(IReadOnlyList<Edge> edges)
    {
        for (int i = 0; i < edges.Count; i++) yield return edges[i].Call;
    }

    /// <summary>True when <paramref name="value"/> is made by an allocation this pass can remove (<see cref="IsAllocation(FlowGraph, Instruction)"/>).</summary>
    public static bool IsAllocation(FlowGraph graph, Value value) => graph[value].DefiningInstruction is { } definition && IsAllocation(graph, definition);

    /// <summary>A <c>box</c> of a value type, a <c>newobj</c> of a store-only constructor or an <c>allocate</c>: what this pass can remove.</summary>
    public static bool IsAllocation(FlowGraph graph, Instruction instruction) => instruction.Result is { } result && instruction.Opcode switch
    {
        // Not a reference (box leaves it as is), a generic parameter (either) or a Nullable (boxing one without a value is null).
        Opcode.Box => graph.TypeOf(result).IsReference && instruction.TypeOperand!.Kind is not (TypeKind.Class or TypeKind.Object or TypeKind.String or TypeKind.GenericParameter)
            && !instruction.TypeOperand.Name.StartsWith("System.Nullable`1", StringComparison.Ordinal),
        Opcode.NewObject => instruction.Method!.StoredFields is { } fields && fields.Count == instruction.Operands.Count && graph.TypeOf(result).Kind == TypeKind.Class,
        // An inlined constructor's object: every field starts zero, the constructor's body is the stores after it.
        Opcode.Allocate => graph.TypeOf(result).Kind == TypeKind.Class,
        _ => false,
    };

    /// <summary>What this pass takes apart: <see cref="IsAllocation(FlowGraph, Instruction)"/>'s objects and the short arrays of <see cref="IsVirtualArray"/>.</summary>
    private static bool IsCandidate(FlowGraph graph, Instruction instruction) => IsAllocation(graph, instruction) || IsVirtualArray(graph, instruction);

    private static bool? InstanceOf(IMemberResolver members, IrType exact, IrType target) => TypeObjects.InstanceOf(members, exact, target);

    /// <summary>
    /// Whether a value of static type <paramref name="value"/> stored into an array made as <c>newarr</c> of
    /// <paramref name="element"/> (exactly that array type, so the store's covariance check compares with
    /// <paramref name="element"/> itself) is always of the element type: the same type, or a class the run-time classes
    /// say derives from it (an interpreter's <c>LuaInteger</c> stored into a <c>LuaValue[]</c>). Such a store cannot throw,
    /// and the element's variable holds it as a value of the element type.
    /// </summary>
    private static bool FitsElement(FlowGraph graph, IrType value, IrType element) =>
        value == element
        || (value.IsReference && element.IsReference && value.Kind != TypeKind.Object && graph.Members is { } known && InstanceOf(known, value, element) == true);

    /// <summary>
    /// The value of a branch condition made of integer constants (a constant, or a comparison of two): an earlier
    /// round's fields forwarded (a frame's <c>Wanted</c> stored as 1 and read back) leave such tests until the next
    /// <c>fold</c>, and the escapes behind the side that never runs (an interpreter's return loop for other callers,
    /// reading the registers at a variable index) must not keep the objects. Null when not decided.
    /// </summary>
    private static bool? ConstantCondition(FlowGraph graph, Value condition)
    {
        if (graph[condition].DefiningInstruction is not { } test) return null;
        if (GraphEdits.IntegerConstant(graph, condition) is { } value) return value != 0;
        if (test.Opcode is not (Opcode.Ceq or Opcode.Cne or Opcode.Clt or Opcode.Cle or Opcode.Cgt or Opcode.Cge)
            || GraphEdits.IntegerConstant(graph, test.Operands[0]) is not { } left || GraphEdits.IntegerConstant(graph, test.Operands[1]) is not { } right)
            return null;
        // Signed comparisons of 32- and 64-bit integers only: the constants are held as longs.
        if (test.Opcode is not (Opcode.Ceq or Opcode.Cne)
            && (graph.TypeOf(test.Operands[0]).Kind is not (TypeKind.I32 or TypeKind.I64) || graph.TypeOf(test.Operands[1]).Kind != graph.TypeOf(test.Operands[0]).Kind))
            return null;
        return ValueSemantics.CompareIntegers(test.Opcode, left, right, bothInt32: graph.TypeOf(test.Operands[0]).Kind == TypeKind.I32);
    }

    private static bool IsNull(FlowGraph graph, Value value) => graph[value].DefiningInstruction?.Opcode == Opcode.Null;

    /// <summary>The fields an allocation sets: the constructor's arguments or the boxed value, and the defaults of the group's other fields (made once per allocation).</summary>
    private static IEnumerable<(string Field, Value Value)> Initial(FlowGraph graph, Instruction allocation, Group group, Dictionary<Instruction, List<Instruction>> defaults)
    {
        if (allocation.Opcode == Opcode.Box)
        {
            yield return (BoxContents, allocation.Operands[0]);
            yield break;
        }
        IReadOnlyList<FieldRef> stored = allocation.Opcode is Opcode.NewArray or Opcode.Allocate ? [] : allocation.Method!.StoredFields!;
        for (int i = 0; i < stored.Count; i++) yield return (stored[i].FullName, allocation.Operands[i]);
        if (!defaults.TryGetValue(allocation, out var made))
        {
            made = [];
            foreach (var field in group.Fields.Where(f => stored.All(s => s.FullName != f)))
                made.Add(Default(graph, group.FieldTypes[field], allocation.Location));
            defaults[allocation] = made;
        }
        int next = 0;
        foreach (var field in group.Fields.Where(f => stored.All(s => s.FullName != f)))
            yield return (field, made[next++].Result!.Value);
    }

    private static Instruction Default(FlowGraph graph, IrType type, SourceLocation location)
    {
        var instruction = type.IsReference ? new Instruction(Opcode.Null)
            : type.IsPrimitive ? new Instruction(Opcode.Const)
            : new Instruction(Opcode.Default) { TypeOperand = type };
        instruction.Location = location;
        graph.SetResult(instruction, type);
        return instruction;
    }

    /// <summary>Makes the object <paramref name="member"/> stands for, with the current values of its fields, at the end of <paramref name="into"/>.</summary>
    private static Value Materialize(FlowGraph graph, Value member, Group group, Func<Value, string, Value> read, List<Instruction> into, SourceLocation location, ValueSet placeholders)
    {
        var allocation = group.Allocation!;
        var type = graph.TypeOf(allocation.Result!.Value);
        if (allocation.Opcode == Opcode.Box)
        {
            var box = new Instruction(Opcode.Box, read(member, BoxContents)) { TypeOperand = allocation.TypeOperand, Location = location };
            into.Add(box);
            return graph.SetResult(box, type, graph[member].Name);
        }
        if (allocation.Opcode == Opcode.NewArray)
        {
            var length = new Instruction(Opcode.Const) { Integer = group.Length, Location = location };
            into.Add(length);
            var array = new Instruction(Opcode.NewArray, graph.SetResult(length, graph.TypeOf(allocation.Operands[0]))) { TypeOperand = allocation.TypeOperand, Location = location };
            into.Add(array);
            var madeArray = graph.SetResult(array, type, graph[member].Name);
            // Every element but those that are plainly the default (newarr zeroes them).
            for (int i = 0; i < group.Length; i++)
            {
                // A sparse array's elements never accessed are the default newarr makes.
                if (!group.FieldTypes.ContainsKey(Element(i))) continue;
                var element = read(member, Element(i));
                if (IsPlainDefault(graph, element) && !placeholders.Contains(element)) continue;
                var index = new Instruction(Opcode.Const) { Integer = i, Location = location };
                into.Add(index);
                into.Add(new Instruction(Opcode.StoreElement, madeArray, graph.SetResult(index, IrType.I32), element) { TypeOperand = allocation.TypeOperand, Location = location });
            }
            return madeArray;
        }
        if (allocation.Opcode == Opcode.Allocate)
        {
            // Allocated as the inlined constructor did it, then every field a store wrote (the others are zero).
            var allocated = new Instruction(Opcode.Allocate) { TypeOperand = allocation.TypeOperand, Location = location };
            into.Add(allocated);
            var madeObject = graph.SetResult(allocated, type, graph[member].Name);
            // In the order of the group's fields, which holds every stored one (loops, not LINQ's OrderBy over the pairs).
            foreach (var name in group.Fields)
                if (group.Stored.TryGetValue(name, out var field))
                    into.Add(new Instruction(Opcode.StoreField, madeObject, read(member, name)) { Field = field, Location = location });
            return madeObject;
        }
        var stored = allocation.Method!.StoredFields!;
        var arguments = new Value[stored.Count];
        for (int i = 0; i < stored.Count; i++) arguments[i] = read(member, stored[i].FullName);
        var made = new Instruction(Opcode.NewObject, arguments) { Method = allocation.Method, Location = location };
        into.Add(made);
        var result = graph.SetResult(made, type, graph[member].Name);
        foreach (var name in group.Fields)
            if (group.Stored.TryGetValue(name, out var field) && stored.All(f => f.FullName != name))
                into.Add(new Instruction(Opcode.StoreField, result, read(member, name)) { Field = field, Location = location });
        return result;
    }
}
