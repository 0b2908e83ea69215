extern alias hinted;
using BenchmarkDotNet.Attributes;
using PeJit.Specializer.Driver;
using Vm = hinted::PeJit.Examples.StackVm;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// Stack VM programs three ways: the plain interpreter (baseline), the JIT-enabled interpreter (hot loops
/// specialized and compiled; units are compiled during warm-up and reused), and the same program written
/// by hand in C#.
/// </summary>
[MemoryDiagnoser]
public class StackVmJitBenchmarks
{
    private PortalJit jit = null!;
    private string source = "";

    /// <summary>The program run.</summary>
    [Params("count", "long", "nested")]
    public string Program { get; set; } = "long";

    private long[] Arguments => Program switch { "count" => [3_000_000], "long" => [3_000_000], _ => [600] };

    [GlobalSetup]
    public void Setup()
    {
        source = Vm.Programs.Source(Program);
        jit = PortalJit.Create(Vm.Runner.Portal);
    }

    [Benchmark(Baseline = true, Description = "interpreter")]
    public long Interpreter() => Vm.Runner.Run(source, TextWriter.Null, Arguments);

    [Benchmark(Description = "JIT-enabled")]
    public object? Jit() => jit.Invoke(Vm.Runner.PortalArguments(source, TextWriter.Null, Arguments));

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
