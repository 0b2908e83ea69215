using PeJit.IR.Graphs;
using PeJit.IR.Semantics;
using PeJit.IR;
using PeJit.IR.Transforms;
using PeJit.IR.Verification;

namespace PeJit.Optimizer;

/// <summary>
/// Memory promotion in one loop (see <see cref="PromoteMemory"/> for the rules): finds the field loads to
/// hoist and the array elements to keep in SSA values, versions the loop behind the guards that make that
/// safe, and rewrites the loop.
/// </summary>
/// <remarks>
/// Cost: linear in the loop and in what it touches outside it (the edges that enter and leave it, the blocks
/// that use its values), through <see cref="PromotionIndex"/>; it never scans the whole graph, except to clean
/// it of trivial parameters the first time (<see cref="PromotionIndex.IsClean"/>).
/// </remarks>
internal sealed partial class LoopPromotion
{
    private readonly FlowGraph graph;
    private readonly NaturalLoop loop;
    private readonly Dominators dominators;
    private readonly PromotionIndex index;
    // The IR's sets and maps, IntPairMap and small classes of this pass rather than the framework's collections over
    // values, blocks or tuples, and no LINQ over them: those are compiled by .NET on the first unit's path
    // (Docs/PERFORMANCE.md, warm-up). The framework's over references (instructions, elements) are precompiled.
    private readonly ValueSet definedInLoop = new();
    private readonly ValueToValueMap canonical = new();
    private readonly List<Instruction> hoisted = [];
    private readonly HashSet<Instruction> removed = new(ReferenceEqualityComparer.Instance);
    private readonly List<ElementAccess> accesses = [];
    private readonly List<PromotedElement> promoted = [];
    private readonly Dictionary<Instruction, PromotedElement> elementOf = new(ReferenceEqualityComparer.Instance);
    private readonly List<PromotedField> fields = [];
    private readonly Dictionary<Instruction, PromotedField> fieldOf = new(ReferenceEqualityComparer.Instance);
    private readonly IntPairMap distinctArrays = new();
    private readonly List<IndexPair> distinctIndices = [];
    private readonly ValueSet nonNull = new();
    private readonly ValueToValueMap replacement = new();
    private readonly HashSet<Instruction> firstLoads = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Instruction> guardedDivisions = new(ReferenceEqualityComparer.Instance);
    private readonly List<Divisor> divisors = [];
    private readonly List<CastGuard> castGuards = [];
    private readonly HashSet<Instruction> guardedCasts = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<FieldRef> storedFields = [];
    private Block chainEnd;
    // Virtualizable frames (rules 8 to 10): what the graph's frames let calls leave alone, the calls and address accesses
    // of the loop (none, or the loop promotes only frames' elements), those that may reach a frame (written back before,
    // loaded again after), the loads again after them, the elements of frames' named arrays, and the tests that an array
    // the loop was given apart from its frame is the frame's.
    private readonly FrameReach? reach;
    private readonly List<Instruction> opaque = [];
    private readonly HashSet<Instruction> barriers = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Instruction> readers = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Instruction, PromotedElement> reloads = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<PromotedElement> frameElements = new(ReferenceEqualityComparer.Instance);
    private readonly List<FrameArrayGuard> frameGuards = [];

    /// <summary>
    /// The blocks of loops promoted before this one (each now has a versioned copy beside it). The dominators were found
    /// before those copies were made, so a block of such a loop no longer dominates what comes after the loop, although
    /// the dominator tree still says so: nothing defined there may be used in this loop's preheader.
    /// </summary>
    private BlockSet versioned = new();

    private LoopPromotion(FlowGraph graph, NaturalLoop loop, Dominators dominators, PromotionIndex index, FrameReach? reach)
    {
        this.reach = reach;
        this.graph = graph;
        this.loop = loop;
        this.dominators = dominators;
        this.index = index;
    }

    /// <summary>
    /// Promotes what it can in <paramref name="loop"/>; returns the blocks of the loop's unoptimized copy when
    /// it versioned the loop (empty when it did not), and takes the copy's size from <paramref name="budget"/>.
    /// <paramref name="changed"/> says whether anything was hoisted or promoted. <paramref name="index"/> is
    /// null when the graph may hold trivial parameters anywhere (the first loop, or after a change of the loops'
    /// shape): the whole graph is cleaned and indexed then, and afterwards only what each promotion changes.
    /// </summary>
    public static BlockSet Run(FlowGraph graph, NaturalLoop loop, Dominators dominators, FrameReach? reach, BlockSet versioned,
        ref PromotionIndex? index, ref int budget, ref int frameBudget, out bool changed)
    {
        changed = false;
        foreach (var block in loop.Blocks)
            if (graph[block].Try is not null || graph[block].HandlerOf is not null) return new BlockSet();
        var promotion = new LoopPromotion(graph, loop, dominators, index ??= new PromotionIndex(graph), reach) { versioned = versioned };
        var copies = promotion.Run(ref budget, ref frameBudget);
        index.Update();
        changed = promotion.hoisted.Count > 0 || promotion.promoted.Count > 0 || promotion.fields.Count > 0;
        return copies;
    }

    private BlockSet Run(ref int budget, ref int frameBudget)
    {
        // 1. A preheader, and the header's parameters every back edge passes unchanged replaced by what enters.
        // Where the graph had no trivial parameter before, only the preheader's and the header's can be.
        bool clean = index.IsClean;
        index.Changed.Clear();
        var preheader = Preheader();
        if (clean) index.RemoveTrivialParameters(new BlockSet { preheader, loop.Header });
        else
        {
            TrivialParameters.Remove(graph);
            index.Rebuild();
        }
        foreach (var block in loop.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Result is { } result) definedInLoop.Add(result);

        // 2. What may be moved: nothing in a loop with a call or an access through an address, unless the graph has
        // virtualizable frames: then only their named arrays' elements, around the calls that may reach them (rule 8).
        FindUnknownEffects();
        if (opaque.Count > 0)
        {
            if (reach is null) return new BlockSet();
            foreach (var instruction in opaque)
                switch (reach.Reach(instruction, index.EdgesInto))
                {
                    case FrameAccess.ReadsAndWrites: barriers.Add(instruction); break;
                    case FrameAccess.Reads: readers.Add(instruction); break;
                }
        }
        // Before the rewriting removes the stores of promoted fields.
        foreach (var instruction in LoopInstructions())
            if (instruction.Opcode == Opcode.StoreField) storedFields.Add(instruction.Field!);
        FindHoistableLoads();
        if (opaque.Count == 0)
        {
            FindPromotableFields();
            FindEntryValuedLoads();
        }
        FindPromotableElements();
        if (opaque.Count > 0 && !WorthItAcrossCalls()) promoted.Clear();
        if (hoisted.Count == 0 && promoted.Count == 0 && fields.Count == 0) return new BlockSet();
        FindGuardedDivisions();
        FindGuardedCasts();

        // 3. Versioning when a guard is needed: a non-null object, an index in bounds, two arrays or indices apart,
        // a divisor that is neither 0 nor -1.
        bool guarded = promoted.Count > 0 || divisors.Count > 0 || castGuards.Count > 0;
        foreach (var load in hoisted) guarded |= !IsAllocation(Canonical(load.Operands[0]));
        foreach (var field in fields) guarded |= !IsAllocation(field.Target);
        int size = 0;
        foreach (var block in loop.Blocks) size += graph[block].Instructions.Count;
        // The budget counts what the copy copies; a loop with calls is also charged, against the frames' budget, for each
        // call that may reach a frame: a write-back of each element stored and, unless it only reads, a load again of each.
        int dirtyCount = StoredCount();
        int grown = size + barriers.Count * (dirtyCount + promoted.Count) + readers.Count * dirtyCount;
        // A loop with calls promotes only frames' elements, from a budget of its own (PromoteMemory.FrameCopyCeiling): its
        // copy is the price of keeping a frame's registers across calls, which must not crowd out the rest.
        if (guarded && (size > budget || (opaque.Count > 0 && grown > frameBudget)))
        {
            hoisted.Clear();
            promoted.Clear();
            fields.Clear();
            divisors.Clear();
            guardedDivisions.Clear();
            castGuards.Clear();
            guardedCasts.Clear();
            return new BlockSet();
        }
        var copies = new BlockToBlockMap();
        int firstNew = graph.BlockCount;
        if (guarded)
        {
            budget -= size;
            if (opaque.Count > 0) frameBudget -= grown;
            index.Update();
            copies = LoopVersioning.Copy(graph, loop, index);
        }

        // 4. The preheader: guards, hoisted loads, the elements' first values; then the loop itself.
        BuildPreheader(preheader, guarded ? copies[loop.Header] : null);
        RewriteLoop();
        CheckNoElementReadFromMemory();
        index.Touched.UnionWith(loop.Blocks);
        index.Update();
        index.Replace(replacement);
        // Trivial parameters: only where a jump or the parameters changed (a block changed or made, or one
        // such block jumps to it), since the graph had none before.
        index.Update();
        var candidates = new BlockSet(index.Changed);
        for (int b = firstNew; b < graph.BlockCount; b++) candidates.Add(new Block(b));
        var changedOrMade = new Block[candidates.Count];
        int count = 0;
        foreach (var block in candidates) changedOrMade[count++] = block;
        foreach (var block in changedOrMade)
            foreach (var successor in graph.Successors(block))
                if (graph.IsValid(successor)) candidates.Add(successor);
        index.RemoveTrivialParameters(candidates);
        index.Update();
        // A first value no iteration reads (the loop stores the element before any load, and no exit comes
        // first) is not loaded: the guards made the load safe, so removing it changes nothing.
        graph[chainEnd].Instructions.RemoveAll(i => firstLoads.Contains(i) && !index.IsUsed(i.Result!.Value));
        // Nor is a load again after a barrier that nothing reads (an element not read, nor written back, before the next
        // barrier or exit): the same guards make it unable to throw, which dce cannot know.
        if (reloads.Count > 0)
            foreach (var block in loop.Blocks) graph[block].Instructions.RemoveAll(i => reloads.ContainsKey(i) && !index.IsUsed(i.Result!.Value));
        return copies.Values;
    }

