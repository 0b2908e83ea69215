using PeJit.Fuzzing;
using PeJit.Fuzzing.Differential;
using PeJit.Fuzzing.Languages;

namespace PeJit.Tests.Fuzzing;

/// <summary>
/// The program fuzzers at a fixed seed and count: every generated program behaves JIT-enabled exactly as in the
/// plain interpreter, in every configuration, and the programs reach compiled code (the coverage thresholds
/// were measured at this seed and count, with some margin). A mismatch fails with the shrunk program; the
/// command line (Docs/fuzzing.md) runs many more and saves regression cases.
/// </summary>
[TestClass]
public sealed class FuzzTests
{
    private const int Seed = 20260101;

    public TestContext TestContext { get; set; } = null!;

    private FuzzSummary Fuzz(FuzzLanguage language, int count)
    {
        var summary = FuzzSession.Run(new FuzzOptions
        {
            Language = language, Count = count, Seed = Seed, Jobs = Math.Min(2, Environment.ProcessorCount),
            MaxShrinks = 2, MaxShrinkCandidates = 600,
        });
        TestContext.WriteLine($"{language.Name}, seed {Seed}, {summary.ProgramsRun} programs in {summary.Elapsed.TotalSeconds:0.0} s:");
        TestContext.WriteLine(summary.Coverage.Report(language.Operations));
        Assert.IsNull(summary.Hang, summary.Hang);
        Assert.IsEmpty(summary.FuzzerErrors, string.Join("\n", summary.FuzzerErrors));
        Assert.IsEmpty(summary.Mismatches, "JIT-enabled runs differ from the plain interpreter; save the shrunk cases with the command " +
            $"in Docs/fuzzing.md (--language {language.Name} --seed {Seed} --count {count}):\n" + string.Join("\n", summary.Mismatches.Select(m => m.Describe())));
        Assert.AreEqual(count, summary.ProgramsRun);
        return summary;
    }

    /// <summary>Some program of the session ended with each of <paramref name="endings"/>.</summary>
    private static void AssertEndings(FuzzSummary summary, params string[] endings)
    {
        foreach (var ending in endings)
            Assert.IsTrue(summary.Coverage.Endings.ContainsKey(ending), $"some program ends with {ending}");
    }

    /// <summary>Each of <paramref name="opcodes"/> appeared in residual code under <paramref name="configuration"/>.</summary>
    private static void AssertInResidualCode(ConfigurationCoverage configuration, params string[] opcodes)
    {
        foreach (var opcode in opcodes)
            Assert.IsTrue(configuration.ResidualOpcodes.ContainsKey(opcode), $"residual code has {opcode}: {string.Join(" ", configuration.ResidualOpcodes.Keys)}");
    }

    private static void AssertCoverage(FuzzSummary summary, FuzzLanguage language, double minimumEntered, int minimumOperationsCompiled, bool offTheEnd = true, bool exits = true)
    {
        var coverage = summary.Coverage;
        CollectionAssert.IsSubsetOf(language.Operations.ToList(), coverage.OperationsGenerated.Keys.ToList(), "every operation of the language is generated");
        CollectionAssert.AreEquivalent(JitConfiguration.All.Select(c => c.Name).ToList(), coverage.Configurations.Keys.ToList());
        foreach (var (name, c) in coverage.Configurations)
        {
            Assert.IsGreaterThanOrEqualTo(minimumEntered, c.EnteredShare, $"{name}: the share of programs that entered compiled code");
            Assert.IsGreaterThanOrEqualTo(minimumOperationsCompiled, c.OperationsCompiled.Count, $"{name}: operations in compiled units: {string.Join(" ", c.OperationsCompiled.Keys)}");
            Assert.IsEmpty(c.CompileFailures.Keys.Where(f => f.Contains("internal error", StringComparison.Ordinal)).ToList(), $"{name}: PeJit failed inside while compiling");
        }
        // Units that keep every key reached (wholeunits) may run a program to its end without leaving.
        if (exits)
        {
            Assert.IsGreaterThan(0L, coverage.Configurations["threshold3"].ExitsTaken, "threshold3: compiled code took exits");
            Assert.IsGreaterThanOrEqualTo(0.5, coverage.Configurations["tinyunits"].ExitedShare, "tinyunits: the share of programs whose compiled code took exits");
        }
        Assert.IsTrue(coverage.Endings.ContainsKey("returned"));
        if (offTheEnd) Assert.IsTrue(coverage.Endings.ContainsKey("System.IndexOutOfRangeException"), "runtime errors are generated");
    }

    [TestMethod]
    public void StackVmProgramsBehaveAsThePlainInterpreter()
    {
        var language = new StackVmLanguage();
        var summary = Fuzz(language, count: 100);
        AssertCoverage(summary, language, minimumEntered: 0.8, minimumOperationsCompiled: 20);
        AssertEndings(summary, "System.DivideByZeroException", "System.OverflowException");
        var threshold = summary.Coverage.Configurations["threshold3"];
        AssertInResidualCode(threshold, "Div", "Rem", "Call", "LoadElement", "StoreElement", "BrIf");
        Assert.IsTrue(summary.Coverage.Configurations["wholeunits"].OperationsCompiled.ContainsKey("ret"), "wholeunits compiles returns too");
        AssertNative(summary);
    }

    /// <summary>Under the native configuration, machine code ran: units were compiled by the AMD64 backend and entered.</summary>
    private static void AssertNative(FuzzSummary summary)
    {
        var native = summary.Coverage.Configurations["native"];
        Assert.IsGreaterThan(0L, native.NativeUnits, $"native: {native.Units} units, none compiled to machine code");
    }

