using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PeJit.Frontend.Construction;

/// <summary>
/// Reads an assembly with Mono.Cecil, with its portable PDB when one sits beside it (local names and
/// source lines come from there), resolving references from its own folder and the running framework.
/// </summary>
public static class AssemblyLoader
{
    /// <summary>
    /// Reads an assembly held in memory (as a JIT-enabled assembly carries its original), with its portable
    /// PDB when given; references resolve from <paramref name="searchDirectory"/> and the running framework.
    /// </summary>
    /// <exception cref="FrontendException">The bytes are not a .NET assembly, or the PDB does not match.</exception>
    public static ModuleDefinition Load(byte[] assembly, byte[]? symbols, string? searchDirectory, string displayName)
    {
        var resolver = NewResolver();
        if (!string.IsNullOrEmpty(searchDirectory)) resolver.AddSearchDirectory(searchDirectory);
        resolver.AddSearchDirectory(Path.GetDirectoryName(typeof(object).Assembly.Location)!);
        var parameters = new ReaderParameters
        {
            AssemblyResolver = resolver,
            ReadSymbols = symbols is not null,
            SymbolReaderProvider = symbols is not null ? new PortablePdbReaderProvider() : null,
            SymbolStream = symbols is not null ? new MemoryStream(symbols) : null,
        };
        try
        {
            return ModuleDefinition.ReadModule(new MemoryStream(assembly), parameters);
        }
        catch (BadImageFormatException)
        {
            throw new FrontendException($"{displayName}: not a .NET assembly.");
        }
        catch (SymbolsNotMatchingException)
        {
            throw new FrontendException($"{displayName}: its PDB was built from another version of the assembly.");
        }
    }

    private static FolderAssemblyResolver NewResolver() => new();

    /// <summary>
    /// Resolves every assembly <paramref name="module"/> (read from <paramref name="path"/>) references: the
    /// analysis looks into referenced code, and the output must run. <c>pejit build</c> and <c>pejit bta</c> both
    /// refuse an assembly whose references cannot be read, with the same message.
    /// </summary>
    /// <exception cref="FrontendException">A reference is missing, or the file named like it is not a .NET assembly.</exception>
    public static void ResolveReferences(ModuleDefinition module, string path)
    {
        foreach (var reference in module.AssemblyReferences)
        {
            try
            {
                module.AssemblyResolver.Resolve(reference);
            }
            catch (Exception e) when (e is AssemblyResolutionException or BadImageFormatException)
            {
                throw UnresolvedReference(reference, path);
            }
        }
    }

    /// <summary>The error for a reference of the assembly at <paramref name="path"/> that cannot be resolved: missing, or there but not an assembly.</summary>
    public static FrontendException UnresolvedReference(AssemblyNameReference reference, string path)
    {
        // Cecil skips a file it cannot read and reports the assembly as not found: say which it is.
        string beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, reference.Name + ".dll");
        return new FrontendException(File.Exists(beside)
            ? $"{path}: {beside}, the assembly {reference.Name} it references, is not a .NET assembly (corrupt or truncated). Replace it with the one from the interpreter's build output and run again."
            : $"{path}: cannot find the assembly {reference.FullName} it references. Put it beside {Path.GetFileName(path)} (build output folders have it) and run again.");
    }

    /// <summary>Reads the assembly at <paramref name="path"/>.</summary>
    /// <exception cref="FrontendException">The file is missing or is not a .NET assembly.</exception>
    public static ModuleDefinition Load(string path) => Load(path, []);

    /// <summary>Reads the assembly at <paramref name="path"/>, resolving the assemblies named like <paramref name="references"/> to those files first.</summary>
    /// <exception cref="FrontendException">The file is missing or is not a .NET assembly.</exception>
    public static ModuleDefinition Load(string path, IEnumerable<string> references)
    {
        if (Directory.Exists(path))
            throw new FrontendException($"{path}: is a folder; give the .dll inside it, e.g. {Path.Combine(path, "MyInterpreter.dll")}.");
        if (!File.Exists(path))
            throw new FrontendException($"{path}: no such file. Pass the path of a .NET assembly (.dll), e.g. bin/Release/net10.0/MyInterpreter.dll.");
        var resolver = NewResolver();
        foreach (string reference in references) resolver.AddFile(reference);
        resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        resolver.AddSearchDirectory(Path.GetDirectoryName(typeof(object).Assembly.Location)!);
        bool hasSymbols = File.Exists(Path.ChangeExtension(path, ".pdb"));
        var parameters = new ReaderParameters
        {
            AssemblyResolver = resolver,
            ReadSymbols = hasSymbols,
            SymbolReaderProvider = hasSymbols ? new PortablePdbReaderProvider() : null,
            // Read into memory so that the file is not held open (the post-build step rewrites it).
            InMemory = true,
        };
        try
        {
            return ModuleDefinition.ReadModule(path, parameters);
        }
        catch (BadImageFormatException)
        {
            throw new FrontendException($"{path}: not a .NET assembly. Pass the .dll that the C# compiler produced, not a native library or another file.");
        }
        catch (SymbolsNotMatchingException)
        {
            throw new FrontendException($"{path}: the PDB beside it was built from another version of the assembly. Rebuild so the two match, or delete the PDB.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FrontendException($"{path}: cannot read it ({e.Message}). Check the path and permissions.", e);
        }
    }
}
