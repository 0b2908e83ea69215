using System.Reflection;
using System.Runtime.Loader;
using PeJit.Specializer.Extension;

namespace PeJit.Tests.Tools;

/// <summary>
/// <c>pejit build</c> emits each green load and call of a portal's extension program as a static method of the
/// JIT-enabled assembly (<c>GreenAccessEmitter</c>): the stored program, linked against that assembly, binds every
/// access to one and compiles no lambda, and each emitted method reads what reflection reads from the same object,
/// private members included (the assembly ignores access checks to itself, as the lambdas did), and fields of a
/// struct boxed in a register (RegisterVm's instructions).
/// </summary>
[TestClass]
public sealed class GreenAccessEmitterTests
{
    [TestMethod]
    public void EveryGreenAccessOfStackVmIsEmittedBoundAndReadsWhatReflectionReads() =>
        AssertEmittedAndBound(BuildCommandTests.StackVmFolder, "StackVm", "PeJit.Examples.StackVm.Function", ["f", 10, 2, 7]);

    [TestMethod]
    public void RegisterVmsFieldLoadsFromABoxedStructAreEmittedToo()
    {
        string folder = Directory.CreateTempSubdirectory("pejit-build-").FullName;
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.AreEqual(0, PeJit.Cli.Program.Run(["build", typeof(PeJit.Examples.RegisterVm.Instr).Assembly.Location, "-o", folder], output, error), error.ToString());
        Assert.DoesNotContain("note: a green access", output.ToString(), "every access emitted");
        AssertEmittedAndBound(folder, "RegisterVm", "PeJit.Examples.RegisterVm.Instr", [Enum.ToObject(typeof(PeJit.Examples.RegisterVm.Op), 1), 5, -6, 7]);
    }

