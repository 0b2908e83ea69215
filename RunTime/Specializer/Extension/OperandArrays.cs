using System.Runtime.CompilerServices;
using PeJit.IR;

namespace PeJit.Specializer.Extension;

/// <summary>
/// One array per distinct content among a graph's ops' operand types and operand registers and its targets' arguments, and one
/// per target block of its targets' parameters, while the graph is laid out (<see cref="ExtensionLayout.Op"/>): a loaded graph
/// lives as long as its portal, and in a short process what survives the
/// GC's collections costs the interpreting thread page faults (Docs/PERFORMANCE.md, "What a JIT-enabled Lua process keeps
/// alive"). Most ops of an interpreter's graph take one or two operands of a few types in low registers, so the portal's
/// graph of Lua's interpreter has a few dozen distinct arrays among its ~1,000 ops, and 37 distinct argument lists among its
/// 208 targets. The arrays are never written after layout (every reader only reads them), so ops may share one, and an array
/// of register numbers may be a target's arguments (value indexes): both are interned in one table.
/// </summary>
/// <remarks>
/// Open addressing over two power-of-two tables of arrays, with no framework generic over PeJit's types (this runs while a
/// portal is prepared: ReadyToRun leaves such instantiations to .NET's JIT). Types compare by reference: a graph's types
/// come from one table per stored program, and two equal types that are distinct objects only cost a second array.
/// Intern is O(length) expected; the tables double at half full. Its steps are inlined into the stored graph's reader, which
/// calls them per op (ExtensionLayout's remarks).
/// </remarks>
internal sealed class OperandArrays
{
    private int[]?[] registerTable = new int[]?[64];
    private IrType[]?[] typeTable = new IrType[]?[64];
    private int registerCount, typeCount;

    // Scratch arrays an op's operand types and registers are gathered into before they are interned: an op whose arrays
    // were seen before (most) allocates none (ExtensionLayout.Op made two throw-away arrays per op: 70 KB of Lua's portal).
    private int[] registerScratch = new int[8];
    private int[] indexScratch = new int[8];
    private IrType[] typeScratch = new IrType[8];

    // Per block of the graph, its parameters' value indexes and binding times as every target of that block carries them
    // (ExtensionTarget): made by the first target of the block, shared by the others.
    private int[]?[] blockParameters = [];
    private bool[]?[] blockRedParameters = [];

    /// <summary>
    /// Scratch arrays of at least <paramref name="length"/> elements to gather an op's operand value indexes, registers and
    /// types in before <see cref="InternNumbers"/> and <see cref="InternTypes"/>; valid until the next call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Scratch(int length, out int[] indexes, out int[] registers, out IrType[] types)
    {
        if (registerScratch.Length < length)
        {
            registerScratch = new int[length];
            indexScratch = new int[length];
            typeScratch = new IrType[length];
        }
        indexes = indexScratch;
        registers = registerScratch;
        types = typeScratch;
    }

    /// <summary>
    /// The value indexes and binding times of <paramref name="block"/>'s parameters, <paramref name="parameterValues"/>, as one
    /// array each that every target of the block shares.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BlockParameters(int block, int blocks, ReadOnlySpan<Value> parameterValues, bool[] valueRed, out int[] parameters, out bool[] red)
    {
        if (blockParameters.Length < blocks)
        {
            blockParameters = new int[]?[blocks];
            blockRedParameters = new bool[]?[blocks];
        }
        if (blockParameters[block] is { } known)
        {
            parameters = known;
            red = blockRedParameters[block]!;
            return;
        }
        parameters = parameterValues.Length == 0 ? [] : new int[parameterValues.Length];
        red = parameterValues.Length == 0 ? [] : new bool[parameterValues.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = parameterValues[i].Index;
            red[i] = valueRed[parameterValues[i].Index];
        }
        blockParameters[block] = parameters;
        blockRedParameters[block] = red;
    }

    /// <summary>
    /// The first <paramref name="length"/> of <paramref name="numbers"/> (register numbers or argument value indexes) as an array: one
    /// interned before with the same contents, else a new copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int[] InternNumbers(int[] numbers, int length)
    {
        if (length == 0) return [];
        int hash = Hash(numbers, length);
        int mask = registerTable.Length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask)
        {
            var present = registerTable[i];
            if (present is null)
            {
                var copy = new int[length];
                for (int r = 0; r < length; r++) copy[r] = numbers[r];
                registerTable[i] = copy;
                if (++registerCount * 2 > registerTable.Length) registerTable = Grow(registerTable);
                return copy;
            }
            if (Same(present, numbers, length)) return present;
        }
    }

    /// <summary>The first <paramref name="length"/> of <paramref name="types"/> as an array: one interned before with the same types (by reference), else a new copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public IrType[] InternTypes(IrType[] types, int length)
    {
        if (length == 0) return [];
        int hash = Hash(types, length);
        int mask = typeTable.Length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask)
        {
            var present = typeTable[i];
            if (present is null)
            {
                var copy = new IrType[length];
                for (int t = 0; t < length; t++) copy[t] = types[t];
                typeTable[i] = copy;
                if (++typeCount * 2 > typeTable.Length) typeTable = Grow(typeTable);
                return copy;
            }
            if (Same(present, types, length)) return present;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(int[] registers, int length)
    {
        int hash = 17;
        for (int i = 0; i < length; i++) hash = unchecked(hash * 31 + registers[i]);
        return hash & int.MaxValue;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(IrType[] types, int length)
    {
        int hash = 17;
        for (int i = 0; i < length; i++) hash = unchecked(hash * 31 + RuntimeHelpers.GetHashCode(types[i]));
        return hash & int.MaxValue;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Same(IrType[] present, IrType[] gathered, int length)
    {
        if (present.Length != length) return false;
        for (int i = 0; i < length; i++)
            if (!ReferenceEquals(present[i], gathered[i])) return false;
        return true;
    }

    // A loop, not Span.SequenceEqual: that is a framework generic (vectorized) .NET would compile while a portal is prepared.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Same(int[] present, int[] gathered, int length)
    {
        if (present.Length != length) return false;
        for (int i = 0; i < length; i++)
            if (present[i] != gathered[i]) return false;
        return true;
    }

    // Two copies rather than one generic method: no instantiation for ReadyToRun to leave out.
    private static int[]?[] Grow(int[]?[] table)
    {
        var grown = new int[]?[table.Length * 2];
        int mask = grown.Length - 1;
        foreach (var entry in table)
        {
            if (entry is null) continue;
            int i = Hash(entry, entry.Length) & mask;
            while (grown[i] is not null) i = (i + 1) & mask;
            grown[i] = entry;
        }
        return grown;
    }

    private static IrType[]?[] Grow(IrType[]?[] table)
    {
        var grown = new IrType[]?[table.Length * 2];
        int mask = grown.Length - 1;
        foreach (var entry in table)
        {
            if (entry is null) continue;
            int i = Hash(entry, entry.Length) & mask;
            while (grown[i] is not null) i = (i + 1) & mask;
            grown[i] = entry;
        }
        return grown;
    }
}
