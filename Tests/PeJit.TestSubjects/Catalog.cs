using System.Reflection;

namespace PeJit.TestSubjects;

/// <summary>Every subject: a public static method with at least one [Sample], ordered by type then name.</summary>
public static class Catalog
{
    /// <summary>The subjects.</summary>
    public static IEnumerable<MethodInfo> Subjects() =>
        typeof(Catalog).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttributes<SampleAttribute>().Any())
            .OrderBy(m => m.DeclaringType!.Name, StringComparer.Ordinal).ThenBy(m => m.Name, StringComparer.Ordinal);
}
