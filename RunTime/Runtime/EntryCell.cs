using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>
/// The cheap way from a portal's entry into the typed unit of the key it holds (PyPy's jitcell with its direct
/// pointer to the compiled code): the woven entry site compares the key's green values with the cell's, without
/// boxing (integers as <c>long</c>, references by identity), and calls <see cref="Code"/> with the reds as typed
/// arguments; the result comes back unboxed. One cell per slot of the portal's <see cref="CounterTable"/>, for the
/// key that holds the slot.
/// </summary>
/// <remarks>
/// Rules (kept by <see cref="PortalRuntime"/>; the woven side is <see cref="PortalProtocol"/>'s):
/// <list type="number">
/// <item>A cell is immutable (but for its <see cref="Entered"/> count) and replaced by one reference write: a
/// thread reads a whole cell or none, so the greens it compares are the greens of the code it calls.</item>
/// <item>A cell is published when a slot is held for a key whose unit is typed (a function's unit with the reds as
/// parameters and the result unboxed: <see cref="Unit.StateParameters"/>), and cleared when that unit leaves the
/// cache or is replaced (the next slow-path visit publishes the new one). A thread that read a cell just before it
/// was cleared runs the old unit once more, as a thread already inside it would: a unit's code stays valid for its
/// key (the greens are promised immutable), only no longer the newest.</item>
/// <item>Correctness never depends on a cell: a null cell, greens that differ, or greens the cell cannot compare
/// cheaply (a portal whose greens are not all integers and references, more than <see cref="MaxIntegerGreens"/> or
/// <see cref="MaxReferenceGreens"/> of a kind, or reds a delegate cannot take) take the slow path, which decides
/// against the full green key. A match implies the full key is the holder's: integers are equal as values,
/// references identical (<see cref="GreenKey"/> compares references by identity and strings and boxed values by
/// value, so identity is the stronger test).</item>
/// <item>When the code leaves at an exit (<c>exit[0]</c> set), the runtime goes on exactly as after an exit of a
/// unit entered on the slow path (<see cref="JitRuntime.EntryCellExited"/>): the portal gets the usual answer.</item>
/// </list>
/// </remarks>
public sealed class EntryCell
{
    /// <summary>Integer greens (of any width, enums, <c>bool</c>, <c>char</c>) a cell compares; a portal with more gets no cells.</summary>
    public const int MaxIntegerGreens = 4;

    /// <summary>Reference greens a cell compares; a portal with more gets no cells.</summary>
    public const int MaxReferenceGreens = 4;

    /// <summary>Reds a cell's code takes after the exit buffer: <c>Func</c> and <c>Action</c> take 16 arguments.</summary>
    public const int MaxReds = 15;

    /// <summary>In <see cref="Layout(bool[])"/>: a green compared as a <c>long</c>.</summary>
    public const char IntegerGreen = 'n';

    /// <summary>In <see cref="Layout(bool[])"/>: a green compared by identity.</summary>
    public const char ReferenceGreen = 'r';

    /// <summary>The layout the weaver passes to <see cref="PortalCounters.CellsFor"/>: one letter per green, in declared order.</summary>
    /// <param name="isReference">For each green, whether it is a reference (else an integer).</param>
    public static string Layout(bool[] isReference) => new(isReference.Select(r => r ? ReferenceGreen : IntegerGreen).ToArray());

    /// <summary>The integer greens, in declared order, sign- or zero-extended as their type is (what the woven code's <c>conv.i8</c> or <c>conv.u8</c> gives).</summary>
    public readonly long Integer0, Integer1, Integer2, Integer3;

    /// <summary>The reference greens, in declared order.</summary>
    public readonly object? Reference0, Reference1, Reference2, Reference3;

    /// <summary>
    /// The unit's typed code as a delegate closed over its constants (the fastest a delegate calls a static method): a
    /// <c>Func&lt;object[] exit, red..., result&gt;</c> (an <c>Action</c> for a void portal) of the type the woven code names.
    /// </summary>
    public readonly Delegate Code;

    /// <summary>
    /// Times the woven entry called <see cref="Code"/> (incremented there without synchronization, as call cells
    /// count: threads may lose a few). The code cache reads it as use, so a unit entered only through its cell is
    /// not the first one dropped.
    /// </summary>
    public long Entered;

    private readonly int exitSize;

    /// <summary>The exit buffer of a unit without exits: it never writes one, so all threads share this one, always clear.</summary>
    private readonly object?[]? noExits;

    /// <summary>Whether the code calls anything (it may come back to the portal): then it is entered only with stack to spare.</summary>
    private readonly bool calls;

    /// <summary>
    /// What an entry needs of its thread, in one object so that an entry reads one thread-static (a thread-local read,
    /// <c>__tls_get_addr</c> on Linux, is a few nanoseconds: a short unit entered a million times pays it each time).
    /// </summary>
    private sealed class ThreadEntry
    {
        /// <summary>
        /// The exit buffer, as for call cells: a unit writes it only as it leaves, and whoever reads the slot that says so
        /// clears it first.
        /// </summary>
        public object?[] Exit = new object?[16];

        /// <summary>
        /// The lowest stack address at which this thread may enter a unit that calls without asking .NET
        /// (<see cref="StackWindow"/>); above any address while not yet asked.
        /// </summary>
        public nuint Floor = nuint.MaxValue;
    }

