using System.Reflection;

namespace PeJit.Examples.Wasm;

/// <summary>Assembles and runs a program through the portal.</summary>
public static class Runner
{
    /// <summary>The portal method.</summary>
    public static MethodInfo Portal { get; } = typeof(Interpreter).GetMethod(nameof(Interpreter.Run))!;

    /// <summary>The portal's arguments for running <c>$main</c> of <paramref name="source"/> with <paramref name="argument"/> (its default when null).</summary>
    public static object?[] PortalArguments(string source, TextWriter output, long? argument = null)
    {
        var code = Assembler.Assemble(source);
        return [code, new Machine(code.MemoryWords, output), argument ?? code.DefaultArgument];
    }

    /// <summary>Runs <c>$main</c> of <paramref name="source"/>; returns its result.</summary>
    public static long Run(string source, TextWriter output, long? argument = null)
    {
        var arguments = PortalArguments(source, output, argument);
        return Interpreter.Run((Code)arguments[0]!, (Machine)arguments[1]!, (long)arguments[2]!);
    }
}
