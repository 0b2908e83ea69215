using System.Globalization;
using PeJit.Examples.TreeWalker;
using PeJit.Examples.TreeWalker.Syntax;

// dotnet run --project Examples/TreeWalker -- [--virtual] <program> [args]: a bundled program's name or a .tw file.
var evaluator = args.Length > 0 && args[0] == "--virtual" ? Evaluator.Virtual : Evaluator.Switch;
if (evaluator == Evaluator.Virtual) args = args[1..];
if (args.Length == 0)
{
    Console.Error.WriteLine($"usage: TreeWalker [--virtual] <program> [args]; bundled programs: {string.Join(", ", Programs.Names)}");
    return 2;
}
try
{
    string source = File.Exists(args[0]) ? File.ReadAllText(args[0])
        : Programs.Names.Contains(args[0]) ? Programs.Source(args[0])
        : throw new ParseException($"'{args[0]}' is neither a file nor a bundled program ({string.Join(", ", Programs.Names)})");
    var arguments = args.Skip(1).Select(a => long.TryParse(a, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
        ? n : throw new ParseException($"argument '{a}' is not a number")).ToArray();
    long result = Runner.Run(source, Console.Out, evaluator, arguments);
    Console.WriteLine($"result: {result}");
    return 0;
}
catch (ParseException e)
{
    Console.Error.WriteLine($"TreeWalker: {e.Message}");
    return 2;
}
