using System.Reflection;
using System.Runtime.Loader;
using PeJit.Runtime;
using PeJit.TestSubjects;

namespace PeJit.Tests.Specializer;

/// <summary>
/// Portals whose own exception regions surround the dispatch loop or each step (PeJit.TestSubjects:
/// <see cref="GuardedVm"/>, a loop inside a try/catch that turns host errors into the language's;
/// <see cref="StepGuardedVm"/>, a try/catch around each instruction; <see cref="UnwindingVm"/>, a try/finally
/// around the loop). Each program runs plain and JIT-enabled (strict mode, threshold 3): the same result, or the
/// same exception (type, message, the language error's code), the same output and the same state afterwards,
/// and a unit compiled and entered. Programs throw inside compiled code (asserted: a step's exception was handed
/// back to the portal) and take exits inside the try. The same programs run on the assembly <c>pejit build</c>
/// JIT-enabled (its portals woven in place, loaded in a context of its own), against the original.
/// </summary>
[TestClass]
public sealed class DispatchInTryJitTests
{
    private static int[] Op(int opcode, int a = 0, int b = 0, int c = 0) => [opcode, a, b, c];

    private static int[] Code(params int[][] instructions) => instructions.SelectMany(i => i).ToArray();

    /// <summary>How a program ends: by a return, by an exception thrown in compiled code (handed to the portal), by one the interpreter throws after an exit, or by a return after the portal caught what compiled code threw.</summary>
    public enum Ending
    {
        Returns,
        ThrowsInCompiledCode,
        ExitsThenInterprets,
        CatchesWhatCompiledCodeThrew,
    }

    private sealed record Outcome(object? Result, Exception? Thrown, string Output, string State);