    [ThreadStatic]
    private static ThreadEntry? thread;

    /// <summary>
    /// How far below the place where <c>RuntimeHelpers.TryEnsureSufficientExecutionStack</c> last said yes a thread may
    /// enter without asking again: 32 KB. The check says yes with at least 64 KB left (128 KB on 64-bit .NET), so an entry
    /// within the window still has 32 KB, more than a unit's frame and what it calls before the next portal entry, which
    /// checks again. The check costs a call into the runtime and a thread-local read (2-3 ns, what a regular expression's
    /// short runs could not afford at every entry); the window costs a compare, and a recursion through compiled code
    /// asks again every 32 KB of stack it goes down. Stack addresses are the thread's own (a thread-static), so no other
    /// thread's stack is ever compared with it.
    /// </summary>
    private const int StackWindow = 32 * 1024;

    internal EntryCell(GreenKey key, CompiledUnit unit, Delegate code, long[] integers, object?[] references)
    {
        Key = key;
        Unit = unit;
        Code = code;
        exitSize = Math.Max(unit.Unit.ExitBufferSize, unit.Unit.Entry.Values.Count + 1);
        if (unit.Unit.Exits.Count == 0) noExits = new object?[exitSize];
        var graph = unit.Unit.Residual;
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                calls |= PeJit.IR.OpcodeInfo.Of(instruction.Opcode).Flags.HasFlag(PeJit.IR.OpcodeFlags.Call);
        Integer0 = integers.ElementAtOrDefault(0);
        Integer1 = integers.ElementAtOrDefault(1);
        Integer2 = integers.ElementAtOrDefault(2);
        Integer3 = integers.ElementAtOrDefault(3);
        Reference0 = references.ElementAtOrDefault(0);
        Reference1 = references.ElementAtOrDefault(1);
        Reference2 = references.ElementAtOrDefault(2);
        Reference3 = references.ElementAtOrDefault(3);
    }

    /// <summary>The key whose unit the cell enters.</summary>
    public GreenKey Key { get; }

    /// <summary>The unit the cell enters.</summary>
    public CompiledUnit Unit { get; }

    /// <summary>
    /// What the woven entry calls before <see cref="Code"/>: the exit buffer to pass it (this thread's, at least as long
    /// as the unit needs; for a unit without exits, one that is never written), or null when the stack is too low to
    /// enter here (the slow path then moves the call to a fresh stack: <see cref="StackGuard"/>). Counts the entry.
    /// </summary>
    public object?[]? Enter()
    {
        // A unit without calls and without exits needs nothing of its thread.
        if (!calls && noExits is { } none)
        {
            Entered++;
            return none;
        }
        var here = thread;
        byte local = 0;
        if (here is null || here.Exit.Length < exitSize || calls && StackAddress(ref local) < here.Floor) return EnterChecked();
        Entered++;
        return noExits ?? here.Exit;
    }

    /// <summary>
    /// <see cref="Enter"/> the first time on a thread, below its stack floor, or with a buffer too short for this unit:
    /// asks .NET whether the stack has room (for a unit that calls) and moves the thread's floor to <see cref="StackWindow"/>
    /// below here.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private object?[]? EnterChecked()
    {
        var here = thread ??= new ThreadEntry();
        if (here.Exit.Length < exitSize) here.Exit = new object?[exitSize];
        if (calls)
        {
            if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack()) return null;
            byte local = 0;
            nuint address = StackAddress(ref local);
            here.Floor = address > StackWindow ? address - StackWindow : 0;
        }
        Entered++;
        return noExits ?? here.Exit;
    }

    /// <summary>The address of a local of the caller's frame (a by-reference local is not moved by the GC), without <c>unsafe</c>.</summary>
    private static nuint StackAddress(ref byte local) =>
        (nuint)System.Runtime.CompilerServices.Unsafe.ByteOffset(ref System.Runtime.CompilerServices.Unsafe.NullRef<byte>(), ref local);

    /// <summary>
    /// The cell's green values for <paramref name="key"/> as the woven code compares them (<paramref name="layout"/>:
    /// <see cref="IntegerGreen"/> or <see cref="ReferenceGreen"/> per green); false when a value is not of its kind
    /// (then the key gets no cell and is entered on the slow path).
    /// </summary>
    internal static bool Split(GreenKey key, string layout, out long[] integers, out object?[] references)
    {
        var ints = new List<long>();
        var refs = new List<object?>();
        integers = [];
        references = [];
        if (key.Values.Count != layout.Length) return false;
        for (int i = 0; i < layout.Length; i++)
        {
            var value = key.Values[i];
            if (layout[i] == ReferenceGreen)
            {
                refs.Add(value);
                continue;
            }
            if (value is null) return false;
            // An enum's type code is its underlying type's.
            switch (Type.GetTypeCode(value.GetType()))
            {
                case TypeCode.SByte or TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64:
                    ints.Add(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case TypeCode.Boolean or TypeCode.Char or TypeCode.Byte or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64:
                    ints.Add(unchecked((long)Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                default:
                    return false;
            }
        }
        if (ints.Count > MaxIntegerGreens || refs.Count > MaxReferenceGreens) return false;
        integers = [.. ints];
        references = [.. refs];
        return true;
    }
}
