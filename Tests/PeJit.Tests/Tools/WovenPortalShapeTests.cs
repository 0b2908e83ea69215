using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PeJit.Tests.Tools;

/// <summary>
/// What weaving adds to a portal's own method, which .NET compiles in every JIT-enabled process (hot or not) at tier 0,
/// again with OSR and again at tier 1: each local more is a slot zeroed in the prolog of every call (Lua's portal runs once
/// per interpreted call) and a variable for each of those compilations. The sites store their merge-point variables into
/// temporaries; they share one set, so the locals woven in do not grow with the number of sites (Lua's five
/// <c>Jit.CanEnterJit</c> and its entry site took 30 locals with a set per site, 10 shared). The hints that do nothing
/// while interpreting are gone from the woven portal (at tier 0 each was a call on the hot path), and kept in its plain
/// twin, which <c>PEJIT_DISABLE=1</c> runs and which is the plain interpreter's code.
/// </summary>
[TestClass]
public sealed class WovenPortalShapeTests
{
    [TestMethod]
    public void SitesShareTheirTemporaries()
    {
        var before = Shape(LuaBuild.Original);
        var after = Shape(LuaBuild.Assembly);

        Assert.IsTrue(before.Sites >= 5, $"the case under test is a portal with several sites; Lua's has {before.Sites}");
        // One temporary per merge-point variable, shared by every site, and the woven code's own: the state array, the
        // slot, the counter and the entry cell's result. The cell and its exit array are locals of the cell method (six
        // woven locals when the way in through the cell was inline: Lua's portal had 53 locals woven, 51 now, 43 plain).
        int bound = before.MergeVariables + 4;
        int added = after.Locals - before.Locals;
        Assert.IsTrue(added <= bound,
            $"weaving {before.Sites} sites added {added} locals to Lua's Interpreter.Run; at most {bound} (one temporary per merge-point variable for all sites, plus the woven code's four)");
        Assert.AreEqual(0, after.Sites, "every Jit.CanEnterJit is woven");

        Assert.IsGreaterThan(30, before.Hints, "the case under test is a portal with many hint calls (Lua's Jit.PromoteClass)");
        Assert.AreEqual(0, after.Hints, "no hint call is left in the woven portal");
        Assert.AreEqual(before.Hints + before.Sites, after.TwinHints, "the plain twin keeps every hint call of the original");
    }

    /// <summary>
    /// Each site's slow path (boxing the state, calling the runtime, switching on its answer) is out of the portal: the
    /// boxing and the call in the portal's generated slow-path method, the switch shared by the sites, one for the loop's and
    /// one for the entry's, with the tails. So the woven portal boxes what the original boxes, calls the runtime nowhere, has
    /// the original's switches and the two shared ones, and is smaller than it was. Before (every site carrying its slow path,
    /// and the throw a reload of its own): Lua's 4,714 IL bytes against the original's 3,640 (+1,074), StackVm's 1,655
    /// against 821 (+834); after, 4,372 (+732) and 1,481 (+660), most of what is left the entry site's way in through its
    /// cell (before the loop) and the reload tails. With the way in through the cell in the cell method as well (the greens'
    /// compares, the delegate's call, the exit's hand-over): 4,301 (+661) and 1,410 (+589). With the entry's identity cache (a
    /// compare and a load where a call was, and the miss's call) and the two switches taking the state from a thread-static
    /// field (where the out-of-line paths wrote it through the address of a local, which .NET zeroed at every call): 4,348 (+708)
    /// and 1,463 (+642).
    /// </summary>
    [TestMethod]
    public void SitesCallTheirSlowPathOutOfLine()
    {
        var cases = new (string Name, string Original, string Woven, string Type, int Bound)[]
        {
            ("Lua", LuaBuild.Original, LuaBuild.Assembly, "PeJit.Examples.Lua.Interpreter", 720),
            ("StackVm", PeJit.Examples.StackVm.Runner.Portal.Module.Assembly.Location, Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"),
                "PeJit.Examples.StackVm.Interpreter", 660),
        };
        foreach (var (name, original, woven, type, bound) in cases)
        {
            var before = Counts(original, type);
            var after = Counts(woven, type);
            Assert.AreEqual(before.Boxes, after.Boxes, $"{name}: the woven portal boxes only what the original does (a site's state is boxed in its slow-path method)");
            Assert.AreEqual(0, after.RuntimeCalls, $"{name}: the woven portal does not call JitRuntime.CanEnterJit or EntryCellExited itself (its slow-path and cell methods do)");
            Assert.AreEqual(before.Switches, after.Switches, $"{name}: the answer's dispatch is a compare and a branch, no IL switch (one made .NET drop the portal's profile)");
            Assert.IsLessThanOrEqualTo(before.Size + bound, after.Size,
                $"{name}: the woven portal is {after.Size} IL bytes against the original's {before.Size}; at most {bound} more (a hash, a counter and a call per site)");
        }
    }

    private static (int Size, int Boxes, int Switches, int RuntimeCalls) Counts(string assembly, string type)
    {
        using var module = ModuleDefinition.ReadModule(assembly);
        var body = module.GetType(type).Methods.Single(m => m.Name == "Run" && m.Parameters.Count == 3).Body;
        return (body.CodeSize, body.Instructions.Count(i => i.OpCode == OpCodes.Box), body.Instructions.Count(i => i.OpCode == OpCodes.Switch),
            body.Instructions.Count(i => i.Operand is MethodReference { Name: "CanEnterJit" or "EntryCellExited", DeclaringType.Name: "JitRuntime" }));
    }

    private static bool IsCanEnterJit(Instruction instruction) =>
        instruction.OpCode == OpCodes.Call && instruction.Operand is GenericInstanceMethod { Name: "CanEnterJit" } method
        && method.DeclaringType.FullName == "PeJit.Jit";

    /// <summary>A call of a hint method other than <c>Jit.CanEnterJit</c> (<c>MergePoint</c>, <c>Promote</c>, <c>PromoteClass</c>, <c>AssertGreen</c>).</summary>
    private static bool IsOtherHint(Instruction instruction) =>
        instruction.OpCode == OpCodes.Call && instruction.Operand is MethodReference { Name: not "CanEnterJit" } method
        && method.DeclaringType.FullName == "PeJit.Jit";

    /// <summary>
    /// Lua's portal in <paramref name="assembly"/>: its <c>Jit.CanEnterJit</c> calls, the most variables one passes, its
    /// locals, its other hint calls, and the hint calls of every other method named like it (the plain twin, when woven).
    /// </summary>
    private static (int Sites, int MergeVariables, int Locals, int Hints, int TwinHints) Shape(string assembly)
    {
        using var module = ModuleDefinition.ReadModule(assembly);
        var portal = module.GetType("PeJit.Examples.Lua.Interpreter").Methods.Single(m => m.Name == "Run" && m.Parameters.Count == 3);
        var sites = portal.Body.Instructions.Where(IsCanEnterJit).ToList();
        int twinHints = module.GetTypes().SelectMany(t => t.Methods).Where(m => m.Name == "Run" && m != portal && m.HasBody)
            .Sum(m => m.Body.Instructions.Count(i => IsCanEnterJit(i) || IsOtherHint(i)));
        return (sites.Count, sites.Select(i => ((GenericInstanceMethod)i.Operand).GenericArguments.Count).DefaultIfEmpty(0).Max(), portal.Body.Variables.Count,
            portal.Body.Instructions.Count(IsOtherHint), twinHints);
    }
}
