using System.Globalization;
using PeJit.Examples.HandlerTable;

// dotnet run --project Examples/HandlerTable -- <program> [args]: a bundled program's name or a .svm file.
if (args.Length == 0)
{
    Console.Error.WriteLine($"usage: HandlerTable <program> [args]; bundled programs: {string.Join(", ", Programs.Names)}");
    return 2;
}
try
{
    string source = File.Exists(args[0]) ? File.ReadAllText(args[0])
        : Programs.Names.Contains(args[0]) ? Programs.Source(args[0])
        : throw new AssemblerException($"'{args[0]}' is neither a file nor a bundled program ({string.Join(", ", Programs.Names)})");
    var arguments = args.Skip(1).Select(a => long.TryParse(a, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
        ? n : throw new AssemblerException($"argument '{a}' is not a number")).ToArray();
    long result = Runner.Run(source, Console.Out, arguments);
    Console.WriteLine($"result: {result}");
    return 0;
}
catch (AssemblerException e)
{
    Console.Error.WriteLine($"HandlerTable: {e.Message}");
    return 2;
}
