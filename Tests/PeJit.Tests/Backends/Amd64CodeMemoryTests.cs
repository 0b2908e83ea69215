using System.Globalization;
using PeJit.Backends.Amd64;
using PeJit.Backends.Amd64.Memory;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using Vm = PeJit.Examples.StackVm;

namespace PeJit.Tests.Backends;

/// <summary>
/// The AMD64 backend's native memory (<see cref="CodePool"/>, <see cref="NativeCode"/>): units share chunks, a
/// dropped unit's blocks go back to the pool once no thread is inside it and are reused, mapped memory stays
/// bounded however many units come and go, and no mapping is ever writable and executable. Each test counts in a
/// pool of its own (test classes run in parallel).
/// </summary>
[TestClass]
public sealed class Amd64CodeMemoryTests
{
    /// <summary>Counts in <c>flags[1]</c> until another thread sets <c>flags[0]</c>; returns the count.</summary>
    private const string Spin = """
        function "System.Int64 Demo::Spin(System.Int64[])" -> i64 {
        block0(v0 (flags): class "System.Int64[]"):
            v1: i64 = const 0
            jump block1(v1)
        block1(v2 (n): i64):
            v3: i32 = const 0
            v4: i64 = ldelem i64 v0, v3
            v5: i64 = const 0
            v6: bool = ceq v4, v5
            brif v6, block2, block3
        block2:
            v7: i64 = const 1
            v8: i64 = add v2, v7
            v9: i32 = const 1
            stelem i64 v0, v9, v8
            jump block1(v8)
        block3:
            ret v2
        }
        """;

    private static Amd64Backend Backend(CodePool pool) => new(resolver: new NameResolver()) { Pool = pool };

    private static Amd64CompiledCode Loop(Amd64Backend backend) => backend.CompileNative(IrParser.Parse(BackendTests.CaseText("loop")));

    [TestMethod]
    public void UnitsShareChunks()
    {
        var pool = new CodePool(chunkBytes: 64 * 1024);
        var units = Enumerable.Range(0, 20).Select(_ => Loop(Backend(pool))).ToList();
        Assert.AreEqual(2L * pool.ChunkBytes, pool.MappedBytes, "twenty units in one code chunk and one data chunk");
        for (int i = 0; i < units.Count; i++)
        {
            Assert.AreEqual(45L, units[i].Invoke(10L));
            for (int j = 0; j < i; j++)
            {
                Assert.IsFalse(units[i].Native.Code.Overlaps(units[j].Native.Code), $"code of units {i} and {j}");
                Assert.IsFalse(units[i].Native.Data.Overlaps(units[j].Native.Data), $"data of units {i} and {j}");
            }
        }
        foreach (var unit in units) unit.Drop();
        Assert.AreEqual(0L, pool.UsedBytes);
    }

    [TestMethod]
    public void ManyUnitsCompiledAndDroppedDoNotGrowMappedMemory()
    {
        var pool = new CodePool(chunkBytes: 4096);
        var backend = Backend(pool);
        long compiled = 0, largest = 0;
        // Units of a few sizes, a window of them alive at a time, so that freed blocks are split and merged.
        var alive = new Queue<Amd64CompiledCode>();
        for (int i = 0; i < 400; i++)
        {
            var unit = backend.CompileNative(IrParser.Parse(BackendTests.CaseText((i % 3) switch { 0 => "loop", 1 => "arrays", _ => "division" })));
            compiled += unit.Native.Code.Length + unit.Native.Data.Length;
            alive.Enqueue(unit);
            if (alive.Count > 5) alive.Dequeue().Drop();
            largest = Math.Max(largest, pool.MappedBytes);
        }
        Assert.IsGreaterThan(10L * pool.ChunkBytes, compiled, "the units together need many chunks");
        Assert.AreEqual(2L * pool.ChunkBytes, largest, "one code chunk and one data chunk held them all, reused");
        while (alive.Count > 0) alive.Dequeue().Drop();
        Assert.AreEqual(0L, pool.UsedBytes);
        Assert.AreEqual(2L * pool.ChunkBytes, pool.MappedBytes, "one empty chunk of each kind is kept");
    }

    [TestMethod]
    public void FreedMemoryIsReused()
    {
        var pool = new CodePool();
        var backend = Backend(pool);
        var first = Loop(backend);
        var (code, data) = (first.Native.Code, first.Native.Data);
        first.Drop();
        Assert.IsTrue(first.Native.IsFreed, "no thread was inside");
        var second = Loop(backend);
        Assert.AreEqual(code, second.Native.Code, "the same code block, rewritten");
        Assert.AreEqual(data, second.Native.Data, "the same data block, zeroed");
        Assert.AreEqual(45L, second.Invoke(10L));
        Assert.IsTrue(second.ExitCounts().All(c => c == 0));
    }

