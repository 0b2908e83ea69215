using System.Reflection;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.TestSubjects;
using Vm = PeJit.TestSubjects.HandlerVm;

namespace PeJit.Tests.Specializer;

/// <summary>
/// Helpers with exception handlers inlined into compiled units (PeJit.TestSubjects/HandlerVm.cs): the language's
/// try/catch over the interpreter's own exception type, <c>using</c>, <c>lock</c>, <c>foreach</c> over a list.
/// Each program runs plain and JIT-enabled (strict mode, threshold 3) with the same result or exception, the same
/// state afterwards (scope closed as often, the lock not held), and a unit compiled and entered; programs throw
/// inside their loops (the language's error caught, host errors escaping a lock and a try).
/// </summary>
[TestClass]
public sealed class HandlerJitTests
{
    private const long Iterations = 40;

    /// <summary>
    /// Programs whose loop is not compiled, with the reason (none: <c>foreach</c> over a red list, a loop inside an
    /// inlined helper whose exit is red, compiles since paths join within a step). Add a name only with the
    /// reason; the test fails when such a program starts running compiled code.
    /// </summary>
    private static readonly HashSet<string> InterpretedOnly = [];

    private static int[] Program(params int[][] instructions) => instructions.SelectMany(i => i).ToArray();

    private static int[] Op(int opcode, int a = 0, int b = 0, int c = 0) => [opcode, a, b, c];

    /// <summary>The loop body of each program, between r1 = Iterations and the jump back; r0 is the result.</summary>
    public static IEnumerable<object[]> Programs =>
    [
        // The language catches its division by zero on every other iteration (r2 alternates 0 and 1).
        ["divide", new[] { Op(Vm.Set, 3, 7), Op(Vm.Divide, 4, 3, 2), Op(Vm.Locked, 0, 4), Op(Vm.Set, 5, 1), Op(Vm.Locked, 2, 5), Op(Vm.Set, 6, 2), Op(Vm.Divide, 7, 2, 6), Op(Vm.Set, 8, 2), Op(Vm.Divide, 2, 2, 8) }],
        ["using", new[] { Op(Vm.Scoped, 0), Op(Vm.Scoped, 0) }],
        ["lock", new[] { Op(Vm.Locked, 0, 1) }],
        ["foreach", new[] { Op(Vm.SumList, 0) }],
        // checked(r0 + r9) overflows inside the lock after some iterations: the lock is released, the OverflowException escapes.
        ["lock-overflow", new[] { Op(Vm.Locked, 0, 9), Op(Vm.Locked, 0, 9) }],
        // r10 / r11 with r11 counting down from 20: the language catches the division by zero, then
        // long.MinValue / -1 inside its try is not its error, so it escapes.
        ["divide-overflow", new[] { Op(Vm.Decrement, 11), Op(Vm.Divide, 0, 10, 11) }],
        // The language raises its error inside the loop, outside any try: it escapes the interpreter.
        ["raise", new[] { Op(Vm.Scoped, 0), Op(Vm.Decrement, 12), Op(Vm.JumpPositive, 12, 0, 0), Op(Vm.Raise, 12) }],
    ];

    private static int[] Code(int[][] body)
    {
        // block: r1 = Iterations; loop: body; r1--; if r1 > 0 goto loop; halt.
        var all = new List<int[]> { Op(Vm.Set, 1, (int)Iterations) };
        all.AddRange(body.Select(i => i[0] == Vm.JumpPositive ? Op(Vm.JumpPositive, i[1], i[2], 1 + i[3]) : i));
        all.Add(Op(Vm.Decrement, 1));
        all.Add(Op(Vm.JumpPositive, 1, 0, 1));
        all.Add(Op(Vm.Halt));
        return Program([.. all]);
    }

    private static long[] Registers()
    {
        var registers = new long[16];
        registers[9] = long.MaxValue / 45;
        registers[10] = long.MinValue;
        registers[11] = 20;
        registers[12] = 25;
        return registers;
    }

    private static (object? Result, Exception? Thrown) Outcome(Func<object?> run)
    {
        try
        {
            return (run(), null);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            return (null, inner);
        }
        catch (Exception e)
        {
            return (null, e);
        }
    }

    private static string Describe(HandlerState state, long[] registers) =>
        $"adds {state.LockedAdds}, scope depth {state.Scope.Depth} closed {state.Scope.Closed}, lock held {Monitor.IsEntered(state.Gate)}, registers {string.Join(",", registers)}";

