using System.Globalization;
using PeJit.Examples.Wasm;

// dotnet Wasm.dll <program> [n]: a bundled program's name or a .wat file, and main's argument.
if (args.Length == 0)
{
    Console.Error.WriteLine($"usage: Wasm <program> [n]; bundled programs: {string.Join(", ", Programs.Names)}");
    return 2;
}
try
{
    string source = File.Exists(args[0]) ? File.ReadAllText(args[0])
        : Programs.Names.Contains(args[0]) ? Programs.Source(args[0])
        : throw new AssemblerException($"'{args[0]}' is neither a file nor a bundled program ({string.Join(", ", Programs.Names)})");
    long[] argument = args.Length > 1
        ? long.TryParse(args[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? [n] : throw new AssemblerException($"argument '{args[1]}' is not a number")
        : [];
    long result = Runner.Run(source, Console.Out, argument);
    Console.WriteLine($"result: {result}");
    return 0;
}
catch (AssemblerException e)
{
    Console.Error.WriteLine($"Wasm: {e.Message}");
    return 2;
}
catch (WasmTrap e)
{
    Console.Error.WriteLine($"Wasm: trap: {e.Message}");
    return 3;
}
