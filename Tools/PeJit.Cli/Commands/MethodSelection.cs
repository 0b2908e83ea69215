using Mono.Cecil;

namespace PeJit.Cli.Commands;

/// <summary>Finds the methods a command line names.</summary>
public static class MethodSelection
{
    /// <summary>
    /// Methods with a body in <paramref name="module"/>, in metadata order, whose simple name, <c>Type::Name</c>
    /// (type by simple or full name) or full name is <paramref name="name"/>; all of them when it is null.
    /// </summary>
    public static List<MethodDefinition> Select(ModuleDefinition module, string? name) =>
        module.GetTypes()
            .SelectMany(t => t.Methods)
            .Where(m => m.HasBody && (name is null || Matches(m, name)))
            .ToList();

    private static bool Matches(MethodDefinition method, string name) =>
        method.Name == name
        || method.FullName == name
        || $"{method.DeclaringType.Name}::{method.Name}" == name
        || $"{method.DeclaringType.FullName}::{method.Name}" == name;
}
