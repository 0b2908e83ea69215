using System.CommandLine;
using Mono.Cecil;
using PeJit.Analysis;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Diagnostics;
using PeJit.Analysis.Reports;
using PeJit.Frontend.Construction;
using PeJit.Generator;
using PeJit.Specializer.Extension;
using PeJit.Runtime;
using PeJit.Weaving;

namespace PeJit.Cli.Commands;

/// <summary>
/// <c>pejit build &lt;interpreter.dll&gt; -o &lt;outdir&gt; [--backend cil|amd64|auto] [--threshold N] [--report html|json|text|none]</c>:
/// writes the JIT-enabled assembly (same name), its PDB, the runtime assemblies it needs and the BTA report
/// to outdir; the input is never modified. Exit code 0 when done, 1 when the analysis or the rewriting finds
/// errors in the interpreter, 2 for input or an outdir that cannot be used. Files land whole or not at all.
/// </summary>
public static class BuildCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var assembly = new Argument<string>("assembly") { Description = "The interpreter's assembly (.dll), with its PDB beside it (local names for the hints)." };
        var outdir = new Option<string>("-o", "--output") { Description = "The folder to write the JIT-enabled assembly to (created if missing).", Required = true };
        var backend = new Option<string>("--backend") { Description = "cil (DynamicMethod), amd64 (native code through Iced, linux-x64; a unit it cannot express is not compiled) or auto (AMD64 for every unit it can express, CIL for the rest). Default cil until the first native unit costs no more than a CIL one (.NET compiles Iced on first use). PEJIT_BACKEND overrides it at run time.", DefaultValueFactory = _ => "cil" };
        backend.AcceptOnlyFromAmong("cil", "amd64", "auto");
        var threshold = new Option<int?>("--threshold") { Description = "Times a loop is entered before it is compiled: 1 compiles on first sight (default 1000; PEJIT_THRESHOLD overrides at run time)." };
        var report = new Option<string>("--report") { Description = "The BTA report written beside the assembly: html (default), json, text or none.", DefaultValueFactory = _ => "html" };
        report.AcceptOnlyFromAmong("html", "json", "text", "none");
        var references = new Option<string[]>("-r", "--reference") { Description = "An assembly the interpreter references, when it is not beside it (MSBuild passes its resolved references). Repeatable." };
        var command = new Command("build", "Write the JIT-enabled version of an interpreter assembly: hot interpreted loops get specialized and compiled at run time.")
        {
            assembly, outdir, backend, threshold, report, references,
        };
        command.SetAction(parsed => new Builder(output, error, parsed.GetValue(references) ?? []).Run(parsed.GetValue(assembly)!, parsed.GetValue(outdir)!,
            parsed.GetValue(backend)!, parsed.GetValue(threshold), parsed.GetValue(report)!));
        return command;
    }

    private sealed class Builder(TextWriter output, TextWriter error, string[] references)
    {
        public int Run(string path, string outdir, string backend, int? threshold, string reportFormat)
        {
            if (threshold < 1) return Fail(Program.UnusableInput, $"--threshold {threshold}: give a number of times from 1 (compile on first sight) up, or leave it out for the default (1000).");
            if (OutputPath.RefuseFolder("-o", outdir) is { } refusal) return Fail(Program.UnusableInput, refusal);
            try
            {
                return Build(path, outdir, threshold ?? 0, reportFormat, backend);
            }
            catch (FrontendException e)
            {
                return Fail(Program.UnusableInput, e.Message);
            }
            catch (AssemblyResolutionException e)
            {
                return Fail(Program.UnusableInput, AssemblyLoader.UnresolvedReference(e.AssemblyReference, path).Message);
            }
            catch (WeavingException e)
            {
                return Fail(BtaCommand.AnalysisErrors, e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Fail(Program.UnusableInput, $"cannot write to {outdir} ({e.Message}). Choose a folder you can write to.");
            }
        }

        private int Build(string path, string outdir, int threshold, string reportFormat, string backend)
        {
            foreach (string reference in references.Where(r => !File.Exists(r)))
                return Fail(Program.UnusableInput, $"--reference {reference}: no such file.");
            var module = AssemblyLoader.Load(path, references);
            string name = Path.GetFileNameWithoutExtension(path);
            if (!AssemblyWeaver.IsWoven(module))
            {
                // The output has the input's name: written into the input's folder it would replace the input.
                if (OutputPath.IsFolderOf(outdir, path))
                    return Fail(Program.UnusableInput, $"-o {outdir}: that is the folder {Path.GetFileName(path)} is in, and the JIT-enabled assembly has the same name; choose another folder (the input is never modified).");
                AssemblyLoader.ResolveReferences(module, path);
            }
            var staging = new OutputStaging(outdir);
            if (AssemblyWeaver.IsWoven(module))
            {
                // A post-build step may run twice on one file: the second run changes nothing.
                staging.Copy(path, overwrite: false);
                if (File.Exists(Path.ChangeExtension(path, ".pdb"))) staging.Copy(Path.ChangeExtension(path, ".pdb"), overwrite: false);
                staging.Commit();
                staging.Dispose();
                output.WriteLine($"pejit build: {path} is JIT-enabled already; nothing to do.");
                return 0;
            }
            var result = BindingTimeAnalysis.Analyze(module);
            try
            {
                if (reportFormat != "none") staging.Write(ReportName(name, reportFormat), Report(result, reportFormat));
                if (result.Portals.Count == 0)
                {
                    staging.Commit();
                    return Fail(BtaCommand.AnalysisErrors, $"{path}: no method has [JitPortal]. Mark the interpreter's dispatch-loop method with [JitPortal(Greens = ..., Reds = ...)] (see the hints in the README).");
                }
                if (result.HasErrors)
                {
                    staging.Commit();
                    error.WriteLine(TextReport.Diagnostics(result.Diagnostics.Where(d => d.Severity == Severity.Error)));
                    return Fail(BtaCommand.AnalysisErrors, $"{path}: the binding-time analysis found errors (above); nothing but the report was written. Fix them and build again.");
                }
                var opaque = result.Portals.Where(p => p.Graph is null).Select(p => p.Hints.Method.FullName).ToList();
                if (opaque.Count > 0)
                    return Fail(BtaCommand.AnalysisErrors, $"{string.Join(", ", opaque)}: the portal's IL cannot be analyzed (see pejit graph for the reason).");

                // Each portal's generating extension, compiled here once and stored in the output: the run time
                // reads it back and links it by name, without re-reading or re-analyzing anything. Its green loads
                // and calls are emitted as methods of the output, which the run time binds instead of compiling.
                var programs = result.Portals.Select(p => (Portal: p, Program: ExtensionCompiler.CompileUnlinked(p))).ToList();
                IReadOnlyList<string> leftToRunTime = [];
                IReadOnlyDictionary<string, byte[]> Contents(Mono.Cecil.ModuleDefinition woven)
                {
                    var emitter = new GreenAccessEmitter(woven);
                    leftToRunTime = emitter.Left;
                    foreach (var (_, program) in programs) emitter.Emit(program);
                    emitter.Finish();
                    return programs.ToDictionary(p => ExtensionSerializer.ResourceName(MemberTableBuilder.PortalKey(p.Portal.Hints.Method)),
                        p => ExtensionSerializer.Store(p.Program, MemberTableTokens.Add(MemberTableBuilder.For(p.Program), woven)));
                }
                var fresh = AssemblyLoader.Load(path, references);
                var assembly = new MemoryStream();
                var pdb = fresh.HasSymbols ? new MemoryStream() : null;
                var notes = new List<string>();
                int sites = AssemblyWeaver.Weave(fresh, result.Portals.Select(p => p.Hints.Method.FullName).ToList(),
                    new RuntimeReference(typeof(JitRuntime).Assembly.GetName()), threshold, backend, Contents, assembly, pdb, notes.Add);
                staging.Write(Path.GetFileName(path), assembly.ToArray());
                if (pdb is not null) staging.Write(name + ".pdb", pdb.ToArray());
                var runtime = RuntimeFiles.Closure();
                foreach (string file in runtime) staging.Copy(file);
                // .NET's tiering settings the interpreter needs beside PeJit's work (RuntimeConfigFile), on the config the
                // output folder holds already, else the input's; staged first, so that the copies below leave it.
                string config = Path.ChangeExtension(path, ".runtimeconfig.json");
                string written = Path.Combine(outdir, Path.GetFileName(config));
                string? source = File.Exists(written) ? written : File.Exists(config) ? config : null;
                if (source is not null)
                {
                    string settings;
                    try
                    {
                        settings = RuntimeConfigFile.AddSettings(File.ReadAllText(source));
                    }
                    catch (System.Text.Json.JsonException e)
                    {
                        return Fail(Program.UnusableInput, $"{source} is not a valid runtimeconfig file ({e.Message}). Rebuild the application so that the SDK writes it again, or fix it, and run again.");
                    }
                    staging.Write(Path.GetFileName(config), settings);
                }
                foreach (string file in RuntimeFiles.Beside(path, fresh, runtime)) staging.Copy(file, overwrite: false);
                string deps = Path.ChangeExtension(path, ".deps.json");
                if (File.Exists(deps)) staging.Write(Path.GetFileName(deps), DepsFile.AddRuntime(File.ReadAllText(deps), runtime, typeof(JitRuntime).Assembly.GetName()));
                staging.Commit();
                output.WriteLine($"pejit build: wrote {Path.Combine(outdir, Path.GetFileName(path))}: {result.Portals.Count} portal(s) JIT-enabled ({string.Join(", ", result.Portals.Select(p => p.Hints.Method.DeclaringType.Name + "." + p.Hints.Method.Name))}), {sites} Jit.CanEnterJit site(s); backend {backend}{(threshold > 0 ? $", threshold {threshold}" : "")}; {RuntimeFiles.Describe(runtime)}");
                foreach (var warning in result.Diagnostics.Where(d => d.Severity == Severity.Warning)) output.WriteLine($"pejit build: warning: {warning}");
                foreach (string note in notes) output.WriteLine($"pejit build: note: {note}");
                foreach (string access in leftToRunTime)
                    output.WriteLine($"pejit build: note: a green access is compiled when the portal is first prepared, not emitted here (the run time loads System.Linq.Expressions for it): {access}");
                return 0;
            }
            finally
            {
                staging.Dispose();
            }
        }

        private static string ReportName(string name, string format) => name + format switch { "json" => ".bta.json", "text" => ".bta.txt", _ => ".bta.html" };

        private static string Report(AnalysisResult result, string format) => format switch
        {
            "json" => JsonReport.Write(result),
            "text" => TextReport.Write(result),
            _ => HtmlReport.Write(result),
        };

        private int Fail(int code, string message)
        {
            error.WriteLine($"pejit build: {message}");
            return code;
        }
    }
}
