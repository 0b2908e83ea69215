extern alias hinted;
using BenchmarkDotNet.Attributes;
using PeJit.Runtime;
using Vm = hinted::PeJit.Examples.StackVm;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// Stack VM programs three ways: the plain interpreter (baseline), the JIT-enabled interpreter (hot loops
/// specialized and compiled; units are compiled during warm-up and reused), and the same program written
/// by hand in C#. The program is assembled once, as an interpreter runs one program object: its code object
/// is part of the green key, so a fresh one each time would be a new program to compile.
/// </summary>
[MemoryDiagnoser]
public class StackVmJitBenchmarks
{
    private PortalJit jit = null!;
    private Vm.Code code = null!;

    /// <summary>The program run.</summary>
    [Params("count", "long", "nested")]
    public string Program { get; set; } = "long";

    private long[] Arguments => Program switch { "count" => [3_000_000], "long" => [3_000_000], _ => [600] };

    [GlobalSetup]
    public void Setup()
    {
        code = Vm.Assembler.Assemble(Vm.Programs.Source(Program));
        jit = SteadyState.Create(Vm.Runner.Portal, warm => warm.Invoke(code, code.Main.Entry, Frame()));
    }

    private Vm.Frame Frame()
    {
        var frame = new Vm.Frame(code.Main.Locals, TextWriter.Null);
        Arguments.CopyTo(frame.Locals, 0);
        return frame;
    }

    [Benchmark(Baseline = true, Description = "interpreter")]
    public long Interpreter() => Vm.Interpreter.Run(code, code.Main.Entry, Frame());

    [Benchmark(Description = "JIT-enabled")]
    public object? Jit() => jit.Invoke(code, code.Main.Entry, Frame());

    [Benchmark(Description = "hand-written C#")]
    public long HandWritten()
    {
        long n = Arguments[0];
        switch (Program)
        {
            case "count":
            {
                long i = 0;
                do i++;
                while (i < n);
                TextWriter.Null.WriteLine(i);
                return i;
            }
            case "long":
            {
                long sum = 0;
                for (long i = 0; i < n; i++) sum += i * 7 % 13;
                TextWriter.Null.WriteLine(sum);
                return sum;
            }
            default:
            {
                long sum = 0;
                for (long i = 0; i < n; i++)
                    for (long j = 0; j < n; j++)
                        sum += i * j;
                TextWriter.Null.WriteLine(sum);
                return sum;
            }
        }
    }
}
