using System.Runtime.CompilerServices;
using Mono.Cecil;
using Mono.Cecil.Cil;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using PeJit.Tests.Tools;
using Rules = PeJit.TestSubjects.RulesVm;

namespace PeJit.Tests.Weaving;

/// <summary>
/// What a woven site costs while nothing is hot, read in its IL: the fast path is all an interpreter pays per backward jump
/// and per call of the portal (issue 12: never hot within 5% of plain; Docs/PERFORMANCE.md, "The woven sites' fast paths,
/// counted in machine code"). The entry site reads its reference greens' identity hashes from a one-entry cache (no call
/// while it sees the same object again: <c>RuntimeHelpers.GetHashCode</c> was a call, not inlined, on every call of the
/// portal), and the out-of-line paths hand back what they answer without the address of a local of the portal (.NET's JIT
/// zeroed each such local in the portal's prologue, at every call). Then the behaviour those must keep: the entry counts
/// on the slot <see cref="PortalProtocol"/> defines, one per visit, with the cache hit or missed.
/// </summary>
[TestClass]
public sealed class WovenFastPathTests
{
    /// <summary>Portals woven with entry cells and a reference green: the rules engine (entry only), Lua, StackVm.</summary>
    private static IEnumerable<(string Name, string Assembly, string Type, string Method)> Portals() =>
    [
        ("RulesVm", DispatchInTryJitTests.Woven.Value.Location, typeof(Rules).FullName!.Replace('+', '/'), nameof(Rules.Eval)),
        ("Lua", LuaBuild.Assembly, "PeJit.Examples.Lua.Interpreter", "Run"),
        ("StackVm", Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), "PeJit.Examples.StackVm.Interpreter", "Run"),
    ];

    /// <summary>Each of <see cref="Portals"/>, woven, with the original method it was woven from (read from the interpreter's own assembly).</summary>
    private static IEnumerable<(string Name, MethodDefinition Woven, MethodDefinition Original)> WovenAndOriginalPortals()
    {
        var originals = new Dictionary<string, string>
        {
            ["RulesVm"] = typeof(Rules).Assembly.Location,
            ["Lua"] = LuaBuild.Original,
            ["StackVm"] = PeJit.Examples.StackVm.Runner.Portal.Module.Assembly.Location,
        };
        foreach (var (name, assembly, type, method) in Portals())
        {
            using var woven = ModuleDefinition.ReadModule(assembly);
            using var original = ModuleDefinition.ReadModule(originals[name]);
            var portal = Portal(woven, type, method);
            yield return (name, portal, original.GetType(type).Methods.Single(m => m.Name == method && m.Parameters.Count == portal.Parameters.Count));
        }
    }

    private static MethodDefinition Portal(ModuleDefinition module, string type, string method) =>
        module.GetType(type).Methods.Single(m => m.Name == method && m.HasBody && m.Body.Instructions.Any(i => i.Operand is FieldReference { Name: "Resuming" }));

    private static bool IsCounterTable(Instruction instruction) =>
        instruction.OpCode == OpCodes.Ldsfld && instruction.Operand is FieldReference { Name: "Table", DeclaringType.Name: var type } && type.StartsWith("<PeJit>PortalCounters", StringComparison.Ordinal);

    /// <summary>
    /// The entry site's way from its <c>Resuming</c> test to its counter's load, following the way taken while nothing is hot
    /// and the identity cache hits (the fall-through of every conditional branch, the target of every unconditional one):
    /// no call on it. Before, the hash called <c>RuntimeHelpers.GetHashCode</c> on every call of the portal. (A portal whose
    /// merge point is in no try tests <c>Resuming</c> at its start, before the entry's code, which this way then crosses:
    /// those portals' entries call nothing either.)
    /// </summary>
    [TestMethod]
    public void TheEntrySiteCallsNothingBeforeItsCounter()
    {
        foreach (var (name, assembly, type, method) in Portals())
        {
            using var module = ModuleDefinition.ReadModule(assembly);
            var portal = Portal(module, type, method);
            Assert.IsFalse(portal.Body.Instructions.Any(i => i.Operand is MethodReference { Name: "GetHashCode", DeclaringType.Name: "RuntimeHelpers" }),
                $"{name}: the woven portal calls RuntimeHelpers.GetHashCode itself");
            var at = portal.Body.Instructions.First(i => i.Operand is FieldReference { Name: "Resuming" }).Next;
            var calls = new List<string>();
            for (int steps = 0; !IsCounterTable(at); steps++)
            {
                Assert.IsLessThan(200, steps, $"{name}: the entry site's fast path did not reach its counter");
                if (at.OpCode.FlowControl == FlowControl.Call) calls.Add(((MethodReference)at.Operand).Name);
                at = at.OpCode.FlowControl == FlowControl.Branch ? (Instruction)at.Operand : at.Next;
            }
            Assert.IsEmpty(calls, $"{name}: the entry site's fast path calls {string.Join(", ", calls)} before its counter");
            // The miss: a call of the cache's method, which the hit branches around.
            var counters = module.Types.Single(t => t.Name == $"<PeJit>PortalCounters{portal.MetadataToken.RID}");
            Assert.IsTrue(counters.Methods.Any(m => m.Name == "Remember0"), $"{name}: the counter class has the identity cache's method");
            Assert.IsTrue(portal.Body.Instructions.Any(i => i.Operand is MethodReference { Name: "Remember0" }), $"{name}: the entry calls it on a miss");
        }
    }

    /// <summary>
    /// Where the woven portal tests <c>Resuming</c> (<c>PortalProtocol.ResumeBeforeEntrySlot</c>): a portal whose merge point is
    /// in no try (the rules engine's, Lua's, StackVm's) tests it first, right after the way to its plain twin, before its
    /// entry's code, and its counter class's initializer tells the runtime so; one whose dispatch loop is inside a try
    /// (<see cref="PeJit.TestSubjects.GuardedVm"/>) keeps the test at its entry site, where a resumption's reload may enter the
    /// try. Either way it is tested once per call.
    /// </summary>
    [TestMethod]
    public void AResumptionIsTakenBeforeTheEntrysCodeWhereNoTryIsInTheWay()
    {
        var guarded = ("GuardedVm", DispatchInTryJitTests.Woven.Value.Location, typeof(PeJit.TestSubjects.GuardedVm).FullName!, nameof(PeJit.TestSubjects.GuardedVm.Run));
        foreach (var (name, assembly, type, method) in Portals().Append(guarded))
        {
            using var module = ModuleDefinition.ReadModule(assembly);
            var portal = Portal(module, type, method);
            var counters = module.Types.Single(t => t.Name == $"<PeJit>PortalCounters{portal.MetadataToken.RID}");
            bool told = counters.Methods.Single(m => m.Name == ".cctor").Body.Instructions.Any(i => i.Operand is MethodReference { Name: "ResumeBeforeEntry" });
            Assert.AreEqual(1, portal.Body.Instructions.Count(i => i.Operand is FieldReference { Name: "Resuming" }), $"{name}: Resuming tested once");
            // Past the way to the plain twin: `ldsfld Disabled; brfalse start`.
            var start = (Instruction)portal.Body.Instructions[1].Operand;
            bool first = start.Operand is FieldReference { Name: "Resuming" };
            Assert.AreEqual(name != "GuardedVm", first, $"{name}: Resuming tested before the entry's code");
            Assert.AreEqual(first, told, $"{name}: the counter class tells the runtime");
        }
    }

    /// <summary>
    /// The out-of-line paths hand back the state and the cell's result through thread-static fields of the counter class, not
    /// through out parameters: a local whose address the portal takes is one .NET's JIT zeroes in the portal's prologue, on
    /// every call of the portal (the state array and the cell's result were two such, in every woven portal). So the woven
    /// portal takes the address of no more locals than the original does.
    /// </summary>
    [TestMethod]
    public void TheWovenPortalTakesNoLocalsAddress()
    {
        static int Addresses(MethodDefinition m) => m.Body.Instructions.Count(i => i.OpCode.Code is Code.Ldloca or Code.Ldloca_S);
        foreach (var (name, portal, plain) in WovenAndOriginalPortals())
            Assert.AreEqual(Addresses(plain), Addresses(portal), $"{name}: the woven portal takes the address of a local of its own");
    }

    /// <summary>
    /// The two constructs that made .NET 10's tier-1 compile of a woven portal called often (HandlerTable's, per function
    /// call) drop the profile its instrumented tier collected and synthesize one (Docs/PERFORMANCE.md, "Why .NET dropped the
    /// woven portal's profile"): an IL <c>switch</c> on the runtime's answer, and the entry site's test of
    /// <c>PortalCounters.Disabled</c>, a branch to the loop head. The woven portal has the original's switches and no more,
    /// and reads <c>Disabled</c> once at its start (the way to its plain twin) and once per site in the loop, where each
    /// site and the entry calls its slow-path method once.
    /// </summary>
    [TestMethod]
    public void TheWovenPortalHasNoSwitchOfItsOwnAndNoDisabledTestAtItsEntry()
    {
        static int Switches(MethodDefinition m) => m.Body.Instructions.Count(i => i.OpCode == OpCodes.Switch);
        foreach (var (name, portal, plain) in WovenAndOriginalPortals())
        {
            Assert.AreEqual(Switches(plain), Switches(portal), $"{name}: the woven portal dispatches on the runtime's answer with an IL switch");
            int disabled = portal.Body.Instructions.Count(i => i.Operand is FieldReference { Name: "Disabled" });
            int sites = portal.Body.Instructions.Count(i => i.Operand is MethodReference { Name: "SlowPath" });
            Assert.AreEqual(sites, disabled, $"{name}: Disabled read {disabled} times for {sites} sites with the entry; once at the start and once per site in the loop expected");
            var first = portal.Body.Instructions[0];
            Assert.IsTrue(first.Operand is FieldReference { Name: "Disabled" }, $"{name}: the woven portal does not start with its test of Disabled");
        }
    }

    /// <summary>
    /// A portal small enough for .NET's JIT to inline (HandlerTable's <c>Run</c>, 59 IL bytes, which the plain build's tier-1
    /// code inlines into its <c>Call</c> handler, the way into every interpreted call) is woven <c>AggressiveInlining</c>:
    /// woven, it is 462 bytes, over every limit of the JIT's, and each interpreted call paid a call and a frame more than
    /// plain, never hot and disabled. The large portals (StackVm's, Lua's) are left to the JIT's own judgement, as their
    /// originals were.
    /// </summary>
    [TestMethod]
    public void AWovenPortalStaysInlinableWhereItsOriginalWas()
    {
        string original = typeof(PeJit.Examples.HandlerTable.Interpreter).Assembly.Location;
        string folder = Directory.CreateTempSubdirectory("pejit-handlertable-build-").FullName;
        var error = new StringWriter();
        Assert.AreEqual(0, PeJit.Cli.Program.Run(["build", original, "-o", folder], new StringWriter(), error), error.ToString());
        const string type = "PeJit.Examples.HandlerTable.Interpreter";
        using (var plain = ModuleDefinition.ReadModule(original))
            Assert.IsLessThanOrEqualTo(100, plain.GetType(type).Methods.Single(m => m.Name == "Run").Body.CodeSize, "the case under test is a portal the JIT may inline");
        using (var woven = ModuleDefinition.ReadModule(Path.Combine(folder, Path.GetFileName(original))))
        {
            var portal = Portal(woven, type, "Run");
            Assert.IsTrue(portal.AggressiveInlining, "HandlerTable's woven Run is not AggressiveInlining");
            Assert.IsGreaterThan(100, portal.Body.CodeSize, "the woven portal is larger than the JIT inlines by itself");
        }
        foreach (var (name, portal, plain) in WovenAndOriginalPortals().Where(p => p.Name != "RulesVm"))
        {
            Assert.IsGreaterThan(100, plain.Body.CodeSize, $"{name}: the case under test is a large portal");
            Assert.IsFalse(portal.AggressiveInlining, $"{name}: a large portal was made AggressiveInlining");
        }
    }

    /// <summary>
    /// An inlinable woven portal is inlined only where its caller always runs it: a tree-walker's <c>Exec</c> runs its loop
    /// portal in one case of its switch, and inlined there the woven loop made every statement of a program without loops pay
    /// for it (TreeWalker <c>fib</c> never hot 10% slower than plain: <c>Exec</c>'s tier-1 code 1,701 bytes against plain's 783,
    /// a register more saved). That call goes through a never-inlined copy of the call; the calls that run on every way through
    /// their method (the visitor's <c>WhileNode.Execute</c>, HandlerTable's <c>Call</c> handler) still call the portal, inlined.
    /// </summary>
    [TestMethod]
    public void AnInlinedPortalIsCalledOutOfLineWhereItsCallerDoesNotAlwaysRunIt()
    {
        const string evaluator = "PeJit.Examples.TreeWalker.SwitchEvaluator", whileNode = "PeJit.Examples.TreeWalker.Ast.WhileNode";
        string original = typeof(PeJit.Examples.TreeWalker.SwitchEvaluator).Assembly.Location;
        using (var plain = ModuleDefinition.ReadModule(original))
        {
            var exec = plain.GetType(evaluator).Methods.Single(m => m.Name == "Exec");
            Assert.IsTrue(exec.Body.Instructions.Any(i => i.Operand is MethodReference { Name: "RunWhile" }), "the case under test: the plain Exec calls its loop portal");
            Assert.IsTrue(exec.Body.Instructions.Any(i => i.OpCode == OpCodes.Switch), "the case under test: Exec is a switch, the portal one of its cases");
        }
        using var woven = ModuleDefinition.ReadModule(Path.Combine(BuildInto(original), Path.GetFileName(original)));
        var runWhile = Portal(woven, evaluator, "RunWhile");
        Assert.IsTrue(runWhile.AggressiveInlining, "the case under test: TreeWalker's RunWhile is small enough to be woven AggressiveInlining");
        var call = woven.GetType(evaluator).Methods.Single(m => m.Name == "Exec").Body.Instructions
            .Single(i => i.OpCode == OpCodes.Call && i.Operand is MethodReference { Name: "RunWhile" });
        var outlined = ((MethodReference)call.Operand).Resolve();
        Assert.AreNotEqual(runWhile, outlined, "Exec's While case calls the woven portal itself, which .NET then inlines into every call of Exec");
        Assert.StartsWith("<PeJit>Outlined", outlined.DeclaringType.Name, "Exec's While case calls the outlined copy of the call");
        Assert.IsTrue(outlined.NoInlining, "the outlined copy is never inlined");
        // It calls the portal, or its plain twin when PEJIT_DISABLE is set (a test .NET folds, so that the twin is inlined there as
        // the original could be, not called from the woven portal's folded prelude), and does nothing else.
        var calls = outlined.Body.Instructions.Where(i => i.OpCode == OpCodes.Call).Select(i => ((MethodReference)i.Operand).Resolve()).ToList();
        Assert.HasCount(2, calls, "the outlined copy calls the twin or the portal");
        Assert.AreEqual(runWhile, calls[1], "the outlined copy calls the portal");
        Assert.StartsWith("<PeJit>Plain", calls[0].DeclaringType.Name, "disabled, the outlined copy calls the plain twin");
        Assert.IsTrue(outlined.Body.Instructions[0].Operand is FieldReference { Name: "Disabled" }, "the outlined copy first tests Disabled");
        Assert.AreEqual(2 * (outlined.Parameters.Count + 2) + 2, outlined.Body.Instructions.Count, "the outlined copy tests Disabled, passes its arguments and returns, nothing else");

        // Calls that always run the portal keep it inlined.
        var loop = Portal(woven, whileNode, "Loop");
        Assert.IsTrue(loop.AggressiveInlining);
        var execute = woven.GetType(whileNode).Methods.Single(m => m.Name == "Execute").Body.Instructions.Single(i => i.OpCode == OpCodes.Call);
        Assert.AreEqual(loop, ((MethodReference)execute.Operand).Resolve(), "WhileNode.Execute always runs its portal: it calls it, inlined");
        const string handlerTable = "PeJit.Examples.HandlerTable.Interpreter";
        string handlers = typeof(PeJit.Examples.HandlerTable.Interpreter).Assembly.Location;
        using var wovenHandlers = ModuleDefinition.ReadModule(Path.Combine(BuildInto(handlers), Path.GetFileName(handlers)));
        var run = Portal(wovenHandlers, handlerTable, "Run");
        var callHandler = wovenHandlers.GetType(handlerTable).Methods.Single(m => m.Name == "Call").Body.Instructions
            .Single(i => i.OpCode == OpCodes.Call && i.Operand is MethodReference { Name: "Run" });
        Assert.AreEqual(run, ((MethodReference)callHandler.Operand).Resolve(), "HandlerTable's Call handler always runs the portal: it calls it, inlined");
        Assert.IsFalse(wovenHandlers.Types.Any(t => t.Name.StartsWith("<PeJit>Outlined", StringComparison.Ordinal)), "no call of HandlerTable's Run is outlined");
    }

    /// <summary><c>pejit build</c> of <paramref name="assembly"/> into a fresh folder; returns the folder.</summary>
    private static string BuildInto(string assembly)
    {
        string folder = Directory.CreateTempSubdirectory("pejit-woven-build-").FullName;
        var error = new StringWriter();
        Assert.AreEqual(0, PeJit.Cli.Program.Run(["build", assembly, "-o", folder], new StringWriter(), error), error.ToString());
        return folder;
    }

    /// <summary>
    /// The behaviour kept: the woven entry of a loop-free portal counts each call on the slot <see cref="PortalProtocol"/>
    /// defines (<c>Slot(Mix(Mix(HashSeed, pc), RuntimeHelpers.GetHashCode(rule)))</c>), one visit per call, whether the
    /// identity cache hits (the same rule again) or misses (two rules in turn).
    /// </summary>
    [TestMethod]
    public void TheEntryCountsOneVisitPerCallOnTheProtocolsSlot()
    {
        var type = DispatchInTryJitTests.Woven.Value.GetType(typeof(Rules).FullName!, throwOnError: true)!;
        var portal = type.GetMethod(nameof(Rules.Eval))!;
        var ruleType = type.GetNestedType(nameof(Rules.Rule))!;
        long[] record = [1, 2, 3, 4];
        // Built with --threshold 3. Both slots still at it, and apart: each later read is then this test's own counting.
        int threshold = 3;
        var counters = PortalCounters.For(portal.MethodHandle);
        int SlotOf(object rule) => PortalProtocol.Slot(PortalProtocol.Mix(PortalProtocol.Mix(PortalProtocol.HashSeed, 0), RuntimeHelpers.GetHashCode(rule)));
        object NewRule() => Activator.CreateInstance(ruleType, new[] { Rules.Const, Rules.Ret }, new long[] { 7, 0 })!;
        var rules = new List<object>();
        while (rules.Count < 2)
        {
            var rule = NewRule();
            if (counters[SlotOf(rule)] == threshold && rules.All(r => SlotOf(r) != SlotOf(rule))) rules.Add(rule);
        }
        var (a, b) = (rules[0], rules[1]);
        long Eval(object rule) => (long)portal.Invoke(null, [rule, record])!;

        Assert.AreEqual(7L, Eval(a));
        Assert.AreEqual(threshold - 1, counters[SlotOf(a)], "a first call (the cache missed) counted once on the protocol's slot");
        Assert.AreEqual(7L, Eval(b));
        Assert.AreEqual(threshold - 1, counters[SlotOf(b)], "a call of another rule (a miss) counted on its own slot");
        Assert.AreEqual(threshold - 1, counters[SlotOf(a)], "and not on the first rule's");
        Assert.AreEqual(7L, Eval(a));
        Assert.AreEqual(threshold - 2, counters[SlotOf(a)], "back to the first rule (a miss): once more on its slot");
        Assert.AreEqual(7L, Eval(b));
        Assert.AreEqual(threshold - 2, counters[SlotOf(b)]);
    }
}