    /// <summary>The block before the header that only jumps to it, made when the header is entered from more than one place or by a branch.</summary>
    private Block Preheader()
    {
        var entering = new EdgeList();
        foreach (var edge in index.EdgesInto(loop.Header))
            if (!loop.Blocks.Contains(edge.Source)) entering.Add(edge);
        var preheader = Preheaders.Of(graph, loop.Header, entering, out bool made);
        if (!made) return preheader;
        foreach (var edge in entering) index.Touched.Add(edge.Source);
        index.Update();
        return preheader;
    }

    /// <summary>The loop's instructions, its blocks in index order; a list made now (no caller changes the blocks while it walks it).</summary>
    private List<Instruction> LoopInstructions()
    {
        var instructions = new List<Instruction>();
        foreach (var block in loop.Blocks) instructions.AddRange(graph[block].Instructions);
        return instructions;
    }

    /// <summary>
    /// Collects in <see cref="opaque"/> what in the loop may read or write any field or element: a call not known to be
    /// pure, a constructor that does more than store its arguments (<c>MethodRef.StoredFields</c>), or a load or store
    /// through an address (which may point into any array or object).
    /// </summary>
    private void FindUnknownEffects()
    {
        foreach (var i in LoopInstructions())
            if (IsOpaque(graph, i)) opaque.Add(i);
            // A call that only reads (MethodRef.ReadsOnly) moves nothing, but may read a frame's registers the loop keeps in
            // SSA values: those are written back before it, like before a System.Array::Copy from a frame (rule 9).
            else if (reach is not null && IsReadingCall(i) && reach.Reach(i, index.EdgesInto) != FrameAccess.None) readers.Add(i);
    }

    /// <summary>A call of a method that writes no memory but may read any (<c>MethodRef.ReadsOnly</c>, not pure), when such calls are no barrier.</summary>
    private static bool IsReadingCall(Instruction i) =>
        ReadsOnlyCallsMoveNothing && i.Opcode is Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall && !IsPure(i.Method!) && i.Method!.ReadsOnly;

    /// <summary>
    /// Whether a call that only reads (<c>MethodRef.ReadsOnly</c>) is no barrier to promotion (nor to <c>barriers</c>): on
    /// unless <c>PEJIT_READS_ONLY_CALLS=0</c>. On Lua <c>polymorphic</c> the loop then promotes: its fast copy reads 10 fields
    /// and elements a turn instead of 30, 123 instructions instead of 178 (Docs/PERFORMANCE.md, "Effect summaries" and
    /// "Promotion across read-only calls by default"). It was opt-in while the loop's preheader tested its casts of unit
    /// constants with <c>isinst</c>, which <c>thread</c> did not see through, so that its string comparisons stayed.
    /// </summary>
    public static bool ReadsOnlyCallsMoveNothing { get; } = Environment.GetEnvironmentVariable("PEJIT_READS_ONLY_CALLS") != "0";

    /// <summary>Whether <paramref name="i"/> may read or write any field or element (see <see cref="FindUnknownEffects"/>).</summary>
    public static bool IsOpaque(FlowGraph graph, Instruction i) => !(i.Opcode switch
    {
        // A call that writes no memory (MethodRef.ReadsOnly: its IL analyzed at build time) changes nothing the loop
        // loaded; it may read what the loop keeps in SSA values, which is written back before it, as before any call
        // (it may throw: MayThrow), and, for frames, as before a reader (FindUnknownEffects).
        // PEJIT_READS_ONLY_CALLS=0 turns this off (ReadsOnlyCallsMoveNothing).
        Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall => IsPure(i.Method!) || ReadsOnlyCallsMoveNothing && i.Method!.ReadsOnly,
        // A constructor that only stores its arguments into the new object (what allocation removal leaves where
        // the object escapes) writes no memory the loop could have promoted.
        Opcode.NewObject => i.Method!.StoredFields is not null || NullableValues.IsConstruction(graph, i),
        Opcode.Load or Opcode.Store or Opcode.InitObj or Opcode.CopyObj => false,
        _ => true,
    });

    /// <summary>
    /// Whether keeping the frames' elements in SSA values pays in a loop with calls that may reach a frame on every turn:
    /// each such call writes back what the loop stored and loads every element again, so when those write-backs and loads
    /// on every turn are as many as the loads and stores promotion removes, the loop is better left in memory (and
    /// uncopied). Calls only some turns make cost nothing on the others.
    /// </summary>
    private bool WorthItAcrossCalls()
    {
        int removed = 0, dirty = 0, added = 0;
        foreach (var element in promoted)
        {
            removed += element.Accesses.Count;
            if (element.Stored) dirty++;
        }
        foreach (var barrier in barriers)
            if (DominatesEveryLatch(BlockOf(barrier))) added += dirty + promoted.Count;
        foreach (var reader in readers)
            if (DominatesEveryLatch(BlockOf(reader))) added += dirty;
        return added < removed;
    }

    /// <summary>The loop block holding <paramref name="instruction"/>.</summary>
    private Block BlockOf(Instruction instruction)
    {
        foreach (var block in loop.Blocks)
            if (graph[block].Instructions.Contains(instruction)) return block;
        throw new MalformedGraphException($"promote: an instruction of the loop at {loop.Header} of {graph.Name} is in none of its blocks");
    }

    /// <summary>
    /// True when <paramref name="array"/> (loop-invariant, canonical) is a virtualizable frame's named array: read from a
    /// named array field (readonly, so the same array on every turn), or given to the loop apart from its frame, such as a
    /// portal's red <c>regs</c> beside its red <c>frame</c>, which the preheader then tests to be the frame's
    /// (<see cref="frameGuards"/>): a frame of the class defined where the loop is entered, the first one up the dominator
    /// tree from the preheader, whose named field of the array's type holds it (not one the graph made, nor one defined in a
    /// loop promoted before, which no longer dominates: <see cref="versioned"/>). Without such a frame it is not.
    /// </summary>
    private bool IsFrameArray(Value array)
    {
        if (reach is null) return false;
        if (graph[array].DefiningInstruction is { Opcode: Opcode.LoadField } load && reach.IsNamedArrayField(load.Field!)) return true;
        foreach (var known in frameGuards)
            if (known.Array == array) return true;
        // An array that cannot be a named array (read from another class's field, an element, a static, or made by the
        // graph) is none, whatever frame is found above: a table's field array of the frame's element type is not its registers.
        if (!reach.MayBeNamedArray(array, index.EdgesInto)) return false;
        var type = graph.TypeOf(array);
        if (type.Kind != TypeKind.Class) return false;
        // From the header's immediate dominator (the preheader may be new, unknown to the dominators found before it).
        for (Block? at = dominators.ImmediateDominator(loop.Header); at is { } block; at = dominators.ImmediateDominator(block))
        {
            if (versioned.Contains(block) && !loop.Blocks.Contains(block)) continue;
            foreach (var candidate in FrameValuesOf(block))
            {
                // A frame the graph made (a callee's, an inlined constructor's) holds the arrays the graph gave it, not the
                // array the loop was entered with beside its frame: testing it would only send the loop to its copy.
                if (graph[candidate].DefiningInstruction?.Opcode is Opcode.Allocate or Opcode.NewObject) continue;
                var frame = reach.FrameOfType(graph.TypeOf(candidate))!;
                foreach (var field in frame.ArrayFields)
                    if (field.FullName.StartsWith(type.Name + " ", StringComparison.Ordinal))
                    {
                        frameGuards.Add(new FrameArrayGuard(array, candidate, field));
                        return true;
                    }
            }
        }
        return false;
    }

