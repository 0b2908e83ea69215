using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Joins: paths of one step split at red branches share their code again where they reach the same program
// point with the same greens (polyvariant block specialization, the memoization of "mix"), so k red ifs in a
// step give k joins, not 2^k copies of the rest of the step.
public sealed partial class UnitSpecializer
{
    /// <summary>A path stopped at a join point: its open residual block, its frames, and when it got there.</summary>
    /// <remarks>
    /// A class, compared by identity (each arrival is one path's): as a record its equality, used by
    /// <c>Run.ReleaseJoins</c>, went through <c>EqualityComparer&lt;Block&gt;</c>, four framework methods .NET
    /// compiles in the first unit of a process whose paths join (Docs/PERFORMANCE.md, "Cold warm-up").
    /// </remarks>
    private sealed class Arrival(Block residual, List<ExtensionFrame> frames, int sequence)
    {
        public Block Residual { get; } = residual;

        public List<ExtensionFrame> Frames { get; } = frames;

        public int Sequence { get; } = sequence;
    }

    /// <summary>
    /// A residual block that paths joined into: the frames as the joined path went on from it, and which
    /// values (frame, value) are its parameters, in order; a path arriving later with the same greens jumps there.
    /// </summary>
    private sealed record JoinRecord(Block Block, List<ExtensionFrame> Frames, List<(int Frame, int Value)> Parameters);

    /// <summary>What became of a path at a join point.</summary>
    private enum Arrived
    {
        /// <summary>It runs on (no other path can join it here, or it is the joined path).</summary>
        Continue,

        /// <summary>It waits for the other paths of its step.</summary>
        Parked,

        /// <summary>It jumped into code already made for the same greens: the path ends.</summary>
        Ended,
    }

    /// <summary>The paths of one step (the step that starts at one green key): how many there are, which wait at join points, and the joins made.</summary>
    private sealed class StepPaths(GreenKey origin)
    {
        public GreenKey Origin { get; } = origin;

        /// <summary>Paths of the step that exist: queued, running or parked.</summary>
        public int Alive;

        /// <summary>Paths waiting at a join point, in the order they got there.</summary>
        public List<Arrival> Parked { get; } = [];

        /// <summary>The joins made in this step, for paths that come later (round a loop, say).</summary>
        public List<JoinRecord> Records { get; } = [];
    }

    /// <summary>
    /// The paths still to run, first in first out, and per step the count of its paths; a path released from a
    /// join point runs before any queued one (it is the earliest of its step).
    /// </summary>
    private sealed class PathQueue
    {
        private readonly Queue<Pending> queue = new();
        private readonly Stack<Pending> released = new();
        private readonly Dictionary<GreenKey, StepPaths> steps = [];

        public int Count => queue.Count + released.Count;

        /// <summary>A new path of its step.</summary>
        public void Enqueue(Pending path)
        {
            StepOf(path.Origin).Alive++;
            queue.Enqueue(path);
        }

        /// <summary>A path that already counts (parked, or the one a join made) goes on next.</summary>
        public void Resume(Pending path) => released.Push(path);

        public Pending Dequeue() => released.Count > 0 ? released.Pop() : queue.Dequeue();

        public StepPaths StepOf(GreenKey origin)
        {
            if (!steps.TryGetValue(origin, out var step)) steps[origin] = step = new StepPaths(origin);
            return step;
        }
    }

    private sealed partial class Run
    {
        // The step of the path running now, and how many paths have arrived at join points so far (their order).
        private StepPaths step = null!;
        private int arrivals;

        /// <summary>
        /// The path has just entered a block (<paramref name="blockEntry"/>) or come back from a call: at a join
        /// point it jumps into a join made for the same greens, or waits for the other paths of its step.
        /// </summary>
        /// <remarks>
        /// Alone in its step, a path runs on (nothing can join it), except into a generalized loop's header,
        /// where it makes the loop's join block at once for the paths that will come round the back edge.
        /// The merge point's block is left to the green keys: a key is the join there.
        /// </remarks>
        private Arrived Arrive(List<ExtensionFrame> frames, bool blockEntry)
        {
            var top = frames[^1];
            bool loop = false;
            if (blockEntry)
            {
                if (top.Graph == owner.program.Portal && top.Block == owner.portal.MergeBlock.Index) return Arrived.Continue;
                // So is an inlined other portal's (its activation's keys, PassInlinedMergePoint).
                if (top.InlinedPortal?.Other is { } other && top.Graph == other.Program.Portal && top.Block == other.Program.Shape.MergeBlock.Index) return Arrived.Continue;
                var points = top.Graph.JoinPoints;
                if (!points.IsJoin(top.Block)) return Arrived.Continue;
                loop = points.IsLoopJoin(top.Block);
            }
            if (step.Records.Count > 0 && JoinRecorded(frames)) return Arrived.Ended;
            if (step.Alive > 1)
            {
                step.Parked.Add(new Arrival(current, frames, arrivals++));
                return Arrived.Parked;
            }
            if (loop) Join([new Arrival(current, frames, arrivals++)], loop: true);
            return Arrived.Continue;
        }

