using System.Reflection;
using PeJit.Examples.Lua.Compiler;
using PeJit.Examples.Lua.Values;

namespace PeJit.Examples.Lua;

/// <summary>Compiles and runs a program through the portal.</summary>
public static class Runner
{
    /// <summary>The portal method.</summary>
    public static MethodInfo Portal { get; } = typeof(Interpreter).GetMethod(nameof(Interpreter.Run))!;

    /// <summary>
    /// The portal's arguments for running <paramref name="source"/>'s chunk, printing to <paramref name="output"/>;
    /// <paramref name="size"/>, when given, is the global <c>N</c> (each bundled program's size, with a default when absent).
    /// </summary>
    public static object?[] PortalArguments(string source, TextWriter output, long? size = null)
    {
        var code = BytecodeCompiler.Compile(source);
        var state = new LuaState(code, output);
        if (size is long n) state.Globals.Set(new LuaString("N"), new LuaInteger(n));
        var main = new LuaClosure(code.Main, []);
        var frame = new Frame(main, state, [], 0, 0, 0);
        return [code, code.Main.Entry, frame];
    }

    /// <summary>Runs <paramref name="source"/>; a Lua error that nothing caught comes out as <see cref="LuaError"/>.</summary>
    public static void Run(string source, TextWriter output, long? size = null)
    {
        var arguments = PortalArguments(source, output, size);
        Interpreter.Run((Code)arguments[0]!, (int)arguments[1]!, (Frame)arguments[2]!);
    }
}
