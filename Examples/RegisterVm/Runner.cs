using System.Reflection;

namespace PeJit.Examples.RegisterVm;

/// <summary>Assembles and runs a program through the portal.</summary>
public static class Runner
{
    /// <summary>The portal method.</summary>
    public static MethodInfo Portal { get; } = typeof(Interpreter).GetMethod(nameof(Interpreter.Run))!;

    /// <summary>The portal's arguments for running <c>main</c> of <paramref name="source"/> with <paramref name="args"/> (its defaults when empty).</summary>
    public static object?[] PortalArguments(string source, TextWriter output, params long[] args)
    {
        var code = Assembler.Assemble(source);
        var main = code.Main;
        var arguments = args.Length > 0 ? args : code.DefaultArguments;
        if (arguments.Length != main.Arity)
            throw new AssemblerException($"main takes {main.Arity} argument(s), {arguments.Length} given");
        var frame = new Frame(main.Registers, output);
        Array.Copy(arguments, frame.Registers, arguments.Length);
        return [code, main.Entry, frame];
    }

    /// <summary>Runs <c>main</c> of <paramref name="source"/>; returns its result.</summary>
    public static long Run(string source, TextWriter output, params long[] args)
    {
        var arguments = PortalArguments(source, output, args);
        return Interpreter.Run((Code)arguments[0]!, (int)arguments[1]!, (Frame)arguments[2]!);
    }
}