        /// <summary>
        /// When every path of <paramref name="paths"/> waits at a join point, releases the earliest: the paths
        /// there with the same greens share one residual block and go on as one path (run next).
        /// </summary>
        /// <remarks>
        /// Strategy: paths move forward in reverse post-order, so no path still running or waiting at a later
        /// point can reach the earliest one, except over a back edge (which finds the join recorded). Ties keep
        /// the order of arrival, so specialization stays deterministic.
        /// </remarks>
        private void ReleaseJoins(StepPaths paths)
        {
            while (paths.Parked.Count > 0 && paths.Parked.Count == paths.Alive)
            {
                var parked = paths.Parked;
                var first = parked[0];
                foreach (var arrival in parked)
                    if (ComparePositions(arrival.Frames, first.Frames) < 0) first = arrival;
                // Loops, in arrival order, rather than LINQ's Where, RemoveAll(Contains) and RemoveAll with a closure: their
                // iterators, delegates and comparer over Arrival were type loads of every process's first unit. Each arrival is
                // parked once, so the partition is what removing the group's members did.
                var group = new List<Arrival>();
                int kept = 0;
                for (int i = 0; i < parked.Count; i++)
                {
                    var a = parked[i];
                    if (a == first || SamePosition(a.Frames, first.Frames) && MayJoin(first.Frames, a.Frames)) group.Add(a);
                    else parked[kept++] = a;
                }
                parked.RemoveRange(kept, parked.Count - kept);
                origin = paths.Origin;
                step = paths;
                if (paths.Records.Count > 0)
                {
                    int open = 0;
                    for (int i = 0; i < group.Count; i++)
                    {
                        var a = group[i];
                        current = a.Residual;
                        if (JoinRecorded(a.Frames))
                        {
                            paths.Alive--;
                            continue;
                        }
                        group[open++] = a;
                    }
                    group.RemoveRange(open, group.Count - open);
                }
                if (group.Count == 0) continue;
                var top = group[0].Frames[^1];
                bool loop = top.Index == 0 && top.Graph.JoinPoints.IsLoopJoin(top.Block);
                if (group.Count == 1 && !loop)
                {
                    pending.Resume(new Pending(group[0].Residual, group[0].Frames, null, paths.Origin));
                    return;
                }
                Join(group, loop);
                paths.Alive -= group.Count - 1;
                pending.Resume(new Pending(current, group[0].Frames, null, paths.Origin));
                return;
            }
        }

        /// <summary>
        /// Joins <paramref name="group"/> (at one point, <see cref="MayJoin"/> pairwise with the first) in a new
        /// residual block: each red value live there that differs between the paths (every red one at a loop join)
        /// is a parameter, and each path's open block jumps there with its values. The first path's frames go on,
        /// from the new block (made <see cref="current"/>); its values dead here are forgotten.
        /// </summary>
        private void Join(List<Arrival> group, bool loop)
        {
            var block = residual.AddBlock();
            // The paths are in the same residual regions (MayJoin): so is the block they share.
            residual[block].Try = residual[group[0].Residual].Try;
            residual[block].HandlerOf = residual[group[0].Residual].HandlerOf;
            var frames = group[0].Frames;
            var parameters = new List<(int Frame, int Value)>();
            for (int f = 0; f < frames.Count; f++)
            {
                var frame = frames[f];
                foreach (int value in LiveAt(frame))
                {
                    bool red = false, same = true;
                    foreach (var arrival in group)
                    {
                        var other = arrival.Frames[f];
                        if (other.States[value] != RegisterState.Red) { same &= other.States[value] == frame.States[value]; continue; }
                        red = true;
                        same &= frame.States[value] == RegisterState.Red && other.Reds[value] == frame.Reds[value];
                    }
                    if (red && (loop || !same)) parameters.Add((f, value));
                }
            }
            // A loop, not LINQ's Select over the tuples: a framework generic over (int, int) and Value .NET compiles cold.
            var values = new Value[parameters.Count];
            for (int p = 0; p < parameters.Count; p++) values[p] = residual.AddParameter(block, JoinType(group, parameters[p].Frame, parameters[p].Value));
            foreach (var arrival in group)
            {
                current = arrival.Residual;
                JumpTo(block, arrival.Frames, parameters);
            }
            for (int p = 0; p < parameters.Count; p++) frames[parameters[p].Frame].SetRed(parameters[p].Value, values[p]);
            foreach (var frame in frames) ForgetDeadReds(frame);
            current = block;
            var copies = new List<ExtensionFrame>(frames.Count);
            foreach (var frame in frames) copies.Add(frame.Copy());
            step.Records.Add(new JoinRecord(block, copies, parameters));
        }

