namespace PeJit.Examples.Lua.Values;

/// <summary>
/// A Lua table: an array part for the keys 1..n, grown by appending, and a hash part for every other key.
/// A float key with an integer value is the integer key (as in Lua), so <c>t[1.0]</c> is <c>t[1]</c>; integer keys
/// outside the array part are hashed by value, apart from the other keys.
/// </summary>
public sealed class LuaTable : LuaValue
{
    private LuaValue[] array = new LuaValue[4];
    private int count;
    private Dictionary<LuaValue, LuaValue>? hash;
    // Integer keys outside the array part, by value (as Lua's own tables hash integers apart): an integer key's box is
    // never kept by the table, so a compiled loop that indexes with a number it computes need not make the box.
    private Dictionary<long, LuaValue>? integerHash;
    // String keys: their slots (the shape, shared by tables given the same keys in the same order) and the values. A nil
    // value is an absent key; past TableShape.MaxFields keys they move into the hash part (the shape TableShape.Hashed).
    private TableShape shape = TableShape.Empty;
    private LuaValue[] fields = [];

    /// <summary>Where this table's string keys are (compiled code promotes it at a field access with a constant key).</summary>
    public TableShape Shape => shape;

    /// <inheritdoc/>
    public override string TypeName => "table";

    /// <summary>The number of elements in the array part (the border <c>#t</c> gives).</summary>
    public int ArrayCount => count;

    /// <summary><c>t[key]</c>; nil when absent.</summary>
    public LuaValue Get(LuaValue key) =>
        // The common case here, the rest in methods the JIT leaves as calls ([DontLookInside], below).
        key is LuaInteger integer ? (ulong)(integer.Value - 1) < (ulong)count ? array[integer.Value - 1] : GetInteger(integer.Value) : GetOther(key);

    /// <summary><c>t[key] = value</c>; returns an error message for a nil or NaN key, null when done.</summary>
    public string? Set(LuaValue key, LuaValue value)
    {
        // The common cases here (a store into the array part, an append that needs no growing), the rest in calls.
        if (key is not LuaInteger integer) return SetOther(key, value);
        long index = integer.Value;
        if (!ReferenceEquals(value, LuaNil.Instance))
        {
            if ((ulong)(index - 1) < (ulong)count)
            {
                array[index - 1] = value;
                return null;
            }
            if (index == count + 1 && count < array.Length && integerHash is null)
            {
                array[count++] = value;
                return null;
            }
        }
        return SetInteger(index, value);
    }

    /// <summary>
    /// <c>t.name</c>: <paramref name="key"/> is a constant of the code and <paramref name="currentShape"/> is this
    /// table's <see cref="Shape"/>, which the interpreter promotes, so in compiled code the slot is a constant.
    /// </summary>
    public LuaValue GetField(TableShape currentShape, LuaString key)
    {
        int slot = currentShape.IndexOf(key);
        if (slot >= 0) return fields[slot];
        return currentShape.IsHashed ? GetOther(key) : LuaNil.Instance;
    }

    /// <summary><c>t.name = value</c>, with <paramref name="currentShape"/> this table's <see cref="Shape"/> (promoted, as for <see cref="GetField"/>).</summary>
    public void SetField(TableShape currentShape, LuaString key, LuaValue value)
    {
        int slot = currentShape.IndexOf(key);
        if (slot >= 0) fields[slot] = value;
        else AddField(key, value);
    }

    // The slow paths. [DontLookInside] keeps each a call in compiled code, so a table access there is the few
    // instructions above (a loop over a table's fields otherwise carried every case of every access: float keys, the
    // hash parts, growing the array). They take an integer key as a number, so the key's box need not exist for them.
    [DontLookInside]
    private LuaValue GetInteger(long index)
    {
        if ((ulong)(index - 1) < (ulong)count) return array[index - 1];
        return integerHash is not null && integerHash.TryGetValue(index, out var value) ? value : LuaNil.Instance;
    }

    [DontLookInside]
    private LuaValue GetOther(LuaValue key)
    {
        if (key is LuaFloat f && IsIntegral(f.Value)) return GetInteger((long)f.Value);
        if (key is LuaString name && shape.IndexOf(name) is >= 0 and var slot) return fields[slot];
        return hash is not null && hash.TryGetValue(key, out var value) ? value : LuaNil.Instance;
    }

    [DontLookInside]
    private string? SetOther(LuaValue key, LuaValue value)
    {
        if (key is LuaFloat f && IsIntegral(f.Value)) return SetInteger((long)f.Value, value);
        if (key is LuaFloat nan && double.IsNaN(nan.Value)) return "table index is NaN";
        if (ReferenceEquals(key, LuaNil.Instance)) return "table index is nil";
        if (key is LuaString name)
        {
            if (shape.IndexOf(name) is >= 0 and var slot) fields[slot] = value;
            else AddField(name, value);
            return null;
        }
        if (ReferenceEquals(value, LuaNil.Instance)) hash?.Remove(key);
        else (hash ??= []) [key] = value;
        return null;
    }

    // A string key this table has no slot for: a new slot (a transition to the next shape), or, past
    // TableShape.MaxFields keys or once there, the hash part. Storing nil adds nothing (nil is an absent key).
    [DontLookInside]
    private void AddField(LuaString key, LuaValue value)
    {
        if (shape.IsHashed)
        {
            if (ReferenceEquals(value, LuaNil.Instance)) hash?.Remove(key);
            else (hash ??= []) [key] = value;
            return;
        }
        if (ReferenceEquals(value, LuaNil.Instance)) return;
        if (shape.Count >= TableShape.MaxFields)
        {
            hash ??= [];
            foreach (var (name, slot) in shape.Slots)
                if (!ReferenceEquals(fields[slot], LuaNil.Instance)) hash[name] = fields[slot];
            hash[key] = value;
            shape = TableShape.Hashed;
            fields = [];
            return;
        }
        if (shape.Count == fields.Length) Array.Resize(ref fields, Math.Max(4, fields.Length * 2));
        fields[shape.Count] = value;
        shape = shape.With(key);
    }

    [DontLookInside]
    private string? SetInteger(long index, LuaValue value)
    {
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
        if (ReferenceEquals(value, LuaNil.Instance)) integerHash?.Remove(index);
        else (integerHash ??= []) [index] = value;
        return null;
    }

    private void Append(LuaValue value)
    {
        if (count == array.Length) Array.Resize(ref array, array.Length * 2);
        array[count++] = value;
        // Keys count+1, count+2, ... that were in the hash part move to the array part.
        if (integerHash is null) return;
        while (integerHash.Remove(count + 1, out var next))
        {
            if (count == array.Length) Array.Resize(ref array, array.Length * 2);
            array[count++] = next;
        }
    }

    private void Shrink()
    {
        while (count > 0 && ReferenceEquals(array[count - 1], LuaNil.Instance)) array[--count] = null!;
    }

    /// <summary>True when a float key stands for an integer (Lua's rule: an integral value in <c>long</c>'s range is that integer key).</summary>
    private static bool IsIntegral(double key) => key == Math.Floor(key) && key >= long.MinValue && key < 9.2233720368547758e18;

    /// <inheritdoc/>
    public override LuaValue? Length() => new LuaInteger(count);

    /// <inheritdoc/>
    public override string ToString() => $"table: 0x{System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this):x8}";
}
