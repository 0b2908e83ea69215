using System.Reflection;

namespace PeJit.Examples.Brainfuck;

/// <summary>Compiles and runs a program through the portal.</summary>
public static class Runner
{
    /// <summary>Cells on the tape.</summary>
    public const int TapeLength = 30_000;

    /// <summary>The portal method.</summary>
    public static MethodInfo Portal { get; } = typeof(Interpreter).GetMethod(nameof(Interpreter.Run))!;

    /// <summary>The portal's arguments for running <paramref name="source"/>.</summary>
    public static object?[] PortalArguments(string source, TextWriter output, TextReader? input = null) =>
        [BfCompiler.Compile(source), new byte[TapeLength], output, input ?? TextReader.Null];

    /// <summary>Runs <paramref name="source"/>; returns the pointer's final position.</summary>
    public static int Run(string source, TextWriter output, TextReader? input = null)
    {
        var arguments = PortalArguments(source, output, input);
        return Interpreter.Run((BfProgram)arguments[0]!, (byte[])arguments[1]!, output, (TextReader)arguments[3]!);
    }
}
