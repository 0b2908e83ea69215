namespace PeJit.Examples.Lua.Values;

/// <summary>A function: a closure over Lua code, or a builtin written in C#.</summary>
public abstract class LuaFunction : LuaValue
{
    /// <inheritdoc/>
    public override string TypeName => "function";

    /// <inheritdoc/>
    public override string ToString() => $"function: 0x{System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this):x8}";
}
