using PeJit.Frontend.Construction;
using PeJit.Runtime;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace PeJit.Weaving;

/// <summary>
/// Rewrites one portal's IL so that it runs compiled code when its interpreted loop is hot. Each
/// <c>Jit.CanEnterJit(vars)</c> becomes
/// <code>
///   if (PortalCounters.Disabled) goto next                  PEJIT_DISABLE: folded away by .NET's JIT (not at the entry site)
///   slot = Slot(Mix(...Mix(HashSeed, green0)..., greenN))    the integer greens only
///   if (--&lt;PeJit&gt;PortalCountersN.Table[slot] &gt; 0) goto next   not hot yet: all the fast path costs
///   if ((status = &lt;PeJit&gt;PortalCountersN.SlowPath(vars..., slot)) == Interpret) goto next
///   leave dispatch                            shared by the loop's sites, with the tails, out of the loop's way
///   ...
///   dispatch: state = Answer; Answer = null   SlowPath boxed the state, called JitRuntime.CanEnterJit(ldtoken portal, state, slot), left it in [ThreadStatic] Answer
///   if (status == Returned) return (T)state[0]   compiled code ran the program to its return
///   vars = (T)state[i]...                       Exited: compiled code left at an exit; Threw: a step of compiled code threw
///   if (status == Threw) throw JitRuntime.ThrowPending(); goto merge point
/// </code>
/// The slow path's boxing and call are in a generated method (<see cref="SlowPath"/>) and its switch is shared, so that
/// the woven loop is the interpreter's own plus, per site, a hash, a counter decrement, a test and a call never taken
/// while nothing is hot.
/// The portal's entry counts the same way (functions of the interpreted program without a loop get compiled):
/// a site made of the merge point's variables is inserted right before <c>Jit.MergePoint</c>'s argument loads,
/// reached by falling into the loop head (and by forward branches to it) but not by the loop's back edges, so it
/// runs once per activation; it passes its slot marked as an entry and first tests
/// <see cref="PortalCounters.Resuming"/> (<see cref="PortalProtocol"/>). A portal whose loop head is reached
/// only by a branch (no fall-through into it) gets no entry site. A portal without <c>Jit.CanEnterJit</c> is woven
/// with its entry site alone (<see cref="OnlyEntry"/>). Where the greens and reds allow (<see cref="EntryCellPlan"/>),
/// the entry site reads its slot's entry cell while the slot is held and calls the key's typed unit through it
/// (<see cref="CountWithCells"/>, <see cref="EnterThroughCell"/>; <see cref="EntryCell"/>).
/// (the statuses are <see cref="CanEnterJitStatus"/>, the hash, the counters and the state's layout
/// <see cref="PortalProtocol"/>). The counter table lives in a static field of a class added for the portal
/// (after every existing type, so no token moves), set once from <see cref="PortalCounters.For"/>.
/// The rest of the method is untouched, so the portal behaves exactly as before wherever compiled code is
/// not entered. This is the IL counterpart of <c>PortalRewriter</c>, which does the same on flow graphs for
/// the in-process API.
/// </summary>
/// <remarks>
/// The return path sits after the method's last instruction, outside every exception region; the reload path
/// and the path that throws a step's exception again (<see cref="CanEnterJitStatus.Threw"/>) sit there too when
/// the merge point is in no try, and otherwise right before the loop head, jumped over, in exactly the merge
/// point's regions (a dispatch loop inside a <c>try</c>). All are reached with <c>leave</c>, which is legal from
/// inside a <c>try</c> or <c>catch</c> and is a plain branch elsewhere. Then every site must be inside the try
/// that holds the merge point. A site inside a <c>finally</c>, <c>fault</c> or filter, or inside a <c>try</c>
/// guarded by a <c>finally</c> that is not around the merge point (compiled code runs that finally itself, and
/// leaving would run it once more), is refused with a message; so is a merge point inside a handler or inside a
/// try with a filter.
/// </remarks>
internal sealed class PortalWeaver(MethodDefinition portal, WovenRuntime runtime)
{
    private readonly MethodBody body = portal.Body;
    private readonly ModuleDefinition module = portal.Module;
    private FieldDefinition? counterTable;
    private VariableDefinition? slot;
    // The sites' temporaries, shared: a site's are dead once it is past (its slow path boxes them, reloads read the state),
    // so every site stores into the same locals, one per position and type. Each local more is a slot .NET's JIT zeroes in
    // the portal's prolog on every call and a variable its first tier and OSR compile; Lua's portal went from 43 locals to
    // 73 with a set per site (Docs/PERFORMANCE.md, "Short processes at the session's start, the woven portal's own cost").
    private readonly Dictionary<(int Position, string Type), VariableDefinition> temporaries = [];
    private VariableDefinition? count;

    /// <summary>The first instruction of the entry site (<see cref="AddEntrySite"/>), where the loop is entered; null without one.</summary>
    private Instruction? entryStart;

    /// <summary>The <c>Jit.CanEnterJit</c> calls woven (the entry site not counted).</summary>
    public int Sites { get; private set; }

    /// <summary>
    /// Whether the portal has no <c>Jit.CanEnterJit</c> (a loop-free language): its entry site is its only way into
    /// compiled code, and passes its slot with <see cref="PortalProtocol.OnlyEntryFlag"/>.
    /// </summary>
    public bool OnlyEntry { get; private set; }

    /// <summary>Why the entry site has no entry cells (<see cref="EntryCellPlan"/>); null when it has them, or has no entry site.</summary>
    public string? NoCells { get; private set; }

    /// <summary>How the entry site compares and calls entry cells; null without them.</summary>
    private EntryCellPlan? cells;

    /// <summary>The static field of the portal's counter class that holds its entry cells.</summary>
    private FieldDefinition? cellTable;

    /// <summary>Where a call through an entry cell returns the portal's result from: after the last instruction, outside every region.</summary>
    private Instruction? cellReturnTail;

    /// <summary>The portal's result as the typed code returned it (null for a void portal).</summary>
    private VariableDefinition? cellResult;

    /// <summary>
    /// <c>[ThreadStatic] static object[] Answer</c> of the portal's counter class: the state the slow-path and cell methods hand
    /// back with an answer other than <see cref="CanEnterJitStatus.Interpret"/>, read (and cleared) by the shared switch.
    /// </summary>
    private FieldDefinition? answerState;

    /// <summary>
    /// What the cell method of a portal that returns <c>R</c> answers: <c>ValueTuple&lt;int, R&gt;</c>, its answer and the result
    /// the cell's code returned (two registers for an <c>R</c> of up to 8 bytes); null for a void portal, or without cells,
    /// whose cell method answers an <c>int</c>.
    /// </summary>
    private GenericInstanceType? cellAnswer;

    /// <summary><c>Item1</c> (the answer) or <c>Item2</c> (the result) of <see cref="cellAnswer"/>.</summary>
    private FieldReference CellAnswerField(int item) => new($"Item{item + 1}", cellAnswer!.ElementType.GenericParameters[item], cellAnswer);

    private MethodReference CellAnswerConstructor()
    {
        var open = cellAnswer!.ElementType;
        var constructor = new MethodReference(".ctor", module.TypeSystem.Void, cellAnswer) { HasThis = true };
        constructor.Parameters.Add(new ParameterDefinition(open.GenericParameters[0]));
        constructor.Parameters.Add(new ParameterDefinition(open.GenericParameters[1]));
        return constructor;
    }

