extern alias hinted;
using BenchmarkDotNet.Attributes;
using PeJit.Runtime;
using Lua = PeJit.Examples.Lua;
using Rvm = PeJit.Examples.RegisterVm;
using Vm = hinted::PeJit.Examples.StackVm;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// Loop-free recursion (the doubly recursive <c>fib</c> of the stack VM, the register VM and Lua) with functions compiled
/// (<see cref="JitSettings.CompileFunctions"/>), in steady state: the plain interpreter (baseline), the function's unit
/// calling itself through its call cell (a state array and boxes per call), calling itself directly with the callee's
/// frame made and passed whole (<see cref="JitSettings.ShapedSelfCalls"/> off), and directly with what is in the frame
/// passed to the unit's shaped entry (typed reds, an unboxed result, the callee's frame taken apart). Assembled once: the code object is part of the green key.
/// </summary>
[MemoryDiagnoser]
public class CompiledCallBenchmarks
{
    private const int N = 25;

    /// <summary>The interpreter: <c>stackvm</c>, <c>registervm</c> or <c>lua</c>.</summary>
    [Params("stackvm", "registervm", "lua")]
    public string Example { get; set; } = "stackvm";

    private Vm.Code vmCode = null!;
    private Lua.Compiler.Code luaCode = null!;
    private Rvm.Code rvmCode = null!;
    private PortalJit frameWhole = null!;
    private PortalJit throughCells = null!;
    private PortalJit direct = null!;
    private PortalJit defaults = null!;

    [GlobalSetup]
    public void Setup()
    {
        vmCode = Vm.Assembler.Assemble(Vm.Programs.Source("fib"));
        luaCode = Lua.Compiler.BytecodeCompiler.Compile(Lua.Programs.Source("fib"));
        rvmCode = Rvm.Assembler.Assemble(Rvm.Programs.Source("fib"));
        var portal = Example switch { "lua" => Lua.Runner.Portal, "registervm" => Rvm.Runner.Portal, _ => Vm.Runner.Portal };
        throughCells = PortalJit.Create(portal, new JitSettings { Threshold = SteadyState.Threshold, CompileFunctions = true, DirectSelfCalls = false });
        direct = PortalJit.Create(portal, new JitSettings { Threshold = SteadyState.Threshold, CompileFunctions = true, DirectSelfCalls = true });
        frameWhole = PortalJit.Create(portal, new JitSettings { Threshold = SteadyState.Threshold, CompileFunctions = true, DirectSelfCalls = true, ShapedSelfCalls = false });
        SteadyState.WarmUp(throughCells, () => ThroughCells(), minimumRuns: SteadyState.Threshold + 2, maximumRuns: 200);
        SteadyState.WarmUp(direct, () => Direct(), minimumRuns: SteadyState.Threshold + 2, maximumRuns: 200);
        SteadyState.WarmUp(frameWhole, () => DirectFrameWhole(), minimumRuns: SteadyState.Threshold + 2, maximumRuns: 200);
        // Nothing set but the loop threshold: functions compiled as FunctionCompilationPolicy says by default.
        defaults = PortalJit.Create(portal, new JitSettings { Threshold = SteadyState.Threshold });
        SteadyState.WarmUp(defaults, () => Defaults(), minimumRuns: SteadyState.Threshold + 2, maximumRuns: 200);
    }

    private object?[] Arguments()
    {
        if (Example == "lua")
        {
            var state = new Lua.LuaState(luaCode, TextWriter.Null);
            state.Globals.Set(new Lua.Values.LuaString("N"), new Lua.Values.LuaInteger(N));
            return [luaCode, luaCode.Main.Entry, new Lua.Frame(new Lua.Values.LuaClosure(luaCode.Main, []), state, [], 0, 0, 0)];
        }
        if (Example == "registervm")
        {
            var registers = new Rvm.Frame(rvmCode.Main.Registers, TextWriter.Null);
            registers.Registers[0] = N;
            return [rvmCode, rvmCode.Main.Entry, registers];
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
        else if (Example == "registervm") Rvm.Interpreter.Run(rvmCode, rvmCode.Main.Entry, (Rvm.Frame)arguments[2]!);
        else Vm.Interpreter.Run(vmCode, vmCode.Main.Entry, (Vm.Frame)arguments[2]!);
    }

    [Benchmark(Description = "through the cell")]
    public object? ThroughCells() => throughCells.Invoke(Arguments());

    [Benchmark(Description = "direct, the frame passed whole")]
    public object? DirectFrameWhole() => frameWhole.Invoke(Arguments());

    [Benchmark(Description = "direct")]
    public object? Direct() => direct.Invoke(Arguments());

    [Benchmark(Description = "default settings")]
    public object? Defaults() => defaults.Invoke(Arguments());
}
