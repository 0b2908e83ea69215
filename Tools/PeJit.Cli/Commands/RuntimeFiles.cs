using System.Reflection;
using System.Reflection.PortableExecutable;
using Mono.Cecil;

namespace PeJit.Cli.Commands;

/// <summary>The files a JIT-enabled assembly needs beside it.</summary>
public static class RuntimeFiles
{
    /// <summary>
    /// The folder beside the tool holding PeJit.Runtime and its closure precompiled (ReadyToRun), when the
    /// tool's build could make it (PeJit.Cli.csproj, target PublishReadyToRunRuntime).
    /// </summary>
    public static string ReadyToRunFolder => Path.Combine(AppContext.BaseDirectory, "runtime-r2r");

    /// <summary>
    /// PeJit.Runtime and every assembly it needs that is not part of the framework: the ones the tool itself
    /// runs with, found beside it, taken precompiled from <see cref="ReadyToRunFolder"/> where it has them.
    /// </summary>
    public static IReadOnlyList<string> Closure()
    {
        string home = AppContext.BaseDirectory;
        string precompiled = ReadyToRunFolder;
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<AssemblyName>([typeof(PeJit.Runtime.JitRuntime).Assembly.GetName()]);
        while (pending.Count > 0)
        {
            var name = pending.Dequeue();
            if (!seen.Add(name.Name!)) continue;
            string file = Path.Combine(home, name.Name + ".dll");
            if (!File.Exists(file)) continue;
            string ready = Path.Combine(precompiled, name.Name + ".dll");
            files.Add(File.Exists(ready) ? ready : file);
            foreach (var reference in Assembly.Load(name).GetReferencedAssemblies()) pending.Enqueue(reference);
            // Mono.Cecil loads its PDB reader from Mono.Cecil.Pdb and friends by reflection, without a reference.
            if (name.Name == "Mono.Cecil")
                foreach (string satellite in Directory.GetFiles(home, "Mono.Cecil.*.dll")) pending.Enqueue(AssemblyName.GetAssemblyName(satellite));
        }
        return files;
    }

    /// <summary>Whether <paramref name="file"/> carries precompiled native code (a ReadyToRun header).</summary>
    public static bool IsReadyToRun(string file)
    {
        using var reader = new PEReader(File.OpenRead(file));
        return reader.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
    }

    /// <summary>
    /// How <paramref name="runtime"/> ships, for the build's output: precompiled, or IL-only and why.
    /// </summary>
    public static string Describe(IReadOnlyList<string> runtime)
    {
        int ready = runtime.Count(IsReadyToRun);
        if (ready == runtime.Count) return "runtime ReadyToRun (precompiled)";
        if (ready > 0) return $"runtime ReadyToRun for {ready} of {runtime.Count} assemblies";
        return Directory.Exists(ReadyToRunFolder)
            ? "runtime IL-only (the precompiled copies are not ReadyToRun)"
            : "runtime IL-only (no precompiled copies: crossgen2 is not available for this platform, or pejit was built with PeJitReadyToRun=false)";
    }

    /// <summary>
    /// The assemblies <paramref name="module"/> references (transitively) that sit beside <paramref name="path"/>,
    /// and its runtimeconfig.json: what running the output folder with <c>dotnet</c> needs.
    /// </summary>
    public static IEnumerable<string> Beside(string path, ModuleDefinition module, IReadOnlyList<string> runtime)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string config = Path.ChangeExtension(path, ".runtimeconfig.json");
        if (File.Exists(config)) yield return config;
        var seen = new HashSet<string>(runtime.Select(Path.GetFileNameWithoutExtension)!, StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<AssemblyNameReference>(module.AssemblyReferences);
        while (pending.Count > 0)
        {
            var reference = pending.Dequeue();
            if (!seen.Add(reference.Name)) continue;
            string file = Path.Combine(folder, reference.Name + ".dll");
            if (!File.Exists(file)) continue;
            yield return file;
            string pdb = Path.ChangeExtension(file, ".pdb");
            if (File.Exists(pdb)) yield return pdb;
            using var referenced = ModuleDefinition.ReadModule(file);
            foreach (var next in referenced.AssemblyReferences) pending.Enqueue(next);
        }
    }
}