    [TestMethod]
    public void BrainfuckProgramsBehaveAsThePlainInterpreter()
    {
        var language = new BrainfuckLanguage();
        var summary = Fuzz(language, count: 60);
        AssertCoverage(summary, language, minimumEntered: 0.85, minimumOperationsCompiled: 7);
        var threshold = summary.Coverage.Configurations["threshold3"];
        AssertInResidualCode(threshold, "LoadElement", "StoreElement", "CallVirt", "BrIf");
        AssertNative(summary);
    }

    [TestMethod]
    public void RegisterVmProgramsBehaveAsThePlainInterpreter()
    {
        // At this seed and count no program runs off the code (the generator makes such programs, rarely).
        var language = new RegisterVmLanguage();
        var summary = Fuzz(language, count: 40);
        // 16: under native (auto, bridges on) the units that print in their loops are native now, and a native unit's
        // loop exit gets a bridge rather than a tail, so `Return` (after the loop) is no longer in a unit at this seed.
        AssertCoverage(summary, language, minimumEntered: 0.75, minimumOperationsCompiled: 16, offTheEnd: false);
        AssertEndings(summary, "System.DivideByZeroException", "System.OverflowException");
        var threshold = summary.Coverage.Configurations["threshold3"];
        AssertInResidualCode(threshold, "Div", "Rem", "Call", "LoadElement", "StoreElement", "BrIf");
    }

    [TestMethod]
    public void HandlerTableProgramsBehaveAsThePlainInterpreter()
    {
        // The stack VM's generator over the handler table's instructions. At this seed and count no program
        // runs off the code (about one in ten does at seed 1).
        var language = new HandlerTableLanguage();
        var summary = Fuzz(language, count: 40);
        AssertCoverage(summary, language, minimumEntered: 0.8, minimumOperationsCompiled: 16, offTheEnd: false);
        AssertEndings(summary, "System.DivideByZeroException", "System.OverflowException");
        var threshold = summary.Coverage.Configurations["threshold3"];
        AssertInResidualCode(threshold, "Div", "Rem", "Call", "LoadElement", "StoreElement", "BrIf");
        Assert.IsTrue(summary.Coverage.Configurations["wholeunits"].OperationsCompiled.ContainsKey("ret"), "wholeunits compiles returns too");
    }

    /// <summary>
    /// The tree-walker with each evaluator. A unit's only green key is its loop node: it runs the loop to its end
    /// (or a return) and has no other key to leave to, so no exit is taken; nested loops and called functions are
    /// unfolded into it (its node kinds are every kind under the loop). No program runs off any code.
    /// </summary>
    [TestMethod]
    [DataRow("treewalker")]
    [DataRow("treewalker-virtual")]
    public void TreeWalkerProgramsBehaveAsThePlainInterpreter(string name)
    {
        var language = FuzzLanguage.Named(name);
        var summary = Fuzz(language, count: 40);
        AssertCoverage(summary, language, minimumEntered: 0.6, minimumOperationsCompiled: 22, offTheEnd: false, exits: false);
        AssertEndings(summary, "System.DivideByZeroException", "System.OverflowException");
        Assert.IsGreaterThanOrEqualTo(0.9, summary.Coverage.Configurations["weaved"].EnteredShare, "weaved: every loop of the program is a portal entry");
        AssertInResidualCode(summary.Coverage.Configurations["threshold3"], "Div", "Rem", "Mul", "Neg", "Ceq", "Clt", "Cgt", "BrIf", "LoadElement", "StoreElement");
    }

    /// <summary>The Lua-like language: boxed values, tables, closures, strings, errors with lines, pcall.</summary>
    [TestMethod]
    public void LuaProgramsBehaveAsThePlainInterpreter()
    {
        var language = new LuaLanguage();
        var summary = Fuzz(language, count: 20);
        AssertCoverage(summary, language, minimumEntered: 0.65, minimumOperationsCompiled: 20, offTheEnd: false);
        AssertEndings(summary, "PeJit.Examples.Lua.Values.LuaError");
        foreach (var name in new[] { "threshold3", "wholeunits", "warm", "weaved" })
            Assert.IsGreaterThanOrEqualTo(30, summary.Coverage.Configurations[name].OperationsCompiled.Count, $"{name}: operations in compiled units");
        AssertInResidualCode(summary.Coverage.Configurations["threshold3"], "CallVirt", "IsInst", "NewObject", "LoadElement", "StoreElement", "Throw", "BrIf");
    }

    /// <summary>
    /// The WebAssembly-style VM: branches that keep a label's value and drop what lies between, <c>br_table</c> entries to
    /// enclosing blocks and loops, returns from nested blocks, traps in compiled loops. At this seed 8 of 30 programs
    /// compile nothing (their loops turn too few times, or an early return skips them).
    /// </summary>
    [TestMethod]
    public void WasmProgramsBehaveAsThePlainInterpreter()
    {
        var language = new WasmLanguage();
        var summary = Fuzz(language, count: 30);
        AssertCoverage(summary, language, minimumEntered: 0.65, minimumOperationsCompiled: 30, offTheEnd: false);
        AssertEndings(summary, "PeJit.Examples.Wasm.WasmTrap", "System.IndexOutOfRangeException", "System.OverflowException");
        AssertInResidualCode(summary.Coverage.Configurations["threshold3"], "Div", "Rem", "Shl", "Shr", "LoadElement", "StoreElement", "Throw", "BrIf");
    }
}
