using System.Collections.Concurrent;
using Mono.Cecil;
using PeJit.Frontend.Construction;

namespace PeJit.Tests.Frontend;

/// <summary>Cecil modules of loaded assemblies, read once per test run (reading Iced takes a while).</summary>
internal static class ModuleCache
{
    private static readonly ConcurrentDictionary<string, ModuleDefinition> Modules = new();

    /// <summary>The Cecil module of <paramref name="assembly"/>, with its PDB when there is one.</summary>
    public static ModuleDefinition Of(System.Reflection.Assembly assembly) =>
        Modules.GetOrAdd(assembly.Location, AssemblyLoader.Load);

    /// <summary>The Cecil definition of a reflection method (same metadata token).</summary>
    public static MethodDefinition Definition(System.Reflection.MethodBase method) =>
        (MethodDefinition)Of(method.Module.Assembly).LookupToken(method.MetadataToken);
}
