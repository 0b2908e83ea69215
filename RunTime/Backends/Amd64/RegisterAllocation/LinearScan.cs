using Iced.Intel;
using PeJit.Backends.Amd64.Lowering;

namespace PeJit.Backends.Amd64.RegisterAllocation;

/// <summary>
/// Linear-scan register allocation (Poletto and Sarkar, 1999) over the live intervals of
/// <see cref="MachineLiveness"/>, with lifetime holes: intervals in order of start; each takes a register none of
/// whose intervals meets it (preferably one its partners hold, below), or, when there is none, the register whose
/// meeting intervals cost least to spill (by <see cref="LiveInterval.Weight"/>, uses weighted by loop depth) gives
/// them up if they cost less than this one, else this one is spilled; a spilled interval has a stack slot of its own
/// for its whole life. Cost: O(intervals × intervals held × ranges) in the worst case; intervals that ended are
/// dropped as the scan passes them.
/// </summary>
/// <remarks>
/// Strategy: one location per virtual register keeps block parameters simple: an edge's parallel move writes
/// each target parameter's one location. Partners are a block parameter and the arguments edges pass it, and a
/// two-address result and its first operand: giving them one register makes the edge's move or the emitter's
/// <c>mov</c> disappear (a loop variable and its next value share a register when their intervals do not
/// overlap). Spilling by weight rather than by furthest end keeps the values an inner loop reads in registers,
/// and spills those only live across it (an array's base used in the loop is worth more than a limit read after
/// it). rax, rcx, rdx and r11 are never allocated: the emitter uses them as scratch (division's rdx:rax, shift
/// counts in cl, spilled operands, cycles of parallel moves), so no instruction needs a fixed register and the
/// allocator has none to honour. rsp and rbp hold the frame. The callee-saved registers among the allocatable ones
/// (rbx, r12–r15) are handed out last and reported, so the prologue saves only what is written.
/// </remarks>
public static class LinearScan
{
    /// <summary>The registers handed out, caller-saved first.</summary>
    public static readonly IReadOnlyList<Register> Allocatable =
        [Register.RSI, Register.RDI, Register.R8, Register.R9, Register.R10, Register.RBX, Register.R12, Register.R13, Register.R14, Register.R15];

    /// <summary>The callee-saved registers of the System V convention among <see cref="Allocatable"/>.</summary>
    public static readonly IReadOnlySet<Register> CalleeSaved = new HashSet<Register> { Register.RBX, Register.R12, Register.R13, Register.R14, Register.R15 };

    /// <summary>Allocates <paramref name="function"/>'s registers using at most <paramref name="registers"/> of <see cref="Allocatable"/> (tests lower it to force spills).</summary>
    public static Allocation Allocate(MachineFunction function, int registers = int.MaxValue)
    {
        var intervals = MachineLiveness.Intervals(function);
        var partners = Partners(function);
        var locations = new Location[function.RegisterCount];
        var candidates = Allocatable.Take(registers).ToList();
        // The intervals each physical register holds that may still meet a later one (ending at or after its start).
        var holding = candidates.ToDictionary(r => r, _ => new List<LiveInterval>());
        var used = new HashSet<Register>();
        int slots = 0;
        foreach (var interval in intervals.Where(i => i is not null).Select(i => i!).OrderBy(i => i.Start).ThenBy(i => i.Register.Index))
        {
            foreach (var list in holding.Values) list.RemoveAll(held => held.End < interval.Start);
            // A register none of whose intervals meets this one is free here (its values are dead in this one's ranges).
            var free = candidates.Where(r => !holding[r].Any(held => held.Intersects(interval))).ToList();
            if (free.Count > 0)
            {
                var register = Preferred(partners[interval.Register.Index], locations, free) ?? free[0];
                Assign(interval, register);
                continue;
            }
            // None is free: the register whose meeting intervals are cheapest to spill gives them up, if they cost
            // less than this one; else this one is spilled (with one interval per register, Poletto and Sarkar's choice).
            var (cheapest, cost) = candidates
                .Select(r => (Register: r, Cost: holding[r].Where(held => held.Intersects(interval)).Sum(held => held.Weight)))
                .OrderBy(c => c.Cost).First();
            if (cost < interval.Weight)
            {
                foreach (var victim in holding[cheapest].Where(held => held.Intersects(interval)).ToList())
                {
                    locations[victim.Register.Index] = Location.Spilled(slots++);
                    holding[cheapest].Remove(victim);
                }
                Assign(interval, cheapest);
            }
            else
            {
                locations[interval.Register.Index] = Location.Spilled(slots++);
            }
        }
        // A register defined but never live (a result nobody reads) still needs somewhere to be written.
        for (int i = 0; i < locations.Length; i++)
            if (intervals[i] is null) locations[i] = Location.In(Register.R11);
        return new Allocation(locations, slots, Allocatable.Where(r => used.Contains(r) && CalleeSaved.Contains(r)).ToList());

        void Assign(LiveInterval interval, Register register)
        {
            locations[interval.Register.Index] = Location.In(register);
            holding[register].Add(interval);
            used.Add(register);
        }
    }

    /// <summary>A free register a partner already holds, if any.</summary>
    private static Register? Preferred(List<VirtualRegister>? partners, Location[] locations, List<Register> free)
    {
        if (partners is null) return null;
        foreach (var partner in partners)
            if (locations[partner.Index] is { IsSpilled: false } location && free.Contains(location.Register))
                return location.Register;
        return null;
    }

    /// <summary>For each register, the registers that would rather share its physical register (see the remarks).</summary>
    private static List<VirtualRegister>?[] Partners(MachineFunction function)
    {
        var partners = new List<VirtualRegister>?[function.RegisterCount];
        void Pair(VirtualRegister a, VirtualRegister b)
        {
            if (a == b) return;
            (partners[a.Index] ??= []).Add(b);
            (partners[b.Index] ??= []).Add(a);
        }
        foreach (var block in function.Blocks)
            foreach (var instruction in block.Instructions)
            {
                if (instruction.Edge is { Exit: null } edge)
                {
                    var parameters = function.Blocks[edge.Target].Parameters;
                    for (int i = 0; i < parameters.Count; i++)
                        if (edge.Arguments[i].Register is { } argument) Pair(argument, parameters[i]);
                }
                if (instruction is { Result: { } result, Operands: [{ Register: { } first }, ..] }
                    && instruction.Opcode is MachineOpcode.Move or MachineOpcode.Add or MachineOpcode.Subtract or MachineOpcode.Multiply
                        or MachineOpcode.And or MachineOpcode.Or or MachineOpcode.Xor or MachineOpcode.ShiftLeft or MachineOpcode.ShiftRight
                        or MachineOpcode.ShiftRightUnsigned or MachineOpcode.Negate or MachineOpcode.Not or MachineOpcode.Extend)
                    Pair(result, first);
            }
        return partners;
    }
}
