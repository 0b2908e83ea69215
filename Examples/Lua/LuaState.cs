using PeJit.Examples.Lua.Compiler;
using PeJit.Examples.Lua.Values;

namespace PeJit.Examples.Lua;

/// <summary>What a running program shares: its code, its globals (with the builtins in them) and where <c>print</c> writes.</summary>
public sealed class LuaState
{
    /// <summary>A state for <paramref name="code"/>, printing to <paramref name="output"/>, with the builtins installed.</summary>
    public LuaState(Code code, TextWriter output)
    {
        Code = code;
        Output = output;
        Builtins.Install(Globals);
    }

    /// <summary>The program.</summary>
    public Code Code { get; }

    /// <summary>The global variables.</summary>
    public LuaTable Globals { get; } = new();

    /// <summary>Where <c>print</c> writes.</summary>
    public TextWriter Output { get; }
}