    private static Outcome Run(Func<TextWriter, Func<Type, Type>, (object?[] Arguments, Func<string> State)> prepare, Func<Type, Type> typeOf, Func<object?[], object?> invoke)
    {
        var output = new StringWriter();
        var (arguments, state) = prepare(output, typeOf);
        object? result = null;
        Exception? thrown = null;
        try
        {
            result = invoke(arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            thrown = inner;
        }
        catch (Exception e)
        {
            thrown = e;
        }
        return new Outcome(result, thrown, output.ToString(), state());
    }

    /// <summary>Times compiled code handed a step's exception back to the portal (exits marked <c>Threw</c>).</summary>
    private static long ThrewExits(IReadOnlyList<CompiledUnit> units) =>
        units.Sum(u => u.Unit.Exits.Where(e => e.Threw).Sum(e => u.TimesTaken(e.Index)));

    private static long OtherExits(IReadOnlyList<CompiledUnit> units) =>
        units.Sum(u => u.Unit.Exits.Where(e => !e.Threw).Sum(e => u.TimesTaken(e.Index)));

    private static string Describe(IReadOnlyList<CompiledUnit> units) => string.Join("; ", units.Select(u =>
        $"unit at {u.Unit.Entry} keys {u.Unit.Keys.Count} entered {u.Entries}, exits " + string.Join(", ", u.Unit.Exits.Select(e => $"{e.Key}{(e.Threw ? " threw" : "")} {u.TimesTaken(e.Index)}"))));

    private static void AssertSameAsPlain(MethodInfo portal, string name, Ending ending, Func<TextWriter, Func<Type, Type>, (object?[] Arguments, Func<string> State)> prepare)
    {
        var plain = Run(prepare, t => t, arguments => portal.Invoke(null, arguments));
        var jit = PortalJit.Create(portal, new JitSettings { Threshold = 3 });
        Outcome compiled = null!;
        JitDifferentialTests.AssertUnitsEntered(jit, name, () => compiled = Run(prepare, t => t, arguments => jit.Invoke(arguments)));
        AssertSame(name, plain, compiled);
        AssertEnding(name, ending, plain, ThrewExits(jit.Units), OtherExits(jit.Units), () => Describe(jit.Units));
    }

    /// <summary>The same, on the portal as <c>pejit build</c> wove it: the IL rewrite, not the in-process copy.</summary>
    private static void AssertSameAsPlainWhenWoven(MethodInfo portal, string name, Ending ending, Func<TextWriter, Func<Type, Type>, (object?[] Arguments, Func<string> State)> prepare)
    {
        var plain = Run(prepare, t => t, arguments => portal.Invoke(null, arguments));
        var woven = Woven.Value;
        var wovenPortal = woven.GetType(portal.DeclaringType!.FullName!, throwOnError: true)!.GetMethod(portal.Name)!;
        IReadOnlyList<CompiledUnit> Units() => JitRuntime.Find(wovenPortal)?.Cache.Units ?? [];
        var entries = Units().ToDictionary(u => u, u => u.Entries);
        long threw = ThrewExits(Units()), other = OtherExits(Units());
        var compiled = Run(prepare, t => woven.GetType(t.FullName!, throwOnError: true)!, arguments => wovenPortal.Invoke(null, arguments));
        Assert.IsTrue(Units().Any(u => u.Entries > entries.GetValueOrDefault(u)), $"{name}: no unit of the woven portal was entered: {Describe(Units())}");
        AssertSame(name, plain, compiled);
        AssertEnding(name, ending, plain, ThrewExits(Units()) - threw, OtherExits(Units()) - other, () => Describe(Units()));
    }

    /// <summary>What <c>pejit build</c> printed when it made <see cref="Woven"/> (set once it is made).</summary>
    internal static string WovenOutput { get; private set; } = "";

    /// <summary>The test subjects, JIT-enabled by <c>pejit build --threshold 3</c> once, loaded in a context of their own (PeJit.Runtime is this process's).</summary>
    internal static readonly Lazy<Assembly> Woven = new(() =>
    {
        string original = typeof(GuardedVm).Assembly.Location;
        string folder = Directory.CreateTempSubdirectory("pejit-dispatch-in-try-").FullName;
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = PeJit.Cli.Program.Run(["build", original, "-o", folder, "--threshold", "3"], output, error);
        Assert.AreEqual(0, exit, $"pejit build {original}: {error}{output}");
        WovenOutput = output.ToString();
        return new AssemblyLoadContext("pejit-dispatch-in-try").LoadFromAssemblyPath(Path.Combine(folder, Path.GetFileName(original)));
    });

    private static void AssertSame(string name, Outcome plain, Outcome compiled)
    {
        // By name: the woven assembly's VmError is a type of its own.
        Assert.AreEqual(plain.Thrown?.GetType().FullName, compiled.Thrown?.GetType().FullName, $"{name}: {compiled.Thrown}");
        Assert.AreEqual(plain.Thrown?.Message, compiled.Thrown?.Message, name);
        Assert.AreEqual(CodeOf(plain.Thrown), CodeOf(compiled.Thrown), name);
        Assert.AreEqual(plain.Result, compiled.Result, name);
        Assert.AreEqual(plain.Output, compiled.Output, name);
        Assert.AreEqual(plain.State, compiled.State, name);
    }

    /// <summary>The language error's code (<see cref="VmError.Code"/>), of either assembly's VmError.</summary>
    private static object? CodeOf(Exception? thrown) => thrown?.GetType().GetProperty(nameof(VmError.Code))?.GetValue(thrown);

    private static void AssertEnding(string name, Ending ending, Outcome plain, long threwExits, long otherExits, Func<string> describe)
    {
        switch (ending)
        {
            case Ending.Returns:
                Assert.IsNull(plain.Thrown, $"{name} is meant to return: {plain.Thrown}");
                break;
            case Ending.ThrowsInCompiledCode:
                Assert.IsNotNull(plain.Thrown, $"{name} is meant to throw");
                Assert.IsGreaterThan(0L, threwExits, $"{name}: the exception was not thrown inside compiled code: {describe()}");
                break;
            case Ending.CatchesWhatCompiledCodeThrew:
                Assert.IsNull(plain.Thrown, $"{name} is meant to return: {plain.Thrown}");
                Assert.IsGreaterThan(0L, threwExits, $"{name}: the exception was not thrown inside compiled code: {describe()}");
                break;
            case Ending.ExitsThenInterprets:
                Assert.IsGreaterThan(0L, otherExits, $"{name}: no exit was taken: {describe()}");
                Assert.AreEqual(0L, threwExits, $"{name}: the exception is meant to be thrown by the interpreter after an exit: {describe()}");
                break;
        }
    }

    // ---- GuardedVm: the loop inside try/catch ------------------------------------------------------------

    private static class G
    {
        public const int Loop = 3;

        // r1 counts down from 40 in every program; the loop starts at instruction 3 after three sets.
        public static int[] Program(int[] setup, params int[][] body) =>
            Code([Op(GuardedVm.Set, 1, 40), .. SetupOf(setup), .. body, Op(GuardedVm.Decrement, 1), Op(GuardedVm.JumpPositive, 1, 0, Loop), Op(GuardedVm.Print, 0), Op(GuardedVm.Halt)]);

        private static int[][] SetupOf(int[] setup) => [Op(GuardedVm.Set, setup[0], setup[1]), Op(GuardedVm.Set, setup[2], setup[3])];
    }

    public static IEnumerable<object[]> GuardedPrograms =>
    [
        // r0 += r1 and saturating r3 += r4 (r4 large: overflows after a few iterations, caught around the step).
        ["sum", Ending.Returns, G.Program([3, 1, 4, int.MaxValue], Op(GuardedVm.Add, 0, 0, 1), Op(GuardedVm.Add, 3, 3, 4), Op(GuardedVm.Add, 3, 3, 3), Op(GuardedVm.Add, 3, 3, 3), Op(GuardedVm.Print, 3))],
        // r0 = 600 / r2, r2 counting down from 30: the host's division by zero after 30 iterations.
        ["divide", Ending.ThrowsInCompiledCode, G.Program([2, 30, 3, 600], Op(GuardedVm.Divide, 0, 3, 2), Op(GuardedVm.Decrement, 2))],
        // memory[r2] = r1 with r2 counting up: index out of range past the memory's 25 elements.
        ["index", Ending.ThrowsInCompiledCode, G.Program([2, 0, 5, 1], Op(GuardedVm.Store, 1, 2), Op(GuardedVm.Load, 0, 2), Op(GuardedVm.Add, 2, 2, 5))],
        // r0 = texts[r2].Length with r2 counting up: a null text at 20.
        ["nil", Ending.ThrowsInCompiledCode, G.Program([2, 0, 5, 1], Op(GuardedVm.Length, 0, 2), Op(GuardedVm.Add, 2, 2, 5), Op(GuardedVm.Print, 0))],
        // The loop ends (an exit from compiled code, inside the try), then the interpreter divides by r1 = 0.
        ["exit-then-divide", Ending.ExitsThenInterprets, Code(Op(GuardedVm.Set, 1, 40), Op(GuardedVm.Set, 2, 0), Op(GuardedVm.Set, 3, 0),
            Op(GuardedVm.Add, 0, 0, 1), Op(GuardedVm.Decrement, 1), Op(GuardedVm.JumpPositive, 1, 0, 3), Op(GuardedVm.Print, 0), Op(GuardedVm.Divide, 0, 0, 1), Op(GuardedVm.Halt))],
    ];

    [TestMethod]
    [DynamicData(nameof(GuardedPrograms))]
    public void ALoopInsideATryCatchBehavesAsThePlainInterpreter(string name, Ending ending, int[] code) =>
        AssertSameAsPlain(typeof(GuardedVm).GetMethod(nameof(GuardedVm.Run))!, name, ending, GuardedVmArguments(code));

    [TestMethod]
    [DynamicData(nameof(GuardedPrograms))]
    public void ALoopInsideATryCatchBehavesAsThePlainInterpreterWhenWoven(string name, Ending ending, int[] code) =>
        AssertSameAsPlainWhenWoven(typeof(GuardedVm).GetMethod(nameof(GuardedVm.Run))!, name, ending, GuardedVmArguments(code));

    private static Func<TextWriter, Func<Type, Type>, (object?[] Arguments, Func<string> State)> GuardedVmArguments(int[] code) =>
        (output, typeOf) =>
        {
            var registers = new long[8];
            var memory = new long[25];
            var texts = Enumerable.Range(0, 30).Select(i => i == 20 ? null : new string('x', i)).ToArray();
            return ([code, registers, memory, texts, output], () => $"registers {string.Join(",", registers)}, memory {string.Join(",", memory)}");
        };

    // ---- StepGuardedVm: a try/catch around each step --------------------------------------------------------

    public static IEnumerable<object[]> StepGuardedPrograms
    {
        get
        {
            const int set = StepGuardedVm.Set, add = StepGuardedVm.Add, decrement = StepGuardedVm.Decrement, jump = StepGuardedVm.JumpPositive;
            int[] Loop(int[][] setup, params int[][] body) =>
                Code([Op(set, 1, 40), .. setup, .. body, Op(decrement, 1), Op(jump, 1, 0, 1 + setup.Length), Op(StepGuardedVm.Print, 0), Op(StepGuardedVm.Halt)]);
            return
            [
                // r0 += r1; r3 doubles from 1 and saturates (the language's catch goes on with long.MaxValue, printing a line).
                ["sum", Ending.Returns, Loop([Op(set, 3, 1)], Op(add, 0, 0, 1), Op(add, 3, 3, 3), Op(add, 3, 3, 3), Op(StepGuardedVm.Print, 3))],
                // r0 = 600 / r2, r2 counting down from 30: wrapped once as instruction 3's error.
                ["divide", Ending.ThrowsInCompiledCode, Loop([Op(set, 2, 30), Op(set, 3, 600)], Op(StepGuardedVm.Divide, 0, 3, 2), Op(decrement, 2))],
                // r0 = r[r2] with r2 counting up past the 8 registers.
                ["index", Ending.ThrowsInCompiledCode, Loop([Op(set, 2, 0), Op(set, 5, 1)], Op(StepGuardedVm.Load, 0, 2), Op(add, 2, 2, 5))],
                // r0 = texts[r2].Length, a null text at 20.
                ["nil", Ending.ThrowsInCompiledCode, Loop([Op(set, 2, 0), Op(set, 5, 1)], Op(StepGuardedVm.Length, 0, 2), Op(add, 2, 2, 5))],
                // The language raises r6 when r6 reaches 0 (r6 counts down from 25; the raise is skipped while
                // positive): compiled code raises it inside the step's try, whose catch wraps it once.
                ["raise", Ending.ThrowsInCompiledCode, Code(Op(set, 1, 40), Op(set, 6, 25), Op(decrement, 6), Op(jump, 6, 0, 5), Op(StepGuardedVm.Raise, 6),
                    Op(decrement, 1), Op(jump, 1, 0, 2), Op(StepGuardedVm.Halt))],
                // The loop ends (an exit, the step's try in force), then the interpreter reads r[40]: wrapped once.
                ["exit-then-index", Ending.ExitsThenInterprets, Code(Op(set, 1, 40), Op(add, 0, 0, 1), Op(decrement, 1), Op(jump, 1, 0, 1), Op(set, 2, 40), Op(StepGuardedVm.Load, 0, 2), Op(StepGuardedVm.Halt))],
            ];
        }
    }

    [TestMethod]
    [DynamicData(nameof(StepGuardedPrograms))]
    public void ATryCatchAroundEachStepBehavesAsThePlainInterpreter(string name, Ending ending, int[] code) =>
        AssertSameAsPlain(typeof(StepGuardedVm).GetMethod(nameof(StepGuardedVm.Run))!, name, ending, StepGuardedVmArguments(code));

    [TestMethod]
    [DynamicData(nameof(StepGuardedPrograms))]
    public void ATryCatchAroundEachStepBehavesAsThePlainInterpreterWhenWoven(string name, Ending ending, int[] code) =>
        AssertSameAsPlainWhenWoven(typeof(StepGuardedVm).GetMethod(nameof(StepGuardedVm.Run))!, name, ending, StepGuardedVmArguments(code));

    private static Func<TextWriter, Func<Type, Type>, (object?[] Arguments, Func<string> State)> StepGuardedVmArguments(int[] code) =>
        (output, typeOf) =>
        {
            var registers = new long[8];
            var texts = Enumerable.Range(0, 30).Select(i => i == 20 ? null : new string('x', i)).ToArray();
            return ([code, registers, texts, output], () => $"registers {string.Join(",", registers)}");
        };

    // ---- UnwindingVm: a try/finally around the loop ---------------------------------------------------------

    public static IEnumerable<object[]> UnwindingPrograms
    {
        get
        {
            const int set = UnwindingVm.Set, add = UnwindingVm.Add, decrement = UnwindingVm.Decrement, jump = UnwindingVm.JumpPositive;
            int[] Loop(int[][] setup, params int[][] body) =>
                Code([Op(set, 1, 40), .. setup, .. body, Op(decrement, 1), Op(jump, 1, 0, 1 + setup.Length), Op(UnwindingVm.Print, 0), Op(UnwindingVm.Halt)]);
            return
            [
                ["sum", Ending.Returns, Loop([], Op(add, 0, 0, 1), Op(UnwindingVm.Print, 0))],
                ["divide", Ending.ThrowsInCompiledCode, Loop([Op(set, 2, 30), Op(set, 3, 600)], Op(UnwindingVm.Divide, 0, 3, 2), Op(decrement, 2))],
                // checked r3 += r3 from 1: overflows after 63 doublings (r1 = 40 iterations of two doublings).
                ["overflow", Ending.ThrowsInCompiledCode, Loop([Op(set, 3, 1)], Op(add, 3, 3, 3), Op(add, 3, 3, 3))],
                ["raise", Ending.ExitsThenInterprets, Code(Op(set, 1, 40), Op(set, 6, 25), Op(decrement, 6), Op(jump, 6, 0, 5), Op(UnwindingVm.Raise, 6),
                    Op(decrement, 1), Op(jump, 1, 0, 2), Op(UnwindingVm.Halt))],
                // The loop ends (an exit inside the try), then the interpreter divides by r1 = 0: the finally runs once.
                ["exit-then-divide", Ending.ExitsThenInterprets, Code(Op(set, 1, 40), Op(add, 0, 0, 1), Op(decrement, 1), Op(jump, 1, 0, 1), Op(UnwindingVm.Divide, 0, 0, 1), Op(UnwindingVm.Halt))],
            ];
        }
    }

    [TestMethod]
    [DynamicData(nameof(UnwindingPrograms))]
    public void ATryFinallyAroundTheLoopBehavesAsThePlainInterpreter(string name, Ending ending, int[] code) =>
        AssertSameAsPlain(typeof(UnwindingVm).GetMethod(nameof(UnwindingVm.Run))!, name, ending, UnwindingVmArguments(code));

    [TestMethod]
    [DynamicData(nameof(UnwindingPrograms))]
    public void ATryFinallyAroundTheLoopBehavesAsThePlainInterpreterWhenWoven(string name, Ending ending, int[] code) =>
        AssertSameAsPlainWhenWoven(typeof(UnwindingVm).GetMethod(nameof(UnwindingVm.Run))!, name, ending, UnwindingVmArguments(code));

    private static Func<TextWriter, Func<Type, Type>, (object?[] Arguments, Func<string> State)> UnwindingVmArguments(int[] code) =>
        (output, typeOf) =>
        {
            var registers = new long[8];
            // The machine of the assembly that runs: the woven one has its own UnwindingMachine.
            dynamic machine = Activator.CreateInstance(typeOf(typeof(UnwindingMachine)), output)!;
            return ([code, registers, machine], () => $"registers {string.Join(",", registers)}, depth {machine.Depth}, unwound {machine.Unwound}");
        };

    // ---- RecoveringVm: a catch around the loop that goes on with the loop ------------------------------------

    public static IEnumerable<object[]> RecoveringPrograms
    {
        get
        {
            const int set = UnwindingVm.Set, add = UnwindingVm.Add, decrement = UnwindingVm.Decrement, jump = UnwindingVm.JumpPositive;
            const int handler = RecoveringVm.HandlerRegister;
            return
            [
                // r7 = 9 (the handler); loop: r0 += 600 / r2 with r2 counting down from 30, r1 from 40: the division by
                // zero in compiled code goes to the handler at 9, a second loop that counts r1 down to 0, and halts.
                ["divide-then-recover", Ending.CatchesWhatCompiledCodeThrew, Code(Op(set, 1, 40), Op(set, 2, 30), Op(set, 3, 600), Op(set, handler, 9),
                    Op(UnwindingVm.Divide, 4, 3, 2), Op(add, 0, 0, 4), Op(decrement, 2), Op(decrement, 1), Op(jump, 1, 0, 4),
                    Op(UnwindingVm.Print, 0), Op(add, 0, 0, 1), Op(decrement, 1), Op(jump, 1, 0, 9), Op(UnwindingVm.Print, 0), Op(UnwindingVm.Halt))],
            ];
        }
    }

    [TestMethod]
    [DynamicData(nameof(RecoveringPrograms))]
    public void ACatchThatGoesOnWithTheLoopBehavesAsThePlainInterpreter(string name, Ending ending, int[] code) =>
        AssertSameAsPlain(typeof(RecoveringVm).GetMethod(nameof(RecoveringVm.Run))!, name, ending, RecoveringVmArguments(code));

    [TestMethod]
    [DynamicData(nameof(RecoveringPrograms))]
    public void ACatchThatGoesOnWithTheLoopBehavesAsThePlainInterpreterWhenWoven(string name, Ending ending, int[] code) =>
        AssertSameAsPlainWhenWoven(typeof(RecoveringVm).GetMethod(nameof(RecoveringVm.Run))!, name, ending, RecoveringVmArguments(code));

    private static Func<TextWriter, Func<Type, Type>, (object?[] Arguments, Func<string> State)> RecoveringVmArguments(int[] code) =>
        (output, typeOf) =>
        {
            var registers = new long[8];
            return ([code, registers, output], () => $"registers {string.Join(",", registers)}");
        };

    // ---- What is refused, and says so ----------------------------------------------------------------------

    /// <summary>
    /// A handler of the try around the loop reads <c>pc</c>, which the loop assigns (<see cref="PcReportingVm"/>,
    /// whose division advances <c>pc</c> before it divides): each unit is refused with the portal, the variable
    /// and what to do, and the interpreter runs the loop, reporting the same instruction.
    /// </summary>
    [TestMethod]
    public void AHandlerThatReadsAVariableTheLoopAssignsIsRefusedWithWhatToDo()
    {
        // r1 = 40, r2 = 30, r3 = 600; loop: r0 = r3 / r2; r2--; r1--; if r1 > 0 goto loop.
        var code = Code(Op(UnwindingVm.Set, 1, 40), Op(UnwindingVm.Set, 2, 30), Op(UnwindingVm.Set, 3, 600), Op(UnwindingVm.Divide, 0, 3, 2),
            Op(UnwindingVm.Decrement, 2), Op(UnwindingVm.Decrement, 1), Op(UnwindingVm.JumpPositive, 1, 0, 3), Op(UnwindingVm.Halt));
        var portal = typeof(PcReportingVm).GetMethod(nameof(PcReportingVm.Run))!;
        var plain = Run((_, _) => ([code, new long[4]], () => ""), t => t, arguments => portal.Invoke(null, arguments));
        var log = new StringWriter();
        var jit = PortalJit.Create(portal, new JitSettings { Threshold = 3, Log = log });
        Outcome compiled = null!;
        JitDifferentialTests.AssertUnitsEntered(jit, "pc-reporting", () => compiled = Run((_, _) => ([code, new long[4]], () => ""), t => t, arguments => jit.Invoke(arguments)), expected: false);
        AssertSame("pc-reporting", plain, compiled);
        StringAssert.Contains(plain.Thrown?.Message, "before instruction 4");
        StringAssert.Contains(log.ToString(), "PcReportingVm");
        StringAssert.Contains(log.ToString(), "the merge-point variable 'pc' is read by a handler of the try around the dispatch loop");
        StringAssert.Contains(log.ToString(), "Let the handler read state the loop keeps in an object");
    }
}
