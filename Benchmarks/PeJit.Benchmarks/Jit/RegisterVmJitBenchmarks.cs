using BenchmarkDotNet.Attributes;
using PeJit.Runtime;
using Rvm = PeJit.Examples.RegisterVm;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// The register machine's <c>long</c> program (record-struct instructions, a constant pool) three ways: the plain
/// interpreter (baseline), the interpreter JIT-enabled in process (units compiled during warm-up and reused), and
/// <see cref="Rvm.Handwritten.Long"/>. Assembled once: the code object is part of the green key.
/// </summary>
[MemoryDiagnoser]
public class RegisterVmJitBenchmarks
{
    private const long Size = 20_000_000;

    private PortalJit jit = null!;
    private Rvm.Code code = null!;

    [GlobalSetup]
    public void Setup()
    {
        code = Rvm.Assembler.Assemble(Rvm.Programs.Source("long"));
        jit = SteadyState.Create(Rvm.Runner.Portal, warm => warm.Invoke(code, code.Main.Entry, Frame()));
    }

    private Rvm.Frame Frame()
    {
        var frame = new Rvm.Frame(code.Main.Registers, TextWriter.Null);
        frame.Registers[0] = Size;
        return frame;
    }

    [Benchmark(Baseline = true, Description = "interpreter")]
    public long Interpreter() => Rvm.Interpreter.Run(code, code.Main.Entry, Frame());

    [Benchmark(Description = "JIT-enabled")]
    public object? Jit() => jit.Invoke(code, code.Main.Entry, Frame());

    [Benchmark(Description = "hand-written C#")]
    public long HandWritten() => Rvm.Handwritten.Long(Size, TextWriter.Null);
}
