using PeJit.Examples.Brainfuck;

// dotnet run --project Examples/Brainfuck -- <program>: a bundled program's name or a .bf file.
if (args.Length != 1)
{
    Console.Error.WriteLine($"usage: Brainfuck <program>; bundled programs: {string.Join(", ", Programs.Names)}");
    return 2;
}
try
{
    string source = File.Exists(args[0]) ? File.ReadAllText(args[0])
        : Programs.Names.Contains(args[0]) ? Programs.Source(args[0])
        : throw new FormatException($"'{args[0]}' is neither a file nor a bundled program ({string.Join(", ", Programs.Names)})");
    var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
    Runner.Run(source, output, Console.In);
    output.Flush();
    return 0;
}
catch (FormatException e)
{
    Console.Error.WriteLine($"Brainfuck: {e.Message}");
    return 2;
}
