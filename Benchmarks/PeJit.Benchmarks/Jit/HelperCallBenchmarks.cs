using BenchmarkDotNet.Attributes;
using PeJit.Backends;
using PeJit.Backends.Amd64;
using PeJit.Backends.Cil;
using PeJit.Frontend.Construction;
using PeJit.Frontend.Resolution;
using PeJit.IR;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// What a call of a static helper costs in a loop compiled by each backend: 1,000 calls per invocation of
/// <see cref="Sum"/> (integers only) and <see cref="Print"/> (a <c>TextWriter</c>, a handle in native code). The
/// CIL unit calls the helper directly (RyuJIT may inline it); native code goes through the trampoline (a reverse
/// P/Invoke transition, then the call site's <c>DynamicMethod</c>), which is what keeps such a loop native at all.
/// </summary>
[MemoryDiagnoser]
public class HelperCallBenchmarks
{
    private ICompiledCode cilSum = null!, cilPrint = null!, nativeSum = null!, nativePrint = null!;

    /// <summary>The integer helper.</summary>
    public static long Mix(long sum, long i) => sum * 31 + i;

    /// <summary>The helper taking an object.</summary>
    public static void Write(TextWriter writer, long value) => writer.Write(value);

    /// <summary>The loop of integer helper calls.</summary>
    public static long Sum(long n)
    {
        long sum = 0;
        for (long i = 0; i < n; i++) sum = Mix(sum, i);
        return sum;
    }

    /// <summary>The loop writing through a helper.</summary>
    public static long Print(TextWriter writer, long n)
    {
        long i = 0;
        for (; i < n; i++) Write(writer, i);
        return i;
    }

    [GlobalSetup]
    public void Setup()
    {
        var module = AssemblyLoader.Load(typeof(HelperCallBenchmarks).Assembly.Location);
        var type = module.GetType(typeof(HelperCallBenchmarks).FullName);
        FlowGraph Graph(string name) => new MethodConverter().Convert(type.Methods.Single(m => m.Name == name)).Graph!;
        var resolver = new CecilReflectionResolver();
        var (cil, amd64) = (new CilBackend(resolver), new Amd64Backend(resolver: resolver));
        cilSum = cil.Compile(Graph(nameof(Sum)), typeof(HelperCallBenchmarks).Module);
        cilPrint = cil.Compile(Graph(nameof(Print)), typeof(HelperCallBenchmarks).Module);
        nativeSum = amd64.Compile(Graph(nameof(Sum)), typeof(HelperCallBenchmarks).Module);
        nativePrint = amd64.Compile(Graph(nameof(Print)), typeof(HelperCallBenchmarks).Module);
        if (!Equals(cilSum.Invoke(1000L), nativeSum.Invoke(1000L)) || !Equals(cilPrint.Invoke(TextWriter.Null, 1000L), nativePrint.Invoke(TextWriter.Null, 1000L)))
            throw new InvalidOperationException("the backends disagree");
    }

    [Benchmark(Baseline = true, Description = "cil: 1,000 calls of Mix(long, long)")]
    public object? CilSum() => cilSum.Invoke(1000L);

    [Benchmark(Description = "amd64: 1,000 calls of Mix(long, long) through the trampoline")]
    public object? NativeSum() => nativeSum.Invoke(1000L);

    [Benchmark(Description = "cil: 1,000 calls of Write(TextWriter.Null, long)")]
    public object? CilPrint() => cilPrint.Invoke(TextWriter.Null, 1000L);

    [Benchmark(Description = "amd64: 1,000 calls of Write(TextWriter.Null, long) through the trampoline")]
    public object? NativePrint() => nativePrint.Invoke(TextWriter.Null, 1000L);
}
