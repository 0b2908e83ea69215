namespace PeJit.Examples.Lua.Values;

/// <summary>A Lua string (immutable; compared by content).</summary>
public sealed class LuaString(string value) : LuaValue
{
    /// <summary>The text.</summary>
    public readonly string Value = value;

    /// <inheritdoc/>
    public override string TypeName => "string";

    /// <inheritdoc/>
    public override bool? LessThan(LuaValue right) => right is LuaString r ? string.CompareOrdinal(Value, r.Value) < 0 : null;

    /// <inheritdoc/>
    public override bool? LessEqual(LuaValue right) => right is LuaString r ? string.CompareOrdinal(Value, r.Value) <= 0 : null;

    /// <inheritdoc/>
    public override bool RawEquals(LuaValue right) => right is LuaString r && r.Value == Value;

    /// <inheritdoc/>
    public override string? ConcatText => Value;

    /// <inheritdoc/>
    public override LuaValue? Length() => new LuaInteger(Value.Length);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LuaString other && other.Value == Value;

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => Value;
}
