using System.CommandLine;
using PeJit.Analysis;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Reports;
using Mono.Cecil;
using PeJit.Frontend.Construction;
using PeJit.Weaving;

namespace PeJit.Cli.Commands;

/// <summary>
/// <c>pejit bta &lt;assembly&gt; [--format text|json|html|dot] [-o FILE]</c>: the binding-time report. Exit code 0
/// without errors (warnings allowed), 1 with analysis errors (the report is still written, the errors also go
/// to stderr), 2 for input that cannot be used.
/// </summary>
public static class BtaCommand
{
    /// <summary>Exit code when the analysis reports errors.</summary>
    public const int AnalysisErrors = 1;

    /// <summary>Builds the command.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var assembly = new Argument<string>("assembly") { Description = "The interpreter's assembly (.dll), with its PDB beside it." };
        var format = new Option<string>("--format") { Description = "text (default), json, html or dot.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "html", "dot");
        var file = new Option<string?>("-o", "--output") { Description = "Write the report to FILE (whole or not at all) instead of the terminal." };
        var command = new Command("bta", "Report the binding times of an interpreter: what is known while specializing (green) and what only at run time (red), and why.")
        {
            assembly, format, file,
        };
        command.SetAction(parsed => Run(parsed.GetValue(assembly)!, parsed.GetValue(format)!, parsed.GetValue(file), output, error));
        return command;
    }

    private static int Run(string path, string format, string? file, TextWriter output, TextWriter error)
    {
        // Checked before the analysis, which takes a while: a bad -o is a mistake to hear about at once.
        if (file is not null && OutputPath.RefuseFile("-o", file, path) is { } refusal)
        {
            error.WriteLine($"pejit bta: {refusal}");
            return Program.UnusableInput;
        }
        AnalysisResult result;
        try
        {
            var module = AssemblyLoader.Load(path);
            if (AssemblyWeaver.IsWoven(module))
                throw new FrontendException($"{path}: is already JIT-enabled (written by pejit build); run pejit bta on the original, the interpreter's own build output.");
            AssemblyLoader.ResolveReferences(module, path);
            result = BindingTimeAnalysis.Analyze(module);
        }
        catch (FrontendException e)
        {
            error.WriteLine($"pejit bta: {e.Message}");
            return Program.UnusableInput;
        }
        catch (AssemblyResolutionException e)
        {
            error.WriteLine($"pejit bta: {AssemblyLoader.UnresolvedReference(e.AssemblyReference, path).Message}");
            return Program.UnusableInput;
        }
        string report = format switch
        {
            "json" => JsonReport.Write(result),
            "html" => HtmlReport.Write(result),
            "dot" => DotReport.Write(result),
            _ => TextReport.Write(result),
        };
        if (file is null)
        {
            output.Write(report);
        }
        else
        {
            try
            {
                AtomicFile.Write(file, report);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"pejit bta: cannot write {file} ({e.Message}). Check that its folder exists and is writable.");
                return Program.UnusableInput;
            }
        }
        if (!result.HasErrors) return 0;
        error.WriteLine(TextReport.Diagnostics(result.Diagnostics.Where(d => d.Severity == Analysis.Diagnostics.Severity.Error)));
        return AnalysisErrors;
    }
}
