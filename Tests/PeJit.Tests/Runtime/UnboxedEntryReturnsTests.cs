using PeJit.IR;
using PeJit.Optimizer;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Runtime;

/// <summary>
/// A shaped entry whose returns give fresh boxes returns their contents (<see cref="UnboxedEntryReturns"/>), and its calls
/// make the box again after them, where allocation removal takes it apart on the direct edge (the call's join split).
/// Differential first (returns of fresh boxes, of the object a call passed, of a table whose identity the caller tests),
/// then what is left on Lua <c>fib</c>'s direct-call path: no <c>LuaInteger</c> made, nothing allocated per call.
/// </summary>
[TestClass]
public sealed class UnboxedEntryReturnsTests
{
    private static JitSettings Settings() => new()
    {
        CompileFunctions = true, Threshold = 3, Strict = true,
        Specialization = SpecializationSettings.Default with { MaxKeysPerUnit = 200 },
    };

    /// <summary>fib called with small arguments from the unit: its leaves return the box the unit passed (the marker's way).</summary>
    private const string SmallCalls = """
        function fib(n)
          if n < 2 then return n end
          return fib(n - 1) + fib(n - 2)
        end
        local s = 0
        for i = 1, N do s = s + fib(i % 4) + fib(i % 9) end
        print(s)
        """;

    /// <summary>Returns of a table (identity tested by the caller), of the argument, and of new integers, mixed.</summary>
    private const string Mixed = """
        local t = {}
        function h(n)
          if n < 1 then return t end
          if n == 1 then return n end
          local r = h(n - 1)
          if r == t then return n * 2 end
          return r + n
        end
        local s = 0
        for i = 1, N do
          local r = h(i % 7)
          if r == t then s = s + 1000 else s = s + r end
        end
        print(s)
        """;

    [TestMethod]
    [DataRow("fib")]
    [DataRow("small")]
    [DataRow("mixed")]
    public void LuaResultsAreThePlainInterpreters(string program)
    {
        string source = program switch
        {
            "fib" => ShapedSelfCallTests.LuaFibDriver,
            "small" => SmallCalls,
            _ => Mixed,
        };
        foreach (long n in new long[] { 20, 3, 60 }) AssertLuaSameAsPlain(source, n);
    }

    [TestMethod]
    public void LuasFibReturnsAnIntegerAndMakesNoBoxOnTheDirectCallPath()
    {
        var jit = PortalJit.Create(Lua.Runner.Portal, Settings());
        jit.Invoke(Lua.Runner.PortalArguments(ShapedSelfCallTests.LuaFibDriver, new StringWriter(), 20));
        var unit = jit.Units.Select(u => u.Unit).FirstOrDefault(u => u.ShapedEntry is not null);
        Assert.IsNotNull(unit, "fib's unit has a shaped entry: " + string.Join("; ", jit.Units.SelectMany(u => u.Unit.Notes)));
        var entry = unit.ShapedEntry!;
        string text = PeJit.IR.Text.IrPrinter.Print(entry);
        Assert.AreEqual(TypeKind.I64, entry.ReturnType.Kind, "the shaped entry returns the integer:\n" + text);

        // The direct-call path: from each self-call's fall-through edge (slot 0 of the exit buffer empty), through the
        // blocks that are neither an exit nor a call's slow path and lead to a return without passing one (a guard's
        // failing edge makes the box an exit needs on its way there, which is not the direct path).
        var toReturn = new HashSet<Block>();
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var block in entry.Blocks)
                if (!toReturn.Contains(block) && !LuaCallAsserts.IsExitOrSlowPath(entry, block)
                    && (entry[block].Terminator?.Opcode == Opcode.Return || entry.Successors(block).Any(toReturn.Contains)))
                    changed |= toReturn.Add(block);
        }
        var selfCalls = entry.Blocks.Where(b => entry[b].Instructions.Any(i => i.Opcode == Opcode.Call && ReferenceEquals(i.Method!.Origin, entry))).ToList();
        Assert.IsGreaterThanOrEqualTo(2, selfCalls.Count, text);
        var seen = new HashSet<Block>();
        var work = new Stack<Block>();
        foreach (var block in selfCalls)
        {
            var branch = entry[block].Terminator!;
            Assert.AreEqual(Opcode.BrIf, branch.Opcode, "a self-call's block ends testing the exit slot:\n" + text);
            work.Push(branch.Targets[1].Target);
        }
        int returns = 0;
        while (work.Count > 0)
        {
            var block = work.Pop();
            if (!seen.Add(block) || !toReturn.Contains(block)) continue;
            foreach (var instruction in entry[block].Instructions)
            {
                Assert.IsFalse(instruction.Opcode is Opcode.NewObject or Opcode.Box or Opcode.Allocate or Opcode.NewArray,
                    $"the direct-call path allocates in {block}: {instruction}\n" + text);
                if (instruction.Opcode == Opcode.Return) returns++;
            }
            foreach (var successor in entry.Successors(block)) work.Push(successor);
        }
        Assert.IsGreaterThan(0, returns, "the direct-call path reaches a return:\n" + text);
    }

    [TestMethod]
    public void LuasFibAllocatesNothingPerCompiledCall()
    {
        // Bytes per call, as ShapedSelfCallTests counts them: one 24-byte result box per call before (the arguments'
        // boxes were already gone); none now, but for the unit's own calls (100 per run here, one box each at most).
        double perCall = LuaCallAsserts.BytesPerCompiledFibCall(ShapedSelfCallTests.LuaFibDriver, Settings);
        Console.WriteLine($"bytes per compiled call of Lua's fib: {perCall:F2}");
        Assert.IsLessThan(2.0, perCall, $"bytes per call {perCall:F2}");
    }

    private static void AssertLuaSameAsPlain(string source, long? size) => LuaCallAsserts.AssertSameAsPlain(source, size, Settings());
}
