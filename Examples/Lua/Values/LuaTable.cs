namespace PeJit.Examples.Lua.Values;

/// <summary>
/// A Lua table: an array part for the keys 1..n, grown by appending, and a hash part for every other key.
/// A float key with an integer value is the integer key (as in Lua), so <c>t[1.0]</c> is <c>t[1]</c>.
/// </summary>
public sealed class LuaTable : LuaValue
{
    private LuaValue[] array = new LuaValue[4];
    private int count;
    private Dictionary<LuaValue, LuaValue>? hash;

    /// <inheritdoc/>
    public override string TypeName => "table";

    /// <summary>The number of elements in the array part (the border <c>#t</c> gives).</summary>
    public int ArrayCount => count;

    /// <summary><c>t[key]</c>; nil when absent.</summary>
    public LuaValue Get(LuaValue key)
    {
        if (key is LuaInteger integer)
        {
            long index = integer.Value;
            if ((ulong)(index - 1) < (ulong)count) return array[index - 1];
        }
        else if (key is LuaFloat f && Normalize(f) is LuaInteger asInteger) return Get(asInteger);
        return hash is not null && hash.TryGetValue(key, out var value) ? value : LuaNil.Instance;
    }

    /// <summary><c>t[key] = value</c>; returns an error message for a nil or NaN key, null when done.</summary>
    public string? Set(LuaValue key, LuaValue value)
    {
        if (key is LuaFloat f)
        {
            if (double.IsNaN(f.Value)) return "table index is NaN";
            key = Normalize(f);
        }
        if (key is LuaInteger integer)
        {
            long index = integer.Value;
            if ((ulong)(index - 1) < (ulong)count)
            {
                array[index - 1] = value;
                if (index == count && ReferenceEquals(value, LuaNil.Instance)) Shrink();
                return null;
            }
            if (index == count + 1 && !ReferenceEquals(value, LuaNil.Instance))
            {
                Append(value);
                return null;
            }
        }
        else if (ReferenceEquals(key, LuaNil.Instance)) return "table index is nil";
        if (ReferenceEquals(value, LuaNil.Instance)) hash?.Remove(key);
        else (hash ??= []) [key] = value;
        return null;
    }

    private void Append(LuaValue value)
    {
        if (count == array.Length) Array.Resize(ref array, array.Length * 2);
        array[count++] = value;
        // Keys count+1, count+2, ... that were in the hash part move to the array part.
        if (hash is null) return;
        while (hash.Remove(new LuaInteger(count + 1), out var next))
        {
            if (count == array.Length) Array.Resize(ref array, array.Length * 2);
            array[count++] = next;
        }
    }

    private void Shrink()
    {
        while (count > 0 && ReferenceEquals(array[count - 1], LuaNil.Instance)) array[--count] = null!;
    }

    private static LuaValue Normalize(LuaFloat key) =>
        key.Value == Math.Floor(key.Value) && key.Value >= long.MinValue && key.Value < 9.2233720368547758e18 ? new LuaInteger((long)key.Value) : key;

    /// <inheritdoc/>
    public override LuaValue? Length() => new LuaInteger(count);

    /// <inheritdoc/>
    public override string ToString() => $"table: 0x{System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this):x8}";
}
