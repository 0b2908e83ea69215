extern alias hinted;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using PeJit.Runtime;
using Bf = PeJit.Examples.Brainfuck;
using Rvm = PeJit.Examples.RegisterVm;
using Tw = PeJit.Examples.TreeWalker;
using Vm = hinted::PeJit.Examples.StackVm;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// The two backends on the same long programs, ratios in one run: the JIT-enabled stack VM ('long', 3 million
/// turns), Brainfuck ('long'), the register machine ('long', 20 million turns) and the tree-walker ('long', 10 million
/// turns, each evaluator) with their units compiled by the CIL backend (the baseline of each category) and by the
/// AMD64 backend (each example whose long program's units <c>auto</c> makes native: the register machine's and the
/// tree-walker's print through <c>callvirt</c> on the output writer). Units are compiled during warm-up and reused, so
/// this is the compiled code's speed, the managed entry stub included.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class BackendJitBenchmarks
{
    private readonly Dictionary<string, PortalJit> stackVm = [];
    private readonly Dictionary<string, PortalJit> brainfuck = [];
    private Vm.Code code = null!;
    private Bf.BfProgram program = null!;
    private readonly Dictionary<string, PortalJit> registerVm = [];
    private readonly Dictionary<(string, Tw.Evaluator), PortalJit> treeWalker = [];
    private Rvm.Code registerCode = null!;
    private Tw.Ast.Function main = null!;

    [GlobalSetup]
    public void Setup()
    {
        // One program object each, as an interpreter runs one (it is part of the green key).
        code = Vm.Assembler.Assemble(Vm.Programs.Source("long"));
        program = Bf.BfCompiler.Compile(Bf.Programs.Source("long"));
        foreach (var backend in new[] { "cil", "amd64" })
        {
            stackVm[backend] = PortalJit.Create(Vm.Runner.Portal, null, backend);
            brainfuck[backend] = PortalJit.Create(Bf.Runner.Portal, null, backend);
        }
        registerCode = Rvm.Assembler.Assemble(Rvm.Programs.Source("long"));
        main = Tw.Syntax.Parser.Parse(Tw.Programs.Source("long")).Main!;
        foreach (var backend in new[] { "cil", "amd64" })
        {
            var settings = new JitSettings { Threshold = SteadyState.Threshold };
            var vm = registerVm[backend] = PortalJit.Create(Rvm.Runner.Portal, settings, backend);
            SteadyState.WarmUp(vm, () => RegisterVm(backend), minimumRuns: SteadyState.Threshold + 2, maximumRuns: 200);
            foreach (var evaluator in new[] { Tw.Evaluator.Switch, Tw.Evaluator.Virtual })
            {
                var walker = treeWalker[(backend, evaluator)] = PortalJit.Create(
                    evaluator == Tw.Evaluator.Switch ? Tw.Runner.SwitchPortal : Tw.Runner.VirtualPortal, settings, backend);
                SteadyState.WarmUp(walker, () => TreeWalker(backend, evaluator), minimumRuns: SteadyState.Threshold + 2, maximumRuns: 200);
            }
        }
        // A unit the AMD64 backend refused would leave its loop to the interpreter: say so rather than measure that.
        if (registerVm["amd64"].Units.Count == 0 || treeWalker.Values.Any(j => j.Units.Count == 0))
            throw new InvalidOperationException("a long program compiled no unit; run it with PEJIT_LOG=units to see the backend's refusal");
    }

    private object? RegisterVm(string backend)
    {
        var frame = new Rvm.Frame(registerCode.Main.Registers, TextWriter.Null);
        frame.Registers[0] = 20_000_000;
        return registerVm[backend].Invoke(registerCode, registerCode.Main.Entry, frame);
    }

    /// <summary><c>main</c>'s own statements run plainly, its loop through the JIT's portal (as <c>TreeWalkerJitBenchmarks</c> runs it).</summary>
    private long TreeWalker(string backend, Tw.Evaluator evaluator)
    {
        var env = Tw.Runner.Environment(main, 10_000_000);
        foreach (var statement in main.Body.Statements)
        {
            bool returned = statement is Tw.Ast.WhileNode loop
                ? (bool)treeWalker[(backend, evaluator)].Invoke(loop, env, TextWriter.Null)!
                : evaluator == Tw.Evaluator.Switch ? Tw.SwitchEvaluator.Exec(statement, env, TextWriter.Null) : statement.Execute(env, TextWriter.Null);
            if (returned) break;
        }
        return env[main.ResultSlot];
    }

    private object? StackVm(string backend)
    {
        var frame = new Vm.Frame(code.Main.Locals, TextWriter.Null);
        frame.Locals[0] = 3_000_000;
        return stackVm[backend].Invoke(code, code.Main.Entry, frame);
    }

    private object? Brainfuck(string backend) =>
        brainfuck[backend].Invoke(program, new byte[Bf.Runner.TapeLength], TextWriter.Null, TextReader.Null);

    [Benchmark(Baseline = true, Description = "stack VM long, cil")]
    [BenchmarkCategory("stack VM")]
    public object? StackVmCil() => StackVm("cil");

    [Benchmark(Description = "stack VM long, amd64")]
    [BenchmarkCategory("stack VM")]
    public object? StackVmAmd64() => StackVm("amd64");

    [Benchmark(Baseline = true, Description = "Brainfuck long, cil")]
    [BenchmarkCategory("Brainfuck")]
    public object? BrainfuckCil() => Brainfuck("cil");

    [Benchmark(Description = "Brainfuck long, amd64")]
    [BenchmarkCategory("Brainfuck")]
    public object? BrainfuckAmd64() => Brainfuck("amd64");

    [Benchmark(Baseline = true, Description = "register VM long, cil")]
    [BenchmarkCategory("register VM")]
    public object? RegisterVmCil() => RegisterVm("cil");

    [Benchmark(Description = "register VM long, amd64")]
    [BenchmarkCategory("register VM")]
    public object? RegisterVmAmd64() => RegisterVm("amd64");

    [Benchmark(Baseline = true, Description = "tree-walker long (switch), cil")]
    [BenchmarkCategory("tree-walker switch")]
    public long TreeWalkerSwitchCil() => TreeWalker("cil", Tw.Evaluator.Switch);

    [Benchmark(Description = "tree-walker long (switch), amd64")]
    [BenchmarkCategory("tree-walker switch")]
    public long TreeWalkerSwitchAmd64() => TreeWalker("amd64", Tw.Evaluator.Switch);

    [Benchmark(Baseline = true, Description = "tree-walker long (virtual), cil")]
    [BenchmarkCategory("tree-walker virtual")]
    public long TreeWalkerVirtualCil() => TreeWalker("cil", Tw.Evaluator.Virtual);

    [Benchmark(Description = "tree-walker long (virtual), amd64")]
    [BenchmarkCategory("tree-walker virtual")]
    public long TreeWalkerVirtualAmd64() => TreeWalker("amd64", Tw.Evaluator.Virtual);
}
