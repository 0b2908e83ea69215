using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// A <c>throw</c> whose exception the unit's own catch handler takes becomes a jump to a copy of that handler: an error
/// raised and caught in one unit (Lua's <c>error()</c> inlined under the <c>pcall</c> around it) costs no .NET
/// exception, whose throw and two-pass unwinding are the most expensive thing such a unit does (microseconds each).
/// </summary>
/// <remarks>
/// <para>
/// The throw must stand in a catch region's protected blocks (its innermost region), with an exception whose static
/// class is the caught one or derives from it. The handler is copied into that protected region (the copy's blocks are
/// in the try, so its <c>leave</c>s leave the try instead of the handler, to the same blocks), and the throw becomes
/// <c>brif exception, copy(exception), throw</c>: a null exception still throws (a <see cref="NullReferenceException"/>,
/// which the handler does not take).
/// </para>
/// <para>
/// What keeps the copy equivalent to the handler, which runs outside the try: it cannot raise an exception the region
/// would catch (no calls, no throws; the catch type is unrelated to <see cref="SystemException"/>, the class of what the
/// runtime raises on loads, stores and arithmetic), its values are not used outside it (it ends in <c>leave</c>s and jumps
/// among its own blocks), and the exception object is only read (field loads): nothing can see its stack trace, which a
/// jump does not fill in.
/// </para>
/// <para>Cost: linear in the graph; one copy of a handler per region and per handler context of the throws.</para>
/// </remarks>
internal static class LocalThrows
{
    public static void Run(FlowGraph graph)
    {
        if (graph.RegionCount == 0 || graph.Members is null) return;
        int regions = graph.RegionCount;
        var plans = new Block[]?[regions];  // the handler's blocks, entry first; empty when not copyable
        var copies = new List<(Region? Context, Block Entry)>?[regions];
        int count = graph.BlockCount;
        for (int index = 0; index < count; index++)
        {
            var block = new Block(index);
            var data = graph[block];
            if (data.Terminator is not { Opcode: Opcode.Throw } thrown || data.Try is not Region region) continue;
            var handler = plans[region.Index] ??= Plan(graph, region);
            if (handler.Length == 0 || !Caught(graph, graph.TypeOf(thrown.Operands[0]), graph[region].CatchType!)) continue;
            copies[region.Index] ??= [];
            Block? entry = null;
            foreach (var (context, copy) in copies[region.Index]!)
                if (context == data.HandlerOf) entry = copy;
            if (entry is null)
            {
                entry = Copy(graph, handler, region, data.HandlerOf);
                copies[region.Index]!.Add((data.HandlerOf, entry.Value));
            }
            var exception = thrown.Operands[0];
            data.Instructions.RemoveAt(data.Instructions.Count - 1);
            if (IsNew(graph, block, exception))
            {
                graph.Append(block, new Instruction(Opcode.Jump) { Location = thrown.Location, Targets = { new BlockCall(entry.Value, [exception]) } });
                continue;
            }
            var throwing = graph.AddBlock();
            graph[throwing].Try = data.Try;
            graph[throwing].HandlerOf = data.HandlerOf;
            graph.Append(throwing, thrown);
            graph.Append(block, new Instruction(Opcode.BrIf, exception)
            {
                Location = thrown.Location,
                Targets = { new BlockCall(entry.Value, [exception]), new BlockCall(throwing, []) },
            });
        }
    }

    /// <summary>The handler's blocks, its entry first, when a copy of them is equivalent in the try (the remarks); else none.</summary>
    private static Block[] Plan(FlowGraph graph, Region region)
    {
        var data = graph[region];
        if (data.Kind != RegionKind.Catch || data.CatchType is not { } catchType || graph[data.Handler].Parameters.Count != 1) return [];
        Type type;
        try
        {
            type = graph.Members!.ResolveType(catchType);
        }
        catch (Exception)
        {
            return [];
        }
        if (typeof(SystemException).IsAssignableFrom(type) || type.IsAssignableFrom(typeof(SystemException))) return [];
        var order = new List<Block> { data.Handler };
        var inside = new BlockSet { data.Handler };
        var defined = new ValueSet();
        var exception = graph[data.Handler].Parameters[0];
        for (int k = 0; k < order.Count; k++)
        {
            var block = order[k];
            if (graph[block].HandlerOf != region) return [];
            foreach (var parameter in graph[block].Parameters) defined.Add(parameter);
            foreach (var instruction in graph[block].Instructions)
            {
                var flags = instruction.Info.Flags;
                if ((flags & OpcodeFlags.Call) != 0 || instruction.Opcode is Opcode.Throw or Opcode.Rethrow or Opcode.Return
                    or Opcode.EndFinally or Opcode.EndFilter or Opcode.NewObject or Opcode.LoadFunction or Opcode.LoadVirtualFunction)
                    return [];
                for (int i = 0; i < instruction.Operands.Count; i++)
                    if (instruction.Operands[i] == exception && !(instruction.Opcode == Opcode.LoadField && i == 0)) return [];
                if (instruction.Result is { } result) defined.Add(result);
                foreach (var target in instruction.Targets)
                {
                    if (GraphEdits.IndexOf(target.Arguments, exception) >= 0) return [];
                    if (instruction.Opcode == Opcode.Leave || !inside.Add(target.Target)) continue;
                    order.Add(target.Target);
                }
            }
        }
        // The handler's values are its own: nothing after a leave reads them (the copy's would not reach it).
        foreach (var block in graph.Blocks)
        {
            if (inside.Contains(block)) continue;
            foreach (var instruction in graph[block].Instructions)
            {
                foreach (var operand in instruction.Operands)
                    if (defined.Contains(operand)) return [];
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments)
                        if (defined.Contains(argument)) return [];
            }
        }
        return [.. order];
    }

    /// <summary>Whether an exception of static type <paramref name="thrown"/> is always one <paramref name="caught"/> takes (when not null).</summary>
    private static bool Caught(FlowGraph graph, IrType thrown, IrType caught)
    {
        if (thrown.Equals(caught)) return true;
        if (thrown.Kind != TypeKind.Class) return false;
        try
        {
            return graph.Members!.ResolveType(caught).IsAssignableFrom(graph.Members.ResolveType(thrown));
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="value"/> is an object the block made (never null).</summary>
    private static bool IsNew(FlowGraph graph, Block block, Value value)
    {
        foreach (var instruction in graph[block].Instructions)
            if (instruction.Result == value) return instruction.Opcode is Opcode.NewObject or Opcode.Allocate;
        return false;
    }

    /// <summary>Copies the handler's blocks into the protected blocks of <paramref name="region"/>; returns the copy of its entry.</summary>
    private static Block Copy(FlowGraph graph, Block[] handler, Region region, Region? context)
    {
        // A leave goes where the handler's leave goes, out of the try, even to a block of the handler (its end).
        var (blocks, _) = BlockCopy.Copy(graph, handler, (_, copy) => { graph[copy].Try = region; graph[copy].HandlerOf = context; },
            instruction => instruction.Opcode == Opcode.Leave);
        return blocks[handler[0]];
    }
}
