namespace PeJit.Examples.Lua.Values;

/// <summary><c>true</c> and <c>false</c>: two instances.</summary>
public sealed class LuaBoolean : LuaValue
{
    /// <summary><c>true</c>.</summary>
    public static readonly LuaBoolean True = new(true);

    /// <summary><c>false</c>.</summary>
    public static readonly LuaBoolean False = new(false);

    /// <summary>The value.</summary>
    public readonly bool Value;

    private LuaBoolean(bool value) => Value = value;

    /// <summary>The instance for <paramref name="value"/>.</summary>
    public static LuaBoolean Of(bool value) => value ? True : False;

    /// <inheritdoc/>
    public override string TypeName => "boolean";

    /// <inheritdoc/>
    public override string ToString() => Value ? "true" : "false";
}