    public void Weave()
    {
        if (portal.HasGenericParameters || portal.DeclaringType.HasGenericParameters)
            throw Error(null, "a portal in a generic type or with type parameters cannot be JIT-enabled yet; make the dispatch-loop method non-generic");
        bool inlinable = Inlinable(portal);
        body.SimplifyMacros();
        var instructions = body.Instructions;
        var merges = instructions.Where(i => IsHint(i, PeJit.IR.HintNames.MergePoint)).ToList();
        if (merges.Count != 1)
            throw Error(merges.ElementAtOrDefault(1), $"the portal has {merges.Count} calls of Jit.MergePoint; it needs exactly one, at the head of its dispatch loop");
        var (mergeStart, mergeVariables, mergeTypes) = ArgumentsOf(merges[0]);
        mergeRegions = MergeRegions(mergeStart);
        var sites = instructions.Where(i => IsHint(i, PeJit.IR.HintNames.CanEnterJit)).ToList();
        // A portal without Jit.CanEnterJit (a loop-free language: a rules engine, an expression evaluator) gets hot at its entry.
        OnlyEntry = sites.Count == 0;
        // Copied before anything is woven: PEJIT_DISABLE runs the original code.
        var twin = Twin = PlainTwin.Copy(portal);
        var entrySite = AddEntrySite(merges[0], mergeStart, mergeVariables);
        if (OnlyEntry && entrySite is null)
            throw Error(merges[0], "no Jit.CanEnterJit call, and the dispatch loop's head is reached only by a branch, so compiled code could never be entered. "
                + "Let the method fall into its loop (while (true) { Jit.MergePoint(...); ... }), or call Jit.CanEnterJit(...) where the interpreted program jumps backwards");
        if (entrySite is not null)
        {
            var plan = EntryCellPlan.For(portal, mergeTypes, GreenCount(), runtime.Cells, out string? why);
            (cells, NoCells) = (plan, why);
        }
        // The loop head: where the entry site starts, or the merge point's argument loads.
        var loopHead = entryStart ?? mergeStart;

        var state = new VariableDefinition(new ArrayType(module.TypeSystem.Object));
        body.Variables.Add(state);
        slot = new VariableDefinition(module.TypeSystem.Int32);
        body.Variables.Add(slot);
        count = new VariableDefinition(module.TypeSystem.Int32);
        body.Variables.Add(count);
        counterTable = AddCounterTable();
        answerState = AddThreadStatic("Answer", new ArrayType(module.TypeSystem.Object));
        if (cells is not null && portal.ReturnType.MetadataType != MetadataType.Void)
        {
            var open = new TypeReference("System", "ValueTuple`2", module, module.TypeSystem.CoreLibrary, valueType: true);
            open.GenericParameters.Add(new GenericParameter("T1", open));
            open.GenericParameters.Add(new GenericParameter("T2", open));
            cellAnswer = new GenericInstanceType(open);
            cellAnswer.GenericArguments.Add(module.TypeSystem.Int32);
            cellAnswer.GenericArguments.Add(portal.ReturnType);
        }
        body.InitLocals = true;
        var il = body.GetILProcessor();

        // The shared tails. After the last instruction, outside every region: return the result (a leave from a
        // try with a finally runs it once, as the interpreter's return would). Reload the state and go to the merge
        // point, or (the answer was Threw) throw a step's exception: in the regions of the merge point, so that its
        // handlers run; after the last instruction when it is in none, else right before the loop head, jumped over.
        var returnTail = il.Create(OpCodes.Nop);
        var reloadTail = il.Create(OpCodes.Nop);
        var throwTail = il.Create(OpCodes.Call, runtime.ThrowPending);
        foreach (var handler in body.ExceptionHandlers.Where(h => h.HandlerEnd is null)) handler.HandlerEnd = returnTail;
        il.Append(returnTail);
        if (portal.ReturnType.MetadataType != MetadataType.Void)
        {
            il.Append(il.Create(OpCodes.Ldloc, state));
            il.Append(il.Create(OpCodes.Ldc_I4, PortalProtocol.Result));
            il.Append(il.Create(OpCodes.Ldelem_Ref));
            il.Append(il.Create(OpCodes.Unbox_Any, portal.ReturnType));
        }
        il.Append(il.Create(OpCodes.Ret));
        if (cells is not null)
        {
            // The cell's code returned the portal's result unboxed: return it.
            cellReturnTail = il.Create(OpCodes.Nop);
            il.Append(cellReturnTail);
            if (portal.ReturnType.MetadataType != MetadataType.Void)
            {
                cellResult = new VariableDefinition(portal.ReturnType);
                body.Variables.Add(cellResult);
                il.Append(il.Create(OpCodes.Ldloc, cellResult));
            }
            il.Append(il.Create(OpCodes.Ret));
        }
        var tails = new List<Instruction>();
        // A reload tail: the merge-point variables read back from the state, then on at the merge point, or to the throw
        // when the answer (in count) was Threw: one reload for both, where each had its own, since every reload is
        // instructions .NET compiles (each variable's load, bounds check and unbox or cast) in each tier of the portal.
        void AddReloadTail(Instruction label)
        {
            tails.Add(label);
            tails.AddRange(Reload(il, state, mergeVariables, mergeTypes));
            tails.Add(il.Create(OpCodes.Ldloc, count));
            tails.Add(il.Create(OpCodes.Ldc_I4, (int)CanEnterJitStatus.Threw));
            tails.Add(il.Create(OpCodes.Beq, throwTail));
            tails.Add(il.Create(OpCodes.Br, mergeStart));
        }
        AddReloadTail(reloadTail);
        // The entry site reloads through a copy of its own. Shared, the reload was reached from before the loop as well
        // as from inside it, so it was not in the loop: every site's branch to it left the loop and its jump to the merge
        // point entered it again. .NET's JIT lays out the loop from the counts the method's first tier collected (dynamic
        // PGO), and with that shape it no longer put the interpreter's hot cases next to the dispatch: with every site
        // folded away (PEJIT_DISABLE) the loop's code was the plain interpreter's, instruction for instruction, in a
        // worse order, and measurably slower (Docs/PERFORMANCE.md, "Interpreting costs nothing extra"). Apart, the
        // loop sites' reload is a back edge of the loop, as the interpreter's own jumps to its head are, and the
        // entry's reload enters the loop from before it, as falling into it does.
        var entryReloadTail = il.Create(OpCodes.Nop);
        if (entrySite is not null) AddReloadTail(entryReloadTail);
        // The switch on the runtime's answer, one for the loop's sites and one for the entry (whose reload is its own), with
        // the tails: a site's slow path is a call of the portal's slow-path method (SlowPath) and a test, and leaves for
        // the switch only when compiled code ran.
        var loopDispatch = Dispatch(il, state, returnTail, reloadTail);
        tails.AddRange(loopDispatch);
        var entryDispatch = entrySite is null ? null : Dispatch(il, state, returnTail, entryReloadTail);
        if (entryDispatch is not null) tails.AddRange(entryDispatch);
        tails.Add(throwTail);
        tails.Add(il.Create(OpCodes.Throw));
        if (mergeRegions.Count == 0)
        {
            foreach (var instruction in tails) il.Append(instruction);
        }
        else
        {
            // Whatever reached the loop head reaches the jump over the tails first: a try that started at the loop
            // head starts there now, and a branch may enter a try only at its first instruction.
            var over = il.Create(OpCodes.Br, loopHead);
            MoveRegionBoundaries(loopHead, over);
            foreach (var instruction in instructions)
            {
                if (instruction.Operand == loopHead) instruction.Operand = over;
                else if (instruction.Operand is Instruction[] targets)
                    for (int t = 0; t < targets.Length; t++) if (targets[t] == loopHead) targets[t] = over;
            }
            il.InsertBefore(loopHead, over);
            foreach (var instruction in tails) il.InsertBefore(loopHead, instruction);
        }

        int greens = GreenCount();
        // A resumption is taken before the entry's own code when nothing stands between the method's start and the entry's
        // reload (no try around the merge point): see ResumeBeforeEntry.
        ResumesBeforeEntry = entrySite is not null && mergeRegions.Count == 0;
        foreach (var site in sites) WeaveSite(il, site, state, mergeVariables.Count, greens, loopDispatch[0], entry: false);
        if (entrySite is not null) WeaveSite(il, entrySite, state, mergeVariables.Count, greens, entryDispatch![0], entry: true);
        if (ResumesBeforeEntry) ResumeBeforeEntry(il, mergeTypes, entryDispatch![0]);
        DropHints();
        PlainTwin.Divert(portal, twin, runtime.Disabled);
        body.OptimizeMacros();
        if (inlinable) portal.ImplAttributes |= MethodImplAttributes.AggressiveInlining;
        Inlined = inlinable;
    }

    /// <summary>
    /// Whether the portal tests <see cref="PortalCounters.Resuming"/> at its start, before the entry's own code, rather than at
    /// its entry site (<see cref="ResumeBeforeEntry"/>): a portal with an entry site and no try around its merge point.
    /// </summary>
    public bool ResumesBeforeEntry { get; private set; }

