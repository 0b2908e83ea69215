namespace PeJit.Examples.Lua.Values;

/// <summary>
/// Which string keys a table holds, and the slot of its field array each one's value is in (PyPy's maps, V8's hidden
/// classes): tables given the same string keys in the same order share one shape, reached from <see cref="Empty"/> by
/// one transition per key added. A shape never changes once made (only its cache of transitions grows), so compiled code
/// that promotes a table's shape (<see cref="Interpreter"/>'s <c>GetField</c> and <c>SetField</c>, whose key is a constant
/// of the code) knows the key's slot while specializing: a field access is a guard on the shape and an array access
/// instead of a hash lookup. Past <see cref="MaxFields"/> keys a table goes over to <see cref="Hashed"/> and keeps its
/// string keys in its hash part, so a table used as a dictionary makes no chain of ever larger shapes.
/// </summary>
public sealed class TableShape
{
    /// <summary>String keys a table keeps in slots before it moves them into its hash part.</summary>
    public const int MaxFields = 32;

    /// <summary>The shape of a table with no string key (every new table's).</summary>
    public static readonly TableShape Empty = new([], hashed: false);

    /// <summary>The shape of a table whose string keys are in its hash part: it has no slot for any key.</summary>
    public static readonly TableShape Hashed = new([], hashed: true);

    private readonly Dictionary<LuaString, int> slots;
    // The shapes one more key leads to; shared by every Lua state in the process, so guarded by a lock.
    private readonly Dictionary<LuaString, TableShape> transitions = [];

    /// <summary>True for <see cref="Hashed"/>: the table's string keys are in its hash part, not in slots.</summary>
    public readonly bool IsHashed;

    private TableShape(Dictionary<LuaString, int> slots, bool hashed)
    {
        this.slots = slots;
        IsHashed = hashed;
    }

    /// <summary>The number of slots (string keys) of a table of this shape.</summary>
    public int Count => slots.Count;

    /// <summary>The slot of <paramref name="key"/>'s value, or -1 when a table of this shape has no slot for it.</summary>
    [Elidable]
    public int IndexOf(LuaString key) => slots.TryGetValue(key, out int slot) ? slot : -1;

    /// <summary>The keys and their slots (for moving them into the hash part).</summary>
    public IEnumerable<KeyValuePair<LuaString, int>> Slots => slots;

    /// <summary>This shape with <paramref name="key"/> (which it has no slot for) added in slot <see cref="Count"/>.</summary>
    public TableShape With(LuaString key)
    {
        lock (transitions)
        {
            if (transitions.TryGetValue(key, out var next)) return next;
            next = new TableShape(new Dictionary<LuaString, int>(slots) { [key] = slots.Count }, hashed: false);
            transitions[key] = next;
            return next;
        }
    }
}
