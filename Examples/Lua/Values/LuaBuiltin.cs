namespace PeJit.Examples.Lua.Values;

/// <summary>A function written in C# (<c>print</c>, <c>pcall</c>, ...): it takes the calling frame, the arguments and the line of the call and returns its results.</summary>
public sealed class LuaBuiltin(string name, Func<Frame, LuaValue[], int, LuaValue[]> function) : LuaFunction
{
    /// <summary>Its name, for messages.</summary>
    public readonly string Name = name;

    /// <summary>The code.</summary>
    public readonly Func<Frame, LuaValue[], int, LuaValue[]> Function = function;
}