    /// <summary>
    /// The portal's first instructions (before <see cref="PlainTwin.Divert"/> puts its own in front), and a way out of line:
    /// <code>
    ///   if (PortalCounters.Resuming != 0) goto resume           one static load per call, as the entry site's test was
    ///   ...the entry's code (locals, frame, a counter of calls)..., the entry site (which no longer tests Resuming)
    ///   resume: count = &lt;PeJit&gt;PortalCountersN.Resume([this]); if (count == Interpret) goto the entry's code; leave the entry's dispatch
    /// </code>
    /// <c>Resume</c> answers <see cref="PortalProtocol.ResumeBeforeEntrySlot"/>: the state compiled code left for this thread's
    /// portal call, or go on. So the portal call that follows a compiled call (the callee's unit left at an exit, or the
    /// callee had none) goes on at the merge point without running the entry again: the caller's compiled code ran it
    /// (<c>Calls++</c> once, as plain does). The counter class's initializer tells the runtime
    /// (<c>PortalCounters.ResumeBeforeEntry</c>), so that units run such entries in their calls.
    /// </summary>
    private void ResumeBeforeEntry(ILProcessor il, IReadOnlyList<TypeReference> mergeTypes, Instruction entryDispatch)
    {
        var first = body.Instructions[0];
        var resume = il.Create(OpCodes.Nop);
        il.InsertBefore(first, il.Create(OpCodes.Ldsfld, runtime.Resuming));
        il.InsertBefore(first, il.Create(OpCodes.Brtrue, resume));
        // Out of line, after the last instruction (no try around the merge point, so outside every region).
        il.Append(resume);
        if (PassesThis) il.Append(il.Create(OpCodes.Ldarg, body.ThisParameter));
        il.Append(il.Create(OpCodes.Call, ResumeMethod(mergeTypes.Count)));
        il.Append(il.Create(OpCodes.Stloc, count));
        il.Append(il.Create(OpCodes.Ldloc, count));
        il.Append(il.Create(OpCodes.Brfalse, first));
        il.Append(il.Create(OpCodes.Br, entryDispatch));
    }

    /// <summary>
    /// <c>[NoInlining] static int Resume([Portal self])</c> of the counter class: <c>state = new object[n]; status =
    /// JitRuntime.CanEnterJit(ldtoken portal, state, ResumeBeforeEntrySlot)</c>, handed back as a slow path's
    /// (<see cref="HandBack"/>); its class initializer also calls <c>PortalCounters.ResumeBeforeEntry(ldtoken portal)</c>.
    /// </summary>
    private MethodDefinition ResumeMethod(int variables)
    {
        bool passThis = PassesThis;
        var method = new MethodDefinition("Resume", MethodAttributes.Assembly | MethodAttributes.Static | MethodAttributes.HideBySig, module.TypeSystem.Int32)
        {
            ImplAttributes = MethodImplAttributes.NoInlining,
        };
        // `this` is not read: the state the runtime hands back has it (it never changes); taken so that the call has the portal's shape.
        if (passThis) method.Parameters.Add(new ParameterDefinition("self", ParameterAttributes.None, portal.DeclaringType));
        var state = new VariableDefinition(new ArrayType(module.TypeSystem.Object));
        method.Body.Variables.Add(state);
        var il = method.Body.GetILProcessor();
        il.Emit(OpCodes.Ldc_I4, PortalProtocol.StateLength(variables, passThis));
        il.Emit(OpCodes.Newarr, module.TypeSystem.Object);
        il.Emit(OpCodes.Stloc, state);
        il.Emit(OpCodes.Ldtoken, portal);
        il.Emit(OpCodes.Ldloc, state);
        il.Emit(OpCodes.Ldc_I4, PortalProtocol.ResumeBeforeEntrySlot);
        il.Emit(OpCodes.Call, runtime.CanEnterJit);
        HandBack(il, state);
        // The runtime learns, before the portal's first site counts, that its entries may be run by compiled callers.
        var initializer = counterTable!.DeclaringType.Methods.Single(m => m.Name == ".cctor");
        var ret = initializer.Body.Instructions[^1];
        var init = initializer.Body.GetILProcessor();
        init.InsertBefore(ret, init.Create(OpCodes.Ldtoken, portal));
        init.InsertBefore(ret, init.Create(OpCodes.Call, runtime.ResumeBeforeEntry));
        return Finish(method);
    }

    /// <summary>
    /// Whether the woven portal was made <c>AggressiveInlining</c> (<see cref="Inlinable"/>); its calls that do not run on every
    /// way through their method then go through a never-inlined copy of the call (<see cref="OutlinedPortalCalls"/>).
    /// </summary>
    public bool Inlined { get; private set; }

    /// <summary>The portal's plain twin (<see cref="PlainTwin"/>), which <c>PEJIT_DISABLE=1</c> runs.</summary>
    public MethodDefinition? Twin { get; private set; }

    /// <summary>
    /// The most IL bytes of an original portal the woven one stays inlinable for: .NET's JIT considers inlining a method of up
    /// to this many (its <c>DEFAULT_MAX_INLINE_SIZE</c>) without a profile.
    /// </summary>
    internal const int InlinableSize = 100;

    /// <summary>
    /// Whether the woven portal keeps the inlining the original could get: an original of at most <see cref="InlinableSize"/>
    /// IL bytes, without exception clauses and not marked against inlining, is woven <c>AggressiveInlining</c>. .NET's JIT
    /// inlined HandlerTable's 59-byte <c>Run</c> into its <c>Call</c> handler, the way into each interpreted call; woven, its
    /// 462 bytes (the entry's cells and slow paths, the tails) were over every limit, and each interpreted call paid a call, a
    /// frame of six pushes and their pops more than plain, never hot or disabled (Docs/PERFORMANCE.md, "The woven portal
    /// inlined where the plain one was"). Forced, the woven portal's hot path is the original's plus its sites' fast paths,
    /// and its cold paths go with it into the caller, where the profile keeps them out of the way; with
    /// <c>PEJIT_DISABLE=1</c> the folded prelude leaves the plain twin's call, which the JIT inlines as it did the original.
    /// A recursive portal is not inlined into itself (the JIT never inlines a method into itself).
    /// </summary>
    private static bool Inlinable(MethodDefinition portal) =>
        portal.Body.CodeSize <= InlinableSize && !portal.Body.HasExceptionHandlers
        && (portal.ImplAttributes & (MethodImplAttributes.NoInlining | MethodImplAttributes.AggressiveOptimization | MethodImplAttributes.Synchronized)) == 0;

    /// <summary>
    /// The hints that do nothing while interpreting leave the woven portal: <c>Jit.Promote(x)</c> and
    /// <c>Jit.PromoteClass(x)</c> (which return x) become a <c>nop</c>, <c>Jit.AssertGreen(x)</c> and
    /// <c>Jit.MergePoint(vars)</c> pop their arguments. The analysis read them at build time and the stored
    /// extension program keeps them; at run time they were calls only. .NET's first tier does not inline, so each
    /// was a call on the interpreter's hot path until the portal reached tier 1, and a generic instantiation for
    /// its first tier and OSR compiles to resolve (Lua's portal had 30 <c>PromoteClass</c> and 6 <c>Promote</c>).
    /// The replaced instruction keeps its identity, so branches, exception clauses and sequence points stay put;
    /// the merge point's argument loads stay, the weaver's reload tails branch to them. The plain twin keeps its
    /// hints, as the plain build has them.
    /// </summary>
    private void DropHints()
    {
        var il = body.GetILProcessor();
        foreach (var instruction in body.Instructions.ToList())
        {
            if (IsHint(instruction, PeJit.IR.HintNames.Promote) || IsHint(instruction, PeJit.IR.HintNames.PromoteClass))
            {
                instruction.OpCode = OpCodes.Nop;
                instruction.Operand = null;
            }
            else if (IsHint(instruction, PeJit.IR.HintNames.AssertGreen) || IsHint(instruction, PeJit.IR.HintNames.MergePoint))
            {
                int arguments = ((MethodReference)instruction.Operand!).Parameters.Count;
                instruction.OpCode = OpCodes.Pop;
                instruction.Operand = null;
                for (int i = 1; i < arguments; i++) il.InsertAfter(instruction, il.Create(OpCodes.Pop));
            }
        }
    }

    /// <summary>The exception clauses whose try holds the merge point (empty when none): see <see cref="MergeRegions"/>.</summary>
    private List<ExceptionHandler> mergeRegions = [];

    /// <summary>
    /// The clauses whose try block holds the merge point: a dispatch loop inside a try (a VM that turns host errors
    /// into language errors). Compiled code catches what a step throws and hands it back
    /// (<see cref="CanEnterJitStatus.Threw"/>); the woven code throws it again inside these regions. A merge point
    /// inside a handler, or inside a try with an exception filter, is refused.
    /// </summary>
    private List<ExceptionHandler> MergeRegions(Instruction mergeStart)
    {
        var regions = new List<ExceptionHandler>();
        foreach (var (handler, inHandler) in RegionsAround(mergeStart))
        {
            if (inHandler)
                throw Error(mergeStart, $"Jit.MergePoint is inside a {handler.HandlerType.ToString().ToLowerInvariant()} handler; put the dispatch loop inside the try block (or around it), not inside a handler");
            if (handler.HandlerType == ExceptionHandlerType.Filter)
                throw Error(mergeStart, "Jit.MergePoint is inside a try block with an exception filter (catch ... when), which PeJit does not support; catch the exception and test it inside the catch handler, rethrowing when it does not match");
            regions.Add(handler);
        }
        return regions;
    }

