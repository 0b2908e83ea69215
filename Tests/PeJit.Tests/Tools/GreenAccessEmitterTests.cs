using System.Reflection;
using System.Runtime.Loader;
using PeJit.Specializer.Extension;

namespace PeJit.Tests.Tools;

/// <summary>
/// <c>pejit build</c> emits each green load and call of a portal's extension program as a static method of the
/// JIT-enabled assembly (<c>GreenAccessEmitter</c>): the stored program, linked against that assembly, binds every
/// access to one and compiles no lambda, and each emitted method reads what reflection reads from the same object,
/// private members included (the assembly ignores access checks to itself, as the lambdas did).
/// </summary>
[TestClass]
public sealed class GreenAccessEmitterTests
{
    [TestMethod]
    public void EveryGreenAccessOfStackVmIsEmittedBoundAndReadsWhatReflectionReads()
    {
        var context = new AssemblyLoadContext("pejit-woven-stackvm", isCollectible: true);
        try
        {
            var woven = context.LoadFromAssemblyPath(Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"));
            string resource = woven.GetManifestResourceNames().Single(n => n.StartsWith("PeJit.Extension ", StringComparison.Ordinal));
            var (program, members) = ExtensionSerializer.Read(ExtensionSerializer.Decompress(woven.GetManifestResourceStream(resource)!));
            ExtensionLinker.Link(program, new MemberTableResolver(members, woven), woven);

            var accesses = program.Graphs.SelectMany(g => g.Blocks).SelectMany(b => b).Where(o => o.AccessName is not null).ToList();
            Assert.IsNotEmpty(accesses);
            Assert.IsTrue(accesses.All(o => o.AccessMethod is not null && o.AccessCompiled),
                "not emitted: " + string.Join(", ", accesses.Where(o => o.AccessMethod is null).Select(o => o.AccessName)));
            Assert.AreEqual(0, program.AccessDelegates, "no lambda compiled");
            Assert.AreEqual(accesses.Select(o => o.AccessMethod).Distinct().Count(), program.AccessMethods, "each emitted method bound once");

            // Differential: the record's fields are read through its private backing fields.
            var functionType = woven.GetType("PeJit.Examples.StackVm.Function", throwOnError: true)!;
            var function = Activator.CreateInstance(functionType, "f", 10, 2, 7)!;
            var accessors = woven.GetType(ExtensionLinker.AccessorsType, throwOnError: true)!;
            var fields = accesses.Where(o => o.Instruction.Field?.FullName.Contains("StackVm.Function::", StringComparison.Ordinal) == true).ToList();
            Assert.IsNotEmpty(fields);
            foreach (var op in fields)
            {
                var method = accessors.GetMethod(op.AccessMethod!, BindingFlags.Static | BindingFlags.NonPublic)!;
                var ints = new long[2];
                method.Invoke(null, [ints, new double[1], new object?[] { function }, new[] { 0 }, 1]);
                var field = functionType.GetField(op.Instruction.Field!.Name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!;
                Assert.AreEqual(Convert.ToInt64(field.GetValue(function)), ints[1], op.AccessName);
            }
        }
        finally
        {
            context.Unload();
        }
    }
}