    private static PortalJit NewJit() => PortalJit.Create(typeof(Vm).GetMethod(nameof(Vm.Run))!, new JitSettings { Threshold = 3 });

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void ProgramsBehaveAsThePlainInterpreter(string name, int[][] body)
    {
        var code = Code(body);
        var plainState = new HandlerState();
        var plainRegisters = Registers();
        var plain = Outcome(() => Vm.Run(code, plainRegisters, plainState));

        var jit = NewJit();
        var jitState = new HandlerState();
        var jitRegisters = Registers();
        (object? Result, Exception? Thrown) compiled = default;
        JitDifferentialTests.AssertUnitsEntered(jit, name, () => compiled = Outcome(() => jit.Invoke(code, jitRegisters, jitState)), !InterpretedOnly.Contains(name));

        Assert.AreEqual(plain.Thrown?.GetType(), compiled.Thrown?.GetType(), $"{name}: {compiled.Thrown}");
        Assert.AreEqual(plain.Thrown?.Message, compiled.Thrown?.Message);
        Assert.AreEqual((plain.Thrown as VmError)?.Code, (compiled.Thrown as VmError)?.Code);
        if (plain.Thrown is null) Assert.AreEqual(plain.Result, compiled.Result);
        Assert.AreEqual(Describe(plainState, plainRegisters), Describe(jitState, jitRegisters), name);
    }

    /// <summary>
    /// A dispatch loop inside a try (PeJit.TestSubjects/WrappedVm.cs) that turns the host's division by zero into
    /// the language's error, thrown inside the loop after some iterations: the JIT-enabled run is the plain one.
    /// The loop is compiled and the division by zero happens in compiled code, which hands it to the portal's
    /// catch (a <c>Threw</c> exit; see the Specializer README, "Exception regions"). More in <see cref="DispatchInTryJitTests"/>.
    /// </summary>
    [TestMethod]
    public void ADispatchLoopInsideATryBehavesAsThePlainInterpreter()
    {
        // r1 = 40; loop: r0 = r3 / r2 (r2 counts down from 30: the host's division by zero after 30 iterations); r2--; r1--; if r1 > 0 goto loop.
        var code = Program(Op(Vm.Set, 1, 40), Op(Vm.Set, 2, 30), Op(Vm.Set, 3, 600), Op(Vm.Divide, 0, 3, 2), Op(Vm.Decrement, 2),
            Op(Vm.Decrement, 1), Op(Vm.JumpPositive, 1, 0, 3), Op(Vm.Halt));
        var method = typeof(WrappedVm).GetMethod(nameof(WrappedVm.Run))!;
        var plainRegisters = new long[4];
        var plain = Outcome(() => WrappedVm.Run(code, plainRegisters));
        var jit = PortalJit.Create(method, new JitSettings { Threshold = 3 });
        var jitRegisters = new long[4];
        (object? Result, Exception? Thrown) compiled = default;
        JitDifferentialTests.AssertUnitsEntered(jit, "wrapped", () => compiled = Outcome(() => jit.Invoke(code, jitRegisters)));
        Assert.IsTrue(jit.Units.Any(u => u.Unit.Exits.Any(e => e.Threw && u.TimesTaken(e.Index) > 0)), "the division by zero was thrown in compiled code");
        Assert.IsInstanceOfType<VmError>(plain.Thrown);
        Assert.AreEqual(plain.Thrown.GetType(), compiled.Thrown?.GetType(), compiled.Thrown?.ToString());
        Assert.AreEqual(plain.Thrown.Message, compiled.Thrown!.Message);
        Assert.AreEqual(((VmError)plain.Thrown).Code, ((VmError)compiled.Thrown).Code);
        CollectionAssert.AreEqual(plainRegisters, jitRegisters);
    }

    /// <summary>The helpers' handlers are in the compiled code, as residual regions (not residual calls of the helpers).</summary>
    [TestMethod]
    [DataRow("divide", "GuardedDivide", RegionKind.Catch)]
    [DataRow("using", "InScope", RegionKind.Finally)]
    [DataRow("lock", "AddLocked", RegionKind.Finally)]
    public void TheHandlersAreInTheResidualCode(string name, string helper, RegionKind kind)
    {
        var residual = CompiledLoop(name);
        var text = IrPrinter.Print(residual);
        Assert.IsTrue(residual.Regions.Any(r => residual[r].Kind == kind), $"{name}: a {kind} region in the residual code:\n{text}");
        Assert.IsFalse(residual.Blocks.SelectMany(b => residual[b].Instructions).Any(i => i.Method?.Name == helper), $"{name}: no call of {helper} left:\n{text}");
    }

    /// <summary>The unit of the language's try/catch, with its catch region, as a person reads it.</summary>
    [TestMethod]
    public void TheResidualLoopWithACatchRegionIsGolden() =>
        Golden.Check("Specializer/golden/HandlerVm.divide.residual.ir", IrPrinter.Print(CompiledLoop("divide")));

    private static FlowGraph CompiledLoop(string name)
    {
        var body = (int[][])Programs.First(p => (string)p[0] == name)[1];
        var code = Code(body);
        var jit = NewJit();
        JitDifferentialTests.AssertUnitsEntered(jit, name, () => jit.Invoke(code, Registers(), new HandlerState()));
        return jit.Units.OrderByDescending(u => u.Entries).First().Unit.Residual;
    }
}
