extern alias hinted;
using BenchmarkDotNet.Attributes;
using PeJit.Runtime;
using Lua = PeJit.Examples.Lua;
using Vm = hinted::PeJit.Examples.StackVm;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// Loop-free recursion (the doubly recursive <c>fib</c> of the stack VM and of Lua) with functions compiled
/// (<see cref="JitSettings.CompileFunctions"/>), in steady state: the plain interpreter (baseline), the function's unit
/// calling itself through its call cell (a state array and boxes per call), and calling itself directly (typed reds, an
/// unboxed result). Assembled once: the code object is part of the green key.
/// </summary>
[MemoryDiagnoser]
public class CompiledCallBenchmarks
{
    private const int N = 25;

    /// <summary>The interpreter: <c>stackvm</c> or <c>lua</c>.</summary>
    [Params("stackvm", "lua")]
    public string Example { get; set; } = "stackvm";

    private Vm.Code vmCode = null!;
    private Lua.Compiler.Code luaCode = null!;
    private PortalJit throughCells = null!;
    private PortalJit direct = null!;

    [GlobalSetup]
    public void Setup()
    {
        vmCode = Vm.Assembler.Assemble(Vm.Programs.Source("fib"));
        luaCode = Lua.Compiler.BytecodeCompiler.Compile(Lua.Programs.Source("fib"));
        var portal = Example == "lua" ? Lua.Runner.Portal : Vm.Runner.Portal;
        throughCells = PortalJit.Create(portal, new JitSettings { Threshold = SteadyState.Threshold, CompileFunctions = true, DirectSelfCalls = false });
        direct = PortalJit.Create(portal, new JitSettings { Threshold = SteadyState.Threshold, CompileFunctions = true, DirectSelfCalls = true });
        SteadyState.WarmUp(throughCells, () => ThroughCells(), minimumRuns: SteadyState.Threshold + 2, maximumRuns: 200);
        SteadyState.WarmUp(direct, () => Direct(), minimumRuns: SteadyState.Threshold + 2, maximumRuns: 200);
    }

    private object?[] Arguments()
    {
        if (Example == "lua")
        {
            var state = new Lua.LuaState(luaCode, TextWriter.Null);
            state.Globals.Set(new Lua.Values.LuaString("N"), new Lua.Values.LuaInteger(N));
            return [luaCode, luaCode.Main.Entry, new Lua.Frame(new Lua.Values.LuaClosure(luaCode.Main, []), state, [], 0, 0, 0)];
        }
        var frame = new Vm.Frame(vmCode.Main.Locals, TextWriter.Null);
        frame.Locals[0] = N;
        return [vmCode, vmCode.Main.Entry, frame];
    }

    [Benchmark(Baseline = true, Description = "interpreter")]
    public void Interpreter()
    {
        var arguments = Arguments();
        if (Example == "lua") Lua.Interpreter.Run(luaCode, luaCode.Main.Entry, (Lua.Frame)arguments[2]!);
        else Vm.Interpreter.Run(vmCode, vmCode.Main.Entry, (Vm.Frame)arguments[2]!);
    }

    [Benchmark(Description = "through the cell")]
    public object? ThroughCells() => throughCells.Invoke(Arguments());

    [Benchmark(Description = "direct")]
    public object? Direct() => direct.Invoke(Arguments());
}
