using PeJit.IR;
using PeJit.Runtime;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Examples;

/// <summary>
/// <c>pcall</c> of a Lua function made by the interpreter's <c>Call</c> (<c>Interpreter.ProtectedCall</c>, flagged by
/// <c>LuaBuiltin.ProtectsCall</c>) rather than by the builtin: no argument or result arrays, and the callee a portal call
/// inside a <c>try</c> that compiled code holds as a residual region (an unfolded helper with handlers, issue 15).
/// Differential first (what the plain interpreter prints, at every result count, for errors raised as strings, tables,
/// run-time errors and stack overflows), then structural: the <c>errors</c> loop calls the portal inside a residual try.
/// </summary>
[TestClass]
public sealed class LuaProtectedCallTests
{
    private const string EdgeCases = """
        local function three(a, b) return a, b, a + b end
        local function none() end
        local function raise(v) error(v) end
        local function deep(n) return deep(n + 1) end
        local total, failures, overflow = 0, 0, 0
        for i = 1, (N or 60) do
          local ok, x, y, z, w = pcall(three, i, 2)
          if ok then total = total + x + y + z + (w == nil and 1 or 0) end
          local only = pcall(none)
          if only then total = total + 1 end
          pcall(three, 1, 2)
          local bad, value = pcall(raise, i % 3 == 0 and { code = i } or "message " .. i)
          if not bad then total = total + 1000 elseif type(value) == "table" then failures = failures + value.code else failures = failures + 1 end
          local added, why = pcall(three, i, nil)
          if not added then failures = failures + 1; total = total + #why end
          if i % 20 == 0 then
            local fine, message = pcall(deep, 1)
            if not fine then overflow = overflow + 1 end
            print(fine, message)
          end
          local nested, inner, v = pcall(pcall, raise, "inner")
          if nested and not inner then total = total + #v end
          local notf, m = pcall(42)
          if not notf then total = total + #m end
        end
        print(total, failures, overflow)
        print(pcall(three, 1, 2))
        print(pcall(raise, "last"))
        """;

    private static string Plain(string source, long? size)
    {
        var output = new StringWriter();
        try { Lua.Runner.Run(source, output, size); }
        catch (Lua.Values.LuaError e) { output.Write("error: " + e.Message); }
        return output.ToString();
    }

    private static PortalJit RunJitEnabled(string source, long? size, int runs)
    {
        string plain = Plain(source, size);
        var log = new StringWriter();
        var jit = PortalJit.Create(Lua.Runner.Portal, new JitSettings { Threshold = 3, Log = log });
        for (int run = 0; run < runs; run++)
        {
            var output = new StringWriter();
            try { jit.Invoke(Lua.Runner.PortalArguments(source, output, size)); }
            catch (Lua.Values.LuaError e) { output.Write("error: " + e.Message); }
            Assert.AreEqual(plain, output.ToString(), $"run {run + 1} JIT-enabled printed something else: {log}");
        }
        return jit;
    }

    [TestMethod]
    public void ProtectedCallsPrintWhatThePlainInterpreterPrints()
    {
        RunJitEnabled(EdgeCases, 60, runs: 3);
        RunJitEnabled(Lua.Programs.Source("errors"), 3000, runs: 3);
    }

    [TestMethod]
    public void TheErrorsLoopCallsItsCalleeInsideAResidualTry()
    {
        var jit = RunJitEnabled(Lua.Programs.Source("errors"), 3000, runs: 2);
        // The callee runs inside the try either called through the portal or, its key known at the call, inlined there
        // (SpecializationSettings.InlineKnownPortalCalls): then its `x % 5 == 0` and `x % 7 == 0` tests are `rem`s inside the
        // region (the loop's own `result.code % 2` is after pcall returns, outside it).
        bool found = false;
        foreach (var unit in jit.Units.Select(u => u.Unit))
        {
            var graph = unit.Residual;
            foreach (var block in graph.Blocks)
                if (graph[block].Try is not null
                    && graph[block].Instructions.Any(i => i.Opcode == Opcode.Call && i.Method!.FullName.Contains("Interpreter::Run(", StringComparison.Ordinal)
                                                          || i.Opcode == Opcode.Rem))
                    found = true;
        }
        Assert.IsTrue(found, "a unit runs pcall's callee inside a residual try region, called through the portal or inlined: "
            + string.Join("; ", jit.Units.SelectMany(u => u.Unit.Notes)));
    }

    /// <summary>The <see cref="Lua.Values.LuaError"/>s raised on this thread while <paramref name="action"/> runs (other tests run in parallel).</summary>
    private static int ErrorsRaised(Action action)
    {
        int thread = Environment.CurrentManagedThreadId, count = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception is Lua.Values.LuaError && Environment.CurrentManagedThreadId == thread) count++;
        }
        AppDomain.CurrentDomain.FirstChanceException += Count;
        try { action(); }
        finally { AppDomain.CurrentDomain.FirstChanceException -= Count; }
        return count;
    }

    [TestMethod]
    public void AnErrorRaisedAndCaughtInTheLoopUnitRaisesNoDotNetException()
    {
        // check() is inlined into the loop's unit under pcall's residual try, and its error() throws there: the 'throws'
        // pass makes that throw a jump to the handler's copy. What still raises is the program's tail, run once each
        // outside the loop (4 pcalls of failing functions) and the turns the interpreter runs after an exit (18 in all when
        // written), against one exception per multiple of 5 or 7 when plain (947): at most a twentieth of those.
        string source = Lua.Programs.Source("errors");
        const long size = 3000;
        var jit = RunJitEnabled(source, size, runs: 3);
        int plain = ErrorsRaised(() => Plain(source, size));
        int compiled = ErrorsRaised(() => jit.Invoke(Lua.Runner.PortalArguments(source, TextWriter.Null, size)));
        Assert.IsGreaterThan(size / 4, plain, "the plain interpreter raises one exception per error");
        Assert.IsLessThanOrEqualTo(plain / 20, compiled, $"the JIT-enabled run raised {compiled} LuaErrors against the plain interpreter's {plain}: "
            + string.Join("; ", jit.Units.SelectMany(u => u.Unit.Notes)));
    }
}
