using PeJit.Runtime;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Examples;

/// <summary>Runs a bundled Lua program JIT-enabled in process, checking every run's output against the plain interpreter's.</summary>
internal static class LuaJitRuns
{
    /// <summary>
    /// Runs <paramref name="program"/> at <paramref name="size"/> <paramref name="runs"/> times through one <see cref="PortalJit"/>,
    /// on one compiled <c>Code</c> (so later runs enter the units earlier runs made); each run must print what the plain
    /// interpreter prints. Returns the JIT and its log.
    /// </summary>
    public static (PortalJit Jit, string Log) Run(string program, long size, int runs = 1, Action<PortalJit, int>? afterRun = null,
        Func<StringWriter, JitSettings>? settings = null, StringWriter? log = null)
    {
        string source = Lua.Programs.Source(program);
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, size);
        var code = Lua.Compiler.BytecodeCompiler.Compile(source);
        log ??= new StringWriter();
        var jit = PortalJit.Create(Lua.Runner.Portal, settings?.Invoke(log) ?? new JitSettings { Log = log });
        for (int run = 0; run < runs; run++)
        {
            var output = new StringWriter();
            var state = new Lua.LuaState(code, output);
            state.Globals.Set(new Lua.Values.LuaString("N"), new Lua.Values.LuaInteger(size));
            jit.Invoke(code, code.Main.Entry, new Lua.Frame(new Lua.Values.LuaClosure(code.Main, []), state, [], 0, 0, 0));
            Assert.AreEqual(plain.ToString(), output.ToString(), $"{program} JIT-enabled printed something else in run {run + 1}");
            afterRun?.Invoke(jit, run);
        }
        return (jit, log.ToString());
    }
}
