namespace PeJit.Benchmarks.Runtime;

/// <summary>
/// <see cref="NeverHotBenchmarks"/>' ratios measured interleaved: for each case, the plain and the JIT-enabled build
/// are loaded side by side, both warmed as there (<see cref="NeverHotBenchmarks.WarmUp"/>), then timed in alternating
/// pairs (plain first in one pair, the JIT-enabled build first in the next), each timing a batch of runs of at least
/// 20 ms of processor time. BenchmarkDotNet measures one side's iterations, then the other's, seconds apart; on the
/// shared 2-core machine, whose load moves between 1 and 35, a side's processor time per run moves by a third with it
/// (cache and memory contention), and that lands on one side of the ratio. Interleaved, both sides of a pair see the
/// same load. The ratio is the geometric mean of the pairs' ratios, with a 95% interval from the spread of their
/// logarithms (Student's t). A third column is the control: the plain build against a second load of itself.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project Benchmarks/PeJit.Benchmarks -- --neverhot-interleaved [pairs]</c>, the cases
/// chosen by <c>NEVERHOT_CASES</c> as for the BenchmarkDotNet class. Runtime settings are .NET's defaults on both sides.
/// </remarks>
internal static class NeverHotInterleaved
{
    private const double BatchNanoseconds = 20e6;

    public static void Run(int pairs)
    {
        Console.WriteLine($"| program | disabled | never hot | plain again |   ({pairs} interleaved pairs per ratio, load {File.ReadAllText("/proc/loadavg").Trim()})");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (string @case in NeverHotBenchmarks.Cases)
        {
            var cells = new List<string>();
            foreach (string mode in (string[])["disabled", "never hot"])
            {
                var benchmark = new NeverHotBenchmarks { Mode = mode, Case = @case };
                benchmark.SetupPlain(); // loaded and warmed once per case
                benchmark.SetupJitEnabled();
                cells.Add(Ratio(benchmark.PlainContext, benchmark.JitEnabledContext, benchmark.Arguments, pairs));
            }
            // The control: the plain build against a second load of itself, warmed the same way. Same IL, so what its
            // ratio shows is placement (code addresses, alignment) and tiering (the profile each copy's compile got).
            var first = new NeverHotBenchmarks { Case = @case };
            first.SetupPlain();
            var again = new ExampleLoadContext(ExampleBuilds.Dll(@case.Split(" ")[0], "neverhot-plain"));
            first.WarmUp(again);
            cells.Add(Ratio(first.PlainContext, again, first.Arguments, pairs));
            Console.WriteLine($"| {@case} | {string.Join(" | ", cells)} |");
        }
        Console.WriteLine($"(load at the end {File.ReadAllText("/proc/loadavg").Trim()})");
    }

    private static string Ratio(ExampleLoadContext plain, ExampleLoadContext jitEnabled, string[] arguments, int pairs)
    {
        // Runs per batch: enough for 20 ms of the plain build's processor time.
        long start = NeverHotProcessCpuClock.Instance.GetTimestamp();
        plain.Run(arguments);
        double one = Math.Max(1, NeverHotProcessCpuClock.Instance.GetTimestamp() - start);
        int batch = (int)Math.Clamp(Math.Ceiling(BatchNanoseconds / one), 1, 100_000);
        var logs = new double[pairs];
        for (int pair = 0; pair < pairs; pair++)
        {
            double p, j;
            if (pair % 2 == 0) { p = Time(plain, arguments, batch); j = Time(jitEnabled, arguments, batch); }
            else { j = Time(jitEnabled, arguments, batch); p = Time(plain, arguments, batch); }
            logs[pair] = Math.Log(j / p);
        }
        double mean = logs.Average();
        double sd = Math.Sqrt(logs.Sum(l => (l - mean) * (l - mean)) / (pairs - 1));
        double half = StudentT975(pairs - 1) * sd / Math.Sqrt(pairs);
        return $"{Math.Exp(mean):F3} [{Math.Exp(mean - half):F3}; {Math.Exp(mean + half):F3}]";
    }

    private static double Time(ExampleLoadContext example, string[] arguments, int batch)
    {
        long start = NeverHotProcessCpuClock.Instance.GetTimestamp();
        for (int i = 0; i < batch; i++) example.Run(arguments);
        return NeverHotProcessCpuClock.Instance.GetTimestamp() - start;
    }

    /// <summary>The 97.5% quantile of Student's t with <paramref name="freedom"/> degrees of freedom (a two-sided 95% interval).</summary>
    private static double StudentT975(int freedom) => freedom switch
    {
        <= 1 => 12.706, 2 => 4.303, 3 => 3.182, 4 => 2.776, 5 => 2.571, <= 7 => 2.365, <= 9 => 2.262, <= 14 => 2.145,
        <= 19 => 2.093, <= 29 => 2.045, <= 59 => 2.001, _ => 1.96,
    };
}