    /// <summary>Exception-clause boundaries at <paramref name="from"/> move to <paramref name="to"/>, which is inserted right before it.</summary>
    private void MoveRegionBoundaries(Instruction from, Instruction to)
    {
        foreach (var handler in body.ExceptionHandlers)
        {
            if (handler.TryStart == from) handler.TryStart = to;
            if (handler.TryEnd == from) handler.TryEnd = to;
            if (handler.HandlerStart == from) handler.HandlerStart = to;
            if (handler.HandlerEnd == from) handler.HandlerEnd = to;
            if (handler.FilterStart == from) handler.FilterStart = to;
        }
    }

    /// <summary>The IL that stores the state's merge-point variables back into their locals and parameters.</summary>
    private static IEnumerable<Instruction> Reload(ILProcessor il, VariableDefinition state, List<object> variables, IReadOnlyList<TypeReference> types)
    {
        for (int i = 0; i < variables.Count; i++)
        {
            yield return il.Create(OpCodes.Ldloc, state);
            yield return il.Create(OpCodes.Ldc_I4, i);
            yield return il.Create(OpCodes.Ldelem_Ref);
            yield return il.Create(OpCodes.Unbox_Any, types[i]);
            yield return variables[i] switch
            {
                VariableDefinition local => il.Create(OpCodes.Stloc, local),
                ParameterDefinition parameter => il.Create(OpCodes.Starg, parameter),
                _ => throw new InvalidOperationException("merge-point variables are locals or parameters"),
            };
        }
    }

    /// <summary>
    /// Inserts, right before the merge point's argument loads (<paramref name="mergeStart"/>), the same loads
    /// followed by a copy of the <c>Jit.MergePoint</c> call, which <see cref="WeaveSite"/> then weaves as a
    /// counting site; forward branches to the loop head go to it, back edges still go to the loop head. Null
    /// (nothing inserted) when the loop head is not reached by falling into it.
    /// </summary>
    private Instruction? AddEntrySite(Instruction merge, Instruction mergeStart, List<object> mergeVariables)
    {
        var instructions = body.Instructions;
        int at = instructions.IndexOf(mergeStart);
        if (at > 0 && instructions[at - 1].OpCode.FlowControl is not (FlowControl.Next or FlowControl.Call or FlowControl.Cond_Branch))
            return null;
        var il = body.GetILProcessor();
        var code = mergeVariables.Select(v => v switch
        {
            VariableDefinition local => il.Create(OpCodes.Ldloc, local),
            ParameterDefinition parameter => il.Create(OpCodes.Ldarg, parameter),
            _ => throw new InvalidOperationException("merge-point variables are locals or parameters"),
        }).ToList();
        var site = il.Create(OpCodes.Call, (MethodReference)merge.Operand);
        code.Add(site);
        var first = entryStart = code[0];
        // The site belongs to the loop head's regions: a try that starts at it starts at the site.
        MoveRegionBoundaries(mergeStart, first);
        // Forward branches to the loop head come from before it: the way in. Back edges come from the loop. A
        // branch from outside a try that starts at the loop head (a handler's leave back into the loop) must
        // enter it at its first instruction, the site's now, and so counts as a way in too.
        var startingHere = body.ExceptionHandlers.Where(h => h.TryStart == mergeStart).ToList();
        int end = instructions.Count;
        bool Outside(int i) => startingHere.Any(h => i >= at && i < (h.TryEnd is null ? end : instructions.IndexOf(h.TryEnd))) is false;
        for (int i = 0; i < instructions.Count; i++)
        {
            if (i >= at && (startingHere.Count == 0 || !Outside(i))) continue;
            if (instructions[i].Operand == mergeStart) instructions[i].Operand = first;
            else if (instructions[i].Operand is Instruction[] targets)
                for (int t = 0; t < targets.Length; t++) if (targets[t] == mergeStart) targets[t] = first;
        }
        foreach (var instruction in code) il.InsertBefore(mergeStart, instruction);
        return site;
    }

    /// <summary>
    /// Adds <c>static class &lt;PeJit&gt;PortalCountersN { static readonly int[] Table = PortalCounters.For(ldtoken portal); }</c>
    /// at the end of the module's types, so that every existing type, method and field keeps its token; with entry
    /// cells, also <c>static readonly EntryCell[] Cells = PortalCounters.CellsFor(ldtoken portal, ldtoken code, layout)</c>.
    /// </summary>
    private FieldDefinition AddCounterTable()
    {
        var type = new TypeDefinition("", $"<PeJit>PortalCounters{portal.MetadataToken.RID}",
            TypeAttributes.NotPublic | TypeAttributes.Abstract | TypeAttributes.Sealed | TypeAttributes.BeforeFieldInit | TypeAttributes.Class,
            module.TypeSystem.Object);
        var table = new FieldDefinition("Table", FieldAttributes.Assembly | FieldAttributes.Static | FieldAttributes.InitOnly,
            new ArrayType(module.TypeSystem.Int32));
        type.Fields.Add(table);
        var initializer = new MethodDefinition(".cctor",
            MethodAttributes.Private | MethodAttributes.HideBySig | MethodAttributes.SpecialName | MethodAttributes.RTSpecialName | MethodAttributes.Static,
            module.TypeSystem.Void);
        var il = initializer.Body.GetILProcessor();
        il.Emit(OpCodes.Ldtoken, portal);
        il.Emit(OpCodes.Call, runtime.CountersFor);
        il.Emit(OpCodes.Stsfld, table);
        if (cells is not null)
        {
            cellTable = new FieldDefinition("Cells", FieldAttributes.Assembly | FieldAttributes.Static | FieldAttributes.InitOnly, new ArrayType(runtime.Cells.Type));
            type.Fields.Add(cellTable);
            il.Emit(OpCodes.Ldtoken, portal);
            il.Emit(OpCodes.Ldtoken, cells.Delegate);
            il.Emit(OpCodes.Ldstr, cells.Layout);
            il.Emit(OpCodes.Call, runtime.Cells.CellsFor);
            il.Emit(OpCodes.Stsfld, cellTable);
        }
        il.Emit(OpCodes.Ret);
        type.Methods.Add(initializer);
        module.Types.Add(type);
        return table;
    }

    /// <summary>How many merge-point variables, from the first, are green: the length of <c>[JitPortal(Greens = ...)]</c>.</summary>
    private int GreenCount() =>
        portal.CustomAttributes.FirstOrDefault(a => a.AttributeType.FullName == "PeJit.JitPortalAttribute")?.Properties
            .FirstOrDefault(p => p.Name == "Greens").Argument.Value is CustomAttributeArgument[] names ? names.Length : 0;

    /// <summary>
    /// The IL that leaves the hash with the green in <paramref name="temporary"/> mixed in (<see cref="PortalProtocol.Mix"/>:
    /// <c>(hash + green) * multiplier</c>, the multiplier <see cref="PortalProtocol.HashMultiplier"/> or, for the last integer
    /// green of an entry that adds reference greens' identities after it, a power of it), the hash being on the stack;
    /// nothing for a green that is not an integer (the hash leaves it out).
    /// </summary>
    private static IEnumerable<Instruction> MixIn(ILProcessor il, VariableDefinition temporary, int multiplier)
    {
        if (!IsHashed(temporary)) yield break;
        bool wide = IntegerKind(temporary) is MetadataType.Int64 or MetadataType.UInt64;
        yield return il.Create(OpCodes.Ldloc, temporary);
        if (wide)
        {
            // (int)(green ^ (green >> 32))
            yield return il.Create(OpCodes.Dup);
            yield return il.Create(OpCodes.Ldc_I4, 32);
            yield return il.Create(OpCodes.Shr_Un);
            yield return il.Create(OpCodes.Xor);
            yield return il.Create(OpCodes.Conv_I4);
        }
        yield return il.Create(OpCodes.Add);
        yield return il.Create(OpCodes.Ldc_I4, multiplier);
        yield return il.Create(OpCodes.Mul);
    }

    /// <summary>The type a green's hash reads: an enum's underlying type, else its own.</summary>
    private static MetadataType IntegerKind(VariableDefinition temporary) =>
        temporary.VariableType.Resolve() is { IsEnum: true } enumeration
            ? enumeration.Fields.First(f => !f.IsStatic).FieldType.MetadataType
            : temporary.VariableType.MetadataType;

