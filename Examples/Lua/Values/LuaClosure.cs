using PeJit.Examples.Lua.Compiler;

namespace PeJit.Examples.Lua.Values;

/// <summary>A Lua function value: its prototype (where its code starts) and the cells of the variables it captured.</summary>
public sealed class LuaClosure(Prototype prototype, Upvalue[] upvalues) : LuaFunction
{
    /// <summary>The compiled function.</summary>
    public readonly Prototype Prototype = prototype;

    /// <summary>The captured variables, in the order of <see cref="Prototype.Upvalues"/>.</summary>
    public readonly Upvalue[] Upvalues = upvalues;
}
