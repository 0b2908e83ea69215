using System.Reflection;

namespace PeJit.Tests;

/// <summary>
/// The layout's promise, checked on the built assemblies: the IR references no build-time stage and no
/// package; the engine, the optimizer and the backends reference only the IR; the runtime references only the
/// run-time assemblies (it reads the extension program pejit build stored), so nothing of build time is in its
/// closure (<c>RunTimeClosureTests</c> checks a running process too).
/// </summary>
[TestClass]
public sealed class ArchitectureTests
{
    private static IEnumerable<string> PeJitReferences(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => !IsPlatform(n));

    private static bool IsPlatform(string name) =>
        name is "System" or "netstandard" or "mscorlib" || name.StartsWith("System.", StringComparison.Ordinal) || name.StartsWith("Microsoft.", StringComparison.Ordinal);

    private static void AssertReferences(Assembly assembly, params string[] allowed)
    {
        var references = PeJitReferences(assembly).Order().ToList();
        var unexpected = references.Except(allowed).ToList();
        Assert.IsEmpty(unexpected, $"{assembly.GetName().Name} references {string.Join(", ", unexpected)}; allowed: {string.Join(", ", allowed)}");
    }

    [TestMethod]
    public void TheIrReferencesNothingButThePlatform() =>
        AssertReferences(typeof(PeJit.IR.FlowGraph).Assembly);

    [TestMethod]
    public void TheOptimizerAndTheBackendsReferenceOnlyTheIr()
    {
        AssertReferences(typeof(PeJit.Optimizer.Pipeline).Assembly, "PeJit.IR");
        AssertReferences(typeof(PeJit.Backends.Cil.CilBackend).Assembly, "PeJit.IR", "Iced");
    }

    [TestMethod]
    public void TheEngineReferencesOnlyTheIr() =>
        AssertReferences(typeof(PeJit.Specializer.Engine.UnitSpecializer).Assembly, "PeJit.IR");

    [TestMethod]
    public void TheRuntimeReferencesOnlyRunTimeAssemblies() =>
        AssertReferences(typeof(PeJit.Runtime.JitRuntime).Assembly, "PeJit.IR", "PeJit.Specializer", "PeJit.Optimizer", "PeJit.Backends");

    [TestMethod]
    public void TheFrontendReferencesOnlyTheIrAndItsPackages() =>
        AssertReferences(typeof(PeJit.Frontend.Construction.MethodConverter).Assembly, "PeJit.IR", "Mono.Cecil", "Mono.Cecil.Rocks", "QuikGraph");
}