    /// <summary>Whether the hash mixes in the green in <paramref name="temporary"/>: an integer of any width, <c>bool</c>, <c>char</c> or an enum over one.</summary>
    private static bool IsHashed(VariableDefinition temporary) =>
        IntegerKind(temporary) is MetadataType.Int64 or MetadataType.UInt64 or MetadataType.Boolean or MetadataType.Char or MetadataType.SByte
            or MetadataType.Byte or MetadataType.Int16 or MetadataType.UInt16 or MetadataType.Int32 or MetadataType.UInt32;

    /// <summary><see cref="PortalProtocol.HashMultiplier"/> to the power <paramref name="exponent"/>, wrapping as the hash does.</summary>
    private static int Power(int exponent)
    {
        int power = 1;
        for (int i = 0; i < exponent; i++) power = unchecked(power * PortalProtocol.HashMultiplier);
        return power;
    }

    /// <summary>
    /// The one-entry cache of the entry's <paramref name="index"/>-th reference green, static members of the portal's counter
    /// class: the reference last seen there, its identity hash (<c>RuntimeHelpers.GetHashCode</c>) times
    /// <paramref name="multiplier"/>, and the never-inlined method that computes and stores both for a new reference:
    /// <code>
    ///   static object LastReferenceN; static int LastHashN;
    ///   [NoInlining] static int RememberN(object o) { int h = RuntimeHelpers.GetHashCode(o) * multiplier; LastHashN = h; LastReferenceN = o; return h; }
    /// </code>
    /// The entry reads the cached hash while its green is the last reference (a call-heavy program calls the same
    /// function again and again): a compare and a load where the identity hash was a call on every call of the portal,
    /// not inlined (<c>RuntimeHelpers.TryGetHashCode</c>; Docs/PERFORMANCE.md, "Never hot and disabled, interleaved with the
    /// control: 15 more rows"). Premultiplied, so that the entry adds it: <c>(h + id) * K = h * K + id * K</c>. The pair is
    /// written without a lock, and may be read torn; <see cref="CounterTable"/>'s remarks say why that is benign. The cache
    /// keeps the last reference alive, one object per reference green of a portal.
    /// </summary>
    private (FieldDefinition Last, FieldDefinition Hash, MethodDefinition Remember) IdentityCache(int index, int multiplier)
    {
        var type = counterTable!.DeclaringType;
        var last = new FieldDefinition($"LastReference{index}", FieldAttributes.Assembly | FieldAttributes.Static, module.TypeSystem.Object);
        var hash = new FieldDefinition($"LastHash{index}", FieldAttributes.Assembly | FieldAttributes.Static, module.TypeSystem.Int32);
        type.Fields.Add(last);
        type.Fields.Add(hash);
        var remember = new MethodDefinition($"Remember{index}", MethodAttributes.Assembly | MethodAttributes.Static | MethodAttributes.HideBySig, module.TypeSystem.Int32)
        {
            ImplAttributes = MethodImplAttributes.NoInlining,
        };
        remember.Parameters.Add(new ParameterDefinition("reference", ParameterAttributes.None, module.TypeSystem.Object));
        var il = remember.Body.GetILProcessor();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Call, runtime.Cells.IdentityHash);
        il.Emit(OpCodes.Ldc_I4, multiplier);
        il.Emit(OpCodes.Mul);
        il.Emit(OpCodes.Dup);
        il.Emit(OpCodes.Stsfld, hash);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Stsfld, last);
        il.Emit(OpCodes.Ret);
        return (last, hash, Finish(remember));
    }

    /// <summary>The temporary for the merge-point variable at <paramref name="position"/> of a site, of <paramref name="type"/>.</summary>
    private VariableDefinition Temporary(TypeReference type, int position)
    {
        var key = (position, type.FullName);
        if (temporaries.TryGetValue(key, out var shared)) return shared;
        var made = new VariableDefinition(type);
        body.Variables.Add(made);
        return temporaries[key] = made;
    }

    private void WeaveSite(ILProcessor il, Instruction site, VariableDefinition state, int mergeCount, int greens,
        Instruction dispatch, bool entry)
    {
        var around = RegionsAround(site).ToList();
        foreach (var region in mergeRegions)
            if (!around.Contains((region, false)))
                throw Error(site, "Jit.CanEnterJit is outside the try block that holds Jit.MergePoint; call it from the dispatch loop's body, inside that try");
        foreach (var (handler, inHandler) in around)
        {
            // The tries around the merge point are the interpreter's to run: compiled code hands their exceptions back.
            if (mergeRegions.Contains(handler)) continue;
            if (inHandler && handler.HandlerType != ExceptionHandlerType.Catch)
                throw Error(site, $"Jit.CanEnterJit is inside a {handler.HandlerType.ToString().ToLowerInvariant()} block; call it from the dispatch loop's body");
            if (!inHandler && handler.HandlerType is ExceptionHandlerType.Finally or ExceptionHandlerType.Fault)
                throw Error(site, "Jit.CanEnterJit is inside a try block with a finally; leaving it for compiled code would run the finally again. Call it outside the try");
        }
        var types = ((GenericInstanceMethod)site.Operand).GenericArguments;
        if (types.Count != mergeCount)
            throw Error(site, $"Jit.CanEnterJit passes {types.Count} variables but Jit.MergePoint {mergeCount}; pass the same variables, greens then reds");
        var next = site.Next ?? throw Error(site, "Jit.CanEnterJit is the method's last instruction");

        // The arguments are on the stack: store them (last first) into temporaries. The call instruction itself
        // becomes the first store, so branches and sequence points that name it stay valid.
        var temporaries = types.Select(Temporary).ToList();
        var code = new List<Instruction>();
        for (int i = temporaries.Count - 2; i >= 0; i--) code.Add(il.Create(OpCodes.Stloc, temporaries[i]));

        // The fast path: PEJIT_DISABLE, or a counter not at zero yet, goes on interpreting. The entry site needs no test of
        // PEJIT_DISABLE: the portal's first instructions already left for its plain twin then (PlainTwin.Divert). And it must
        // have none: that branch to the loop head, folded away in tier 1, was the other construct that made .NET's tier-1
        // compile drop the portal's profile (Docs/PERFORMANCE.md, "Why .NET dropped the woven portal's profile").
        if (!entry)
        {
            code.Add(il.Create(OpCodes.Ldsfld, runtime.Disabled));
            code.Add(il.Create(OpCodes.Brtrue, next));
        }
        var resume = il.Create(OpCodes.Ldc_I4, PortalProtocol.ResumeSlot);
        if (entry && !ResumesBeforeEntry)
        {
            code.Add(il.Create(OpCodes.Ldsfld, runtime.Resuming));
            code.Add(il.Create(OpCodes.Brtrue, resume));
        }
        // An entry with cells mixes in its reference greens' identities too: keys that differ only there (every function's
        // entry at pc 0 of its own code object, every rule of a rules engine) get slots, and so cells, of their own. Only
        // the woven code computes slots, so the entry's may differ from a loop site's for the same key.
        var references = entry && cells is not null
            ? Enumerable.Range(0, greens).Where(g => cells.Greens[g] == EntryCellPlan.Green.Reference).ToList()
            : [];
        // The integer greens' hash, times K^references (folded into the last integer green's multiplier): with the
        // identities added as below, the slot is Mix(...Mix(ints, id0)..., idN), as PortalProtocol defines it.
        var integers = temporaries.Take(greens).Where(IsHashed).ToList();
        code.Add(il.Create(OpCodes.Ldc_I4, PortalProtocol.HashSeed));
        for (int i = 0; i < integers.Count; i++)
            code.AddRange(MixIn(il, integers[i], i == integers.Count - 1 ? Power(references.Count + 1) : PortalProtocol.HashMultiplier));
        if (references.Count > 0)
        {
            // Each reference green's identity hash, premultiplied, from the portal's one-entry cache of the last reference
            // seen there (IdentityCache): no call while the entry sees the same object as last time.
            code.Add(il.Create(OpCodes.Stloc, slot));
            for (int r = 0; r < references.Count; r++)
            {
                var (last, hash, remember) = IdentityCache(r, Power(references.Count - r));
                var miss = il.Create(OpCodes.Ldloc, temporaries[references[r]]);
                var got = il.Create(OpCodes.Ldloc, slot);
                code.Add(il.Create(OpCodes.Ldloc, temporaries[references[r]]));
                code.Add(il.Create(OpCodes.Ldsfld, last));
                code.Add(il.Create(OpCodes.Bne_Un, miss));
                code.Add(il.Create(OpCodes.Ldsfld, hash));
                code.Add(il.Create(OpCodes.Stloc, count));
                code.Add(il.Create(OpCodes.Br, got));
                code.Add(miss);
                code.Add(il.Create(OpCodes.Call, remember));
                code.Add(il.Create(OpCodes.Stloc, count));
                code.Add(got);
                code.Add(il.Create(OpCodes.Ldloc, count));
                code.Add(il.Create(OpCodes.Add));
                code.Add(il.Create(OpCodes.Stloc, slot));
            }
            code.Add(il.Create(OpCodes.Ldloc, slot));
        }
        code.Add(il.Create(OpCodes.Ldc_I4, 32 - PortalProtocol.CounterBits));
        code.Add(il.Create(OpCodes.Shr_Un));
        code.Add(il.Create(OpCodes.Stloc, slot));
        bool passThis = PassesThis;
        // The slow path: the variables and the slot to the portal's slow-path method, which boxes them and asks the runtime;
        // its answer goes on interpreting (Interpret, 0) or to the shared switch, which takes the state the method left.
        var slowPath = new List<Instruction>();
        foreach (var temporary in temporaries) slowPath.Add(il.Create(OpCodes.Ldloc, temporary));
        if (passThis) slowPath.Add(il.Create(OpCodes.Ldarg, body.ThisParameter));
        slowPath.Add(il.Create(OpCodes.Ldloc, slot));
        slowPath.Add(il.Create(OpCodes.Call, SlowPath(types, passThis)));
        var answer = il.Create(OpCodes.Stloc, count);
        slowPath.Add(answer);
        slowPath.Add(il.Create(OpCodes.Ldloc, count));
        slowPath.Add(il.Create(OpCodes.Brfalse, next));
        slowPath.Add(il.Create(OpCodes.Leave, dispatch));
        var slowStart = slowPath[0];
        var markEntry = il.Create(OpCodes.Ldloc, slot);
        if (entry && cells is not null)
        {
            var cellWay = EnterThroughCell(il, temporaries, types, markEntry, answer).ToList();
            code.AddRange(CountWithCells(il, next, markEntry, cellWay[0]));
            code.AddRange(cellWay);
        }
        else
        {
            code.Add(il.Create(OpCodes.Ldsfld, counterTable));
            code.Add(il.Create(OpCodes.Ldloc, slot));
            code.Add(il.Create(OpCodes.Ldelema, module.TypeSystem.Int32));
            code.Add(il.Create(OpCodes.Dup));
            code.Add(il.Create(OpCodes.Ldind_I4));
            code.Add(il.Create(OpCodes.Ldc_I4_1));
            code.Add(il.Create(OpCodes.Sub));
            code.Add(il.Create(OpCodes.Dup));
            code.Add(il.Create(OpCodes.Stloc, count));
            code.Add(il.Create(OpCodes.Stind_I4));
            code.Add(il.Create(OpCodes.Ldloc, count));
            code.Add(il.Create(OpCodes.Ldc_I4_0));
            code.Add(il.Create(OpCodes.Bgt, next));
        }

        if (entry)
        {
            // slot = EntrySlot(slot) (marked as the only site of a portal without Jit.CanEnterJit); and the way in for a
            // resumption: slot = ResumeSlot.
            code.Add(markEntry);
            code.Add(il.Create(OpCodes.Ldc_I4, PortalProtocol.EntryFlag | (OnlyEntry ? PortalProtocol.OnlyEntryFlag : 0)));
            code.Add(il.Create(OpCodes.Or));
            code.Add(il.Create(OpCodes.Stloc, slot));
            code.Add(il.Create(OpCodes.Br, slowStart));
            if (!ResumesBeforeEntry)
            {
                code.Add(resume);
                code.Add(il.Create(OpCodes.Stloc, slot));
            }
        }
        code.AddRange(slowPath);

        if (temporaries.Count == 0)
        {
            site.OpCode = OpCodes.Nop;
            site.Operand = null;
        }
        else
        {
            site.OpCode = OpCodes.Stloc;
            site.Operand = temporaries[^1];
        }
        var after = site;
        foreach (var instruction in code)
        {
            il.InsertAfter(after, instruction);
            after = instruction;
        }
        if (!entry) Sites++;
    }

    /// <summary>
    /// The dispatch on the runtime's answer that sites leave for when compiled code ran (the answer in <c>count</c>):
    /// <see cref="CanEnterJitStatus.Returned"/> leaves for the return tail, anything else (<see cref="CanEnterJitStatus.Exited"/>,
    /// <see cref="CanEnterJitStatus.Threw"/>) for the reload tail, which throws for the second;
    /// <see cref="CanEnterJitStatus.Interpret"/> never comes here (a site goes on interpreting itself). A compare and a branch,
    /// not an IL <c>switch</c>: with a <c>switch</c> there, never run, .NET 10's tier-1 compile of a portal called often
    /// (HandlerTable's, per function call) dropped the profile its instrumented tier collected and synthesized one
    /// (Docs/PERFORMANCE.md, "Why .NET dropped the woven portal's profile"). Its first instruction is where sites leave for;
    /// it sits with the tails (<see cref="Weave"/>).
    /// </summary>
    private List<Instruction> Dispatch(ILProcessor il, VariableDefinition state, Instruction returnTail, Instruction reloadTail)
    {
        var toReturn = il.Create(OpCodes.Leave, returnTail);
        var toReload = il.Create(OpCodes.Leave, reloadTail);
        // state = Answer; Answer = null: the state the slow-path or cell method left with its answer, taken right after it
        // returned (only branches and a leave that runs no finally lie between), so that no other activation of the portal on
        // this thread wrote it meanwhile; cleared, so that it keeps nothing alive.
        return [il.Create(OpCodes.Ldsfld, answerState), il.Create(OpCodes.Stloc, state), il.Create(OpCodes.Ldnull), il.Create(OpCodes.Stsfld, answerState),
            il.Create(OpCodes.Ldloc, count), il.Create(OpCodes.Ldc_I4, (int)CanEnterJitStatus.Returned), il.Create(OpCodes.Beq, toReturn),
            toReload, toReturn];
    }

    /// <summary>
    /// A <c>[ThreadStatic]</c> static field of the portal's counter class: how the out-of-line paths hand back what the
    /// portal needs besides their answer. Out parameters did it before, and each was a local of the portal whose address
    /// was taken, which .NET's JIT then zeroed in the portal's prologue, on every call of the portal, hot or not
    /// (Docs/PERFORMANCE.md, "The woven sites' fast paths, counted in machine code").
    /// </summary>
    private FieldDefinition AddThreadStatic(string name, TypeReference type)
    {
        var field = new FieldDefinition(name, FieldAttributes.Assembly | FieldAttributes.Static, type);
        var attribute = new TypeReference("System", nameof(ThreadStaticAttribute), module, module.TypeSystem.CoreLibrary);
        field.CustomAttributes.Add(new CustomAttribute(new MethodReference(".ctor", module.TypeSystem.Void, attribute) { HasThis = true }));
        counterTable!.DeclaringType.Fields.Add(field);
        return field;
    }

    /// <summary>The slow-path methods made so far, by the types of the variables their sites pass.</summary>
    private readonly Dictionary<string, MethodDefinition> slowPaths = [];

    /// <summary>
    /// The portal's slow-path method for sites passing <paramref name="types"/> (one per portal in practice: every site
    /// passes the merge point's variables), a static method of its counter class:
    /// <code>
    ///   [NoInlining] static int SlowPath(T0 v0, ..., [Portal self,] int slot)
    ///   {
    ///     state = new object[] { box(v0)..., [self] }; status = JitRuntime.CanEnterJit(ldtoken portal, state, slot);
    ///     if (status != Interpret) Answer = state;    // after the call: compiled code may run the portal again meanwhile
    ///     return status;
    ///   }
    /// </code>
    /// Inline at each site, the boxing, the call and the switch were most of the woven portal's IL and locals, which .NET
    /// compiles at tier 0, with OSR and at tier 1 in every JIT-enabled process, hot or not (cold8's section of
    /// Docs/PERFORMANCE.md: the OSR compile of Lua's woven portal took 80-170 page faults more than the plain one's). Out
    /// of line, a site is its counter, a call and a test. Never inlined: the call is the point.
    /// </summary>
    private MethodDefinition SlowPath(IList<TypeReference> types, bool passThis)
    {
        string key = string.Join(",", types.Select(t => t.FullName));
        if (slowPaths.TryGetValue(key, out var made)) return made;
        var self = passThis ? new ParameterDefinition("self", ParameterAttributes.None, portal.DeclaringType) : null;
        var (method, slotParameter) = OutOfLine(slowPaths.Count == 0 ? "SlowPath" : $"SlowPath{slowPaths.Count}", types, self);
        var state = new VariableDefinition(new ArrayType(module.TypeSystem.Object));
        method.Body.Variables.Add(state);
        var il = method.Body.GetILProcessor();
        il.Emit(OpCodes.Ldc_I4, PortalProtocol.StateLength(types.Count, passThis));
        il.Emit(OpCodes.Newarr, module.TypeSystem.Object);
        il.Emit(OpCodes.Stloc, state);
        if (self is not null)
        {
            il.Emit(OpCodes.Ldloc, state);
            il.Emit(OpCodes.Ldc_I4, PortalProtocol.ThisIndex(types.Count));
            il.Emit(OpCodes.Ldarg, self);
            il.Emit(OpCodes.Stelem_Ref);
        }
        for (int i = 0; i < types.Count; i++)
        {
            il.Emit(OpCodes.Ldloc, state);
            il.Emit(OpCodes.Ldc_I4, i);
            il.Emit(OpCodes.Ldarg, method.Parameters[i]);
            if (!IsReference(types[i])) il.Emit(OpCodes.Box, types[i]);
            il.Emit(OpCodes.Stelem_Ref);
        }
        il.Emit(OpCodes.Ldtoken, portal);
        il.Emit(OpCodes.Ldloc, state);
        il.Emit(OpCodes.Ldarg, slotParameter);
        il.Emit(OpCodes.Call, runtime.CanEnterJit);
        HandBack(il, state);
        return slowPaths[key] = Finish(method);
    }

    /// <summary>
    /// The end of an out-of-line path, the runtime's answer on the stack: <c>if (answer != Interpret) Answer = state; return
    /// answer;</c> (<see cref="answerState"/>, which the shared switch takes).
    /// </summary>
    private void HandBack(ILProcessor il, VariableDefinition state)
    {
        var done = il.Create(OpCodes.Ret);
        il.Emit(OpCodes.Dup);
        il.Emit(OpCodes.Brfalse, done);
        il.Emit(OpCodes.Ldloc, state);
        il.Emit(OpCodes.Stsfld, answerState);
        il.Append(done);
    }

    /// <summary>
    /// The shape both out-of-line paths of a site share (<see cref="SlowPath"/>, <see cref="CellPath"/>): a never-inlined
    /// static method of the portal's counter class answering an <c>int</c>, taking the site's variables (and
    /// <paramref name="self"/> when given) and the slot; the caller adds its body.
    /// </summary>
    private (MethodDefinition Method, ParameterDefinition Slot) OutOfLine(string name, IList<TypeReference> types, ParameterDefinition? self)
    {
        var method = new MethodDefinition(name, MethodAttributes.Assembly | MethodAttributes.Static | MethodAttributes.HideBySig, module.TypeSystem.Int32)
        {
            ImplAttributes = MethodImplAttributes.NoInlining,
        };
        foreach (var type in types) method.Parameters.Add(new ParameterDefinition(type));
        if (self is not null) method.Parameters.Add(self);
        var slot = new ParameterDefinition("slot", ParameterAttributes.None, module.TypeSystem.Int32);
        method.Parameters.Add(slot);
        return (method, slot);
    }

    /// <summary>An out-of-line path made: its macros shortened, added to the counter class.</summary>
    private MethodDefinition Finish(MethodDefinition method)
    {
        method.Body.OptimizeMacros();
        counterTable!.DeclaringType.Methods.Add(method);
        return method;
    }

    /// <summary>
    /// The entry's counting with cells (<see cref="PortalProtocol"/>): a counter above zero is decremented as at any
    /// site (above one: go on interpreting; else the slow path, at <paramref name="slowPath"/>); a counter at or below
    /// zero is a held slot, whose cell may hold this key (on at the IL after this), and is left for the slow path to
    /// write. So a key entered through its cell never moves its counter, and a cold entry costs a load, two compares
    /// and a store.
    /// </summary>
    private IEnumerable<Instruction> CountWithCells(ILProcessor il, Instruction next, Instruction slowPath, Instruction hot)
    {
        yield return il.Create(OpCodes.Ldsfld, counterTable);
        yield return il.Create(OpCodes.Ldloc, slot);
        yield return il.Create(OpCodes.Ldelem_I4);
        yield return il.Create(OpCodes.Stloc, count);
        yield return il.Create(OpCodes.Ldloc, count);
        yield return il.Create(OpCodes.Ldc_I4_0);
        yield return il.Create(OpCodes.Ble, hot);
        yield return il.Create(OpCodes.Ldsfld, counterTable);
        yield return il.Create(OpCodes.Ldloc, slot);
        yield return il.Create(OpCodes.Ldloc, count);
        yield return il.Create(OpCodes.Ldc_I4_1);
        yield return il.Create(OpCodes.Sub);
        yield return il.Create(OpCodes.Stelem_I4);
        yield return il.Create(OpCodes.Ldloc, count);
        yield return il.Create(OpCodes.Ldc_I4_1);
        yield return il.Create(OpCodes.Bgt, next);
        yield return il.Create(OpCodes.Br, slowPath);
    }

    /// <summary>Whether the portal passes <c>this</c> after its variables (<see cref="PortalProtocol.PassesThis"/>): an instance method of a class.</summary>
    private bool PassesThis => PortalProtocol.PassesThis(portal.HasThis, portal.DeclaringType.IsValueType);

    /// <summary>What the entry's cell method (<see cref="CellPath"/>) answers besides a <see cref="CanEnterJitStatus"/>: no
    /// way in through the slot's cell (the slow path enters), or the cell's code ran the function to its return.</summary>
    private const int NoCell = -1, CellReturned = -2;

    /// <summary>
    /// The cheap way in (<see cref="EntryCell"/>) at the entry site: a call of the portal's cell method (<see cref="CellPath"/>),
    /// whose answer goes to <paramref name="slowPath"/> (<see cref="NoCell"/>), to the cell's return tail (<see cref="CellReturned"/>,
    /// the result in <c>cellResult</c>, from the method's <see cref="cellAnswer"/>), or, as a runtime's answer, to the slow path's
    /// test of it, at <paramref name="answer"/>.
    /// </summary>
    private IEnumerable<Instruction> EnterThroughCell(ILProcessor il, List<VariableDefinition> temporaries, IList<TypeReference> types,
        Instruction slowPath, Instruction answer)
    {
        foreach (var temporary in temporaries) yield return il.Create(OpCodes.Ldloc, temporary);
        if (PassesThis) yield return il.Create(OpCodes.Ldarg, body.ThisParameter);
        yield return il.Create(OpCodes.Ldloc, slot);
        yield return il.Create(OpCodes.Call, CellPath(types));
        if (cellAnswer is not null)
        {
            // (answer, result): the result kept in cellResult, read only when the answer is CellReturned.
            yield return il.Create(OpCodes.Dup);
            yield return il.Create(OpCodes.Ldfld, CellAnswerField(1));
            yield return il.Create(OpCodes.Stloc, cellResult);
            yield return il.Create(OpCodes.Ldfld, CellAnswerField(0));
        }
        yield return il.Create(OpCodes.Dup);
        yield return il.Create(OpCodes.Stloc, count);
        yield return il.Create(OpCodes.Ldc_I4, NoCell);
        yield return il.Create(OpCodes.Beq, slowPath);
        // A runtime's answer goes on the stack to where the slow path stores its own.
        yield return il.Create(OpCodes.Ldloc, count);
        yield return il.Create(OpCodes.Dup);
        yield return il.Create(OpCodes.Ldc_I4, CellReturned);
        yield return il.Create(OpCodes.Bne_Un, answer);
        yield return il.Create(OpCodes.Pop);
        yield return il.Create(OpCodes.Leave, cellReturnTail);
    }

    /// <summary>
    /// The portal's cell method, a static method of its counter class, called by the entry site when its slot is held:
    /// <code>
    ///   [NoInlining] static (int, R) CellPath(T0 v0, ..., [Portal self,] int slot)        // int for a void portal
    ///   {
    ///     cell = Cells[slot]; if (cell == null) return (NoCell, default);
    ///     if (cell.IntegerN != (long)greenI || cell.ReferenceN != greenJ ...) return (NoCell, default);
    ///     exit = cell.Enter(); if (exit == null) return (NoCell, default);   // little stack left: the slow path moves the call
    ///     result = ((Func&lt;object[], reds..., [Portal,] R&gt;)cell.Code).Invoke(exit, reds..., [self]);
    ///     if (exit[0] == null) return (CellReturned, result);
    ///     state = new object[...] { [ThisIndex] = self }; status = JitRuntime.EntryCellExited(cell, state, exit);
    ///     if (status != Interpret) Answer = state;                         // [ThreadStatic], after the call
    ///     return (status, default);
    ///   }
    /// </code>
    /// Inline, the greens' compares, the delegate's call and the exit's hand-over were about 250 IL bytes and two locals
    /// before the portal's loop, which .NET compiles at tier 0, with OSR and at tier 1 in every JIT-enabled process, hot or
    /// not (main11's section of Docs/PERFORMANCE.md: compiling the larger woven portal twice was a third of the never-hot
    /// extra). Out of line, the entry site is its counter, a call and two tests. Never inlined: the call is the point.
    /// An instance portal on a class passes <c>this</c> as the typed unit's last argument, and into the state an exit hands
    /// the runtime, at <see cref="PortalProtocol.ThisIndex"/> as the slow path's state has it: after an exit the runtime may
    /// go on in another unit, untyped, which reads <c>this</c> from the state (it never changes, so nothing writes it back).
    /// </summary>
    private MethodDefinition CellPath(IList<TypeReference> types)
    {
        var plan = cells!;
        var references = runtime.Cells;
        var objects = new ArrayType(module.TypeSystem.Object);
        var self = PassesThis ? new ParameterDefinition("self", ParameterAttributes.None, portal.DeclaringType) : null;
        var (method, slotParameter) = OutOfLine("CellPath", types, self);
        var cell = new VariableDefinition(references.Type);
        var exit = new VariableDefinition(objects);
        var state = new VariableDefinition(objects);
        method.Body.Variables.Add(cell);
        method.Body.Variables.Add(exit);
        method.Body.Variables.Add(state);
        method.Body.InitLocals = true;
        // (answer, result) for a portal with a result: the result local, zero until the code returns one.
        VariableDefinition? result = null;
        if (cellAnswer is not null)
        {
            method.ReturnType = cellAnswer;
            result = new VariableDefinition(portal.ReturnType);
            method.Body.Variables.Add(result);
        }
        var il = method.Body.GetILProcessor();
        // Every return: the answer on the stack, paired with the result when the method answers a pair.
        var answered = il.Create(OpCodes.Ret);
        var noCell = il.Create(OpCodes.Ldc_I4, NoCell);
        il.Emit(OpCodes.Ldsfld, cellTable);
        il.Emit(OpCodes.Ldarg, slotParameter);
        il.Emit(OpCodes.Ldelem_Ref);
        il.Emit(OpCodes.Stloc, cell);
        il.Emit(OpCodes.Ldloc, cell);
        il.Emit(OpCodes.Brfalse, noCell);
        int integers = 0, objectGreens = 0;
        for (int g = 0; g < plan.Greens.Count; g++)
        {
            il.Emit(OpCodes.Ldloc, cell);
            switch (plan.Greens[g])
            {
                case EntryCellPlan.Green.Reference:
                    il.Emit(OpCodes.Ldfld, references.References[objectGreens++]);
                    il.Emit(OpCodes.Ldarg, method.Parameters[g]);
                    break;
                default:
                    il.Emit(OpCodes.Ldfld, references.Integers[integers++]);
                    il.Emit(OpCodes.Ldarg, method.Parameters[g]);
                    il.Emit(plan.Greens[g] == EntryCellPlan.Green.Signed ? OpCodes.Conv_I8 : OpCodes.Conv_U8);
                    break;
            }
            il.Emit(OpCodes.Bne_Un, noCell);
        }
        // exit = cell.Enter(): null with little stack left, and the slow path enters (it moves the call to a fresh stack).
        il.Emit(OpCodes.Ldloc, cell);
        il.Emit(OpCodes.Call, references.Enter);
        il.Emit(OpCodes.Dup);
        il.Emit(OpCodes.Stloc, exit);
        il.Emit(OpCodes.Brfalse, noCell);
        il.Emit(OpCodes.Ldloc, cell);
        il.Emit(OpCodes.Ldfld, references.Code);
        il.Emit(OpCodes.Castclass, plan.Delegate);
        il.Emit(OpCodes.Ldloc, exit);
        for (int r = plan.Greens.Count; r < types.Count; r++) il.Emit(OpCodes.Ldarg, method.Parameters[r]);
        if (self is not null) il.Emit(OpCodes.Ldarg, self);
        il.Emit(OpCodes.Callvirt, plan.Invoke);
        if (result is not null) il.Emit(OpCodes.Stloc, result);
        // exit[0] is null when the code ran the function to its return.
        var exited = il.Create(OpCodes.Ldc_I4, PortalProtocol.StateLength(types.Count, self is not null));
        il.Emit(OpCodes.Ldloc, exit);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Ldelem_Ref);
        il.Emit(OpCodes.Brtrue, exited);
        il.Emit(OpCodes.Ldc_I4, CellReturned);
        il.Emit(OpCodes.Br, answered);
        il.Append(exited);
        il.Emit(OpCodes.Newarr, module.TypeSystem.Object);
        il.Emit(OpCodes.Stloc, state);
        if (self is not null)
        {
            il.Emit(OpCodes.Ldloc, state);
            il.Emit(OpCodes.Ldc_I4, PortalProtocol.ThisIndex(types.Count));
            il.Emit(OpCodes.Ldarg, self);
            il.Emit(OpCodes.Stelem_Ref);
        }
        il.Emit(OpCodes.Ldloc, cell);
        il.Emit(OpCodes.Ldloc, state);
        il.Emit(OpCodes.Ldloc, exit);
        il.Emit(OpCodes.Call, references.Exited);
        var handedBack = il.Create(OpCodes.Br, answered);
        il.Emit(OpCodes.Dup);
        il.Emit(OpCodes.Brfalse, handedBack);
        il.Emit(OpCodes.Ldloc, state);
        il.Emit(OpCodes.Stsfld, answerState);
        il.Append(handedBack);
        il.Append(noCell);
        if (result is not null)
        {
            // The exits' answers and NoCell pair with a result that is still zero.
            il.Append(answered);
            answered.OpCode = OpCodes.Ldloc;
            answered.Operand = result;
            il.Emit(OpCodes.Newobj, CellAnswerConstructor());
            il.Emit(OpCodes.Ret);
        }
        else il.Append(answered);
        return Finish(method);
    }

    internal static bool IsReference(TypeReference type) =>
        !type.IsGenericParameter && !type.IsValueType && (type.IsArray || type.MetadataType is MetadataType.String or MetadataType.Object
            || type.Resolve() is { IsValueType: false });

    /// <summary>The loads of a merge point's arguments: each must be a plain local or parameter, loaded right before the call.</summary>
    private (Instruction Start, List<object> Variables, IReadOnlyList<TypeReference> Types) ArgumentsOf(Instruction merge)
    {
        var types = ((GenericInstanceMethod)merge.Operand).GenericArguments;
        var variables = new List<object>();
        var load = merge;
        for (int i = 0; i < types.Count; i++)
        {
            load = load.Previous ?? throw Error(merge, "Jit.MergePoint's arguments are missing");
            object? variable = load.OpCode.Code switch
            {
                Code.Ldloc => load.Operand,
                Code.Ldarg when load.Operand is ParameterDefinition { Index: >= 0 } parameter && parameter != body.ThisParameter => parameter,
                _ => null,
            };
            if (variable is null)
                throw Error(merge, "the arguments of Jit.MergePoint must be loaded right before it, each a plain local or parameter (write Jit.MergePoint(pc, code, frame, sp) as a statement of its own)");
            variables.Insert(0, variable);
        }
        return (load, variables, types.ToList());
    }

    /// <summary>The exception regions around <paramref name="instruction"/>: each handler, and whether it is in the handler (true) or the try.</summary>
    private IEnumerable<(ExceptionHandler Handler, bool InHandler)> RegionsAround(Instruction instruction)
    {
        int at = body.Instructions.IndexOf(instruction);
        int Index(Instruction? i) => i is null ? body.Instructions.Count : body.Instructions.IndexOf(i);
        foreach (var handler in body.ExceptionHandlers)
        {
            if (at >= Index(handler.TryStart) && at < Index(handler.TryEnd)) yield return (handler, false);
            else if (at >= Index(handler.HandlerStart) && at < Index(handler.HandlerEnd)) yield return (handler, true);
            else if (handler.FilterStart is { } filter && at >= Index(filter) && at < Index(handler.HandlerStart)) yield return (handler, true);
        }
    }

    private static bool IsHint(Instruction instruction, string name) => HintCalls.IsCallOf(instruction, name);

    private WeavingException Error(Instruction? at, string message)
    {
        string where = at is null ? "" : $" at IL_{at.Offset:x4}";
        var point = at is not null && portal.DebugInformation.GetSequencePointMapping().TryGetValue(at, out var found) ? found : null;
        string line = point is null ? "" : $" ({point.Document.Url}:{point.StartLine})";
        return new WeavingException($"{portal.FullName}{where}{line}: {message}.");
    }
}
