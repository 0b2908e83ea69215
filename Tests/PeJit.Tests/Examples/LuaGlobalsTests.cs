using PeJit.IR;
using PeJit.Runtime;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Examples;

/// <summary>
/// Lua's globals are read and written through the globals table's promoted shape (<c>GetGlobal</c> and <c>SetGlobal</c> as
/// <c>GetField</c> and <c>SetField</c>): compiled code finds a global's slot while specializing, a guard on the shape and an
/// array load, where it called <c>LuaTable.GetOther</c> (hashing the name) at every access. Differential first (globals
/// defined, redefined, removed while units run, more of them than a shape keeps), then what a recursive call no longer does.
/// </summary>
[TestClass]
public sealed class LuaGlobalsTests
{
    private static JitSettings Settings() => new() { CompileFunctions = true, Threshold = 3, Strict = true };

    [TestMethod]
    public void GlobalsBehaveAsTheInterpretersJitEnabled()
    {
        // A global counter written in a loop, a global function replaced while compiled code calls it, a global removed and
        // defined again (the shape changes under running units), an absent global read, and more globals than
        // TableShape.MaxFields (the globals go over to the hash part, their reads through GetOther again).
        const string source = """
            function twice(x) return x * 2 end
            count = 0
            for i = 1, 200 do
              count = count + twice(i)
              if i == 100 then twice = function(x) return x * 3 end end
              if i == 150 then gone = 1 end
              if i == 160 then gone = nil end
              if missing ~= nil then count = -1 end
            end
            print(count, gone)
            g1, g2, g3, g4, g5, g6, g7, g8, g9, g10 = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
            g11, g12, g13, g14, g15, g16, g17, g18, g19, g20 = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
            g21, g22, g23, g24, g25, g26, g27, g28, g29, g30 = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
            for i = 1, 100 do
              count = count + g7 + twice(g30)
              if i == 50 then g31, g32, g33, g34 = 1, 2, 3, 4 end
            end
            print(count, g34, missing)
            """;
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, null);
        StringAssert.Contains(plain.ToString(), "\t", "the program prints its counts");
        var jit = PortalJit.Create(Lua.Runner.Portal, Settings());
        for (int run = 0; run < 3; run++)
        {
            var output = new StringWriter();
            jit.Invoke(Lua.Runner.PortalArguments(source, output, null));
            Assert.AreEqual(plain.ToString(), output.ToString(), $"run {run} JIT-enabled printed something else");
        }
        Assert.IsNotEmpty(jit.Units, "the loops compile");
    }

    [TestMethod]
    public void FibsUnitsReadTheirGlobalWithoutAHashLookup()
    {
        // fib reads the global `fib` twice per call that recurses. Before, each read was a call of LuaTable.GetOther (a
        // Dictionary lookup of the name's LuaString) in the unit and in its shaped entry.
        var jit = PortalJit.Create(Lua.Runner.Portal, Settings());
        var output = new StringWriter();
        jit.Invoke(Lua.Runner.PortalArguments(PeJit.Tests.Runtime.ShapedSelfCallTests.LuaFibDriver, output, 20));
        var plain = new StringWriter();
        Lua.Runner.Run(PeJit.Tests.Runtime.ShapedSelfCallTests.LuaFibDriver, plain, 20);
        Assert.AreEqual(plain.ToString(), output.ToString());
        var unit = jit.Units.Select(u => u.Unit).FirstOrDefault(u => u.ShapedEntry is not null);
        Assert.IsNotNull(unit, "fib's unit has a shaped entry: " + string.Join("; ", jit.Units.SelectMany(u => u.Unit.Notes)));
        foreach (var graph in new[] { unit.Residual, unit.ShapedEntry! })
        {
            var lookups = graph.Blocks.SelectMany(b => graph[b].Instructions)
                .Count(i => i.Method?.FullName is { } name && (name.Contains("LuaTable::GetOther", StringComparison.Ordinal) || name.Contains("LuaTable::SetOther", StringComparison.Ordinal)));
            Assert.AreEqual(0, lookups, $"{graph.Name} looks a global up by hashing its name:\n" + PeJit.IR.Text.IrPrinter.Print(graph));
        }
    }
}
