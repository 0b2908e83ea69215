using System.CommandLine;
using PeJit.Cli.Commands;

namespace PeJit.Cli;

/// <summary>The <c>pejit</c> command line.</summary>
public static class Program
{
    /// <summary>Exit code for input the tool cannot use (a missing file, not an assembly, an unknown method, bad usage).</summary>
    public const int UnusableInput = 2;

    /// <summary>Runs a command line and returns the exit code; output goes to the given writers.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("PeJit: turns an interpreter into a JIT compiler by partial evaluation.");
        root.Subcommands.Add(GraphCommand.Create(output, error));
        root.Subcommands.Add(BtaCommand.Create(output, error));
        root.Subcommands.Add(BuildCommand.Create(output, error));
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors) error.WriteLine($"pejit: {problem.Message} (see 'pejit --help')");
            return UnusableInput;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    /// <summary>Entry point.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);
}
