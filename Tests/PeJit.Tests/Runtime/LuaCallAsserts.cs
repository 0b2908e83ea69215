using PeJit.IR;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Runtime;

/// <summary>What the tests of compiled Lua calls share: the differential run, and which blocks of a unit are a call's slow paths.</summary>
internal static class LuaCallAsserts
{
    /// <summary>Runs <paramref name="source"/> three times JIT-enabled with <paramref name="settings"/>; each run prints what the plain interpreter prints.</summary>
    public static PortalJit AssertSameAsPlain(string source, long? size, JitSettings settings)
    {
        string Plain()
        {
            var output = new StringWriter();
            try { Lua.Runner.Run(source, output, size); }
            catch (Lua.Values.LuaError e) { output.Write("error: " + e.Message); }
            return output.ToString();
        }
        string expected = Plain();
        var jit = PortalJit.Create(Lua.Runner.Portal, settings);
        for (int run = 0; run < 3; run++)
        {
            var output = new StringWriter();
            try { jit.Invoke(Lua.Runner.PortalArguments(source, output, size)); }
            catch (Lua.Values.LuaError e) { output.Write("error: " + e.Message); }
            Assert.AreEqual(expected, output.ToString(), $"run {run}");
        }
        return jit;
    }

    /// <summary>
    /// Whether <paramref name="block"/> is a direct call's slow path (it enters the call cell or the interpreter) or an
    /// exit (it stores into the exit buffer, the unit's second parameter): where allocation is expected.
    /// </summary>
    public static bool IsExitOrSlowPath(FlowGraph graph, Block block)
    {
        var instructions = graph[block].Instructions;
        return instructions.Any(i => i.Opcode == Opcode.Call && (i.Method == CallCell.EnterMethod || i.Method == CallCell.ResumeMethod
                || i.Method!.FullName.Contains("::Run(", StringComparison.Ordinal)))
            || instructions.Any(i => i.Opcode == Opcode.StoreElement && i.Operands[0] == graph.Parameters[1]);
    }

    /// <summary>
    /// Bytes allocated per compiled call of a Lua <c>fib</c> driven by <paramref name="driver"/> (its loop calls fib(20),
    /// 1,973 calls a turn, 100 turns more in the second measured run than in the first), in steady state: the first run
    /// pays the compilations, and each measured run makes a new portal, so what it allocates once cancels out.
    /// </summary>
    public static double BytesPerCompiledFibCall(string driver, Func<JitSettings> settings)
    {
        long Bytes(long turns)
        {
            var arguments = Lua.Runner.PortalArguments(driver, TextWriter.Null, turns);
            return CostRatio.Allocated(() => PortalJit.Create(Lua.Runner.Portal, settings()).Invoke(arguments));
        }
        Bytes(20);
        const double calls = 100 * 1_973;
        return (Bytes(140) - Bytes(40)) / calls;
    }
}
