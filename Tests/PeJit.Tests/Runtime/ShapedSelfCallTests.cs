using PeJit.IR;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Hvm = PeJit.Examples.HandlerTable;
using Lua = PeJit.Examples.Lua;
using Rvm = PeJit.Examples.RegisterVm;
using Vm = PeJit.Examples.StackVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Direct self-calls that make the callee's frame for the call pass what is in it to the unit's shaped entry
/// (<see cref="Unit.ShapedEntry"/>, <c>SelfCallShapes</c>): differential first (every example's recursive programs,
/// JIT-enabled in strict mode against the plain interpreter, deep recursion, an exception and an exit in the callee),
/// then what the calls cost: no callee frame allocated on the direct path.
/// </summary>
[TestClass]
public sealed class ShapedSelfCallTests
{
    private static JitSettings Settings(int keys = 200) => new()
    {
        CompileFunctions = true, Threshold = 3, Strict = true,
        Specialization = SpecializationSettings.Default with { MaxKeysPerUnit = keys },
    };

    /// <summary>A recursive factorial: one self-call per level, its result multiplied on the way back.</summary>
    internal const string Factorial = """
        func fact 1 1
            load 0
            jz one
            load 0
            load 0
            push 1
            sub
            call fact
            mul
            ret
        one:
            push 1
            ret
        end
        func main 1 1
            load 0
            call fact
            print
            ret
        end
        """;

    /// <summary>Counts down to 0 by recursion, adding 1 on the way back: as deep as its argument.</summary>
    private const string Deep = """
        func down 1 1
            load 0
            jz zero
            load 0
            push 1
            sub
            call down
            push 1
            add
            ret
        zero:
            push 0
            ret
        end
        func main 1 1
            load 0
            call down
            print
            ret
        end
        """;

    /// <summary>A callee that prints: its frame's output is the caller's, passed as a leaf.</summary>
    private const string Printing = """
        func tri 1 1
            load 0
            jz zero
            load 0
            print
            load 0
            load 0
            push 1
            sub
            call tri
            add
            ret
        zero:
            push 0
            ret
        end
        func main 1 1
            load 0
            call tri
            print
            ret
        end
        """;


    private static void AssertStackVmSameAsPlain(PortalJit jit, string source, long n)
    {
        var plain = new StringWriter();
        long expected = Vm.Runner.Run(source, plain, n);
        var jitted = new StringWriter();
        long result = (long)jit.Invoke(Vm.Runner.PortalArguments(source, jitted, n))!;
        Assert.AreEqual(expected, result, $"n = {n}");
        Assert.AreEqual(plain.ToString(), jitted.ToString(), $"n = {n}");
    }

    private static Unit? ShapedUnit(PortalJit jit) => jit.Units.Select(u => u.Unit).FirstOrDefault(u => u.ShapedEntry is not null);

    [TestMethod]
    [DataRow(200)]
    [DataRow(6)]
    [DataRow(12)]
    [DataRow(14)]
    public void StackVmRecursionIsThePlainInterpreters(int keys)
    {
        // Small key budgets cut fib's unit short: its shaped entry leaves at exits with the frame it made.
        foreach (var source in new[] { Vm.Programs.Source("fib"), Factorial, Printing })
        {
            var jit = PortalJit.Create(Vm.Runner.Portal, Settings(keys));
            foreach (long n in new long[] { 12, 5, 16, 1, 0, 18 }) AssertStackVmSameAsPlain(jit, source, n);
            Assert.AreEqual(0, PortalCounters.Resuming, "every resumption was taken");
        }
    }

