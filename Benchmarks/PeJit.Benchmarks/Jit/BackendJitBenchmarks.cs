extern alias hinted;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using PeJit.Runtime;
using Bf = PeJit.Examples.Brainfuck;
using Vm = hinted::PeJit.Examples.StackVm;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// The two backends on the same long programs, ratios in one run: the JIT-enabled stack VM ('long', 3 million
/// turns) and Brainfuck ('long') with their units compiled by the CIL backend (the baseline of each category) and by
/// the AMD64 backend. Units are compiled during warm-up and reused, so this is the compiled code's speed, the
/// managed entry stub included.
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
}
