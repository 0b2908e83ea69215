using PeJit.Backends.Amd64;
using PeJit.Runtime;
using PeJit.TestSubjects;
using static PeJit.AnalysisSubjects.RegisterVm;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Case bridges (<see cref="JitSettings.Bridges"/>): a value that keeps arriving at a native unit's <c>Jit.Promote</c>
/// (<c>Jit.PromoteClass</c>) without a case gets a bridge specialized from the exit's state, attached at that exit, instead
/// of the whole unit being specialized again. Every run is compared with the plain interpreter.
/// </summary>
[TestClass]
public sealed class CaseBridgeTests
{
    private static readonly System.Reflection.MethodInfo Portal = typeof(PeJit.AnalysisSubjects.RegisterVm).GetMethod(nameof(Run))!;

    /// <summary>
    /// A loop whose computed jump (a promoted register, r1 % <paramref name="cases"/>) takes one of its cases in turn; each case
    /// adds its own register to r0; <paramref name="bodyLines"/> more additions follow in the loop. The table follows the code.
    /// </summary>
    private static int[] Switching(int cases, int bodyLines = 0)
    {
        var code = new List<int>
        {
            Set, 0, 0, 0,           // 0: r0 = 0
            ModConst, 5, 1, cases,  // 1: r5 = r1 % cases
            Table, 5, -1, cases,    // 2: pc = code[table + r5]
            Add, 0, 0, 4,           // 3: case 0: r0 += r4
            Jump, 0, 0, 9,          // 4: to the body
            Add, 0, 0, 6,           // 5: case 1: r0 += r6
            Jump, 0, 0, 9,          // 6: to the body
            Add, 0, 0, 7,           // 7: other cases: r0 += r7
            Add, 0, 0, 5,           // 8: and r0 += r5
        };
        for (int i = 0; i < bodyLines; i++) code.AddRange(i % 2 == 0 ? [Add, 8, 8, 0] : [Add, 9, 9, 8]);
        code.AddRange([Add, 1, 1, 4, JumpLess, 1, 2, 1, Halt, 0, 0, 0]);
        code[2 * 4 + 2] = code.Count;                // where the table starts
        for (int c = 0; c < cases; c++) code.Add(c switch { 0 => 3, 1 => 5, _ => 7 });
        return [.. code];
    }

    private static long[] Registers(long count) => [0, 0, count, 0, 1, 0, 10, 100, 0, 0];

    private static (long Result, string Registers) Plain(int[] code, long[] registers) =>
        (Run(code, registers, TextWriter.Null), string.Join(",", registers));

    private static (long Result, string Registers) Jitted(PortalJit jit, int[] code, long[] registers) =>
        ((long)jit.Invoke(code, registers, TextWriter.Null)!, string.Join(",", registers));

