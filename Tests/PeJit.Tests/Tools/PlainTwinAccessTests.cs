using System.Reflection;
using System.Runtime.Loader;
using Mono.Cecil;
using PeJit.AnalysisSubjects;
using PeJit.Specializer.Extension;

namespace PeJit.Tests.Tools;

/// <summary>
/// <c>PEJIT_DISABLE=1</c> runs the portal's plain copy (<c>PlainTwin</c>), a method of a class PeJit adds, which calls the
/// interpreter's private helpers. The JIT-enabled assembly must grant itself access to its own private members for that
/// (<c>[IgnoresAccessChecksTo]</c>) even when no green accessor is emitted, the other addition that needs the grant: an
/// emulator whose portal calls its private <c>Step</c> and has no green member access threw <c>MethodAccessException</c> when
/// disabled.
/// </summary>
[TestClass]
public sealed class PlainTwinAccessTests
{
    /// <summary>
    /// A copy of the analysis subjects' assembly with nothing but <see cref="EmulatorCpu"/> and its one valid portal (the
    /// assembly's other subjects include portals the analysis refuses on purpose), JIT-enabled by <c>pejit build</c>.
    /// </summary>
    private static string BuildEmulatorOnly()
    {
        string source = typeof(EmulatorCpu).Assembly.Location;
        string input = Path.Combine(Directory.CreateTempSubdirectory("pejit-twin-input-").FullName, Path.GetFileName(source));
        using (var module = ModuleDefinition.ReadModule(source, new ReaderParameters { ReadSymbols = true }))
        {
            foreach (var type in module.Types.Where(t => t.Name != "<Module>" && t.FullName != typeof(EmulatorCpu).FullName).ToList())
                module.Types.Remove(type);
            var emulator = module.Types.Single(t => t.FullName == typeof(EmulatorCpu).FullName);
            foreach (var method in emulator.Methods.Where(m => m.Name is nameof(EmulatorCpu.CanEnterJitInHelper) or "StepAndEnter").ToList())
                emulator.Methods.Remove(method);
            module.Write(input, new WriterParameters { WriteSymbols = true });
        }
        File.Copy(typeof(PeJit.Jit).Assembly.Location, Path.Combine(Path.GetDirectoryName(input)!, "PeJit.Hints.dll"));

        string output = Directory.CreateTempSubdirectory("pejit-twin-output-").FullName;
        var written = new StringWriter();
        var error = new StringWriter();
        Assert.AreEqual(0, PeJit.Cli.Program.Run(["build", input, "-o", output], written, error), error.ToString());
        return Path.Combine(output, Path.GetFileName(source));
    }

    [TestMethod]
    public void ThePlainCopyCallsThePrivateHelperWithoutGreenAccessors()
    {
        var context = new AssemblyLoadContext("pejit-twin-access", isCollectible: true);
        try
        {
            var woven = context.LoadFromAssemblyPath(BuildEmulatorOnly());
            Assert.IsNull(woven.GetType(ExtensionLinker.AccessorsType),
                "the case under test is an assembly without green accessors (their emitter grants the access too); if the emulator now gets some, pick a subject that does not");

            var emulatorType = woven.GetType(typeof(EmulatorCpu).FullName!, throwOnError: true)!;
            object cpu = emulatorType.GetMethod(nameof(EmulatorCpu.Sum))!.Invoke(null, [5, 20])!;
            var twin = woven.GetTypes().Where(t => t.Name.StartsWith("<PeJit>Plain", StringComparison.Ordinal))
                .Select(t => t.GetMethod(nameof(EmulatorCpu.Run), BindingFlags.Static | BindingFlags.NonPublic)).Single(m => m is not null)!;
            twin.Invoke(null, [cpu]); // MethodAccessException (in a TargetInvocationException) without the grant

            var plain = EmulatorCpu.Sum(5, 20);
            plain.Run();
            CollectionAssert.AreEqual(plain.Output, (List<int>)emulatorType.GetField(nameof(EmulatorCpu.Output))!.GetValue(cpu)!, "output");
            Assert.AreEqual(plain.Cycles, (long)emulatorType.GetField(nameof(EmulatorCpu.Cycles))!.GetValue(cpu)!, "cycles");
        }
        finally
        {
            context.Unload();
        }
    }
}
