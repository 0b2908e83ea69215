using System.Reflection;

namespace PeJit.Examples.Wasm;

/// <summary>Assembles and runs a program through the portal.</summary>
public static class Runner
{
    /// <summary>The portal method.</summary>
    public static MethodInfo Portal { get; } = typeof(Interpreter).GetMethod(nameof(Interpreter.Run))!;

    /// <summary>
    /// The portal's arguments for running <c>$main</c> of <paramref name="source"/> with <paramref name="args"/>: none (the
    /// program's <c>args</c> line gives <c>$main</c>'s argument) or one. The same shape as the other examples' runners.
    /// </summary>
    public static object?[] PortalArguments(string source, TextWriter output, params long[] args)
    {
        var code = Assembler.Assemble(source);
        if (args.Length > 1) throw new AssemblerException($"$main takes one argument, {args.Length} given");
        return [code, new Machine(code.MemoryWords, output), args.Length == 1 ? args[0] : code.DefaultArgument];
    }

    /// <summary>Runs <c>$main</c> of <paramref name="source"/>; returns its result.</summary>
    public static long Run(string source, TextWriter output, params long[] args)
    {
        var arguments = PortalArguments(source, output, args);
        return Interpreter.Run((Code)arguments[0]!, (Machine)arguments[1]!, (long)arguments[2]!);
    }
}
