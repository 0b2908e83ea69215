using System.Reflection;
using PeJit.Analysis.BindingTimes;
using PeJit.Frontend.Construction;
using PeJit.Frontend.Resolution;
using PeJit.Generator;
using PeJit.Specializer.Extension;

namespace PeJit.Tests.Specializer.Extension;

/// <summary>
/// What the stored-form tests (<see cref="ExtensionStorageTests"/>, <see cref="ExtensionBinaryTests"/>) start from: each
/// example's portals analyzed and compiled into extension programs as <c>pejit build</c> compiles them, and the checks
/// they share.
/// </summary>
internal static class ExtensionPrograms
{
    /// <summary>Every example with a portal; each one's analysis is clean.</summary>
    public static IEnumerable<object[]> Examples => [["StackVm"], ["Brainfuck"], ["RegisterVm"], ["TreeWalker"], ["HandlerTable"], ["Lua"]];

    /// <summary>Every portal of <paramref name="example"/>, compiled, with its member table.</summary>
    public static IEnumerable<(Assembly Assembly, string Portal, ExtensionProgram Compiled, MemberTable Table)> All(string example)
    {
        var assembly = Assembly.Load(example);
        var result = BindingTimeAnalysis.Analyze(AssemblyLoader.Load(assembly.Location));
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        Assert.IsNotEmpty(result.Portals);
        foreach (var portal in result.Portals)
        {
            var compiled = ExtensionCompiler.Compile(portal, new CecilReflectionResolver(assembly));
            yield return (assembly, portal.Hints.Method.FullName, compiled, MemberTableBuilder.For(compiled));
        }
    }

    /// <summary>The first portal of <paramref name="example"/>, compiled, with its member table.</summary>
    public static (Assembly Assembly, ExtensionProgram Compiled, MemberTable Table) First(string example)
    {
        var (assembly, _, compiled, table) = All(example).First();
        return (assembly, compiled, table);
    }

    /// <summary>A printed program without its header line, which holds the time it was read.</summary>
    public static string WithoutHeader(string text) => text[(text.IndexOf('\n') + 1)..];

    /// <summary>Every op of <paramref name="actual"/>'s graphs (or of the one named <paramref name="only"/>) linked as <paramref name="expected"/>'s: the same delegates, run-time types and binding times.</summary>
    public static void AssertLinkedAlike(ExtensionProgram expected, ExtensionProgram actual, string? only = null)
    {
        foreach (var (first, second) in expected.Graphs.Zip(actual.Graphs))
        {
            if (only is not null && second.Name != only) continue;
            var ops = first.Blocks.Zip(second.Blocks).SelectMany(p => p.First.Zip(p.Second)).ToList();
            Assert.IsTrue(ops.All(p => p.First.AccessCompiled == p.Second.AccessCompiled && p.First.RuntimeType == p.Second.RuntimeType && p.First.Green == p.Second.Green),
                $"{second.Name}: linked alike");
        }
    }
}
