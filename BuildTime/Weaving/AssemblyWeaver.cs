using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PeJit.Weaving;

/// <summary>
/// Makes the JIT-enabled assembly: each portal's IL rewritten (<see cref="PortalWeaver"/>, which adds a small
/// class holding the portal's counter table after the existing types), each portal's stored extension program
/// carried as a resource (what the run time specializes with: <c>ExtensionSerializer</c>), and the assembly marked
/// with <c>[assembly: JitEnabled(threshold, backend)]</c>. Nothing else changes: every type, method and field
/// keeps its metadata token, which is checked (the run time finds members by name and signature, but tools
/// that compare the two builds by token keep working).
/// </summary>
public static class AssemblyWeaver
{
    /// <summary>Whether <paramref name="module"/> was JIT-enabled already.</summary>
    public static bool IsWoven(ModuleDefinition module) =>
        module.Assembly.CustomAttributes.Any(a => a.AttributeType.Namespace == RuntimeReference.Namespace && a.AttributeType.Name == RuntimeReference.MarkerType);

    /// <summary>Writes the JIT-enabled version of <paramref name="input"/>.</summary>
    /// <param name="input">The assembly as the compiler wrote it, read with its symbols when it has a PDB; it is not changed.</param>
    /// <param name="portals">The full names of the portals to JIT-enable.</param>
    /// <param name="runtime">The runtime assembly to reference.</param>
    /// <param name="threshold">The compile threshold to record (0: the runtime's default).</param>
    /// <param name="backend">The backend to record.</param>
    /// <param name="contents">
    /// Called with the module being woven, after the portals were rewritten: adds what the portals' extension
    /// programs need to it (the green accesses <c>GreenAccessEmitter</c> emits) and returns the resources to embed,
    /// by name (the programs, which name what it added).
    /// </param>
    /// <param name="assembly">Receives the rewritten assembly.</param>
    /// <param name="symbols">Receives its PDB, when the input has symbols.</param>
    /// <param name="note">Told what the user should know of a portal that is accepted as it is (one without <c>Jit.CanEnterJit</c>); null to ignore.</param>
    /// <returns>The number of <c>Jit.CanEnterJit</c> sites rewritten.</returns>
    /// <exception cref="WeavingException">A portal's IL cannot be rewritten; the message says where and why.</exception>
    /// <remarks>
    /// The input is first written back by Cecil unchanged and read again, so that the token check compares two
    /// images of the same writer (Cecil orders type definitions its own way).
    /// </remarks>
    public static int Weave(ModuleDefinition input, IReadOnlyCollection<string> portals, RuntimeReference runtime, int threshold, string backend,
        Func<ModuleDefinition, IReadOnlyDictionary<string, byte[]>> contents, Stream assembly, Stream? symbols, Action<string>? note = null)
    {
        bool withSymbols = symbols is not null && input.HasSymbols;
        var (original, originalSymbols) = WriteToMemory(input, withSymbols);
        using var module = ModuleDefinition.ReadModule(new MemoryStream(original), new ReaderParameters
        {
            AssemblyResolver = input.AssemblyResolver,
            ReadSymbols = withSymbols,
            SymbolReaderProvider = withSymbols ? new PortablePdbReaderProvider() : null,
            SymbolStream = withSymbols ? new MemoryStream(originalSymbols!) : null,
        });

        var scope = RuntimeScope(module, runtime);
        var wovenRuntime = WovenRuntime.Import(module, scope);

        int sites = 0;
        var methods = module.GetTypes().SelectMany(t => t.Methods).ToDictionary(m => m.FullName);
        var inlined = new List<(MethodDefinition Portal, MethodDefinition Twin)>();
        foreach (string name in portals)
        {
            var portal = methods.GetValueOrDefault(name) ?? throw new WeavingException($"{module.Name} has no method {name}");
            var weaver = new PortalWeaver(portal, wovenRuntime);
            weaver.Weave();
            if (weaver.Inlined) inlined.Add((portal, weaver.Twin!));
            if (weaver.OnlyEntry)
                note?.Invoke($"{portal.DeclaringType.Name}.{portal.Name} has no Jit.CanEnterJit: it is compiled where it gets hot, at its entry (each function of the interpreted program as a whole); "
                    + "if the interpreted language has loops, call Jit.CanEnterJit(...) where they jump backwards so that a long loop is compiled while it runs");
            sites += weaver.Sites;
        }
        // Once every portal is woven (a portal may call another): an inlined portal stays out of the callers that do not always run it.
        foreach (var (portal, twin) in inlined) OutlinedPortalCalls.Redirect(portal, twin, wovenRuntime.Disabled);

        foreach (var (name, bytes) in contents(module))
            module.Resources.Add(new EmbeddedResource(name, ManifestResourceAttributes.Private, bytes));
        var marker = new TypeReference(RuntimeReference.Namespace, RuntimeReference.MarkerType, module, scope);
        var constructor = new MethodReference(".ctor", module.TypeSystem.Void, marker) { HasThis = true };
        constructor.Parameters.Add(new ParameterDefinition(module.TypeSystem.Int32));
        constructor.Parameters.Add(new ParameterDefinition(module.TypeSystem.String));
        var attribute = new CustomAttribute(constructor);
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.Int32, threshold));
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String, backend));
        module.Assembly.CustomAttributes.Add(attribute);

        var (rewritten, rewrittenSymbols) = WriteToMemory(module, withSymbols);
        CheckTokens(original, rewritten);
        assembly.Write(rewritten);
        if (withSymbols) symbols!.Write(rewrittenSymbols);
        return sites;
    }

    private static (byte[] Assembly, byte[]? Symbols) WriteToMemory(ModuleDefinition module, bool withSymbols)
    {
        var assembly = new MemoryStream();
        var symbols = withSymbols ? new MemoryStream() : null;
        var parameters = new WriterParameters();
        if (withSymbols)
        {
            parameters.WriteSymbols = true;
            parameters.SymbolWriterProvider = new PortablePdbWriterProvider();
            parameters.SymbolStream = symbols;
        }
        module.Write(assembly, parameters);
        return (assembly.ToArray(), symbols?.ToArray());
    }

    private static AssemblyNameReference RuntimeScope(ModuleDefinition module, RuntimeReference runtime)
    {
        var name = runtime.AssemblyName;
        var existing = module.AssemblyReferences.FirstOrDefault(r => r.Name == name.Name);
        if (existing is not null) return existing;
        var reference = new AssemblyNameReference(name.Name, name.Version) { PublicKeyToken = name.GetPublicKeyToken() ?? [] };
        module.AssemblyReferences.Add(reference);
        return reference;
    }

    /// <summary>Every type, method and field of the original keeps its token in the rewritten assembly.</summary>
    private static void CheckTokens(byte[] original, byte[] rewritten)
    {
        static Dictionary<string, uint> Tokens(byte[] image)
        {
            using var module = ModuleDefinition.ReadModule(new MemoryStream(image));
            var tokens = new Dictionary<string, uint>();
            foreach (var type in module.GetTypes())
            {
                tokens[type.FullName] = type.MetadataToken.ToUInt32();
                foreach (var method in type.Methods) tokens[method.FullName] = method.MetadataToken.ToUInt32();
                foreach (var field in type.Fields) tokens[type.FullName + "::" + field.Name] = field.MetadataToken.ToUInt32();
            }
            return tokens;
        }
        var before = Tokens(original);
        var after = Tokens(rewritten);
        var moved = before.Where(p => !after.TryGetValue(p.Key, out uint token) || token != p.Value).Select(p => p.Key).ToList();
        if (moved.Count > 0)
            throw new WeavingException($"rewriting changed the metadata tokens of {moved.Count} members (first: {moved[0]}); the run-time side could not find them. Please report this with the assembly.");
    }
}
