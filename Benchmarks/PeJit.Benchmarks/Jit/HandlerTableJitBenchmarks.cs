using BenchmarkDotNet.Attributes;
using PeJit.Runtime;
using Ht = PeJit.Examples.HandlerTable;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// The handler-table machine's <c>long</c> program (dispatch through a <c>static readonly</c> table of delegates)
/// three ways: the plain interpreter (baseline), the interpreter JIT-enabled in process (units compiled during
/// warm-up and reused), and <see cref="Ht.Handwritten.Long"/>. Assembled once: the code object is part of the
/// green key.
/// </summary>
[MemoryDiagnoser]
public class HandlerTableJitBenchmarks
{
    private const long Size = 3_000_000;

    private PortalJit jit = null!;
    private Ht.Code code = null!;

    [GlobalSetup]
    public void Setup()
    {
        code = Ht.Assembler.Assemble(Ht.Programs.Source("long"));
        jit = SteadyState.Create(Ht.Runner.Portal, warm => warm.Invoke(code, code.Main.Entry, State()));
    }

    private Ht.State State()
    {
        var state = new Ht.State(code.Main.Locals, TextWriter.Null);
        state.Locals[0] = Size;
        return state;
    }

    [Benchmark(Baseline = true, Description = "interpreter")]
    public long Interpreter() => Ht.Interpreter.Run(code, code.Main.Entry, State());

    [Benchmark(Description = "JIT-enabled")]
    public object? Jit() => jit.Invoke(code, code.Main.Entry, State());

    [Benchmark(Description = "hand-written C#")]
    public long HandWritten() => Ht.Handwritten.Long(Size, TextWriter.Null);
}