    /// <summary>n added to itself <paramref name="length"/> times, one instruction each: a unit as large as wanted.</summary>
    private static string Chain(int length)
    {
        var text = new System.Text.StringBuilder("function \"System.Int64 Demo::Chain(System.Int64)\" -> i64 {\nblock0(v0 (n): i64):\n");
        for (int i = 1; i <= length; i++) text.Append(CultureInfo.InvariantCulture, $"    v{i}: i64 = add v{i - 1}, v0\n");
        return text.Append(CultureInfo.InvariantCulture, $"    ret v{length}\n}}\n").ToString();
    }

    [TestMethod]
    public void AUnitLargerThanAChunkGetsOneOfItsOwnGivenBackWhenFreed()
    {
        var pool = new CodePool(chunkBytes: 4096);
        var backend = Backend(pool);
        var small = Loop(backend);
        var large = backend.CompileNative(IrParser.Parse(Chain(3000)));
        Assert.IsGreaterThan(pool.ChunkBytes, large.Native.Code.Length, "the unit is larger than a chunk");
        long before = pool.MappedBytes;
        Assert.AreEqual(3001L * 7, large.Invoke(7L));
        large.Drop();
        Assert.AreEqual(before - large.Native.Code.Chunk.Length, pool.MappedBytes, "its chunk was unmapped");
        small.Drop();
        Assert.AreEqual(0L, pool.UsedBytes);
    }

    [TestMethod]
    public void AUnitDroppedWhileAThreadIsInsideRunsOnAndIsFreedAfter()
    {
        var pool = new CodePool();
        var backend = Backend(pool);
        var spin = backend.CompileNative(IrParser.Parse(Spin));
        var flags = new long[2];
        object? result = null;
        var runner = new Thread(() => result = spin.Invoke(flags));
        runner.Start();
        Assert.IsTrue(SpinWait.SpinUntil(() => spin.Native.ThreadsInside == 1 && Volatile.Read(ref flags[1]) > 0, TimeSpan.FromSeconds(60)), "the thread entered the unit");
        spin.Drop();
        Assert.IsTrue(spin.Native.IsDropped);
        Assert.IsFalse(spin.Native.IsFreed, "a thread is inside");
        // A unit compiled meanwhile does not get the running unit's memory.
        var other = Loop(backend);
        Assert.IsFalse(other.Native.Code.Overlaps(spin.Native.Code));
        Assert.IsFalse(other.Native.Data.Overlaps(spin.Native.Data));
        Assert.AreEqual(45L, other.Invoke(10L));
        Volatile.Write(ref flags[0], 1);
        Assert.IsTrue(runner.Join(TimeSpan.FromSeconds(60)), "the unit saw the flag and returned");
        Assert.AreEqual(flags[1], result, "it counted right to the end");
        Assert.IsTrue(spin.Native.IsFreed, "the last thread out freed it");
        // A caller that still holds the dropped unit gets what the graph says, from the evaluator.
        long evaluated = Amd64CompiledCode.EvaluatedAfterFree;
        Assert.AreEqual(0L, spin.Invoke(flags));
        Assert.IsGreaterThan(evaluated, Amd64CompiledCode.EvaluatedAfterFree);
        Assert.Throws<ObjectDisposedException>(() => spin.ExitCounts());
        // Its blocks are the pool's again: the next unit takes them.
        var next = Loop(backend);
        Assert.IsTrue(next.Native.Code.Overlaps(spin.Native.Code) || next.Native.Code.Address < spin.Native.Code.Address);
    }

    [TestMethod]
    public void NoMappingIsEverWritableAndExecutable()
    {
        var pool = new CodePool(chunkBytes: 16 * 1024);
        var backend = Backend(pool);
        // Compile and drop units on another thread (each compile maps a read-write view of code pages for a
        // moment) while this one reads the process's mappings.
        using var stop = new CancellationTokenSource();
        int compiled = 0;
        var compiler = Task.Run(() =>
        {
            var alive = new Queue<Amd64CompiledCode>();
            while (!stop.IsCancellationRequested)
            {
                alive.Enqueue(Loop(backend));
                Interlocked.Increment(ref compiled);
                if (alive.Count > 3) alive.Dequeue().Drop();
            }
            return alive;
        });
        // At least 200 looks, and at least 5 units compiled meanwhile: on a quiet machine the looks can end before
        // the pool thread has started at all.
        for (int i = 0; (i < 200 || Volatile.Read(ref compiled) < 5) && !compiler.IsCompleted; i++)
        {
            var offending = Mappings().Where(m => m.Permissions.Contains('w') && m.Permissions.Contains('x')).ToList();
            Assert.IsEmpty(offending, string.Join("\n", offending.Select(m => m.Line)));
        }
        stop.Cancel();
        var units = compiler.Result;
        Assert.AreEqual(45L, units.Peek().Invoke(10L));
        var mappings = Mappings();
        foreach (var (address, length, executable) in pool.Chunks())
        {
            var mapping = mappings.Single(m => m.Start <= (ulong)address && (ulong)address < m.End);
            Assert.AreEqual(executable ? "r-xs" : "rw-p", mapping.Permissions, mapping.Line);
            if (executable) StringAssert.Contains(mapping.Line, "pejit-code");
        }
    }

