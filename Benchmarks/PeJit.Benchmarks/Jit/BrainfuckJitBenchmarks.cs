using BenchmarkDotNet.Attributes;
using PeJit.Runtime;
using Bf = PeJit.Examples.Brainfuck;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// The Brainfuck 'long' program (200 million turns of its innermost loop) three ways: the plain
/// interpreter (baseline), the JIT-enabled interpreter, and the program transliterated to C# by hand.
/// </summary>
[MemoryDiagnoser]
public class BrainfuckJitBenchmarks
{
    private PortalJit jit = null!;
    private Bf.BfProgram program = null!;

    [GlobalSetup]
    public void Setup()
    {
        // Compiled once, as an interpreter runs one program object (it is part of the green key).
        program = Bf.BfCompiler.Compile(Bf.Programs.Source("long"));
        jit = SteadyState.Create(Bf.Runner.Portal, warm => warm.Invoke(program, new byte[Bf.Runner.TapeLength], TextWriter.Null, TextReader.Null));
    }

    [Benchmark(Baseline = true, Description = "interpreter")]
    public int Interpreter() => Bf.Interpreter.Run(program, new byte[Bf.Runner.TapeLength], TextWriter.Null, TextReader.Null);

    [Benchmark(Description = "JIT-enabled")]
    public object? Jit() => jit.Invoke(program, new byte[Bf.Runner.TapeLength], TextWriter.Null, TextReader.Null);

    [Benchmark(Description = "hand-written C#")]
    public int HandWritten()
    {
        // ++++++++++++[>-[>-[>-[>+<-]>[-]<<-]<-]<-] then print "OK\n", cell by cell as the program does it.
        var tape = new byte[Bf.Runner.TapeLength];
        tape[0] = 12;
        while (tape[0] != 0)
        {
            tape[1]--;
            while (tape[1] != 0)
            {
                tape[2]--;
                while (tape[2] != 0)
                {
                    tape[3]--;
                    while (tape[3] != 0)
                    {
                        tape[4]++;
                        tape[3]--;
                    }
                    tape[4] = 0;
                    tape[2]--;
                }
                tape[1]--;
            }
            tape[0]--;
        }
        TextWriter.Null.Write("OK\n");
        return 4;
    }
}
