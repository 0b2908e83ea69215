namespace PeJit.Examples.Lua.Values;

/// <summary>A function written in C# (<c>print</c>, <c>pcall</c>, ...): it takes the calling frame, the arguments and the line of the call and returns its results.</summary>
public sealed class LuaBuiltin(string name, Func<Frame, LuaValue[], int, LuaValue[]> function, bool protectsCall = false) : LuaFunction
{
    /// <summary>Its name, for messages.</summary>
    public readonly string Name = name;

    /// <summary>The code.</summary>
    public readonly Func<Frame, LuaValue[], int, LuaValue[]> Function = function;

    /// <summary>
    /// Whether this is <c>pcall</c>: the interpreter makes a protected call of a Lua function itself
    /// (<c>Interpreter.Run</c>'s <c>Call</c>), with no argument or result arrays and the callee run by the dispatch loop as
    /// any Lua call is; <see cref="Function"/> serves the other cases (a builtin or a non-function protected).
    /// </summary>
    public readonly bool ProtectsCall = protectsCall;
}
