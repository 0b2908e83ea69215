using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Examples;

/// <summary>
/// Lua <c>polymorphic</c> (issue 15: one function applied in a loop to integers, floats and strings, dispatching on the
/// value's type): its loop's unit inlines <c>accumulate</c> and <c>worth</c> (their keys are green at the calls, the
/// interpreter promoting the callee's prototype: <see cref="SpecializationSettings.InlineKnownPortalCalls"/>), the builtin
/// <c>type</c> (the call promotes the builtin's delegate) and the class dispatch of <c>type</c>, <c>==</c> and <c>#</c>
/// (class promotions); allocation removal then takes the callees' frames, register arrays and the builtin's argument and
/// result arrays apart. Differential first (every run prints what the plain interpreter prints), then structural: no
/// portal call, call cell or delegate call in the loops, no frame or array made in them, the steady state leaves the unit
/// no more than once per run, and a turn allocates a fraction of what the interpreter's does.
/// </summary>
[TestClass]
public sealed class LuaPolymorphicTests
{
    private const long Size = 20000;

    private static readonly Lazy<(PortalJit Jit, Lua.Compiler.Code Code, string Plain)> Warm = new(() =>
    {
        string source = Lua.Programs.Source("polymorphic");
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, Size);
        var jit = PortalJit.Create(Lua.Runner.Portal, new JitSettings { Strict = true, Threshold = 20 });
        var code = Lua.Compiler.BytecodeCompiler.Compile(source);
        // Until two runs in a row compile nothing (the benchmark's warm-up), each run checked against the plain interpreter.
        for (int run = 0, quiet = 0; run < 30 && quiet < 2; run++)
        {
            long before = jit.Runtime.Compilations;
            var output = new StringWriter();
            jit.Invoke(code, code.Main.Entry, Frame(code, output));
            Assert.AreEqual(plain.ToString(), output.ToString(), $"polymorphic JIT-enabled printed something else in run {run + 1}");
            quiet = jit.Runtime.Compilations == before ? quiet + 1 : 0;
        }
        return (jit, code, plain.ToString());
    });

    private static Lua.Frame Frame(Lua.Compiler.Code code, TextWriter output)
    {
        var state = new Lua.LuaState(code, output);
        state.Globals.Set(new Lua.Values.LuaString("N"), new Lua.Values.LuaInteger(Size));
        return new Lua.Frame(new Lua.Values.LuaClosure(code.Main, []), state, [], 0, 0, 0);
    }

    /// <summary>The instructions of every natural loop of every unit.</summary>
    private static List<Instruction> LoopInstructions(PortalJit jit) =>
        jit.Units.SelectMany(u =>
        {
            var graph = u.Unit.Residual;
            return NaturalLoop.Find(graph, Dominators.Compute(graph)).SelectMany(l => l.Blocks).Distinct().SelectMany(b => graph[b].Instructions);
        }).ToList();

    [TestMethod]
    public void TheLoopInlinesTheCallsAndTheBuiltin()
    {
        var loops = LoopInstructions(Warm.Value.Jit);
        Assert.IsNotEmpty(loops, "polymorphic's loop compiles");
        var calls = loops.Where(i => i.Method is { } m && (m.FullName.Contains("Interpreter::Run(", StringComparison.Ordinal)
            || m.FullName.Contains("CallCell::", StringComparison.Ordinal) || m.FullName.Contains("::Invoke(", StringComparison.Ordinal)
            || m.FullName.Contains("::RawEquals(", StringComparison.Ordinal) || m.FullName.Contains("::get_TypeName(", StringComparison.Ordinal)))
            .Select(i => i.Method!.FullName).ToList();
        Assert.IsEmpty(calls, "calls left in the loop: " + string.Join("; ", calls.Distinct()));
    }

    [TestMethod]
    public void TheLoopMakesNoFrameAndNoArray()
    {
        var made = LoopInstructions(Warm.Value.Jit).Where(i => i.Opcode is Opcode.Allocate or Opcode.NewArray
            || i.Opcode == Opcode.NewObject && i.Method!.FullName.Contains("Frame::", StringComparison.Ordinal)).ToList();
        Assert.IsEmpty(made, "made in the loop: " + string.Join("; ", made.Take(5)));
    }

    [TestMethod]
    public void SteadyStateStaysInTheUnitAndAllocatesLittle()
    {
        var (jit, code, plain) = Warm.Value;
        long exitsBefore = jit.Units.Sum(u => u.ExitsTaken), compilations = jit.Runtime.Compilations;
        var output = new StringWriter();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        jit.Invoke(code, code.Main.Entry, Frame(code, output));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.AreEqual(plain, output.ToString(), "polymorphic JIT-enabled printed something else");
        Assert.AreEqual(compilations, jit.Runtime.Compilations, "a steady run compiles nothing");
        long exits = jit.Units.Sum(u => u.ExitsTaken) - exitsBefore;
        Assert.IsLessThanOrEqualTo(2L, exits, $"{exits} exits taken in a steady run (the loop's end is one)");
        // The plain interpreter allocates 918 bytes a turn (frames, register arrays, the builtin's arrays, boxes); what is
        // left is the boxes of the values the loop keeps in the frame's registers and the strings type() returns (126 bytes).
        double perTurn = allocated / (double)Size;
        Assert.IsLessThan(250.0, perTurn, $"{perTurn:F1} bytes allocated per turn");
    }
}