    [TestMethod]
    public void TheStackVmsFibCallsItsShapedEntryAndAllocatesNoFrame()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, Settings());
        AssertStackVmSameAsPlain(jit, Vm.Programs.Source("fib"), 18);
        var unit = ShapedUnit(jit);
        Assert.IsNotNull(unit, "fib's unit has a shaped entry: " + string.Join("; ", jit.Units.SelectMany(u => u.Unit.Notes)));
        // On the direct path (every block but the cell's and the portal call's) nothing is allocated.
        AssertAllocatesOnlyOnSlowPaths(unit.ShapedEntry!);
        AssertAllocatesOnlyOnSlowPaths(unit.Residual);
    }

    /// <summary>
    /// Every <c>allocate</c>, <c>newobj</c> and <c>newarr</c> of <paramref name="graph"/> is in a block that calls
    /// the call cell or the interpreter (the slow paths of a direct call), or that leaves at an exit (writes the exit buffer).
    /// </summary>
    internal static void AssertAllocatesOnlyOnSlowPaths(FlowGraph graph, params Opcode[] allocations)
    {
        if (allocations.Length == 0) allocations = [Opcode.Allocate, Opcode.NewObject, Opcode.NewArray];
        var exitBuffer = graph.Parameters[1];
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            bool slow = instructions.Any(i => i.Opcode == Opcode.Call && (i.Method == CallCell.EnterMethod || i.Method == CallCell.ResumeMethod
                || i.Method!.FullName.Contains("::Run(", StringComparison.Ordinal)))
                || instructions.Any(i => i.Opcode == Opcode.StoreElement && i.Operands[0] == exitBuffer);
            if (slow) continue;
            Assert.IsEmpty(instructions.Where(i => allocations.Contains(i.Opcode)).ToList(), $"{block} of {graph.Name} allocates on the direct path:\n" + PeJit.IR.Text.IrPrinter.Print(graph));
        }
    }

    [TestMethod]
    public void AShapedDirectCallAllocatesNothing()
    {
        // The plain interpreter allocates the callee's Frame, its 256-slot stack and its locals per call (2,144 bytes);
        // the shaped direct call nothing: the frame lives in the callee's SSA values.
        var code = Vm.Assembler.Assemble(Vm.Programs.Source("fib"));
        object?[] Arguments()
        {
            var frame = new Vm.Frame(code.Main.Locals, TextWriter.Null);
            frame.Locals[0] = 20;
            return [code, code.Main.Entry, frame];
        }
        AssertFib20AllocatesNothingPerCall(PortalJit.Create(Vm.Runner.Portal, Settings()), Arguments);
    }

    /// <summary>
    /// Runs <paramref name="jit"/> on <paramref name="arguments"/> (fib(20)) until a run compiles nothing, then counts the
    /// bytes one more run allocates: less than 4 per call (what is left is the run's own, not the calls').
    /// </summary>
    private static void AssertFib20AllocatesNothingPerCall(PortalJit jit, Func<object?[]> arguments)
    {
        for (long compiled = -1, runs = 0; compiled != jit.Runtime.Compilations && runs < 10; runs++)
        {
            compiled = jit.Runtime.Compilations;
            jit.Invoke(arguments());
        }
        jit.Invoke(arguments());
        long before = GC.GetAllocatedBytesForCurrentThread();
        jit.Invoke(arguments());
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        const int calls = 21_891; // fib(20) makes 21,891 calls of fib
        Assert.IsLessThan(4L * calls, bytes, $"{bytes / (double)calls:F1} bytes per call");
    }

    [TestMethod]
    public void AnExceptionInAShapedCalleeIsTheInterpreters()
    {
        const string throwing = CompiledCallTests.Throwing;
        var plain = Assert.Throws<DivideByZeroException>(() => Vm.Runner.Run(throwing, new StringWriter(), 40));
        var jit = PortalJit.Create(Vm.Runner.Portal, Settings());
        for (int run = 0; run < 3; run++)
            Assert.AreEqual(plain.Message, Assert.Throws<DivideByZeroException>(() => jit.Invoke(Vm.Runner.PortalArguments(throwing, new StringWriter(), 40))).Message);
        Assert.IsNotNull(ShapedUnit(jit), "the exception came through shaped calls");
    }

    [TestMethod]
    public void DeepRecursionGoesOnAFreshStack()
    {
        // Deeper than a 1 MB thread's stack holds in compiled frames: the stack check sends the call through the
        // cell, whose runtime goes on on a fresh stack; the plain interpreter runs on a big stack to compare.
        const long depth = 60_000;
        long expected = 0;
        var plainThread = new Thread(() => expected = Vm.Runner.Run(Deep, new StringWriter(), depth), 1 << 30);
        plainThread.Start();
        plainThread.Join();
        var jit = PortalJit.Create(Vm.Runner.Portal, Settings());
        AssertStackVmSameAsPlain(jit, Deep, 50); // compiles down's unit
        long result = -1;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = (long)jit.Invoke(Vm.Runner.PortalArguments(Deep, new StringWriter(), depth))!; }
            catch (Exception e) { failure = e; }
        }, 1 << 20);
        thread.Start();
        thread.Join();
        Assert.IsNull(failure, failure?.ToString());
        Assert.AreEqual(expected, result);
        Assert.IsNotNull(ShapedUnit(jit));
    }

    [TestMethod]
    public void RegisterVmRecursionIsThePlainInterpreters()
    {
        const string factorial = """
            func fact 1 4
                loadk r1, 0
                eq r2, r0, r1
                jz r2, recurse
                loadk r1, 1
                ret r1
            recurse:
                loadk r1, 1
                sub r3, r0, r1
                call r2, fact, r3
                mul r2, r2, r0
                ret r2
            end
            func main 1 2
                call r1, fact, r0
                print r1
                ret r1
            end
            """;
        foreach (var source in new[] { Rvm.Programs.Source("fib"), Rvm.Programs.Source("factorial"), factorial })
        {
            var jit = PortalJit.Create(Rvm.Runner.Portal, Settings());
            foreach (long n in new long[] { 10, 3, 15, 0, 17 })
            {
                var plain = new StringWriter();
                long expected = Rvm.Runner.Run(source, plain, n);
                var jitted = new StringWriter();
                Assert.AreEqual(expected, (long)jit.Invoke(Rvm.Runner.PortalArguments(source, jitted, n))!, $"n = {n}");
                Assert.AreEqual(plain.ToString(), jitted.ToString());
            }
        }
        var fib = PortalJit.Create(Rvm.Runner.Portal, Settings());
        fib.Invoke(Rvm.Runner.PortalArguments(Rvm.Programs.Source("fib"), new StringWriter(), 15));
        var unit = ShapedUnit(fib);
        Assert.IsNotNull(unit, "fib's unit has a shaped entry: " + string.Join("; ", fib.Units.SelectMany(u => u.Unit.Notes)));
        // Neither the callee's Frame nor its register array is made: the interpreter's Array.Copy of the arguments into the
        // registers is element stores into a fresh array (SelfCallShapes, rule 2), and the array, a red and the frame's field,
        // is one node of the shape.
        AssertAllocatesOnlyOnSlowPaths(unit.ShapedEntry!);
        AssertAllocatesOnlyOnSlowPaths(unit.Residual);
    }

    [TestMethod]
    public void TheRegisterVmsShapedDirectCallAllocatesNothing()
    {
        // The plain interpreter allocates the callee's Frame and its register array per call; the shaped direct call nothing.
        var code = Rvm.Assembler.Assemble(Rvm.Programs.Source("fib"));
        object?[] Arguments()
        {
            var frame = new Rvm.Frame(code.Main.Registers, TextWriter.Null);
            frame.Registers[0] = 20;
            return [code, code.Main.Entry, frame];
        }
        AssertFib20AllocatesNothingPerCall(PortalJit.Create(Rvm.Runner.Portal, Settings()), Arguments);
    }

    [TestMethod]
    public void HandlerTableRecursionIsThePlainInterpreters()
    {
        var jit = PortalJit.Create(Hvm.Runner.Portal, Settings());
        foreach (long n in new long[] { 10, 3, 15, 0, 17 })
        {
            var plain = new StringWriter();
            long expected = Hvm.Runner.Run(Hvm.Programs.Source("fib"), plain, n);
            var jitted = new StringWriter();
            Assert.AreEqual(expected, (long)jit.Invoke(Hvm.Runner.PortalArguments(Hvm.Programs.Source("fib"), jitted, n))!, $"n = {n}");
            Assert.AreEqual(plain.ToString(), jitted.ToString());
        }
        Console.WriteLine("handler table notes: " + string.Join("; ", jit.Units.SelectMany(u => u.Unit.Notes)));
    }

    [TestMethod]
    [DataRow("fib", 18L)]
    [DataRow("errors", null)]
    public void LuaRecursionIsThePlainInterpretersProgram(string name, long? size) => AssertLuaSameAsPlain(Lua.Programs.Source(name), size);

    [TestMethod]
    public void LuaErrorsAndDeepCallsInsideCompiledCalleesAreThePlainInterpreters()
    {
        // An error raised at the bottom of a recursion, caught by pcall further up; the 200-call limit's error; results
        // written into the caller's registers (two results wanted).
        const string source = """
            function down(n)
              if n == 0 then error("bottom") end
              return down(n - 1) + 1
            end
            function count(n)
              if n == 0 then return 0 end
              return count(n - 1) + 1
            end
            function two(n)
              if n < 2 then return n, 1 end
              local a, b = two(n - 1)
              return a + n, b + 1
            end
            for i = 1, 8 do
              print(pcall(down, i * 3))
              print(count(i * 10))
              local x, y = two(i * 2)
              print(x, y)
            end
            print(pcall(count, 300))
            """;
        AssertLuaSameAsPlain(source, null);
    }

    /// <summary>
    /// Lua's recursive fib called from a loop N times. Each call from the loop enters fib's unit anew: the unit first
    /// leaves at the call's <c>Jit.Promote</c> of the callee's prototype (no case yet), and after a few such exits it is
    /// specialized again with the case, its recursive calls direct. (In process, the rest of a call that left mid-step runs
    /// in the plain interpreter, so one long call would not count enough exits.)
    /// </summary>
    internal const string LuaFibDriver = """
        function fib(n)
          if n < 2 then return n end
          return fib(n - 1) + fib(n - 2)
        end
        local s = 0
        for i = 1, N do s = s + fib(15) end
        print(s)
        """;

    [TestMethod]
    public void LuasFibCallsItsShapedEntryAndMakesNoCalleeFrameOnTheDirectPath()
    {
        // Lua's call makes the callee's Frame (its constructor fills a register array with nil) and copies the arguments
        // in with Array.Copy; the frame is the callee's red, and its register array the other. Both recursive calls pass
        // their contents to the shaped entry, and the unit makes neither the frame nor the register array for them. The
        // callee returns its one result (Interpreter.Run), so its frame holds nothing of the caller's. The shaped entry's
        // own register array lives in SSA values and is made only at its exits and slow paths: the boxed integers stored
        // into it (a LuaInteger into a LuaValue[] made with newarr LuaValue) cannot fail the store's covariance check.
        AssertLuaSameAsPlain(LuaFibDriver, 20);
        var jit = PortalJit.Create(Lua.Runner.Portal, Settings());
        jit.Invoke(Lua.Runner.PortalArguments(LuaFibDriver, new StringWriter(), 20));
        var unit = ShapedUnit(jit);
        Assert.IsNotNull(unit, "fib's unit has a shaped entry: " + string.Join("; ", jit.Units.SelectMany(u => u.Unit.Notes)));
        var graph = unit.Residual;
        var shapedCalls = graph.Blocks.SelectMany(b => graph[b].Instructions)
            .Count(i => i.Opcode == Opcode.Call && ReferenceEquals(i.Method!.Origin, unit.ShapedEntry));
        Assert.AreEqual(2, shapedCalls, "both recursive calls call the shaped entry directly:\n" + PeJit.IR.Text.IrPrinter.Print(graph));
        AssertAllocatesOnlyOnSlowPaths(graph, Opcode.Allocate);
        var registerArrays = graph.Blocks.SelectMany(b => graph[b].Instructions)
            .Count(i => i.Opcode == Opcode.NewArray && IntegerConstantOf(graph, i.Operands[0]) > 1 && !IsSlowPath(graph, i));
        Assert.AreEqual(0, registerArrays, "no callee register array is made on the direct path:\n" + PeJit.IR.Text.IrPrinter.Print(graph));
        AssertAllocatesOnlyOnSlowPaths(unit.ShapedEntry!, Opcode.Allocate, Opcode.NewArray);

        // What a call allocates once compiled: the bytes of 100 more turns of the loop (each program is compiled afresh,
        // the same way), divided by their calls; the plain interpreter's the same way.
        long Bytes(Action<long> run, long turns)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            run(turns);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        void Plain(long turns) => Lua.Runner.Run(LuaFibDriver, TextWriter.Null, turns);
        void Jitted(long turns) => PortalJit.Create(Lua.Runner.Portal, Settings()).Invoke(Lua.Runner.PortalArguments(LuaFibDriver, TextWriter.Null, turns));
        Plain(20);
        Jitted(20);
        const double calls = 100 * 1_973; // fib(15) makes 1,973 calls of fib
        double plain = (Bytes(Plain, 140) - Bytes(Plain, 40)) / calls, jitted = (Bytes(Jitted, 140) - Bytes(Jitted, 40)) / calls;
        Console.WriteLine($"bytes per call of Lua's fib: plain {plain:F1}, compiled {jitted:F1}");
        Assert.IsLessThan(plain * 0.75, jitted, $"bytes per call: plain {plain:F1}, compiled {jitted:F1}");
    }

    [TestMethod]
    public void LuasFibPassesItsArgumentsToItsShapedEntryAsIntegers()
    {
        // fib(n - 1) and fib(n - 2) box their argument in the caller (LuaInteger.Subtract). Nothing after the call uses the
        // box (Interpreter.Run clears the call's argument registers), so the shaped entry takes the integer and makes the
        // box itself, only where it escapes (an exit, `return n`): the recursive calls pass no object made for them, and the
        // caller makes the boxes only on its slow paths and exits. What each call allocates is then its one result box.
        const string twice = """
            function f(n)
              if n < 2 then return n end
              local a = n - 1
              local r = f(a)
              return r + a + f(n - 2)
            end
            for i = 1, N do print(f(i % 12)) end
            """;
        AssertLuaSameAsPlain(twice, 40);
        AssertLuaSameAsPlain(LuaFibDriver, 20);
        var jit = PortalJit.Create(Lua.Runner.Portal, Settings());
        jit.Invoke(Lua.Runner.PortalArguments(LuaFibDriver, new StringWriter(), 20));
        var unit = ShapedUnit(jit);
        Assert.IsNotNull(unit, "fib's unit has a shaped entry: " + string.Join("; ", jit.Units.SelectMany(u => u.Unit.Notes)));
        var entry = unit.ShapedEntry!;
        var selfCalls = entry.Blocks.SelectMany(b => entry[b].Instructions)
            .Where(i => i.Opcode == Opcode.Call && ReferenceEquals(i.Method!.Origin, entry)).ToList();
        Assert.IsGreaterThanOrEqualTo(2, selfCalls.Count, PeJit.IR.Text.IrPrinter.Print(entry));
        foreach (var call in selfCalls)
            foreach (var operand in call.Operands)
                Assert.IsFalse(entry[operand].DefiningInstruction is { Opcode: Opcode.NewObject or Opcode.Box or Opcode.Allocate },
                    $"a recursive call passes an object made for it ({operand}):\n" + PeJit.IR.Text.IrPrinter.Print(entry));
        Assert.IsTrue(entry.Parameters.Any(p => entry.TypeOf(p).Kind == TypeKind.I64), "the entry takes an integer:\n" + PeJit.IR.Text.IrPrinter.Print(entry));

        // Bytes per call, as LuasFibCallsItsShapedEntryAndMakesNoCalleeFrameOnTheDirectPath counts them: one 24-byte box
        // (the result, or `return n`'s box), where passing boxes made one and a half per call on average (36 bytes).
        double perCall = LuaCallAsserts.BytesPerCompiledFibCall(LuaFibDriver, () => Settings());
        Console.WriteLine($"bytes per compiled call of Lua's fib: {perCall:F1}");
        Assert.IsLessThan(30.0, perCall, $"bytes per call {perCall:F1}");
    }

    private static long? IntegerConstantOf(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction is { Opcode: Opcode.Const } constant ? constant.Integer : null;

    /// <summary>Whether <paramref name="instruction"/> is in a block of a direct call's slow paths or an exit (as <see cref="AssertAllocatesOnlyOnSlowPaths"/> says).</summary>
    private static bool IsSlowPath(FlowGraph graph, Instruction instruction) =>
        LuaCallAsserts.IsExitOrSlowPath(graph, graph.Blocks.First(b => graph[b].Instructions.Contains(instruction)));

    private static void AssertLuaSameAsPlain(string source, long? size)
    {
        var jit = LuaCallAsserts.AssertSameAsPlain(source, size, Settings());
        Console.WriteLine("lua notes: " + string.Join("; ", jit.Units.SelectMany(u => u.Unit.Notes)));
    }
}