    /// <summary>The values of a frame class that <paramref name="block"/> defines (its parameters, then its results).</summary>
    private IEnumerable<Value> FrameValuesOf(Block block)
    {
        foreach (var parameter in graph[block].Parameters)
            if (reach!.FrameOfType(graph.TypeOf(parameter)) is not null) yield return parameter;
        foreach (var instruction in graph[block].Instructions)
            if (instruction.Result is { } result && reach!.FrameOfType(graph.TypeOf(result)) is not null) yield return result;
    }

    /// <summary>A preheader test that <see cref="Array"/> is what <see cref="Frame"/>'s named array field <see cref="Field"/> holds.</summary>
    private sealed record FrameArrayGuard(Value Array, Value Frame, FieldRef Field);

    // Array.Empty<T>() among the known-pure methods: the one empty array of its type, no barrier (an interpreted call's
    // closure with no upvalues).
    // Decided at build time (KnownPureCalls: a dictionary's lookup depends on its key type), read from the IR's flag.
    private static bool IsPure(MethodRef method) => method.IsPure;

    /// <summary>The value standing for <paramref name="value"/>: a repeated hoisted load is its first copy.</summary>
    private Value Canonical(Value value) => canonical.TryGetValue(value, out var first) ? first : value;

    /// <summary>True when <paramref name="value"/> is the same on every iteration: defined before the loop, or a hoisted load.</summary>
    private bool IsInvariant(Value value)
    {
        value = Canonical(value);
        // Only the loop's own definitions are indexed (the graph is not scanned per loop): any other value is
        // defined before it.
        bool inLoop = graph[value].ParameterOf is { } block ? loop.Blocks.Contains(block) : definedInLoop.Contains(value);
        return !inLoop || (graph[value].DefiningInstruction is { } definition && hoisted.Contains(definition));
    }

    private bool IsAllocation(Value value) =>
        graph[value].DefiningInstruction?.Opcode is Opcode.NewObject or Opcode.NewArray or Opcode.Box or Opcode.String or Opcode.Allocate;