    /// <summary>Runs <paramref name="code"/> under <c>auto</c>: native units, and a bridge native code cannot express a CIL unit (entered through the runtime).</summary>
    private static PortalJit RunAll(int[] code, bool bridges, int runs, StringWriter log, string backend = "auto")
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3, Bridges = bridges, BackgroundCompilation = false, Log = log, Strict = true }, backend);
        for (int run = 0; run < runs; run++)
            Assert.AreEqual(Plain(code, Registers(300 + run)), Jitted(jit, code, Registers(300 + run)), $"run {run}: {log}");
        return jit;
    }

    private static CompiledUnit UnitAt(PortalJit jit, int pc) => jit.Units.Single(u => (int)u.Unit.Entry.Values[0]! == pc);

    private static long StepsFinished(PortalJit jit) => jit.Runtime.StepsFinishedCompiled + jit.Runtime.StepsFinishedByEvaluator;

    [TestMethod]
    public void NewValuesAtANativeUnitsPromoteGetCaseBridgesAndTheUnitIsNotRecompiled()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var log = new StringWriter();
        var code = Switching(3);
        var jit = RunAll(code, bridges: true, runs: 6, log);
        var loop = UnitAt(jit, 1);
        Assert.IsInstanceOfType<Amd64CompiledCode>(loop.Code);
        Assert.AreEqual(0, loop.Recompilations, $"the unit is not specialized again: {log}");
        Assert.IsGreaterThan(0L, jit.Runtime.CaseBridgesAttached, log.ToString());
        Assert.IsGreaterThan(0, loop.Bridges.Count, log.ToString());
        Assert.IsTrue(loop.Bridges.All(b => b.CaseRoot == loop), "the bridges belong to the unit");
        StringAssert.Contains(log.ToString(), "the unit is not recompiled");
        Assert.IsGreaterThan(0L, CaseBridges(loop).Sum(b => b.Entries), "the bridges ran (natively from the unit's exit, or through the runtime)");
        // A native unit's case bridge is native code where the AMD64 backend can express it (under auto), and the one at the
        // unit's own exit is entered natively (an adapter at the exit's slot).
        Assert.IsTrue(loop.Bridges.Any(b => b.Code is Amd64CompiledCode), log.ToString());
        Assert.IsGreaterThan(0L, jit.Runtime.NativeCaseBridges, log.ToString());
        Console.WriteLine($"{jit.Runtime.CaseBridgesAttached} case bridges, {jit.Runtime.NativeCaseBridges} entered natively, {jit.Runtime.CaseBridgeEntries} entries through the runtime");

        // From now on every value has a compiled path: no step is finished outside compiled code, nothing is compiled.
        long finished = StepsFinished(jit), compilations = jit.Runtime.Compilations;
        for (int run = 0; run < 3; run++)
            Assert.AreEqual(Plain(code, Registers(500 + run)), Jitted(jit, code, Registers(500 + run)));
        Assert.AreSame(loop, UnitAt(jit, 1), "the unit was not replaced");
        Assert.AreEqual(finished, StepsFinished(jit), $"no value reaches the interpreter's finishing any more: {log}");
        Assert.AreEqual(compilations, jit.Runtime.Compilations, log.ToString());
    }

    private static IEnumerable<CompiledUnit> CaseBridges(CompiledUnit unit) =>
        unit.Bridges.Where(b => b.CaseRoot is not null).SelectMany(b => new[] { b }.Concat(CaseBridges(b)));

    private static double Milliseconds(CompiledUnit unit) => (unit.SpecializationTime + unit.OptimizationTime + unit.BackendTime).TotalMilliseconds;

    /// <summary>
    /// The measurement of Docs/PERFORMANCE.md ("Case bridges"): from a value reaching the threshold to its path running, the
    /// bridge against the recompilation it replaces, on the same loop (a switch and 100 more lines): residual instructions,
    /// the engine's ops (counted), and the time of specialization, optimization and backend (printed, not asserted).
    /// </summary>
    [TestMethod]
    [TestCategory("Measurement")]
    public void ACaseBridgeAgainstTheRecompilationItReplaces()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var code = Switching(3, bodyLines: 100);
        var logOn = new StringWriter();
        var on = RunAll(code, bridges: true, runs: 4, logOn);
        var root = UnitAt(on, 1);
        var bridges = CaseBridges(root).ToList();
        Assert.IsGreaterThan(0, bridges.Count, logOn.ToString());
        var logOff = new StringWriter();
        var off = RunAll(code, bridges: false, runs: 4, logOff);
        var recompiled = UnitAt(off, 1);
        Assert.IsGreaterThan(0, recompiled.Recompilations, logOff.ToString());

        // Counted: the engine's ops for the first bridge (from the root's exit) and for the root specialized again with its case.
        var exit = root.Unit.Exits.First(e => e.Frames is not null && root.BridgeAt(e.Index) is { CaseRoot: not null });
        var bridge = root.BridgeAt(exit.Index)!;
        var site = exit.PromoteSite!.Value;
        var added = PeJit.Specializer.Engine.PromotionSiteComparer.CasesAt(bridge.Unit.PromotionCases, site)!.Except(PeJit.Specializer.Engine.PromotionSiteComparer.CasesAt(root.Unit.PromotionCases, site) ?? []).Single();
        var engine = on.Runtime.Engine;
        long before = engine.OpsRun;
        var again = engine.SpecializeBridge(root.Unit, exit, added);
        long bridgeOps = engine.OpsRun - before;
        before = engine.OpsRun;
        engine.Specialize(root.Unit.Entry, again.PromotionCases);
        long unitOps = engine.OpsRun - before;
        Console.WriteLine($"unit {root.Size} residual instructions; case bridges: {string.Join(", ", bridges.Select(b => $"{b.Size} instructions, {b.Code.Backend}, in {Milliseconds(b):F2} ms"))}, {on.Runtime.NativeCaseBridges} entered natively; "
            + $"the recompilation: {recompiled.Size} instructions in {Milliseconds(recompiled):F2} ms; engine ops: bridge {bridgeOps}, unit with the same cases {unitOps}");
    }

    [TestMethod]
    public void ACaseBridgesResidualGraphIsDumpedAsAUnitsIs()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        string directory = Path.Combine(Path.GetTempPath(), "pejit-case-bridges-" + Guid.NewGuid().ToString("N"));
        try
        {
            var code = Switching(3);
            var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3, BackgroundCompilation = false, Dump = new DumpSettings(directory, null, null) }, "auto");
            for (int run = 0; run < 4; run++)
                Assert.AreEqual(Plain(code, Registers(300 + run)), Jitted(jit, code, Registers(300 + run)));
            Assert.IsGreaterThan(0L, jit.Runtime.CaseBridgesAttached);
            var dumped = Directory.GetFiles(directory).Select(Path.GetFileName).Where(f => f!.Contains("bridge_at_exit")).ToList();
            Assert.IsTrue(dumped.Any(f => f!.EndsWith("-specialized.ir")), "the bridge as the engine made it: " + string.Join(", ", Directory.GetFiles(directory).Select(Path.GetFileName)));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void WithoutBridgesTheUnitIsSpecializedAgainWithTheNewCases()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var log = new StringWriter();
        var jit = RunAll(Switching(3), bridges: false, runs: 6, log);
        Assert.IsGreaterThan(0, UnitAt(jit, 1).Recompilations, log.ToString());
        Assert.AreEqual(0L, jit.Runtime.CaseBridgesAttached);
    }

    [TestMethod]
    public void AMegamorphicSitePastTheCaseBudgetRunsAsThePlainInterpreter()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var log = new StringWriter();
        var jit = RunAll(Switching(12), bridges: true, runs: 8, log);
        var loop = UnitAt(jit, 1);
        Assert.AreEqual(0, loop.Recompilations, log.ToString());
        Assert.IsGreaterThan(0L, jit.Runtime.CaseBridgesAttached, log.ToString());
    }

    [TestMethod]
    public void CaseBridgesOnACilUnitOfClassPromotionsRunAsThePlainInterpreter()
    {
        var portal = typeof(ClassVm).GetMethod(nameof(ClassVm.Run))!;
        int[] code =
        [
            ClassVm.Pick, 4, 5, 1,          // 0: r4 = values[r1 % n]
            ClassVm.Add, 0, 4, 3,           // 1: r0 = r4.Add(r3)
            ClassVm.Count, 1, 0, 0,         // 2
            ClassVm.JumpLess, 1, 2, 0,      // 3
            ClassVm.Halt, 0, 0, 0,
        ];
        BoxedValue?[] Registers(long count) =>
            [new IntValue(0), new IntValue(0), new IntValue(count), new IntValue(1), null,
             new ClassVm.Values([new IntValue(1), new FloatValue(0.5), new IntValue(2), TaggedValue.Make(3, 1), new FloatValue(1.5)])];
        string Show(BoxedValue?[] registers, BoxedValue? result) => (result?.Show() ?? "null") + " | " + string.Join(", ", registers.Select(r => r?.Show() ?? "null"));
        var log = new StringWriter();
        var jit = PortalJit.Create(portal, new JitSettings { Threshold = 3, BackgroundCompilation = false, Log = log, Strict = true }, "cil");
        jit.Runtime.CaseBridgesOnEveryBackend = true;
        for (int run = 0; run < 6; run++)
        {
            var plain = Registers(200 + run);
            string expected = Show(plain, ClassVm.Run(code, plain));
            var jitted = Registers(200 + run);
            Assert.AreEqual(expected, Show(jitted, (BoxedValue?)jit.Invoke(code, jitted)), $"run {run}: {log}");
        }
        Assert.IsGreaterThan(0L, jit.Runtime.CaseBridgesAttached, log.ToString());
        Assert.IsFalse(jit.Units.Any(u => u.Recompilations > 0), $"no unit was specialized again: {log}");
    }

    /// <summary>
    /// A bridge starts with the classes the unit's guards had established at the exit: at <c>r0 = r3.Add(r4)</c>, r3 always an
    /// integer and r4's class changing, the exit is at r4's <c>Jit.PromoteClass</c> with r3's class known, and the bridge's
    /// <c>Add</c> on r3 is decided (inlined), not a virtual call, on its first step as on the turns of the loop it holds.
    /// </summary>
    [TestMethod]
    public void ACaseBridgeKnowsTheClassesTheUnitHadEstablishedAtTheExit()
    {
        var portal = typeof(ClassVm).GetMethod(nameof(ClassVm.Run))!;
        int[] code =
        [
            ClassVm.Pick, 4, 5, 1,          // 0: r4 = values[r1 % n]
            ClassVm.Add, 0, 3, 4,           // 1: r0 = r3.Add(r4)
            ClassVm.Count, 1, 0, 0,         // 2
            ClassVm.JumpLess, 1, 2, 0,      // 3
            ClassVm.Halt, 0, 0, 0,
        ];
        // Integers only in the first runs, which compile the unit with cases for them at both sites; then floats at r4's.
        BoxedValue?[] Registers(long count, bool floats) =>
            [new IntValue(0), new IntValue(0), new IntValue(count), new IntValue(1), null,
             new ClassVm.Values(floats ? [new IntValue(1), new FloatValue(0.5), new FloatValue(1.5)] : [new IntValue(1), new IntValue(2)])];
        string Show(BoxedValue?[] registers, BoxedValue? result) => (result?.Show() ?? "null") + " | " + string.Join(", ", registers.Select(r => r?.Show() ?? "null"));
        var log = new StringWriter();
        var jit = PortalJit.Create(portal, new JitSettings { Threshold = 3, BackgroundCompilation = false, Log = log, Strict = true }, "cil");
        jit.Runtime.CaseBridgesOnEveryBackend = true;
        for (int run = 0; run < 5; run++)
        {
            var plain = Registers(60 + run, run >= 2);
            string expected = Show(plain, ClassVm.Run(code, plain));
            var jitted = Registers(60 + run, run >= 2);
            Assert.AreEqual(expected, Show(jitted, (BoxedValue?)jit.Invoke(code, jitted)), $"run {run}: {log}");
        }
        var bridges = jit.Units.SelectMany(CaseBridges).ToList();
        Assert.IsNotEmpty(bridges, log.ToString());
        foreach (var bridge in bridges)
        {
            var virtualAdds = bridge.Unit.Residual.Blocks.SelectMany(b => bridge.Unit.Residual[b].Instructions)
                .Count(i => i.Opcode == PeJit.IR.Opcode.CallVirt && i.Method!.FullName.Contains("BoxedValue::Add"));
            Assert.AreEqual(0, virtualAdds, $"{PeJit.IR.Text.IrPrinter.Print(bridge.Unit.Residual)}\n{log}");
        }
    }

    /// <summary>
    /// Refused exits fall back to the recompilation: a <c>Jit.Promote</c> inside a helper's <c>lock</c> (a try/finally: the
    /// residual region would have to be reopened), and one inside the portal's own regions (each step runs in a residual
    /// region). The log says why, the unit is specialized again with the new cases, and the results are the plain ones.
    /// </summary>
    [TestMethod]
    [DataRow("helper's lock")]
    [DataRow("portal's regions")]
    public void ARefusedExitIsSpecializedAgainAsBeforeAndRunsAsThePlainInterpreter(string shape)
    {
        bool helper = shape == "helper's lock";
        var portal = helper ? typeof(PromotingHandlerVm).GetMethod(nameof(PromotingHandlerVm.Run))! : typeof(PromotingGuardedVm).GetMethod(nameof(PromotingGuardedVm.Run))!;
        int[] code = helper
            ? [PromotingHandlerVm.Set, 1, 40, 0, PromotingHandlerVm.Locked, 0, 1, 0, PromotingHandlerVm.Decrement, 1, 0, 0, PromotingHandlerVm.JumpPositive, 1, 0, 1, PromotingHandlerVm.Halt, 0, 0, 0]
            : [PromotingGuardedVm.Set, 1, 40, 0, PromotingGuardedVm.Locked, 0, 1, 0, PromotingGuardedVm.Decrement, 1, 0, 0, PromotingGuardedVm.JumpPositive, 1, 0, 1, PromotingGuardedVm.Halt, 0, 0, 0];
        string Outcome(Func<int[], long[], HandlerState, long> run)
        {
            var registers = new long[16];
            var state = new HandlerState();
            long result = run(code, registers, state);
            return $"{result} | adds {state.LockedAdds} | {string.Join(",", registers)}";
        }
        string expected = Outcome(helper ? PromotingHandlerVm.Run : PromotingGuardedVm.Run);
        var log = new StringWriter();
        var jit = PortalJit.Create(portal, new JitSettings { Threshold = 3, BackgroundCompilation = false, Log = log, Strict = true });
        jit.Runtime.CaseBridgesOnEveryBackend = true;
        for (int run = 0; run < 4; run++)
            Assert.AreEqual(expected, Outcome((c, r, s) => (long)jit.Invoke(c, r, s)!), $"run {run}: {log}");
        Assert.IsGreaterThan(0L, jit.Runtime.CaseBridgesRefused, log.ToString());
        Assert.AreEqual(0L, jit.Runtime.CaseBridgesAttached, log.ToString());
        Assert.IsTrue(jit.Units.Any(u => u.Recompilations > 0), $"the unit is specialized again instead: {log}");
    }

    /// <summary>Each bundled Lua program with case bridges on its (CIL) units: what the plain interpreter prints, in strict mode.</summary>
    [TestMethod]
    [DynamicData(nameof(LuaProgramSizes.Each), typeof(LuaProgramSizes))]
    public void LuaProgramsWithCaseBridgesPrintWhatThePlainInterpreterPrints(string program, long size)
    {
        string source = Lua.Programs.Source(program);
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, size);
        var code = Lua.Compiler.BytecodeCompiler.Compile(source);
        var log = new StringWriter();
        var jit = PortalJit.Create(Lua.Runner.Portal, new JitSettings { Threshold = 3, BackgroundCompilation = false, Log = log, Strict = true });
        jit.Runtime.CaseBridgesOnEveryBackend = true;
        for (int run = 0; run < 3; run++)
        {
            var output = new StringWriter();
            var state = new Lua.LuaState(code, output);
            state.Globals.Set(new Lua.Values.LuaString("N"), new Lua.Values.LuaInteger(size));
            jit.Invoke(code, code.Main.Entry, new Lua.Frame(new Lua.Values.LuaClosure(code.Main, []), state, [], 0, 0, 0));
            Assert.AreEqual(plain.ToString(), output.ToString(), $"{program}, run {run + 1}: {log}");
        }
        // What Docs/PERFORMANCE.md reports ("Case bridges"): bridges attached, exits refused and why.
        var refusals = log.ToString().Split('\n').Where(l => l.Contains("no case bridge at exit")).Select(l => l[(l.IndexOf("): ") + 3)..].Split(';')[0]);
        Console.WriteLine($"{program}: {jit.Runtime.CaseBridgesAttached} case bridges, {jit.Runtime.CaseBridgesRefused} refused ("
            + string.Join("; ", refusals.GroupBy(r => r).Select(g => $"{g.Count()}x {g.Key}")) + $"), {jit.Units.Sum(u => u.Recompilations)} recompilations");
    }
}
