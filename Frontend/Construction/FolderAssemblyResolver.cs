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

    /// <summary>A resolver that searches no folder until <see cref="BaseAssemblyResolver.AddSearchDirectory"/> adds one.</summary>
    public FolderAssemblyResolver()
    {
        foreach (string folder in GetSearchDirectories()) RemoveSearchDirectory(folder);
    }

    /// <inheritdoc/>
    public override AssemblyDefinition Resolve(AssemblyNameReference name, ReaderParameters parameters)
    {
        lock (cache)
        {
            if (cache.TryGetValue(name.FullName, out var cached)) return cached;
            parameters.AssemblyResolver ??= this;
            var assembly = SearchDirectory(name, GetSearchDirectories(), parameters)
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
