namespace PeJit.Examples.Lua.Values;

/// <summary><c>nil</c>: one instance.</summary>
public sealed class LuaNil : LuaValue
{
    /// <summary>The only nil.</summary>
    public static readonly LuaNil Instance = new();

    private LuaNil() { }

    /// <inheritdoc/>
    public override string TypeName => "nil";

    /// <inheritdoc/>
    public override string ToString() => "nil";
}
