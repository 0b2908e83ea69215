using Iced.Intel;
using PeJit.Backends.Amd64.Lowering;

namespace PeJit.Backends.Amd64.RegisterAllocation;

/// <summary>
/// Linear-scan register allocation (Poletto and Sarkar, 1999) over the live intervals of
/// <see cref="MachineLiveness"/>: intervals in order of start; each takes a free register, or, when none is
/// free, the interval ending last (it or an active one) is spilled to a stack slot of its own for its whole life.
/// </summary>
/// <remarks>
/// Strategy: one location per virtual register keeps block parameters simple: an edge's parallel move writes
/// each target parameter's one location. rax, rcx, rdx and r11 are never allocated: the emitter uses them as
/// scratch (division's rdx:rax, shift counts in cl, spilled operands, cycles of parallel moves), so no
/// instruction needs a fixed register and the allocator has none to honour. rsp and rbp hold the frame. The
/// callee-saved registers among the allocatable ones (rbx, r12–r15) are handed out last and reported, so the
/// prologue saves only what is written.
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
        var locations = new Location[function.RegisterCount];
        var free = new List<Register>(Allocatable.Take(registers));
        var active = new List<LiveInterval>();
        var used = new HashSet<Register>();
        int slots = 0;
        foreach (var interval in intervals.Where(i => i is not null).Select(i => i!).OrderBy(i => i.Start).ThenBy(i => i.Register.Index))
        {
            // Expire intervals that ended before this one starts.
            foreach (var done in active.Where(a => a.End < interval.Start).ToList())
            {
                active.Remove(done);
                free.Insert(0, locations[done.Register.Index].Register);
            }
            if (free.Count > 0)
            {
                var register = free.First(r => !CalleeSaved.Contains(r) || free.All(f => CalleeSaved.Contains(f)));
                free.Remove(register);
                locations[interval.Register.Index] = Location.In(register);
                used.Add(register);
                active.Add(interval);
                continue;
            }
            var victim = active.OrderByDescending(a => a.End).FirstOrDefault();
            if (victim is not null && victim.End > interval.End)
            {
                locations[interval.Register.Index] = locations[victim.Register.Index];
                locations[victim.Register.Index] = Location.Spilled(slots++);
                active.Remove(victim);
                active.Add(interval);
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
    }
}