    private sealed record Mapping(ulong Start, ulong End, string Permissions, string Line);

    private static List<Mapping> Mappings() => File.ReadAllLines("/proc/self/maps").Select(line =>
    {
        var fields = line.Split(' ', 3);
        var range = fields[0].Split('-');
        return new Mapping(ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), fields[1], line);
    }).ToList();

    /// <summary>A long loop of the stack VM, turned often enough for its units to be compiled (the code cache's tests' program).</summary>
    private const string LongLoop = PeJit.Tests.Runtime.CodeCacheTests.LongLoop;

    [TestMethod]
    public void UnitsTheCodeCacheDropsAreFreedWithoutWaitingForTheCollector()
    {
        // A bound smaller than any unit: each unit compiled drops the others.
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2, CacheLimit = 10 }, "amd64");
        var seen = new List<Amd64CompiledCode>();
        foreach (var (source, argument) in new[] { (LongLoop, 300L), (Vm.Programs.Source("nested"), 60L), (LongLoop, 200L) })
        {
            var plain = new StringWriter();
            long expected = Vm.Runner.Run(source, plain, [argument]);
            var output = new StringWriter();
            Assert.AreEqual(expected, (long)jit.Invoke(Vm.Runner.PortalArguments(source, output, [argument]))!);
            Assert.AreEqual(plain.ToString(), output.ToString());
            seen.AddRange(jit.Units.Select(u => u.Code).OfType<Amd64CompiledCode>());
        }
        Assert.IsGreaterThan(0L, jit.Runtime.Cache.Evicted);
        var held = jit.Units.Select(u => u.Code).ToHashSet();
        var dropped = seen.Distinct().Where(c => !held.Contains(c)).ToList();
        Assert.IsNotEmpty(dropped, "some native units were dropped");
        Assert.IsTrue(dropped.All(c => c.Native.IsFreed), $"{dropped.Count(c => !c.Native.IsFreed)} of {dropped.Count} dropped units still hold their memory");
        Assert.IsTrue(held.OfType<Amd64CompiledCode>().All(c => !c.Native.IsDropped), "units the cache holds are not dropped");
    }

    [TestMethod]
    public void TwoThreadsUnderACacheThatDropsEveryUnitGetThePlainResultsAndDroppedUnitsAreFreed()
    {
        // Each unit compiled pushes the others out while the other thread may be inside one of them: a unit it is
        // in stays until it leaves, and a unit it found just before the drop runs on the evaluator if already freed.
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2, CacheLimit = 10 }, "amd64");
        (string Name, long Argument)[][] programs = [[("long", 3_000), ("count", 5_000), ("nested", 40)], [("nested", 50), ("long", 2_000), ("count", 4_000)]];
        var seen = new System.Collections.Concurrent.ConcurrentBag<Amd64CompiledCode>();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var start = new Barrier(2);
        var threads = programs.Select(list => new Thread(() =>
        {
            start.SignalAndWait();
            for (int round = 0; round < 3; round++)
                foreach (var (name, argument) in list)
                {
                    var source = name == "long" ? LongLoop : Vm.Programs.Source(name);
                    var plain = new StringWriter();
                    long expected = Vm.Runner.Run(source, plain, [argument]);
                    var output = new StringWriter();
                    long actual = (long)jit.Invoke(Vm.Runner.PortalArguments(source, output, [argument]))!;
                    if (actual != expected || output.ToString() != plain.ToString()) failures.Add($"{name} round {round}: {actual}, expected {expected}");
                    foreach (var code in jit.Units.Select(u => u.Code).OfType<Amd64CompiledCode>()) seen.Add(code);
                }
        })).ToList();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) Assert.IsTrue(thread.Join(TimeSpan.FromMinutes(3)), "a thread did not finish");
        Assert.IsEmpty(failures, string.Join("\n", failures));
        Assert.IsGreaterThan(0L, jit.Runtime.Cache.Evicted);
        var held = jit.Units.Select(u => u.Code).ToHashSet();
        var dropped = seen.Distinct().Where(c => !held.Contains(c)).ToList();
        Assert.IsTrue(dropped.All(c => c.Native.IsFreed), $"{dropped.Count(c => !c.Native.IsFreed)} of {dropped.Count} dropped units still hold their memory with no thread inside");
    }
}
