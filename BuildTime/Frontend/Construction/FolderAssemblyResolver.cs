using Mono.Cecil;

namespace PeJit.Frontend.Construction;

/// <summary>
/// Resolves references from the given folders only (the interpreter's own folder and the framework's), and
/// caches what it read. Cecil's default resolver also looks in the current directory and in the assemblies
/// the running process was started with, so what resolved would depend on where and in what pejit runs.
/// </summary>
public sealed class FolderAssemblyResolver : BaseAssemblyResolver
{
    private readonly Dictionary<string, AssemblyDefinition> cache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> files = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A resolver that searches no folder until <see cref="BaseAssemblyResolver.AddSearchDirectory"/> adds one.</summary>
    public FolderAssemblyResolver()
    {
        foreach (string folder in GetSearchDirectories()) RemoveSearchDirectory(folder);
    }

    /// <summary>
    /// Resolves the assembly named like <paramref name="path"/>'s file to it, before any folder: the references
    /// a build passes (MSBuild's resolved references, when the assembly sits in obj/ without them).
    /// </summary>
    public void AddFile(string path) => files.TryAdd(Path.GetFileNameWithoutExtension(path), Path.GetFullPath(path));

    /// <inheritdoc/>
    public override AssemblyDefinition Resolve(AssemblyNameReference name, ReaderParameters parameters)
    {
        lock (cache)
        {
            if (cache.TryGetValue(name.FullName, out var cached)) return cached;
            parameters.AssemblyResolver ??= this;
            var assembly = (files.TryGetValue(name.Name, out string? file) && File.Exists(file) ? AssemblyDefinition.ReadAssembly(file, parameters) : null)
                ?? SearchDirectory(name, GetSearchDirectories(), parameters)
                ?? throw new AssemblyResolutionException(name);
            cache[name.FullName] = assembly;
            return assembly;
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        lock (cache)
        {
            foreach (var assembly in cache.Values) assembly.Dispose();
            cache.Clear();
        }
        base.Dispose(disposing);
    }
}
