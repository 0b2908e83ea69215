extern alias hinted;
using BenchmarkDotNet.Attributes;
using WithHints = hinted::PeJit.Examples.StackVm;
using WithoutHints = PeJit.Examples.StackVm;

namespace PeJit.Benchmarks.Hints;

/// <summary>
/// The stack VM interpreter with its hints against the same source compiled with the hints removed: in an
/// assembly pejit has not rewritten, hints must cost nothing (the ratio should be 1.00 within noise).
/// </summary>
[MemoryDiagnoser]
public class HintsCostBenchmarks
{
    private WithHints.Code hintedCode = null!;
    private WithoutHints.Code plainCode = null!;

    /// <summary>The program run.</summary>
    [Params("long", "nested")]
    public string Program { get; set; } = "long";

    [GlobalSetup]
    public void Setup()
    {
        string source = WithHints.Programs.Source(Program);
        hintedCode = WithHints.Assembler.Assemble(source);
        plainCode = WithoutHints.Assembler.Assemble(source);
    }

    private static long[] Arguments(string program) => program == "long" ? [3_000_000] : [400];

    [Benchmark(Baseline = true, Description = "without hints")]
    public long WithoutHintsRun()
    {
        var main = plainCode.Main;
        var frame = new WithoutHints.Frame(main.Locals, TextWriter.Null);
        Arguments(Program).CopyTo(frame.Locals, 0);
        return WithoutHints.Interpreter.Run(plainCode, main.Entry, frame);
    }

    [Benchmark(Description = "with hints, not rewritten")]
    public long WithHintsRun()
    {
        var main = hintedCode.Main;
        var frame = new WithHints.Frame(main.Locals, TextWriter.Null);
        Arguments(Program).CopyTo(frame.Locals, 0);
        return WithHints.Interpreter.Run(hintedCode, main.Entry, frame);
    }
}