    /// <summary>
    /// Field loads of an invariant object whose field no store in the loop writes (fields of other names never
    /// alias) are hoisted; one hoisted first stands for the loads of the same field of the same object. Hoisting
    /// makes its result invariant, so repeats until nothing more is found (<c>a.B.C</c>).
    /// </summary>
    private void FindHoistableLoads()
    {
        var written = LoopInstructions().Where(i => i.Opcode == Opcode.StoreField).Select(i => i.Field!.FullName).ToHashSet();
        // The first load of each field (by name) of each object.
        var first = new Dictionary<string, ValueToValueMap>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var instruction in LoopInstructions())
            {
                // A frame's named array field is readonly: a store of it in the loop is an inlined constructor's, into a frame
                // made in the loop (a callee's), never into an object from before it.
                if (instruction.Opcode != Opcode.LoadField || removed.Contains(instruction)
                    || (written.Contains(instruction.Field!.FullName) && reach?.IsNamedArrayField(instruction.Field!) != true)
                    || !graph.TypeOf(instruction.Operands[0]).IsReference || !IsInvariant(instruction.Operands[0]))
                    continue;
                // Past a call only a frame's named array field stays the same: it is readonly (rule 8).
                if (opaque.Count > 0 && !reach!.IsNamedArrayField(instruction.Field!)) continue;
                var target = Canonical(instruction.Operands[0]);
                if (!first.TryGetValue(instruction.Field!.FullName, out var firstOfField))
                    first[instruction.Field!.FullName] = firstOfField = new ValueToValueMap();
                var result = instruction.Result!.Value;
                if (firstOfField.TryGetValue(target, out var earlier)) canonical[result] = earlier;
                else
                {
                    firstOfField[target] = result;
                    hoisted.Add(instruction);
                }
                removed.Add(instruction);
                changed = true;
            }
        }
    }

    /// <summary>
    /// A field that the loop stores, every access to which in the loop (load or store) is on one invariant object,
    /// is promoted: its value lives in an SSA value. Fields of other names never alias, and a store through an
    /// address or a call is not in the loop (<see cref="FindUnknownEffects"/>); a field accessed on two objects
    /// that may be the same is left in memory. The values must be ones a store and a load back leave unchanged
    /// (32- and 64-bit integers, native integers, doubles, references): a narrower field would truncate what the
    /// SSA value keeps whole. A field only loaded is hoisting's (<see cref="FindHoistableLoads"/>).
    /// </summary>
    private void FindPromotableFields()
    {
        var byField = new Dictionary<string, List<Instruction>>();
        foreach (var instruction in LoopInstructions())
        {
            if (instruction.Opcode is not (Opcode.LoadField or Opcode.StoreField) || removed.Contains(instruction)) continue;
            string name = instruction.Field!.FullName;
            if (!byField.TryGetValue(name, out var list)) byField[name] = list = [];
            list.Add(instruction);
        }
        foreach (var list in byField.Values)
        {
            if (list.All(i => i.Opcode == Opcode.LoadField)) continue;
            var target = Canonical(list[0].Operands[0]);
            if (!graph.TypeOf(target).IsReference || !IsInvariant(target) || list.Any(i => Canonical(i.Operands[0]) != target)) continue;
            var types = list.Select(i => graph.TypeOf(i.Opcode == Opcode.LoadField ? i.Result!.Value : i.Operands[1])).Distinct().ToList();
            if (types.Count != 1 || !KeptWhole(types[0])) continue;
            var first = new Instruction(Opcode.LoadField, target) { Field = list[0].Field, Location = graph[loop.Header].Instructions[0].Location };
            var field = new PromotedField(target, list[0].Field!, list, types[0], first, graph.SetResult(first, types[0]));
            fields.Add(field);
            foreach (var access in list)
            {
                fieldOf[access] = field;
                removed.Add(access);
            }
        }
    }

    /// <summary>
    /// Integer divisions and remainders in the loop whose divisor is the same on every iteration (defined before
    /// the loop, a hoisted load or a field's entry value, or the value of a promoted element the loop never
    /// stores, such as an interpreted program's register that holds a divisor) get a preheader test that the
    /// divisor is not 0 and, for a signed one, not -1 (<c>MinValue / -1</c> overflows): behind it they cannot
    /// throw, so the promoted values need no write-back before them. Only worth a test where something would be
    /// written back; a constant divisor needs none (<see cref="MayThrow"/>).
    /// </summary>
    private void FindGuardedDivisions()
    {
        if (fields.Count == 0 && StoredCount() == 0) return;
        foreach (var instruction in LoopInstructions())
        {
            if (instruction.Opcode is not (Opcode.Div or Opcode.Rem or Opcode.DivUn or Opcode.RemUn) || removed.Contains(instruction)) continue;
            var value = instruction.Operands[1];
            var type = graph.TypeOf(value).StackKind switch
            {
                StackKind.Int32 => IrType.I32,
                StackKind.Int64 => IrType.I64,
                StackKind.NativeInt => IrType.NInt,
                _ => null,
            };
            if (type is null || graph[Canonical(value)].DefiningInstruction?.Opcode == Opcode.Const) continue;
            if (SameOnEveryTurn(value) is not { } source) continue;
            bool signed = instruction.Opcode is Opcode.Div or Opcode.Rem;
            // A few per loop: a list searched (first by its source), not a dictionary over this pass's class, whose types
            // every first unit would load.
            if (DivisorOf(source) is { } known) known.Signed |= signed;
            else divisors.Add(new Divisor(source, type, signed));
            guardedDivisions.Add(instruction);
        }
    }

    /// <summary>
    /// Where <paramref name="value"/> comes from when it is the same on every turn of the loop: its canonical value when
    /// it is defined before the loop, or the promoted element it loads when the loop never stores that element; null
    /// otherwise. What a preheader test of a divisor or a cast is keyed by.
    /// </summary>
    private object? SameOnEveryTurn(Value value)
    {
        if (IsInvariant(value)) return Canonical(value);
        if (barriers.Count == 0 && graph[value].DefiningInstruction is { Opcode: Opcode.LoadElement } load
            && elementOf.TryGetValue(load, out var element) && promoted.Contains(element) && !element.Stored)
            return element;
        return null;
    }

    /// <summary>
    /// Casts in the loop of an object that is the same on every iteration (defined before the loop, or a promoted
    /// element the loop never stores, such as a green constant the specializer lifted from the unit's constants and
    /// cast to its static type) get a preheader test that the object is null or of the type: behind it they cannot
    /// throw, so the promoted values need no write-back before them.
    /// </summary>
    private void FindGuardedCasts()
    {
        if (fields.Count == 0 && StoredCount() == 0) return;
        foreach (var instruction in LoopInstructions())
        {
            if (instruction.Opcode != Opcode.CastClass || removed.Contains(instruction)) continue;
            if (SameOnEveryTurn(instruction.Operands[0]) is not { } source) continue;
            // A list searched, not a set of tuples: a new generic instantiation is compiled by .NET on the first unit's
            // path; and no dictionaries over this pass's class (from casts to their guards, from guards to their values),
            // whose types every first unit would load.
            CastGuard? guard = null;
            foreach (var known in castGuards)
                if (known.Source.Equals(source) && known.Type == instruction.TypeOperand)
                {
                    guard = known;
                    break;
                }
            if (guard is null) castGuards.Add(guard = new CastGuard(source, instruction.TypeOperand!));
            guardedCasts.Add(instruction);
            guard.Casts.Add(instruction);
        }
    }

    /// <summary>The number of promoted elements the loop stores.</summary>
    private int StoredCount()
    {
        int count = 0;
        foreach (var element in promoted)
            if (element.Stored) count++;
        return count;
    }

    private Divisor? DivisorOf(object source)
    {
        foreach (var divisor in divisors)
            if (divisor.Source.Equals(source)) return divisor;
        return null;
    }

    /// <summary>The value the preheader's test of <paramref name="cast"/>'s guard gave (the object, of the type), if any.</summary>
    private Value? PassedCast(Instruction cast)
    {
        if (!guardedCasts.Contains(cast)) return null;
        foreach (var guard in castGuards)
            if (guard.Casts.Contains(cast)) return guard.Passed;
        return null;
    }

    /// <summary>A cast the preheader tests: of a value there, or of a promoted element's first value; to the type.</summary>
    private sealed class CastGuard(object source, IrType type)
    {
        public object Source { get; } = source;
        public IrType Type { get; } = type;

        /// <summary>The loop's casts this guard covers.</summary>
        public List<Instruction> Casts { get; } = [];

        /// <summary>The preheader's <c>isinst</c>, which every covered cast gives behind the guard; set for a reference type only.</summary>
        public Value? Passed { get; set; }
    }

    /// <summary>A divisor the preheader tests: a value there, or a promoted element's first value; its width; whether -1 is excluded too.</summary>
    private sealed class Divisor(object source, IrType type, bool signed)
    {
        public object Source { get; } = source;
        public IrType Type { get; } = type;
        public bool Signed { get; set; } = signed;
    }

    /// <summary>Types a field stores and loads back unchanged (no truncation, no widening the IR does not spell).</summary>
    private static bool KeptWhole(IrType type) => type.IsReference || type.Kind is TypeKind.I32 or TypeKind.I64 or TypeKind.NInt or TypeKind.F64;

    /// <summary>
    /// Elements at an invariant array and index, accessed on every iteration (by a block that dominates every
    /// latch) and in one type, are candidates. A candidate must be kept apart from every other access in the loop
    /// that may touch the same array: by an index provably different (<c>sp + 1</c> and <c>sp</c>, two constants),
    /// or by a guard (two invariant arrays are different objects, two invariant indices different numbers).
    /// Where neither works, the candidate is dropped, and its accesses become others' to keep apart from.
    /// </summary>
    private void FindPromotableElements()
    {
        foreach (var block in loop.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                if (instruction.Opcode is not (Opcode.LoadElement or Opcode.StoreElement)) continue;
                var array = Canonical(instruction.Operands[0]);
                var index = IndexOf(instruction.Operands[1]);
                bool invariant = IsInvariant(array) && (index.Root is not { } root || IsInvariant(root));
                accesses.Add(new ElementAccess(instruction, block, array, index, ElementClass.Of(instruction.TypeOperand!), invariant));
            }

        var candidates = new List<PromotedElement>();
        foreach (var group in InvariantGroups())
        {
            var list = group.Accesses;
            if (list.Any(a => a.Element is null || a.Element != list[0].Element)) continue;
            // A reference only some iterations load (a green constant a branch of the loop reads from the unit's
            // constants, always in bounds) is loaded before the loop all the same: the preheader's bounds test falls
            // back to the unoptimized copy where that load could throw, so reading it early changes nothing. A number
            // accessed on some iterations only stays (its index may be out of bounds on purpose when it is not read).
            bool constant = !list.Any(a => a.IsStore) && list[0].Instruction.TypeOperand!.IsReference;
            if (!constant && !list.Any(a => DominatesEveryLatch(a.Block)) && !IsSometimesAccessedRegister(group)) continue;
            var loads = list.Where(a => !a.IsStore).Select(a => graph.TypeOf(a.Instruction.Result!.Value)).Distinct().ToList();
            if (loads.Count > 1) continue;
            var carried = loads.Count == 1 ? loads[0] : list[0].Instruction.TypeOperand!;
            if (carried.IsReference)
            {
                // References as they are (no conversion); a store of one may throw when the array is of a more
                // derived element type than its static one (an array of strings seen as objects), so the preheader
                // tests the array's exact type where the loop stores (BuildPreheader), and only an array the IR
                // types as one can be tested.
                if (list.Any(a => a.IsStore && !graph.TypeOf(a.Instruction.Operands[2]).IsReference)) continue;
                if (list.Any(a => a.IsStore) && !graph.TypeOf(group.Array).Name.EndsWith("[]", StringComparison.Ordinal)) continue;
            }
            // A value type (an interpreter's tagged-union Value) as it is: loaded and stored whole, in its own type.
            else if (carried.Kind == TypeKind.ValueType)
            {
                if (list.Any(a => a.Instruction.TypeOperand != carried || (a.IsStore && graph.TypeOf(a.Instruction.Operands[2]) != carried))) continue;
            }
            // Numbers otherwise: a store of a bool or char is not a conversion the IR spells.
            else if (!Convertible(carried) || list.Any(a => a.IsStore && !IsNumber(graph.TypeOf(a.Instruction.Operands[2])))) continue;
            // Past calls, only a frame's named array's elements (rule 8).
            bool ofFrame = IsFrameArray(group.Array);
            if (opaque.Count > 0 && !ofFrame) continue;
            var indexType = graph.TypeOf(group.Index.Root ?? list[0].Instruction.Operands[1]);
            var candidate = new PromotedElement(group.Array, group.Index, indexType, list, carried);
            if (ofFrame) frameElements.Add(candidate);
            candidates.Add(candidate);
        }

        // Dropping a candidate turns its accesses into others that the remaining candidates must be kept apart from.
        bool dropped = true;
        while (dropped && candidates.Count > 0)
        {
            dropped = false;
            elementOf.Clear();
            foreach (var candidate in candidates)
                foreach (var access in candidate.Accesses) elementOf[access.Instruction] = candidate;
            distinctArrays.Clear();
            distinctIndices.Clear();
            foreach (var candidate in candidates.ToList())
            {
                if (KeptApart(candidate)) continue;
                candidates.Remove(candidate);
                dropped = true;
                break;
            }
        }
        promoted.AddRange(candidates);
        elementOf.Clear();
        foreach (var element in promoted)
            foreach (var access in element.Accesses)
            {
                elementOf[access.Instruction] = element;
                removed.Add(access.Instruction);
            }
    }

    /// <summary>
    /// True when <paramref name="group"/>, accessed on some turns only, is an element of a virtualizable frame's named array at
    /// a constant index (an interpreted program's register: <c>count</c> in a loop whose inner cycle, sharing its header, never
    /// touches it), in a loop with no call that may reach a frame. Such an element is promoted like one accessed on every
    /// turn (rule 3): the program addresses its registers by constant numbers within the frame's size, so the preheader's
    /// bounds test does not fail on purpose (where it fails, the unoptimized copy runs, unchanged); and with no barrier it
    /// costs only its first load and, stored, its write-backs where the loop is left. With barriers, each would write it back
    /// and load it again on turns that do not use it (<see cref="WorthItAcrossCalls"/> counts only elements of every turn).
    /// </summary>
    private bool IsSometimesAccessedRegister(AccessGroup group) =>
        group.Index.Root is null && barriers.Count == 0 && readers.Count == 0 && IsFrameArray(group.Array);

    /// <summary>
    /// The invariant accesses grouped by array and index, the groups in the order of their first access and each in
    /// the order of its accesses (what LINQ's GroupBy gives, without its instantiations over tuples of values).
    /// </summary>
    private List<AccessGroup> InvariantGroups()
    {
        var groups = new List<AccessGroup>();
        // (array, index root + 1 or 0) to the position + 1 of the first group with them; the others chain through Next.
        var byArrayAndRoot = new IntPairMap();
        foreach (var access in accesses)
        {
            if (!access.Invariant) continue;
            int root = access.Index.Root is { } value ? value.Index + 1 : 0;
            AccessGroup? group = null;
            if (byArrayAndRoot.TryGetValue(access.Array.Index, root, out int position))
                for (group = groups[position - 1]; group is not null && group.Index.Offset != access.Index.Offset; group = group.Next)
                {
                }
            if (group is null)
            {
                group = new AccessGroup(access.Array, access.Index);
                if (position > 0)
                {
                    var last = groups[position - 1];
                    while (last.Next is not null) last = last.Next;
                    last.Next = group;
                }
                else byArrayAndRoot.Set(access.Array.Index, root, groups.Count + 1);
                groups.Add(group);
            }
            group.Accesses.Add(access);
        }
        return groups;
    }

    /// <summary>The invariant accesses to one element (array and index), in the loop's order.</summary>
    private sealed class AccessGroup(Value array, ArrayIndex index)
    {
        public Value Array { get; } = array;
        public ArrayIndex Index { get; } = index;
        public List<ElementAccess> Accesses { get; } = [];

        /// <summary>The next group with the same array and index root (another offset).</summary>
        public AccessGroup? Next { get; set; }
    }

    private bool DominatesEveryLatch(Block block)
    {
        foreach (var latch in loop.Latches)
            if (!dominators.Dominates(block, latch)) return false;
        return true;
    }

    /// <summary>True when every other access that may touch the candidate's element is kept apart from it, recording the guards that do it.</summary>
    private bool KeptApart(PromotedElement candidate)
    {
        var mine = candidate.Accesses[0];
        foreach (var other in accesses)
        {
            if (!mine.MayShareArrayWith(other) || (elementOf.TryGetValue(other.Instruction, out var owner) && owner == candidate)) continue;
            // An array that cannot be a frame's named array is not the candidate's, when the candidate's is one (rule 9).
            if (frameElements.Contains(candidate) && other.Array != candidate.Array && !reach!.MayBeNamedArray(other.Array, index.EdgesInto)) continue;
            if (candidate.Index.DiffersFrom(other.Index)) continue;
            // Where neither side writes, both read what memory held before the loop.
            if (!candidate.Stored && !(owner?.Stored ?? other.IsStore)) continue;
            bool indexInvariant = other.Index.Root is not { } root || IsInvariant(root);
            if (other.Array != candidate.Array && IsInvariant(other.Array))
            {
                var (first, second) = Ordered(candidate.Array, other.Array);
                distinctArrays.Set(first.Index, second.Index, 0);
            }
            else if (other.Array == candidate.Array && indexInvariant && other.Index != candidate.Index)
            {
                var otherType = graph.TypeOf(other.Index.Root ?? other.Instruction.Operands[1]);
                if (!distinctIndices.Exists(p => p.Is(other.Index, otherType, candidate.Index, candidate.IndexType))
                    && !distinctIndices.Exists(p => p.Is(candidate.Index, candidate.IndexType, other.Index, otherType)))
                    distinctIndices.Add(new IndexPair(candidate.Index, candidate.IndexType, other.Index, otherType));
            }
            else return false;
        }
        return true;
    }

    private static (Value, Value) Ordered(Value a, Value b) => a.Index <= b.Index ? (a, b) : (b, a);

    /// <summary>Two indices into one array that the preheader tests to be different, each with its type.</summary>
    private sealed class IndexPair(ArrayIndex first, IrType firstType, ArrayIndex second, IrType secondType)
    {
        public ArrayIndex First { get; } = first;
        public IrType FirstType { get; } = firstType;
        public ArrayIndex Second { get; } = second;
        public IrType SecondType { get; } = secondType;

        public bool Is(ArrayIndex first, IrType firstType, ArrayIndex second, IrType secondType) =>
            First.Equals(first) && FirstType.Equals(firstType) && Second.Equals(second) && SecondType.Equals(secondType);
    }

    /// <summary>An index of a given type as the preheader computes it (<see cref="BuildPreheader"/>).</summary>
    private sealed class IndexValue(ArrayIndex index, IrType type, Value value)
    {
        public ArrayIndex Index { get; } = index;
        public IrType Type { get; } = type;
        public Value Value { get; } = value;
    }

    private static bool IsNumber(IrType type) => type.StackKind is StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt or StackKind.Float;

    /// <summary>Types a stored value converts to as a load of the element reads it back (<c>conv</c> truncates and extends like memory does).</summary>
    private static bool Convertible(IrType type) => type.Kind is TypeKind.I8 or TypeKind.U8 or TypeKind.I16 or TypeKind.U16
        or TypeKind.I32 or TypeKind.U32 or TypeKind.I64 or TypeKind.U64 or TypeKind.NInt or TypeKind.NUInt or TypeKind.F32 or TypeKind.F64;

    /// <summary>
    /// Replaces the preheader's jump to the header by: the hoisted loads, each after a test that its object is
    /// not null; for each promoted element a test that its array is not null and its index in bounds; the
    /// tests that keep arrays and indices apart; the loads of the elements' first values; the jump. A test that
    /// fails jumps to <paramref name="fallback"/> (the loop's unoptimized copy) with the same arguments.
    /// </summary>
    private void BuildPreheader(Block preheader, Block? fallback)
    {
        var instructions = graph[preheader].Instructions;
        var jump = instructions[^1];
        instructions.RemoveAt(instructions.Count - 1);
        var arguments = jump.Targets[0].Arguments;
        var current = preheader;
        var location = graph[loop.Header].Instructions[0].Location;

        Value Emit(Instruction instruction, IrType type) => graph.Append(current, instruction, type).Result!.Value;
        void Guard(Value condition, bool passWhenTrue)
        {
            var next = graph.AddBlock();
            var pass = new BlockCall(next, []);
            var fail = new BlockCall(fallback!.Value, arguments);
            graph.Append(current, new Instruction(Opcode.BrIf, condition) { Location = location, Targets = { passWhenTrue ? pass : fail, passWhenTrue ? fail : pass } });
            current = next;
        }
        void NotNull(Value value)
        {
            if (IsAllocation(value) || !nonNull.Add(value)) return;
            Guard(value, passWhenTrue: true);
        }
        // A few per loop: a list searched, not a dictionary keyed by a tuple of an index and a type.
        var indices = new List<IndexValue>();
        Value? Known(ArrayIndex index, IrType type)
        {
            foreach (var known in indices)
                if (known.Index.Equals(index) && known.Type.Equals(type)) return known.Value;
            return null;
        }
        Value Remember(ArrayIndex index, IrType type, Value value)
        {
            indices.Add(new IndexValue(index, type, value));
            return value;
        }
        Value Index(ArrayIndex index, IrType type, bool wide)
        {
            if (wide && index.Root is null) type = IrType.I64;
            if (wide && type != IrType.I64)
            {
                if (Known(index, IrType.I64) is { } known) return known;
                return Remember(index, IrType.I64, Emit(new Instruction(Opcode.Conv, Index(index, type, false)), IrType.I64));
            }
            if (Known(index, type) is { } value) return value;
            if (index.Root is not { } root) value = Emit(new Instruction(Opcode.Const) { Integer = index.Offset }, type);
            else if (index.Offset == 0) value = root;
            else value = Emit(new Instruction(Opcode.Add, root, Emit(new Instruction(Opcode.Const) { Integer = index.Offset }, type)), type);
            return Remember(index, type, value);
        }

        foreach (var load in hoisted)
        {
            load.Operands[0] = Canonical(load.Operands[0]);
            NotNull(load.Operands[0]);
            graph[current].Instructions.Add(load);
        }
        // The fields' first values right after their objects' tests: indices of promoted elements may be rooted at them.
        foreach (var field in fields)
        {
            NotNull(field.Target);
            firstLoads.Add(field.FirstLoad);
            graph[current].Instructions.Add(field.FirstLoad);
        }
        var lengths = new ValueToValueMap();
        foreach (var element in promoted)
        {
            NotNull(element.Array);
            if (!lengths.TryGetValue(element.Array, out var length))
                lengths[element.Array] = length = Emit(new Instruction(Opcode.Conv, Emit(new Instruction(Opcode.ArrayLength, element.Array), IrType.NUInt)), IrType.I64);
            Guard(Emit(new Instruction(Opcode.CltUn, Index(element.Index, element.IndexType, true), length), IrType.Bool), passWhenTrue: true);
            element.IndexValue = Index(element.Index, element.IndexType, false);
        }
        // An array the loop stores references into is of exactly its static type, so no store can throw.
        var exactArrays = new ValueSet();
        foreach (var element in promoted)
        {
            if (!element.Stored || !element.Carried.IsReference || !exactArrays.Add(element.Array)) continue;
            var array = element.Array;
            var actual = Emit(new Instruction(Opcode.Call, array) { Method = TypeObjects.GetTypeMethod, Location = location }, IrType.Class("System.Type"));
            var token = Emit(new Instruction(Opcode.Token) { TypeOperand = graph.TypeOf(array), Location = location }, IrType.ValueType("System.RuntimeTypeHandle"));
            var expected = Emit(new Instruction(Opcode.Call, token) { Method = TypeObjects.FromHandle, Location = location }, IrType.Class("System.Type"));
            Guard(Emit(new Instruction(Opcode.Ceq, actual, expected), IrType.Bool), passWhenTrue: true);
        }
        // An array given apart from its frame is the frame's named array (rule 8).
        foreach (var frameGuard in frameGuards)
        {
            if (!frameElements.Any(e => e.Array == frameGuard.Array && promoted.Contains(e))) continue;
            NotNull(frameGuard.Frame);
            var held = Emit(new Instruction(Opcode.LoadField, frameGuard.Frame) { Field = frameGuard.Field, Location = location }, graph.TypeOf(frameGuard.Array));
            Guard(Emit(new Instruction(Opcode.Ceq, held, frameGuard.Array), IrType.Bool), passWhenTrue: true);
        }
        foreach (int position in OrderedPairs(distinctArrays))
            Guard(Emit(new Instruction(Opcode.Ceq, new Value(distinctArrays.LeftAt(position)), new Value(distinctArrays.RightAt(position))), IrType.Bool), passWhenTrue: false);
        foreach (var pair in distinctIndices)
            Guard(Emit(new Instruction(Opcode.Ceq, Index(pair.First, pair.FirstType, true), Index(pair.Second, pair.SecondType, true)), IrType.Bool), passWhenTrue: false);

        index.Touched.Add(preheader);
        chainEnd = current;
        var firsts = new KeyedValues<PromotedElement>();
        foreach (var element in promoted)
        {
            var load = new Instruction(Opcode.LoadElement, element.Array, element.IndexValue) { TypeOperand = element.LoadType };
            firstLoads.Add(load);
            firsts[element] = Emit(load, element.Carried);
        }
        // The casts of loop-invariant objects: null or of the type (isinst gives back the object itself).
        // Behind its guard, the isinst is what every such cast in the loop gives: the loop's casts read it (RewriteLoop).
        foreach (var guard in castGuards)
        {
            var (source, type) = (guard.Source, guard.Type);
            var value = source is PromotedElement element ? firsts[element] : (Value)source;
            var test = Emit(new Instruction(Opcode.IsInst, value) { TypeOperand = type, Location = location }, type.IsReference ? type : IrType.Object);
            Guard(Emit(new Instruction(Opcode.Ceq, test, value), IrType.Bool), passWhenTrue: true);
            if (type.IsReference) guard.Passed = test;
        }
        // The divisors last: one may be an element's first value.
        foreach (var divisor in divisors)
        {
            var value = divisor.Source is PromotedElement element ? firsts[element] : (Value)divisor.Source;
            Guard(Emit(new Instruction(Opcode.Ceq, value, Emit(new Instruction(Opcode.Const) { Integer = 0 }, divisor.Type)), IrType.Bool), passWhenTrue: false);
            if (divisor.Signed)
                Guard(Emit(new Instruction(Opcode.Ceq, value, Emit(new Instruction(Opcode.Const) { Integer = -1 }, divisor.Type)), IrType.Bool), passWhenTrue: false);
        }
        foreach (var field in fields)
        {
            field.Value = new SsaUpdater(graph, field.Carried, null, index.EdgesInto, index.Touched);
            field.Value.DefineAtEnd(current, field.First);
        }
        foreach (var element in promoted)
        {
            element.Value = new SsaUpdater(graph, element.Carried, null, index.EdgesInto, index.Touched);
            element.Value.DefineAtEnd(current, firsts[element]);
        }
        graph.Append(current, jump);
        // The jump now leaves the last block of the chain.
        index.Update();
    }

    /// <summary>The positions of the pairs in <paramref name="pairs"/>, ordered by the first and then the second value's index.</summary>
    private static int[] OrderedPairs(IntPairMap pairs)
    {
        var ordered = new int[pairs.Count];
        int count = 0;
        for (int position = 0; position < pairs.Positions; position++)
        {
            if (!pairs.IsLive(position)) continue;
            // Insertion sort: a handful of pairs per loop, and sorting tuples would be compiled by .NET.
            int at = count++;
            while (at > 0 && Before(position, ordered[at - 1]))
            {
                ordered[at] = ordered[at - 1];
                at--;
            }
            ordered[at] = position;
        }
        return ordered;

        bool Before(int a, int b) =>
            pairs.LeftAt(a) < pairs.LeftAt(b) || (pairs.LeftAt(a) == pairs.LeftAt(b) && pairs.RightAt(a) < pairs.RightAt(b));
    }

    /// <summary>
    /// Rewrites the loop: hoisted loads are gone; a load of a promoted element is the value the element holds
    /// there, a store gives it a new one (converted as memory would); promoted elements the loop stores are
    /// written back before an instruction that may throw and on every edge that leaves the loop.
    /// </summary>
    private void RewriteLoop()
    {
        // Definitions first (the last store of each block), so reads anywhere find them.
        var stored = new KeyedValues<Instruction>(ReferenceEqualityComparer.Instance);
        foreach (var block in loop.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                if (barriers.Contains(instructions[i]))
                {
                    // The call may have changed any element it reaches: each is loaded again after it (the preheader's
                    // guards keep the load from throwing: the array is the same object, the index within its bounds).
                    // After lua-sieve's call barriers (b7e03c2), for the calls that may reach a frame.
                    foreach (var reloaded in promoted)
                    {
                        var reload = new Instruction(Opcode.LoadElement, reloaded.Array, reloaded.IndexValue)
                            { TypeOperand = reloaded.LoadType, Location = instructions[i].Location };
                        reloads[reload] = reloaded;
                        instructions.Insert(++i, reload);
                        reloaded.Value!.DefineAtEnd(block, graph.SetResult(reload, reloaded.Carried));
                    }
                    continue;
                }
                if (instructions[i].Opcode == Opcode.StoreField && fieldOf.TryGetValue(instructions[i], out var field))
                {
                    var fieldValue = KnownFieldValue(instructions[i], field) ?? instructions[i].Operands[1];
                    stored[instructions[i]] = fieldValue;
                    field.Value!.DefineAtEnd(block, fieldValue);
                    continue;
                }
                if (instructions[i].Opcode != Opcode.StoreElement || !elementOf.TryGetValue(instructions[i], out var element) || !promoted.Contains(element)) continue;
                var value = instructions[i].Operands[2];
                if (graph.TypeOf(value) != element.Carried && !element.Carried.IsReference)
                {
                    var conversion = new Instruction(Opcode.Conv, value) { Location = instructions[i].Location };
                    value = graph.SetResult(conversion, element.Carried);
                    instructions.Insert(i++, conversion);
                }
                stored[instructions[i]] = value;
                element.Value!.DefineAtEnd(block, value);
            }
        }

        var dirty = promoted.Where(e => e.Stored).ToList();
        // In a loop with calls that may reach a frame: which frame elements may differ from memory where each block starts
        // (FrameWriteBacks); the others are not written back again before a call or at an exit.
        var dirtyAtStart = DirtyFrameElements(dirty);
        // Every promoted field is stored in the loop (FindPromotableFields), but not on every path: which may differ from
        // memory where each block starts, so that one is written back before an instruction that may throw only where the
        // loop may have stored it since the last write-back (a table's count, stored by an append, not by a store into
        // the array part, whose store may throw on every turn).
        var fieldsDirtyAtStart = DirtyFields();
        foreach (var block in loop.Blocks)
        {
            bool[]? maybeDirty = dirtyAtStart is null ? null : (bool[])dirtyAtStart[block.Index].Clone();
            bool[]? fieldDirty = fieldsDirtyAtStart is null ? null : (bool[])fieldsDirtyAtStart[block.Index].Clone();
            var current = new KeyedValues<PromotedElement>();
            Value Current(PromotedElement element) =>
                current.TryGetValue(element, out var value) ? value : current[element] = element.Value!.ReadAtStart(block);
            var currentFields = new KeyedValues<PromotedField>();
            Value CurrentField(PromotedField field) =>
                currentFields.TryGetValue(field, out var value) ? value : currentFields[field] = field.Value!.ReadAtStart(block);
            // At an exit every field is written back (exits are rare; the state there is the block's end, which the
            // instructions before it changed); before an instruction that may throw or a call, only the dirty ones.
            IEnumerable<Instruction> WriteBack(bool frames = true, bool allFields = true) => dirty.Where((e, k) => frameElements.Contains(e) ? frames && (maybeDirty is null || maybeDirty[k]) : true).Select(e =>
                new Instruction(Opcode.StoreElement, e.Array, e.IndexValue, Current(e)) { TypeOperand = e.StoreType })
                .Concat(fields.Where((_, k) => allFields || fieldDirty is null || fieldDirty[k])
                    .Select(f => new Instruction(Opcode.StoreField, f.Target, CurrentField(f)) { Field = f.Field }));

            var rewritten = new List<Instruction>();
            foreach (var instruction in graph[block].Instructions)
            {
                if (fieldOf.TryGetValue(instruction, out var field))
                {
                    if (instruction.Opcode == Opcode.LoadField) replacement[instruction.Result!.Value] = KnownFieldValue(instruction, field) ?? CurrentField(field);
                    else
                    {
                        currentFields[field] = stored[instruction];
                        if (fieldDirty is not null) fieldDirty[fields.IndexOf(field)] = true;
                    }
                    continue;
                }
                if (reloads.TryGetValue(instruction, out var reloadedElement))
                {
                    current[reloadedElement] = instruction.Result!.Value;
                    rewritten.Add(instruction);
                    continue;
                }
                if (elementOf.TryGetValue(instruction, out var element) && promoted.Contains(element))
                {
                    if (instruction.Opcode == Opcode.LoadElement) replacement[instruction.Result!.Value] = Current(element);
                    else
                    {
                        current[element] = stored[instruction];
                        if (maybeDirty is not null) maybeDirty[dirty.IndexOf(element)] = true;
                    }
                    continue;
                }
                if (PassedCast(instruction) is { } passed && graph.TypeOf(passed) == graph.TypeOf(instruction.Result!.Value))
                {
                    replacement[instruction.Result!.Value] = passed;
                    continue;
                }
                if (removed.Contains(instruction))
                {
                    if (!hoisted.Contains(instruction)) replacement[instruction.Result!.Value] = Canonical(instruction.Result!.Value);
                    continue;
                }
                if (instruction.IsTerminator)
                {
                    foreach (var target in instruction.Targets)
                    {
                        if (loop.Blocks.Contains(target.Target)) continue;
                        if (dirty.Count == 0 && fields.Count == 0) break;
                        var exit = graph.AddBlock();
                        graph[exit].Instructions.AddRange(WriteBack());
                        graph.Append(exit, new Instruction(Opcode.Jump) { Location = instruction.Location, Targets = { new BlockCall(target.Target, target.Arguments) } });
                        target.Target = exit;
                        target.Arguments.Clear();
                    }
                }
                else if (barriers.Contains(instruction) || readers.Contains(instruction))
                {
                    rewritten.AddRange(WriteBack(allFields: false));
                    if (maybeDirty is not null) Array.Clear(maybeDirty);
                    if (fieldDirty is not null) Array.Clear(fieldDirty);
                }
                // A frame's elements are not written back where an exception may leave: the frame of a loop that throws
                // is not read again (rule 10).
                else if (MayThrow(instruction, block))
                {
                    rewritten.AddRange(WriteBack(frames: false, allFields: false));
                    if (fieldDirty is not null) Array.Clear(fieldDirty);
                }
                rewritten.Add(instruction);
            }
            graph[block].Instructions.Clear();
            graph[block].Instructions.AddRange(rewritten);
        }
    }

    /// <summary>
    /// Per loop block, which promoted fields may differ from memory where it starts (stored since the loop was entered or
    /// since the last write-back on some path to it); null when there are none, or when the blocks' order is not known
    /// (every field is then written back before each instruction that may throw, as before). The write-backs are where
    /// <see cref="RewriteLoop"/> puts them (<see cref="WritesBackFields"/>), taken on the loop before it rewrites it.
    /// </summary>
    private Dictionary<int, bool[]>? DirtyFields()
    {
        if (fields.Count == 0) return null;
        var order = new List<Block>();
        foreach (var block in dominators.ReversePostOrder)
            if (loop.Blocks.Contains(block)) order.Add(block);
        if (order.Count != loop.Blocks.Count) return null;
        var writeBacks = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        foreach (var block in loop.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (WritesBackFields(instruction, block)) writeBacks.Add(instruction);
        int StoredField(Instruction instruction) =>
            instruction.Opcode == Opcode.StoreField && fieldOf.TryGetValue(instruction, out var field) ? fields.IndexOf(field) : -1;
        return FrameWriteBacks.DirtyAtStart(loop, order, index.EdgesInto, block => graph[block].Instructions, StoredField,
            writeBacks.Contains, fields.Count);
    }

    /// <summary>
    /// Whether <see cref="RewriteLoop"/> writes the promoted fields back before <paramref name="instruction"/>: an instruction
    /// it keeps (not a promoted access, a passed cast or a removed load) that is a barrier, a reader or may throw. The same
    /// tests in the same order as there.
    /// </summary>
    private bool WritesBackFields(Instruction instruction, Block block)
    {
        if (fieldOf.ContainsKey(instruction) || reloads.ContainsKey(instruction)) return false;
        if (elementOf.TryGetValue(instruction, out var element) && promoted.Contains(element)) return false;
        if (PassedCast(instruction) is { } passed && graph.TypeOf(passed) == graph.TypeOf(instruction.Result!.Value)) return false;
        if (removed.Contains(instruction) || instruction.IsTerminator) return false;
        return barriers.Contains(instruction) || readers.Contains(instruction) || MayThrow(instruction, block);
    }

    /// <summary>
    /// Per loop block, which of <paramref name="dirty"/> (the stored elements) may differ from memory where it starts, in a
    /// loop with calls that may reach a frame (<see cref="FrameWriteBacks"/>); null elsewhere (every stored element is
    /// written back at each exit, as before), or when the blocks' order is not known. Taken on the loop as the first half of
    /// <see cref="RewriteLoop"/> left it: the loads again after the barriers in, the promoted accesses not yet removed.
    /// </summary>
    private Dictionary<int, bool[]>? DirtyFrameElements(List<PromotedElement> dirty)
    {
        if (barriers.Count == 0 && readers.Count == 0) return null;
        var order = new List<Block>();
        foreach (var block in dominators.ReversePostOrder)
            if (loop.Blocks.Contains(block)) order.Add(block);
        if (order.Count != loop.Blocks.Count) return null;
        int StoredElement(Instruction instruction) =>
            instruction.Opcode == Opcode.StoreElement && elementOf.TryGetValue(instruction, out var element) && promoted.Contains(element)
                ? dirty.IndexOf(element) : -1;
        return FrameWriteBacks.DirtyAtStart(loop, order, index.EdgesInto, block => graph[block].Instructions, StoredElement,
            instruction => barriers.Contains(instruction) || readers.Contains(instruction), dirty.Count);
    }

    /// <summary>
    /// The pass's own check of rules 6 and 8 on the rewritten loop: no load of a promoted element is left in it but the
    /// loads again after a call that may reach a frame. A load left between a write-back and that reload would read
    /// memory the loop no longer keeps current; it is the pass's defect, never the interpreter's, so it throws.
    /// </summary>
    private void CheckNoElementReadFromMemory()
    {
        if (promoted.Count == 0) return;
        foreach (var block in loop.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                if (instruction.Opcode != Opcode.LoadElement || reloads.ContainsKey(instruction)) continue;
                var array = Canonical(instruction.Operands[0]);
                var at = IndexOf(instruction.Operands[1]);
                foreach (var element in promoted)
                    if (element.Array == array && element.Index.Equals(at))
                        throw new MalformedGraphException($"promote: {instruction.Result} in {block} of {graph.Name} loads {array}[{at}], an element the loop keeps in an SSA value, from memory");
            }
    }

    /// <summary>
    /// True when the instruction may throw in the rewritten loop, where the guards hold: division by a constant
    /// other than 0 and -1 or by a divisor the preheader tested (<see cref="FindGuardedDivisions"/>) cannot, nor can a field access or array length of an object the preheader tested.
    /// </summary>
    private bool MayThrow(Instruction instruction, Block block)
    {
        if ((instruction.Info.Flags & OpcodeFlags.MayThrow) == 0) return false;
        if (guardedCasts.Contains(instruction)) return false;
        // A constructor that only stores its arguments can only run out of memory, which no interpreter recovers
        // from to read its frame; allocation removal then finds the object escaping nowhere in the loop.
        if (instruction.Opcode == Opcode.NewObject && (instruction.Method!.StoredFields is not null || NullableValues.IsConstruction(graph, instruction))) return false;
        if (TypeObjects.IsGetType(instruction)) return !NonNullAt(instruction.Operands[0], block);
        if (instruction.Result is { } typeObject && TypeObjects.TypeOf(graph, typeObject) is not null) return false;
        switch (instruction.Opcode)
        {
            case Opcode.Div or Opcode.Rem or Opcode.DivUn or Opcode.RemUn:
            {
                if (graph.TypeOf(instruction.Result!.Value).StackKind == StackKind.Float || guardedDivisions.Contains(instruction)) return false;
                bool signed = instruction.Opcode is Opcode.Div or Opcode.Rem;
                if (DivisorTestedAt(instruction.Operands[1], block, signed)) return false;
                // The divisor as rewritten so far: a promoted element or field loaded earlier in the block is the
                // value stored there (an interpreter's pushed constant).
                var divisorValue = Resolved(instruction.Operands[1]);
                if (graph[divisorValue].DefiningInstruction is not { Opcode: Opcode.Const } divisor) return true;
                return divisor.Integer == 0 || (divisor.Integer == -1 && instruction.Opcode is Opcode.Div or Opcode.Rem);
            }
            // A field of a value-type value (StructSlots: a struct's getter on a popped value) reads no memory; an unbox of a
            // boxed unit constant (an interpreter's constant pool of values) of its own type cannot fail.
            case Opcode.LoadField or Opcode.UnboxAny when StructSlots.IsFieldOfValue(graph, instruction) || TypeObjects.UnboxesUnitConstant(graph, instruction):
                return false;
            case Opcode.LoadField or Opcode.StoreField or Opcode.ArrayLength:
                return !nonNull.Contains(Canonical(instruction.Operands[0])) && !NonNullAt(instruction.Operands[0], block);
            default:
                return true;
        }
    }

    /// <summary>
    /// True when the branches on the way into <paramref name="block"/>, inside the loop, have shown
    /// <paramref name="divisor"/> to be not 0 and, for a <paramref name="signed"/> division, not -1: the tests a
    /// careful interpreter makes before it divides (a <c>brif</c> on the divisor itself, or a <c>ceq</c> or <c>cne</c>
    /// of it with 0 or -1). Behind them the division cannot throw. The test may read the divisor anew (a field load
    /// of the same object and field, which the loop never stores: <see cref="SameReading"/>).
    /// </summary>
    private bool DivisorTestedAt(Value divisor, Block block, bool signed)
    {
        bool notZero = false, notMinusOne = !signed;
        for (Block? at = block; at is { } current && loop.Blocks.Contains(current) && !(notZero && notMinusOne); at = dominators.ImmediateDominator(current))
        {
            var edges = index.EdgesInto(current);
            if (edges.Count != 1) continue;
            var branch = graph[edges[0].Source].Terminator;
            if (branch is not { Opcode: Opcode.BrIf } || branch.Targets[0].Target == branch.Targets[1].Target) continue;
            bool taken = branch.Targets[0].Target == current;
            var test = branch.Operands[0];
            if (taken && SameReading(test, divisor))
            {
                notZero = true;
                continue;
            }
            if (graph[test].DefiningInstruction is not { Opcode: Opcode.Ceq or Opcode.Cne } compare) continue;
            // The compare says "different" on this edge: cne taken, or ceq not taken.
            if ((compare.Opcode == Opcode.Cne) != taken) continue;
            for (int side = 0; side < 2; side++)
            {
                if (!SameReading(compare.Operands[side], divisor)) continue;
                if (graph[Resolved(compare.Operands[1 - side])].DefiningInstruction is not { Opcode: Opcode.Const } constant) continue;
                if (constant.Integer == 0) notZero = true;
                else if (constant.Integer == -1) notMinusOne = true;
            }
        }
        return notZero && notMinusOne;
    }

    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> hold the same number wherever both are defined in the
    /// loop: the same value (as rewritten so far), or loads of one field of the same object where the loop stores
    /// that field nowhere (the loop calls nothing, rule 1, so nothing else can).
    /// </summary>
    private bool SameReading(Value a, Value b)
    {
        a = Resolved(a);
        b = Resolved(b);
        if (a == b || Canonical(a) == Canonical(b)) return true;
        if (graph[a].DefiningInstruction is not { Opcode: Opcode.LoadField } first
            || graph[b].DefiningInstruction is not { Opcode: Opcode.LoadField } second) return false;
        if (!first.Field!.Equals(second.Field) || Canonical(Resolved(first.Operands[0])) != Canonical(Resolved(second.Operands[0]))) return false;
        return opaque.Count == 0 && !storedFields.Contains(first.Field);
    }

    /// <summary>A value as the loop's rewriting has replaced it so far (a promoted load is the element's current value).</summary>
    private Value Resolved(Value value)
    {
        while (replacement.TryGetValue(value, out var replaced)) value = replaced;
        return value;
    }

    /// <summary>
    /// True when <paramref name="value"/> is not null in <paramref name="block"/>: an object just made, or a value a
    /// branch tested on the way in (a block dominating this one, inside the loop, entered only from the non-null side
    /// of a <c>brif</c> on it: a class guard's null test before its <c>GetType()</c> and the field loads after it).
    /// </summary>
    private bool NonNullAt(Value value, Block block)
    {
        if (graph[value].DefiningInstruction?.Opcode is Opcode.NewObject or Opcode.Box or Opcode.Allocate) return true;
        for (Block? at = block; at is { } current && loop.Blocks.Contains(current); at = dominators.ImmediateDominator(current))
        {
            var edges = index.EdgesInto(current);
            if (edges.Count != 1) continue;
            var branch = graph[edges[0].Source].Terminator;
            if (branch is { Opcode: Opcode.BrIf } && branch.Operands[0] == value && branch.Targets[0].Target == current && branch.Targets[1].Target != current)
                return true;
        }
        return false;
    }
}
