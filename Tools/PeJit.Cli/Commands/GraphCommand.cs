using System.CommandLine;
using Mono.Cecil;
using PeJit.Frontend.Construction;
using PeJit.IR.Text;

namespace PeJit.Cli.Commands;

/// <summary><c>pejit graph &lt;assembly&gt; [--method NAME]</c>: prints the flow graphs of an assembly's methods.</summary>
public static class GraphCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var assembly = new Argument<string>("assembly") { Description = "The .NET assembly (.dll) to read; its PDB, when beside it, gives local names and source lines." };
        var method = new Option<string?>("--method") { Description = "Only methods whose name is NAME, Type::NAME or the full name (as printed in the graph header)." };
        var command = new Command("graph", "Print the SSA flow graphs the frontend builds from an assembly's methods.") { assembly, method };
        command.SetAction(parsed => Run(parsed.GetValue(assembly)!, parsed.GetValue(method), output, error));
        return command;
    }

    private static int Run(string path, string? methodName, TextWriter output, TextWriter error)
    {
        ModuleDefinition module;
        try
        {
            module = AssemblyLoader.Load(path);
        }
        catch (FrontendException e)
        {
            error.WriteLine($"pejit graph: {e.Message}");
            return Program.UnusableInput;
        }
        var methods = MethodSelection.Select(module, methodName);
        if (methods.Count == 0)
        {
            error.WriteLine(methodName is null
                ? $"pejit graph: {path} has no method with a body."
                : $"pejit graph: {path} has no method named '{methodName}'. Give the simple name (Run), Type::Name (Interpreter::Run) or the full name from the graph header.");
            return Program.UnusableInput;
        }
        var converter = new MethodConverter();
        foreach (var definition in methods)
        {
            var result = converter.Convert(definition);
            if (result.Graph is { } graph) output.Write(IrPrinter.Print(graph));
            else output.WriteLine($"; {definition.FullName}: opaque: {result.OpaqueReason}");
            output.WriteLine();
        }
        return 0;
    }
}
