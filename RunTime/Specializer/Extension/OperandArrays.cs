using System.Runtime.CompilerServices;
using PeJit.IR;

namespace PeJit.Specializer.Extension;

/// <summary>
/// One array per distinct content among a graph's ops' operand types and operand registers, while the graph is laid out
/// (<see cref="ExtensionLayout.Op"/>): a loaded graph lives as long as its portal, and in a short process what survives the
/// GC's collections costs the interpreting thread page faults (Docs/PERFORMANCE.md, "What a JIT-enabled Lua process keeps
/// alive"). Most ops of an interpreter's graph take one or two operands of a few types in low registers, so the portal's
/// graph of Lua's interpreter has a few dozen distinct arrays among its ~1,000 ops. The arrays are never written after
/// layout (every reader only reads them), so ops may share one.
/// </summary>
/// <remarks>
/// Open addressing over two power-of-two tables of arrays, with no framework generic over PeJit's types (this runs while a
/// portal is prepared: ReadyToRun leaves such instantiations to .NET's JIT). Types compare by reference: a graph's types
/// come from one table per stored program, and two equal types that are distinct objects only cost a second array.
/// Intern is O(length) expected; the tables double at half full.
/// </remarks>
internal sealed class OperandArrays
{
    private int[]?[] registerTable = new int[]?[64];
    private IrType[]?[] typeTable = new IrType[]?[64];
    private int registerCount, typeCount;

    /// <summary><paramref name="registers"/>, or an array of the same contents interned before.</summary>
    public int[] Intern(int[] registers)
    {
        if (registers.Length == 0) return [];
        int hash = Hash(registers);
        int mask = registerTable.Length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask)
        {
            var present = registerTable[i];
            if (present is null)
            {
                registerTable[i] = registers;
                if (++registerCount * 2 > registerTable.Length) registerTable = Grow(registerTable);
                return registers;
            }
            if (Same(present, registers)) return present;
        }
    }

    /// <summary><paramref name="types"/>, or an array of the same types (by reference) interned before.</summary>
    public IrType[] Intern(IrType[] types)
    {
        if (types.Length == 0) return [];
        int hash = Hash(types);
        int mask = typeTable.Length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask)
        {
            var present = typeTable[i];
            if (present is null)
            {
                typeTable[i] = types;
                if (++typeCount * 2 > typeTable.Length) typeTable = Grow(typeTable);
                return types;
            }
            if (Same(present, types)) return present;
        }
    }

    private static int Hash(int[] registers)
    {
        int hash = 17;
        foreach (int r in registers) hash = unchecked(hash * 31 + r);
        return hash & int.MaxValue;
    }

    private static int Hash(IrType[] types)
    {
        int hash = 17;
        foreach (var type in types) hash = unchecked(hash * 31 + RuntimeHelpers.GetHashCode(type));
        return hash & int.MaxValue;
    }

    private static bool Same(IrType[] left, IrType[] right)
    {
        if (left.Length != right.Length) return false;
        for (int i = 0; i < left.Length; i++)
            if (!ReferenceEquals(left[i], right[i])) return false;
        return true;
    }

    // A loop, not Span.SequenceEqual: that is a framework generic (vectorized) .NET would compile while a portal is prepared.
    private static bool Same(int[] left, int[] right)
    {
        if (left.Length != right.Length) return false;
        for (int i = 0; i < left.Length; i++)
            if (left[i] != right[i]) return false;
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
            int i = Hash(entry) & mask;
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
            int i = Hash(entry) & mask;
            while (grown[i] is not null) i = (i + 1) & mask;
            grown[i] = entry;
        }
        return grown;
    }
}