    /// <summary>
    /// Lua's green accesses include calls of a generic method (<c>Array.Empty&lt;LuaValue&gt;()</c>,
    /// <c>Array.Empty&lt;Upvalue&gt;()</c>): they are emitted too, as calls of the method's instance, so no Lua process
    /// loads System.Linq.Expressions; each returns the very array the woven assembly's own call returns.
    /// </summary>
    [TestMethod]
    public void GenericMethodCallsAreEmittedAsInstancesOfTheMethod()
    {
        Assert.DoesNotContain("note: a green access", LuaBuild.Printed, "every access emitted");
        var context = new AssemblyLoadContext("pejit-woven-lua-generic", isCollectible: true);
        try
        {
            var woven = context.LoadFromAssemblyPath(LuaBuild.Assembly);
            string resource = woven.GetManifestResourceNames().Single(n => n.StartsWith("PeJit.Extension ", StringComparison.Ordinal));
            var (program, members) = ExtensionSerializer.ReadStored(woven.GetManifestResourceStream(resource)!, lazily: false);
            ExtensionLinker.Link(program, new MemberTableResolver(members, woven), woven);
            // A span method is bound when linking (GreenSpanAccess: a span is held as a SpanValue, which no emitted IL reads).
            var accesses = program.Graphs.SelectMany(g => g.Blocks).SelectMany(b => b)
                .Where(o => o.AccessName is not null && (o.Instruction.Method is not { } m || !PeJit.IR.Semantics.SpanMethods.Knows(m))).ToList();
            Assert.IsTrue(accesses.All(o => o.AccessMethod is not null),
                "not emitted: " + string.Join(", ", accesses.Where(o => o.AccessMethod is null).Select(o => o.AccessName)));
            Assert.AreEqual(0, program.AccessDelegates, "no lambda compiled");

            // The stored program names a method by Cecil's full name: "!!0[] System.Array::Empty<Element>()".
            static string ElementOf(ExtensionOp op) => op.Instruction.Method!.FullName.Split('<', '>')[1];
            var generic = accesses.Where(o => o.Instruction.Method?.FullName.Contains("System.Array::Empty<", StringComparison.Ordinal) == true).ToList();
            var elements = generic.Select(ElementOf).Distinct().Order().ToList();
            CollectionAssert.AreEqual(new[] { "PeJit.Examples.Lua.Values.LuaValue", "PeJit.Examples.Lua.Values.Upvalue" }, elements);
            var accessors = woven.GetType(ExtensionLinker.AccessorsType, throwOnError: true)!;
            var empty = typeof(Array).GetMethod(nameof(Array.Empty))!;
            foreach (var op in generic)
            {
                var method = accessors.GetMethod(op.AccessMethod!, BindingFlags.Static | BindingFlags.NonPublic)!;
                var refs = new object?[op.Result + 1];
                method.Invoke(null, [new long[op.Result + 1], new double[op.Result + 1], refs, Array.Empty<int>(), op.Result]);
                var element = woven.GetType(ElementOf(op), throwOnError: true)!;
                Assert.AreSame(empty.MakeGenericMethod(element).Invoke(null, null), refs[op.Result], op.AccessName);
            }
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>
    /// A generic method of the interpreter's own (<c>GenericOperandVm.Constant&lt;long&gt;</c>, <c>[Elidable]</c>, called
    /// on greens) is emitted as a call of its instance too, found in the woven module by name and signature; the
    /// JIT-enabled machine (threshold 3, so the loop runs compiled) computes what the plain one does.
    /// </summary>
    [TestMethod]
    public void AnOwnGenericMethodOnGreensIsEmittedAndComputesWhatThePlainOneDoes()
    {
        var woven = PeJit.Tests.Specializer.DispatchInTryJitTests.Woven.Value;
        Assert.DoesNotContain("note: a green access", PeJit.Tests.Specializer.DispatchInTryJitTests.WovenOutput, "every access emitted");
        string resource = woven.GetManifestResourceNames().Single(n => n.StartsWith("PeJit.Extension ", StringComparison.Ordinal) && n.Contains("GenericOperandVm", StringComparison.Ordinal));
        var (program, members) = ExtensionSerializer.ReadStored(woven.GetManifestResourceStream(resource)!, lazily: false);
        ExtensionLinker.Link(program, new MemberTableResolver(members, woven), woven);
        var generic = program.Graphs.SelectMany(g => g.Blocks).SelectMany(b => b)
            .Where(o => o.AccessName is not null && o.Instruction.Method?.FullName.Contains("::Constant<System.Int64>", StringComparison.Ordinal) == true).ToList();
        Assert.IsNotEmpty(generic, "the case under test: Constant<long> is a green call");
        Assert.IsTrue(generic.All(o => o.AccessMethod is not null), "Constant<long> is emitted");

        int[] code = [0, 0, 0, 1, 1, 0, 2, 0, 3, 0];  // acc += c[0]; acc += c[1]; i++; loop to 0 while i < n; halt
        long[] constants = [7, -3];
        long plain = PeJit.TestSubjects.GenericOperandVm.Run(code, constants, 1000);
        var run = woven.GetType(typeof(PeJit.TestSubjects.GenericOperandVm).FullName!, throwOnError: true)!.GetMethod("Run")!;
        Assert.AreEqual(4000L, plain);
        Assert.AreEqual(plain, (long)run.Invoke(null, [code, constants, 1000L])!);
        Assert.AreEqual(plain, (long)run.Invoke(null, [code, constants, 1000L])!, "again, on the compiled unit");
    }

    /// <summary>
    /// Reads and links the stored program of <paramref name="example"/>'s JIT-enabled build against it; every access
    /// must be bound to an emitted method, and each field load of <paramref name="owner"/> (made from
    /// <paramref name="arguments"/> in the woven assembly) must read what reflection reads.
    /// </summary>
    private static void AssertEmittedAndBound(string folder, string example, string owner, object[] arguments)
    {
        var context = new AssemblyLoadContext("pejit-woven-" + example, isCollectible: true);
        try
        {
            var woven = context.LoadFromAssemblyPath(Path.Combine(folder, example + ".dll"));
            string resource = woven.GetManifestResourceNames().Single(n => n.StartsWith("PeJit.Extension ", StringComparison.Ordinal));
            var (program, members) = ExtensionSerializer.ReadStored(woven.GetManifestResourceStream(resource)!, lazily: false);
            var resolver = new MemberTableResolver(members, woven);
            ExtensionLinker.Link(program, resolver, woven);

            // pejit build stores the tokens of the assembly's own types and of the accessors type (MemberTableTokens): each
            // resolves, without parsing a name, to the type its name names.
            Assert.AreSame(woven.GetType(ExtensionLinker.AccessorsType, throwOnError: true), resolver.StoredType(ExtensionLinker.AccessorsType));
            var withTokens = members.Types.Where(p => MemberTable.TrySplitToken(p.Value, out _, out _)).ToList();
            Assert.IsGreaterThan(1, withTokens.Count, "the assembly's own types have tokens");
            foreach (var (irName, stored) in withTokens)
            {
                MemberTable.TrySplitToken(stored, out _, out string qualified);
                var named = Type.GetType(qualified, name => name.Name == woven.GetName().Name ? woven : null, null, throwOnError: true);
                Assert.AreSame(named, resolver.StoredType(irName), irName);
            }

            // A span method is bound when linking (GreenSpanAccess: a span is held as a SpanValue, which no emitted IL reads).
            var accesses = program.Graphs.SelectMany(g => g.Blocks).SelectMany(b => b)
                .Where(o => o.AccessName is not null && (o.Instruction.Method is not { } m || !PeJit.IR.Semantics.SpanMethods.Knows(m))).ToList();
            Assert.IsNotEmpty(accesses);
            Assert.IsTrue(accesses.All(o => o.AccessMethod is not null && o.AccessCompiled),
                "not emitted: " + string.Join(", ", accesses.Where(o => o.AccessMethod is null).Select(o => o.AccessName)));
            Assert.AreEqual(0, program.AccessDelegates, "no lambda compiled");
            // Bound at each access's first run, not while linking: linking looks no type up by name (ExtensionLinker.Link).
            Assert.AreEqual(0, program.AccessMethods, "nothing bound before an access runs");

            // Differential: the record's properties are read through their private backing fields.
            var ownerType = woven.GetType(owner, throwOnError: true)!;
            var instance = Activator.CreateInstance(ownerType, arguments.Select(a => a is Enum e ? Enum.ToObject(ownerType.Assembly.GetType(e.GetType().FullName!, true)!, e) : a).ToArray())!;
            var accessors = woven.GetType(ExtensionLinker.AccessorsType, throwOnError: true)!;
            var fields = accesses.Where(o => o.Instruction.Field?.FullName.Contains(" " + owner + "::", StringComparison.Ordinal) == true
                && o.Instruction.Opcode == PeJit.IR.Opcode.LoadField).ToList();
            Assert.IsNotEmpty(fields);
            foreach (string name in accesses.Select(o => o.AccessMethod!).Distinct())
                Assert.IsNotNull(accessors.GetMethod(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic), $"{name} emitted");
            foreach (var op in fields)
            {
                var method = accessors.GetMethod(op.AccessMethod!, BindingFlags.Static | BindingFlags.NonPublic)!;
                var ints = new long[2];
                method.Invoke(null, [ints, new double[1], new object?[] { instance }, new[] { 0 }, 1]);
                var field = ownerType.GetField(op.Instruction.Field!.Name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!;
                Assert.AreEqual(Convert.ToInt64(field.GetValue(instance)), ints[1], op.AccessName);
            }
        }
        finally
        {
            context.Unload();
        }
    }
}
