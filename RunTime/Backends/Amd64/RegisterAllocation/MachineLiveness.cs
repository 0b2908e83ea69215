using PeJit.Backends.Amd64.Lowering;

namespace PeJit.Backends.Amd64.RegisterAllocation;

/// <summary>
/// Live-in sets of virtual registers per machine block, and the live intervals built from them over the block
/// order. Iterates the usual backward data-flow equations to a fixed point; cost O(blocks × instructions × passes).
/// </summary>
/// <remarks>
/// Positions: each block has a start position (its parameters are defined there), and each instruction two,
/// an even one where it reads and the odd one after it where it writes; so an operand's interval may end where
/// the result's begins, and the two may share a register (the emitter reads every operand before it writes).
/// Within a block a register's range runs from the block's start (live into it, or a parameter) or its
/// definition to the block's end (live out of it, into any successor, through any edge, mid-block branches
/// included) or its last use; blocks it is not live in are holes.
/// </remarks>
public static class MachineLiveness
{
    /// <summary>The live intervals of every register of <paramref name="function"/>, by register index (null for a register never used).</summary>
    public static LiveInterval?[] Intervals(MachineFunction function)
    {
        var liveIn = LiveIn(function);
        var intervals = new LiveInterval?[function.RegisterCount];
        // Each register's range in the block being walked, by register index.
        var local = new Dictionary<int, (int First, int Last)>();
        int position = 0;
        foreach (var block in function.Blocks)
        {
            local.Clear();
            double weight = Math.Pow(10, Math.Min(block.LoopDepth, 6));
            void Touch(VirtualRegister register, int at, double cost)
            {
                local[register.Index] = local.TryGetValue(register.Index, out var range) ? (Math.Min(range.First, at), Math.Max(range.Last, at)) : (at, at);
                (intervals[register.Index] ??= new LiveInterval(register)).Weight += cost;
            }
            int start = position;
            position += 2;
            foreach (var register in liveIn[block.Number]) Touch(register, start, 0);
            foreach (var parameter in block.Parameters) Touch(parameter, start, weight);
            foreach (var instruction in block.Instructions)
            {
                foreach (var use in instruction.Uses()) Touch(use, position, weight);
                if (instruction.Edge is { Exit: null } edge)
                    foreach (var argument in edge.Arguments)
                        if (argument.Register is { } register) Touch(register, position, weight);
                if (instruction.Result is { } result) Touch(result, position + 1, weight);
                position += 2;
            }
            int end = position - 1;
            foreach (var edge in block.Edges())
                if (edge.Exit is null)
                    foreach (var register in LiveThrough(function, liveIn, edge)) Touch(register, end, 0);
            foreach (var (index, range) in local.OrderBy(r => r.Key)) intervals[index]!.Add(range.First, range.Last);
        }
        return intervals;
    }

    /// <summary>The registers live into each block of <paramref name="function"/>, by block number (block parameters excluded: the edges define them).</summary>
    public static HashSet<VirtualRegister>[] LiveIn(MachineFunction function)
    {
        var liveIn = function.Blocks.Select(_ => new HashSet<VirtualRegister>()).ToArray();
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int b = function.Blocks.Count - 1; b >= 0; b--)
            {
                var block = function.Blocks[b];
                var live = new HashSet<VirtualRegister>();
                for (int i = block.Instructions.Count - 1; i >= 0; i--)
                {
                    var instruction = block.Instructions[i];
                    if (instruction.Result is { } result) live.Remove(result);
                    if (instruction.Edge is { Exit: null } edge)
                    {
                        live.UnionWith(LiveThrough(function, liveIn, edge));
                        foreach (var argument in edge.Arguments)
                            if (argument.Register is { } register) live.Add(register);
                    }
                    live.UnionWith(instruction.Uses());
                }
                live.ExceptWith(block.Parameters);
                if (!live.SetEquals(liveIn[b]))
                {
                    liveIn[b] = live;
                    changed = true;
                }
            }
        }
        return liveIn;
    }

    private static IEnumerable<VirtualRegister> LiveThrough(MachineFunction function, HashSet<VirtualRegister>[] liveIn, MachineEdge edge) =>
        liveIn[edge.Target].Except(function.Blocks[edge.Target].Parameters);
}
