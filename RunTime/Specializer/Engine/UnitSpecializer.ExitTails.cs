using PeJit.IR;

namespace PeJit.Specializer.Engine;

// Shared exit tails: an exit does not store the exit buffer itself; it jumps to a tail that does, passing only
// what differs between the exits that share it. Cold exits then cost a jump and a few arguments each instead
// of a box and a store per slot, which keeps a unit with many exits small (.NET compiles a method past 60,000
// IL bytes without optimizations).
public sealed partial class UnitSpecializer
{
    private sealed partial class Run
    {
        /// <summary>One slot an exit writes: its IR type and its content, green (lifted where stored) or red.</summary>
        private sealed record ExitSlot(IrType Type, Known Content);

        /// <summary>An exit whose stores wait for its tail: the block it ends, and the slots from 0 (the exit's number) on.</summary>
        private sealed record PendingExit(Block Block, IReadOnlyList<ExitSlot> Slots);

        private readonly List<PendingExit> pendingExits = [];

        /// <summary>
        /// Ends the current block by leaving the unit with <paramref name="slots"/> in the exit buffer (slot i
        /// holds <c>slots[i]</c>, boxed). Outside exception regions the stores are made by a tail shared with the
        /// other exits of the same slot types (<see cref="EmitExitTails"/>, at the end of the run); inside one
        /// the block stores them itself, since a jump out of a protected region would have to be a <c>leave</c>.
        /// </summary>
        private void LeaveUnit(IReadOnlyList<ExitSlot> slots)
        {
            var data = residual[current];
            if (data.Try is not null || data.HandlerOf is not null)
            {
                for (int i = 0; i < slots.Count; i++) StoreExit(i, Box(Lift(slots[i].Content, slots[i].Type), slots[i].Type));
                ReturnDefault();
                return;
            }
            pendingExits.Add(new PendingExit(current, slots));
        }

        /// <summary>
        /// Gives each group of pending exits with the same slot types one tail block that boxes and stores every
        /// slot and returns. A slot whose content is the same at every exit of the group (the same red value, or
        /// equal greens) is lifted in the tail; the others are the tail's parameters, and each exit jumps there
        /// with its own. Exits stay exact: every slot gets the value the exit's own stores would have written.
        /// Cost: O(exits x slots).
        /// </summary>
        private void EmitExitTails()
        {
            // Grouped by their slots' types in order of first appearance, with loops rather than LINQ's GroupBy: this runs
            // in every process's first unit, where GroupBy, its lookup and iterators are some sixty type loads for .NET
            // (Docs/PERFORMANCE.md, "Cold warm-up").
            // An array of groups and a map to their indices rather than a list of lists and a map to lists: each distinct
            // collection type is 10-17 type loads in the first unit of every process (Docs/PERFORMANCE.md, "cold7").
            if (pendingExits.Count == 0) return;
            var groups = new List<PendingExit>[pendingExits.Count];
            int groupCount = 0;
            var bySlotTypes = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var pending in pendingExits)
            {
                string slotTypes = SlotTypes(pending.Slots);
                if (!bySlotTypes.TryGetValue(slotTypes, out int group))
                {
                    bySlotTypes.Add(slotTypes, group = groupCount++);
                    groups[group] = [];
                }
                groups[group].Add(pending);
            }
            for (int g = 0; g < groupCount; g++)
            {
                var exits = groups[g];
                var first = exits[0].Slots;
                var tail = residual.AddBlock();
                var parameters = new Value?[first.Count];
                for (int i = 0; i < first.Count; i++)
                {
                    bool same = true;
                    for (int e = 1; e < exits.Count && same; e++) same = Same(exits[e].Slots[i].Content, first[i].Content);
                    if (same) continue;
                    parameters[i] = residual.AddParameter(tail, first[i].Type, "exit" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                foreach (var exit in exits)
                {
                    current = exit.Block;
                    var arguments = new List<Value>();
                    for (int i = 0; i < first.Count; i++)
                        if (parameters[i] is not null) arguments.Add(Lift(exit.Slots[i].Content, exit.Slots[i].Type));
                    Append(new Instruction(Opcode.Jump) { Targets = { new BlockCall(tail, arguments) } });
                }
                current = tail;
                for (int i = 0; i < first.Count; i++)
                    StoreExit(i, Box(parameters[i] ?? Lift(first[i].Content, first[i].Type), first[i].Type));
                ReturnDefault();
            }
            pendingExits.Clear();
        }

        /// <summary>The types of <paramref name="slots"/>, comma-separated: exits with the same share a tail.</summary>
        private static string SlotTypes(IReadOnlyList<ExitSlot> slots)
        {
            var text = new System.Text.StringBuilder();
            for (int i = 0; i < slots.Count; i++)
            {
                if (i > 0) text.Append(',');
                text.Append(slots[i].Type.ToString());
            }
            return text.ToString();
        }

        /// <summary>
        /// Whether two exits write the same into a slot: the same red value (defined before both, so before the
        /// tail too: a definition that dominates every jump into a block dominates the block), or greens equal
        /// as constants (primitives and strings by value, anything else by identity, as lifting keeps it).
        /// </summary>
        private static bool Same(Known a, Known b)
        {
            if (a.IsGreen != b.IsGreen) return false;
            if (!a.IsGreen) return a.Red == b.Red;
            if (a.Green is null || b.Green is null) return a.Green is null && b.Green is null;
            if (a.Green.GetType() != b.Green.GetType()) return false;
            // Floats by their bits: 0.0 and -0.0 are Equal but not the same constant.
            if (a.Green is double x) return BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits((double)b.Green);
            if (a.Green is float y) return BitConverter.SingleToInt32Bits(y) == BitConverter.SingleToInt32Bits((float)b.Green);
            return a.Green.GetType().IsPrimitive || a.Green is string ? a.Green.Equals(b.Green) : ReferenceEquals(a.Green, b.Green);
        }
    }
}