        /// <summary>
        /// The type of a join's parameter for value <paramref name="value"/> of frame <paramref name="f"/>: the frame's type
        /// for it, instantiated in the frame of an inlined generic method (<see cref="Instantiation"/>); for a generic parameter
        /// no call said the argument of, the one type the red values that arrive have, a reference one as <c>object</c> (what .NET's shared
        /// generic code holds too); still the generic parameter when they differ, which the backend then refuses.
        /// </summary>
        private IrType JoinType(List<Arrival> group, int f, int value)
        {
            var declared = TypeIn(group[0].Frames[f], group[0].Frames[f].Graph.Types[value]);
            if (declared.Kind != TypeKind.GenericParameter) return declared;
            IrType? common = null;
            foreach (var arrival in group)
            {
                var frame = arrival.Frames[f];
                if (frame.States[value] != RegisterState.Red) continue;
                var type = residual.TypeOf(frame.Reds[value]);
                if (type.IsReference) type = IrType.Object;
                if (common is null) common = type;
                else if (common != type) return declared;
            }
            return common ?? declared;
        }

        /// <summary>Ends the current block with a jump to <paramref name="block"/>, passing the values <paramref name="parameters"/> names in <paramref name="frames"/> (green ones lifted to the parameter's type).</summary>
        private void JumpTo(Block block, List<ExtensionFrame> frames, List<(int Frame, int Value)> parameters)
        {
            var arguments = new List<Value>(parameters.Count);
            var blockParameters = residual[block].Parameters;
            for (int i = 0; i < parameters.Count; i++)
            {
                var (f, value) = parameters[i];
                var frame = frames[f];
                Ensure(frame, value);
                arguments.Add(Lift(frame, value, residual.TypeOf(blockParameters[i])));
            }
            Append(new Instruction(Opcode.Jump) { Targets = { new BlockCall(block, arguments) } });
        }

        /// <summary>A join made earlier at this point that the path can take (same greens, the same residual values where the join has no parameter): jumps there, true.</summary>
        private bool JoinRecorded(List<ExtensionFrame> frames)
        {
            foreach (var record in step.Records)
            {
                if (!SamePosition(record.Frames, frames) || !MayJoin(record.Frames, frames)) continue;
                bool fits = true;
                for (int f = 0; f < frames.Count && fits; f++)
                {
                    var known = record.Frames[f];
                    var frame = frames[f];
                    foreach (int value in LiveAt(known))
                    {
                        if (known.States[value] != RegisterState.Red || frame.States[value] == RegisterState.Red && frame.Reds[value] == known.Reds[value]) continue;
                        if (!record.Parameters.Contains((f, value))) { fits = false; break; }
                    }
                }
                if (!fits) continue;
                JumpTo(record.Block, frames, record.Parameters);
                return true;
            }
            return false;
        }

        /// <summary>
        /// True when paths at one point may share its code: the same call arguments and slots in every frame, and
        /// each live value green and equal in both, red in both, or red by the analysis and green in one (then
        /// lifted: the engine knew more than the analysis promised, as after an unfolded call). Values dead there
        /// do not count.
        /// </summary>
        private static bool MayJoin(List<ExtensionFrame> a, List<ExtensionFrame> b)
        {
            for (int f = 0; f < a.Count; f++)
            {
                var x = a[f];
                var y = b[f];
                if (!SameArguments(x.UnfoldedGreens, y.UnfoldedGreens) || !SameSlots(x, y) || !SameRegions(x, y)) return false;
                var graph = x.Graph;
                foreach (int value in LiveAt(x))
                {
                    var sx = x.States[value];
                    var sy = y.States[value];
                    if (sx == RegisterState.Unset || sy == RegisterState.Unset)
                    {
                        // A constant not run yet on one path is the same constant.
                        if (sx == sy || graph.Definitions[value] is not null) continue;
                        return false;
                    }
                    // A promoted class is green knowledge: paths that disagree on it keep apart.
                    if (!Equals(x.ExactClass(value), y.ExactClass(value))) return false;
                    if (sx == RegisterState.Red && sy == RegisterState.Red) continue;
                    if (sx == RegisterState.Green && sy == RegisterState.Green)
                    {
                        if (!SameGreenRegister(x, y, value)) return false;
                        continue;
                    }
                    if (!graph.RedValues[value]) return false;
                }
            }
            return true;
        }

