using System.Globalization;
using PeJit.Examples.Lua;
using PeJit.Examples.Lua.Compiler;
using PeJit.Examples.Lua.Syntax;
using PeJit.Examples.Lua.Values;

// dotnet run --project Examples/Lua -- <program> [N]: a bundled program's name or a .lua file; N sets the global N.
// dotnet run --project Examples/Lua -- --disassemble <program>: the bytecode.
if (args.Length == 0)
{
    Console.Error.WriteLine($"usage: Lua [--disassemble] <program> [N]; bundled programs: {string.Join(", ", Programs.Names)}");
    return 2;
}
bool disassemble = args[0] == "--disassemble";
if (disassemble) args = args[1..];
try
{
    string source = File.Exists(args[0]) ? File.ReadAllText(args[0])
        : Programs.Names.Contains(args[0]) ? Programs.Source(args[0])
        : throw new ArgumentException($"'{args[0]}' is neither a file nor a bundled program ({string.Join(", ", Programs.Names)})");
    if (disassemble)
    {
        Console.Write(BytecodeCompiler.Compile(source).Disassemble());
        return 0;
    }
    long? size = args.Length > 1
        ? long.TryParse(args[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n : throw new ArgumentException($"N '{args[1]}' is not an integer")
        : null;
    Runner.Run(source, Console.Out, size);
    return 0;
}
catch (LuaSyntaxException e)
{
    Console.Error.WriteLine($"lua: {e.Message}");
    return 1;
}
catch (LuaError e)
{
    Console.Out.Flush();
    Console.Error.WriteLine($"lua: {e.Value}");
    return 1;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"lua: {e.Message}");
    return 2;
}