        /// <summary>
        /// Inside the same residual protected regions and handler: a block belongs to one region, and CIL allows no
        /// jump into a try body from outside it, so paths that opened their own region for one try keep apart.
        /// </summary>
        private static bool SameRegions(ExtensionFrame x, ExtensionFrame y)
        {
            if (x.InHandler != y.InHandler) return false;
            return x.OpenTries is null && y.OpenTries is null || SameOpenTries(x.OpenTries, y.OpenTries);
        }

        /// <summary>
        /// The same open tries, in order (none and an empty list alike). A method of its own, never inlined: a precompiled
        /// method's first call loads every type it names, and the list of tuples of regions would load at every
        /// process's first join, where only frames inside protected regions have one.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static bool SameOpenTries(List<(Region Source, Region Residual)>? x, List<(Region Source, Region Residual)>? y)
        {
            if ((x?.Count ?? 0) != (y?.Count ?? 0)) return false;
            if (x is null || y is null) return true;
            for (int i = 0; i < x.Count; i++)
                if (x[i] != y[i]) return false;
            return true;
        }

        private static int[] LiveAt(ExtensionFrame frame) => frame.Graph.JoinPoints.LiveAt(frame.Block, frame.Index);

        /// <summary>Red values dead at the frame's point are forgotten: their residual values need not reach the join block.</summary>
        private static void ForgetDeadReds(ExtensionFrame frame)
        {
            var live = LiveAt(frame);
            var states = frame.States;
            for (int value = 0; value < states.Length; value++)
                if (states[value] == RegisterState.Red && Array.BinarySearch(live, value) < 0) states[value] = RegisterState.Unset;
        }

        private static bool SameGreenRegister(ExtensionFrame x, ExtensionFrame y, int value) => x.Graph.Classes[value] switch
        {
            RegisterClass.Int => x.Int(value) == y.Int(value),
            RegisterClass.Float => BitConverter.DoubleToInt64Bits(x.Float(value)) == BitConverter.DoubleToInt64Bits(y.Float(value)),
            _ => SameGreen(x.Ref(value), y.Ref(value)),
        };

        private static bool SameArguments(object?[]? a, object?[]? b)
        {
            if (a == b) return true;
            if (a is null || b is null || a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++)
                if (!SameGreen(a[i], b[i])) return false;
            return true;
        }

        private static bool SameSlots(ExtensionFrame x, ExtensionFrame y)
        {
            if (!SameEntries(x.ResidualSlots, y.ResidualSlots, (p, q) => p == q)) return false;
            return SameEntries(x.Slots, y.Slots, (p, q) => p.IsGreen == q.IsGreen && (p.IsGreen ? SameGreen(p.Green, q.Green) : p.Red == q.Red));
        }

        private static bool SameEntries<T>(Dictionary<Slot, T>? a, Dictionary<Slot, T>? b, Func<T, T, bool> same)
        {
            if ((a?.Count ?? 0) != (b?.Count ?? 0)) return false;
            if (a is null || b is null) return true;
            foreach (var (slot, entry) in a)
                if (!b.TryGetValue(slot, out var other) || !same(entry, other)) return false;
            return true;
        }

        /// <summary>Same program point: the same graph, block and instruction in every frame.</summary>
        private static bool SamePosition(List<ExtensionFrame> a, List<ExtensionFrame> b)
        {
            if (a.Count != b.Count) return false;
            for (int f = 0; f < a.Count; f++)
                if (a[f].Graph != b[f].Graph || a[f].Block != b[f].Block || a[f].Index != b[f].Index) return false;
            return true;
        }

        /// <summary>
        /// The order paths of a step are released in: frame by frame from the portal's, by reverse post-order of
        /// the block, then by instruction; a path still inside a call comes before one back from it.
        /// </summary>
        private static int ComparePositions(List<ExtensionFrame> a, List<ExtensionFrame> b)
        {
            int count = Math.Min(a.Count, b.Count);
            for (int f = 0; f < count; f++)
            {
                var x = a[f];
                var y = b[f];
                // Different overrides at one call site: neither reaches the other.
                if (x.Graph != y.Graph) return string.CompareOrdinal(x.Graph.Name, y.Graph.Name);
                if (x.Block != y.Block)
                {
                    var points = x.Graph.JoinPoints;
                    return points.Order(x.Block).CompareTo(points.Order(y.Block));
                }
                if (x.Index != y.Index) return x.Index.CompareTo(y.Index);
            }
            return b.Count.CompareTo(a.Count);
        }
    }
}
