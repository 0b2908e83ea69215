using Iced.Intel;
using PeJit.Backends;
using PeJit.Backends.Amd64;
using PeJit.Backends.Amd64.Emission;
using PeJit.Backends.Amd64.RegisterAllocation;
using PeJit.IR.Semantics;
using PeJit.IR.Text;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Backends;

/// <summary>Every backend case on the AMD64 backend, what it refuses, and its own machine-level checks.</summary>
[TestClass]
public sealed class Amd64BackendTests : BackendTests
{
    /// <inheritdoc/>
    protected override IBackend CreateBackend(IMemberResolver resolver) => new Amd64Backend(resolver: resolver);

    /// <inheritdoc/>
    protected override string? ExpectedRefusal(string name) => name switch
    {
        "float-compares" => "'cle' in the entry block",
        "conversions-and-overflow" => "'conv.ovf.un'",
        "try-catch" or "try-finally" or "handler-first" or "handler-first-two-entries" or "handler-first-returns" or "finally-first-void" or "finally-first" or "filter-first" or "nested-reversed" or "nested-catch-reversed" or "try-split" or "inner-entered-from-outside" or "finally-in-finally" or "try-never-entered" or "catch-clauses" or "try-filter" or "cold-exit-after-leave" => "exception regions are not supported in native code",
        "used-slot" => "stack slots (locals whose address is taken) are not supported in native code: 'stslot'",
        _ => null,
    };

    /// <summary>Every case again with two registers, so that nearly every value is spilled.</summary>
    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void RunsLikeTheGraphEvaluatorUnderRegisterPressure(string name)
    {
        if (ExpectedRefusal(name) is not null) return;
        OptimizerFileTest.AssertCompiledAsEvaluated(IrParser.Parse(Cases[name]), resolver => new Amd64Backend(resolver: resolver) { Registers = 2 });
    }

    /// <summary>Iced decodes every emitted unit back to the instructions the assembler was given.</summary>
    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void DecodedInstructionsEqualAssembledOnes(string name)
    {
        if (ExpectedRefusal(name) is not null) return;
        foreach (int registers in new[] { LinearScan.Allocatable.Count, 2 })
        {
            var code = new Amd64Backend(resolver: new NameResolver()) { Registers = registers }.CompileNative(IrParser.Parse(Cases[name]));
            var decoder = Decoder.Create(64, new ByteArrayCodeReader(code.Emitted.Bytes));
            var decoded = new List<Instruction>();
            while (decoder.IP < (ulong)code.Emitted.Bytes.Length) decoded.Add(decoder.Decode());
            Assert.AreEqual(code.Emitted.Instructions.Count, decoded.Count, $"{name}: instruction count");
            var formatter = new NasmFormatter();
            for (int i = 0; i < decoded.Count; i++)
            {
                var assembled = code.Emitted.Instructions[i];
                Assert.AreEqual(assembled.Mnemonic, decoded[i].Mnemonic, $"{name}: instruction {i}");
                if (assembled.FlowControl is FlowControl.UnconditionalBranch or FlowControl.ConditionalBranch) continue;
                var (left, right) = (new StringOutput(), new StringOutput());
                formatter.Format(assembled, left);
                formatter.Format(decoded[i], right);
                Assert.AreEqual(left.ToStringAndReset(), right.ToStringAndReset(), $"{name}: instruction {i}");
            }
        }
    }

    [TestMethod]
    public void MoreLiveValuesThanRegistersAreSpilledAndStillRight()
    {
        // Twenty values live at once, across a loop: more than the ten allocatable registers.
        var text = new System.Text.StringBuilder("""
            function "System.Int64 Demo::Pressure(System.Int64,System.Int32)" -> i64 {
            block0(v0 (x): i64, v1 (n): i32):

            """);
        for (int i = 0; i < 20; i++) text.AppendLine($"    v{100 + i}: i64 = const {i * 7 + 1}").AppendLine($"    v{200 + i}: i64 = mul v0, v{100 + i}");
        text.AppendLine("    v2: i32 = const 0").AppendLine("    v3: i64 = const 0").AppendLine("    jump block1(v2, v3)");
        text.AppendLine("block1(v4: i32, v5: i64):").AppendLine("    v6: bool = clt v4, v1").AppendLine("    brif v6, block2, block3");
        text.AppendLine("block2:");
        string sum = "v5";
        for (int i = 0; i < 20; i++)
        {
            text.AppendLine($"    v{300 + i}: i64 = xor {sum}, v{200 + i}");
            sum = $"v{300 + i}";
        }
        text.AppendLine("    v7: i32 = const 1").AppendLine("    v8: i32 = add v4, v7").AppendLine($"    jump block1(v8, {sum})");
        text.AppendLine("block3:");
        sum = "v5";
        for (int i = 0; i < 20; i++)
        {
            text.AppendLine($"    v{400 + i}: i64 = add {sum}, v{200 + i}");
            sum = $"v{400 + i}";
        }
        text.AppendLine($"    ret {sum}").AppendLine("}");
        var graph = IrParser.Parse(text.ToString());
        var code = new Amd64Backend().CompileNative(graph);
        Assert.IsGreaterThan(0, LinearScan.Allocate(code.Function).SpillSlots, "twenty live values must spill with ten registers");
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, _ => new Amd64Backend());
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, _ => new Amd64Backend { Registers = 3 });
    }

    [TestMethod]
    public void ARotationOfBlockParametersIsAParallelMoveWithACycle()
    {
        // (a, b, c) becomes (b, c, a) around the loop: a three-cycle, broken through the scratch register.
        var graph = IrParser.Parse("""
            function "System.Int64 Demo::Rotate(System.Int32)" -> i64 {
            block0(v0 (n): i32):
                v1: i64 = const 1
                v2: i64 = const 10
                v3: i64 = const 100
                v4: i32 = const 0
                jump block1(v1, v2, v3, v4)
            block1(v5: i64, v6: i64, v7: i64, v8: i32):
                v9: bool = clt v8, v0
                brif v9, block3, block2
            block2:
                v11: i64 = const 3
                v12: i64 = mul v5, v11
                v13: i64 = add v12, v6
                v14: i64 = mul v13, v11
                v15: i64 = add v14, v7
                ret v15
            block3:
                v16: i32 = const 1
                v10: i32 = add v8, v16
                jump block1(v6, v7, v5, v10)
            }
            """);
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, _ => new Amd64Backend());
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, _ => new Amd64Backend { Registers = 2 });
    }

    [TestMethod]
    public void ParallelMovesEndWithEveryDestinationHoldingItsSource()
    {
        var random = new Random(14);
        var locations = Enumerable.Range(0, 6).Select(i => Location.In(LinearScan.Allocatable[i]))
            .Concat(Enumerable.Range(0, 4).Select(Location.Spilled)).ToList();
        for (int round = 0; round < 2000; round++)
        {
            // A random partial map from destinations to sources: permutations (cycles), fan-outs and constants.
            var destinations = locations.OrderBy(_ => random.Next()).Take(random.Next(1, locations.Count + 1)).ToList();
            var moves = destinations.Select(d => (d, random.Next(8) == 0
                ? MoveSource.Constant(random.Next(1000))
                : MoveSource.From(locations[random.Next(locations.Count)]))).ToList();
            var state = locations.ToDictionary(l => l, l => (long)(l.GetHashCode() & 0xffff) + 1_000_000);
            state[ParallelMoves.Scratch] = -1;
            var expected = new Dictionary<Location, long>(state);
            foreach (var (destination, source) in moves) expected[destination] = source.IsImmediate ? source.Immediate : state[source.Location];
            foreach (var (destination, source) in ParallelMoves.Sequence(moves, ParallelMoves.Scratch))
                state[destination] = source.IsImmediate ? source.Immediate : state[source.Location];
            foreach (var location in locations) Assert.AreEqual(expected[location], state[location], $"round {round}: {location}");
        }
    }

    [TestMethod]
    public void AnObjectMadeOnACycleIsRefusedWithTheReason()
    {
        // Boxing on every turn of the loop: the managed stub cannot run a loop, so the graph is refused.
        var graph = IrParser.Parse("""
            function "System.Int32 Demo::Boxes(System.Int32)" -> i32 {
            block0(v0 (n): i32):
                v1: i32 = const 0
                jump block1(v1)
            block1(v2: i32):
                v3: object = box i32 v2
                v4: bool = clt v2, v0
                brif v4, block2, block3
            block2:
                v5: i32 = const 1
                v6: i32 = add v2, v5
                jump block1(v6)
            block3:
                ret v2
            }
            """);
        var refusal = Assert.Throws<BackendException>(() => new Amd64Backend(resolver: new NameResolver()).Compile(graph, typeof(Amd64BackendTests).Module));
        StringAssert.Contains(refusal.Message, "Demo::Boxes");
        StringAssert.Contains(refusal.Message, "runs on a cycle after 'box'");
    }

    [TestMethod]
    public void TheStubHoistsLoopInvariantFieldReadsAndPinsTheArraysTheyGive()
    {
        // A frame's array field read inside the loop: the stub reads it before the call and pins the array; native
        // code keeps the read's null guard. Null frame: the guard exits and the stub throws as the read would.
        var graph = IrParser.Parse("""
            function "System.Int64 Demo::SumField(PeJit.Tests.Backends.FieldHolder,System.Int32)" -> i64 {
            block0(v0 (holder): class "PeJit.Tests.Backends.FieldHolder", v1 (n): i32):
                v2: i64 = const 0
                v3: i32 = const 0
                jump block1(v3, v2)
            block1(v4: i32, v5: i64):
                v6: bool = clt v4, v1
                brif v6, block2, block3
            block2:
                v7: class "System.Int64[]" = ldfld "System.Int64[] PeJit.Tests.Backends.FieldHolder::Items" v0
                v8: i64 = ldelem i64 v7, v4
                v9: i64 = add v5, v8
                v10: i32 = const 1
                v11: i32 = add v4, v10
                jump block1(v11, v9)
            block3:
                ret v5
            }
            """);
        var code = new Amd64Backend(resolver: new NameResolver()).CompileNative(graph);
        Assert.AreEqual(1, code.Function.Arguments.Count(a => a.Kind == PeJit.Backends.Amd64.Lowering.ArgumentKind.ArrayBase), code.Function.ToString());
        Assert.AreEqual(6L, code.Invoke(new FieldHolder { Items = [1, 2, 3] }, 3));
        Assert.AreEqual(0L, code.Invoke(null, 0), "a read never reached does not throw");
        Assert.Throws<NullReferenceException>(() => code.Invoke(null, 1));
        Assert.Throws<IndexOutOfRangeException>(() => code.Invoke(new FieldHolder { Items = [1] }, 2));
    }

    [TestMethod]
    public void TheDisassemblyShowsEachResidualInstructionAboveItsMachineCode()
    {
        string? logged = null;
        new Amd64Backend(text => logged = text).Compile(IrParser.Parse(Cases["loop"]), typeof(Amd64BackendTests).Module);
        Assert.IsNotNull(logged);
        StringAssert.Contains(logged, "; v5: i64 = add v3, v2");
        StringAssert.Contains(logged, "add ");
        StringAssert.Contains(logged, "ret");
    }

    [TestMethod]
    public void ExitsAreCountedOnTheDataPageAndDroppedCodeIsFreed()
    {
        var code = new Amd64Backend().CompileNative(IrParser.Parse(Cases["arrays"]));
        Assert.Throws<IndexOutOfRangeException>(() => code.Invoke(new long[] { 1 }, 5));
        Assert.Throws<NullReferenceException>(() => code.Invoke(null, 0));
        Assert.AreEqual(2, code.ExitCounts().Sum());
        Assert.AreEqual(4L, code.Invoke(new long[] { 1 }, 0));
        code.Drop();
        Assert.Throws<ObjectDisposedException>(() => code.Invoke(new long[] { 1 }, 0));
    }

    [TestMethod]
    public void TheMachineFormFusesComparesWithBranchesAndMakesAddressesExplicit()
    {
        var loop = PeJit.Backends.Amd64.Lowering.Lowerer.Lower(IrParser.Parse(Cases["loop"])).ToString();
        StringAssert.Contains(loop, "; v4: bool = clt v2, v0\n    ; brif v4, block2, block3\n    branch.less.64 r0, r2 -> block2\n    jump block3", loop);
        StringAssert.Contains(loop, "jump block1(", loop);
        Assert.DoesNotContain("set.", loop, "a compare used only by its branch is fused with it");
        Assert.DoesNotContain("move", loop, "constants are folded into operands");
        var arrays = PeJit.Backends.Amd64.Lowering.Lowerer.Lower(IrParser.Parse(Cases["arrays"])).ToString();
        StringAssert.Contains(arrays, "branch.equal.64 r0, 0 -> exit1", arrays);
        StringAssert.Contains(arrays, "branch.aboveorequal.64 r2, r1 -> exit2", arrays);
        StringAssert.Contains(arrays, "load.64 [r0 + r2*8]", arrays);
        StringAssert.Contains(arrays, "store.64 [r0 + r2*8]", arrays);
        StringAssert.Contains(arrays, "; exit2: IndexOutOfRange at v2: i64 = ldelem i64 v0, v1", arrays);
    }

    [TestMethod]
    [DataRow(32, new long[] { 1, 2, 3, 7, 13, 64, 1_000_000_007, int.MaxValue, -2, -7, -64, int.MinValue })]
    [DataRow(64, new long[] { 1, 2, 3, 7, 13, 64, 1_000_000_007, (1L << 40) + 1, long.MaxValue, -2, -7, -64, int.MinValue, long.MinValue })]
    public void ADivisionByAConstantIsAMultiplyHighSequenceWithoutGuards(int width, long[] divisors)
    {
        string type = width == 32 ? "i32" : "i64";
        foreach (var divisor in divisors)
            foreach (var opcode in new[] { "div", "rem" })
            {
                var graph = IrParser.Parse($$"""
                    function "System.Int64 Demo::Divide(System.Int64)" -> {{type}} {
                    block0(v0 (n): {{type}}):
                        v1: {{type}} = const {{divisor}}
                        v2: {{type}} = {{opcode}} v0, v1
                        ret v2
                    }
                    """);
                var code = new Amd64Backend().CompileNative(graph);
                Assert.IsEmpty(code.Function.Exits, $"{opcode} by {divisor} cannot fault, so it has no guard");
                Assert.IsFalse(code.Emitted.Instructions.Any(i => i.Mnemonic is Mnemonic.Idiv or Mnemonic.Div), $"{opcode} by {divisor}: no hardware division");
                OptimizerFileTest.AssertCompiledAsEvaluated(graph, _ => new Amd64Backend());
                OptimizerFileTest.AssertCompiledAsEvaluated(graph, _ => new Amd64Backend { Registers = 1 });
            }
        // 0 and -1 fault (or overflow on MinValue) in hardware: they keep the guarded division.
        foreach (var divisor in new[] { 0L, -1L })
        {
            var graph = IrParser.Parse($$"""
                function "System.Int64 Demo::Divide(System.Int64)" -> {{type}} {
                block0(v0 (n): {{type}}):
                    v1: {{type}} = const {{divisor}}
                    v2: {{type}} = div v0, v1
                    ret v2
                }
                """);
            Assert.IsNotEmpty(new Amd64Backend().CompileNative(graph).Function.Exits, $"div by {divisor} keeps its guards");
        }
    }

    /// <summary>
    /// Division and remainder by constants against .NET's own, on every edge: divisors of both signs, powers of two,
    /// 1, <c>MinValue</c> and its neighbours, magic numbers that need the dividend added or subtracted, and random
    /// ones; dividends at both ends of the range, around multiples of the divisor, and random (-1 is excluded, as
    /// the lowering keeps its guards).
    /// </summary>
    [TestMethod]
    [DataRow(32)]
    [DataRow(64)]
    public void ADivisionByAConstantIsExactForEveryDividend(int width)
    {
        var random = new Random(width);
        long min = width == 32 ? int.MinValue : long.MinValue, max = width == 32 ? int.MaxValue : long.MaxValue;
        long Narrow(long value) => width == 32 ? (int)value : value;
        var divisors = new List<long> { 1, 2, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 25, 100, 125, 641, 1000, 6700417, 1_000_000_007, 1 << 30, (1 << 30) + 1, (1 << 30) - 1 };
        divisors.AddRange(divisors.Where(d => d > 1).Select(d => -d).ToList());
        divisors.AddRange([min, min + 1, min + 2, max, max - 1, max / 2, max / 3, min / 3, max / 7 * 3]);
        if (width == 64) divisors.AddRange([1L << 62, (1L << 62) + 1, -(1L << 62) - 1, 3L << 40, 1_000_000_000_000_000_003, -1_000_000_000_000_000_003]);
        for (int i = 0; i < 24; i++)
        {
            long d = Narrow(random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(width == 32 ? 32 : 0, 63));
            if (d is not (0 or -1)) divisors.Add(d);
        }
        string type = width == 32 ? "i32" : "i64";
        foreach (var divisor in divisors.Distinct())
        {
            var dividends = new List<long> { min, min + 1, min + 2, max, max - 1, 0, 1, -1, 2, -2 };
            foreach (var k in new long[] { 1, -1, 2, -2, 3, max / divisor, min / divisor, max / divisor - 1, min / divisor + 1 })
            {
                long multiple = Narrow(unchecked(k * divisor));
                dividends.AddRange([multiple, Narrow(multiple + 1), Narrow(multiple - 1)]);
            }
            for (int i = 0; i < 40; i++) dividends.Add(Narrow(random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(0, 63)));
            foreach (var opcode in new[] { "div", "rem" })
            {
                var graph = IrParser.Parse($$"""
                    function "System.Int64 Demo::Divide(System.Int64)" -> {{type}} {
                    block0(v0 (n): {{type}}):
                        v1: {{type}} = const {{divisor}}
                        v2: {{type}} = {{opcode}} v0, v1
                        ret v2
                    }
                    """);
                foreach (var registers in new[] { 0, 1 })
                {
                    var backend = registers == 0 ? new Amd64Backend() : new Amd64Backend { Registers = registers };
                    var code = backend.CompileNative(graph);
                    Assert.IsFalse(code.Emitted.Instructions.Any(i => i.Mnemonic is Mnemonic.Idiv or Mnemonic.Div), $"{opcode} by {divisor}: no hardware division");
                    foreach (var n in dividends.Distinct())
                    {
                        // MinValue / -1 is the one overflow; -1 is not among the divisors.
                        long expected = width == 32
                            ? (opcode == "div" ? (int)n / (int)divisor : (int)n % (int)divisor)
                            : (opcode == "div" ? n / divisor : n % divisor);
                        object actual = width == 32 ? code.Invoke((int)n)! : code.Invoke(n)!;
                        Assert.AreEqual(expected, Convert.ToInt64(actual), $"{n} {opcode} {divisor} at {width} bits, {registers} registers:\n{code.Disassembly()}");
                    }
                }
            }
        }
    }

    /// <summary>
    /// A multiply by a constant with a one-instruction form (1, 2, 3, 4, 5, 8, 9, powers of two in place) is done without
    /// <c>imul</c>, and every multiply by a constant wraps as <c>imul</c> does, at both widths, with the operand in a
    /// register or spilled and the result in its own register, the operand's or spilled.
    /// </summary>
    [TestMethod]
    [DataRow(32)]
    [DataRow(64)]
    public void AMultiplyByASmallConstantUsesShiftsAndLeaAndWraps(int width)
    {
        string type = width == 32 ? "i32" : "i64";
        long min = width == 32 ? int.MinValue : long.MinValue, max = width == 32 ? int.MaxValue : long.MaxValue;
        var operands = new long[] { 0, 1, -1, 2, -2, 3, 12345, -98765, min, min + 1, max, max - 1, max / 3, min / 7 };
        foreach (var factor in new long[] { 1, 2, 3, 4, 5, 7, 8, 9, 11, 13, 15, 16, 17, 25, 27, 31, 33, 45, 73, 81, 1024, 1 << 30, 6, 10, 100, -3, -7 })
        {
            // The product is used twice, so its register cannot be the operand's at the multiply; then once, so it may be.
            foreach (var shared in new[] { false, true })
            {
                var graph = IrParser.Parse($$"""
                    function "System.Int64 Demo::Scale({{(width == 32 ? "System.Int32" : "System.Int64")}})" -> {{type}} {
                    block0(v0 (n): {{type}}):
                        v1: {{type}} = const {{factor}}
                        v2: {{type}} = mul v0, v1
                        v3: {{type}} = {{(shared ? "add v2, v2" : "xor v2, v0")}}
                        ret v3
                    }
                    """);
                foreach (var registers in new[] { 0, 1 })
                {
                    var code = (registers == 0 ? new Amd64Backend() : new Amd64Backend { Registers = registers }).CompileNative(graph);
                    if (factor is 1 or 2 or 3 or 4 or 5 or 8 or 9)
                        Assert.IsFalse(code.Emitted.Instructions.Any(i => i.Mnemonic == Mnemonic.Imul), $"mul by {factor}:\n{code.Disassembly()}");
                    foreach (var n in operands)
                    {
                        long product = width == 32 ? unchecked((int)n * (int)factor) : unchecked(n * factor);
                        long expected = width == 32 ? (shared ? unchecked((int)product + (int)product) : (int)product ^ (int)n) : (shared ? unchecked(product + product) : product ^ n);
                        object actual = width == 32 ? code.Invoke((int)n)! : code.Invoke(n)!;
                        Assert.AreEqual(expected, Convert.ToInt64(actual), $"{n} * {factor} at {width} bits, {registers} registers:\n{code.Disassembly()}");
                    }
                }
            }
        }
    }

    /// <summary>The magic numbers are the smallest ones, as RyuJIT's: 13 at 64 bits needs no add of the dividend and a shift of 2.</summary>
    [TestMethod]
    public void AConstantDivisorGetsTheSmallestMagicNumber()
    {
        Assert.AreEqual(new ConstantDivisor(0x4EC4EC4EC4EC4EC5, 2, false, false), ConstantDivisor.Of(13, 64));
        Assert.AreEqual(new ConstantDivisor(0x4924924924924925, 1, false, false), ConstantDivisor.Of(7, 64));
        Assert.AreEqual(new ConstantDivisor(unchecked((int)0x92492493), 2, true, false), ConstantDivisor.Of(7, 32));
        Assert.AreEqual(new ConstantDivisor(0x55555556, 0, false, false), ConstantDivisor.Of(3, 32));
        Assert.AreEqual(new ConstantDivisor(unchecked((int)0x6DB6DB6D), 2, false, true), ConstantDivisor.Of(-7, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConstantDivisor.Of(8, 64));
    }

    /// <summary>The instructions of the one loop of <paramref name="code"/>: from the target of its one backward branch to that branch.</summary>
    private static List<Instruction> LoopOf(Amd64CompiledCode code)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code.Emitted.Bytes));
        var all = new List<Instruction>();
        while (decoder.IP < (ulong)code.Emitted.Bytes.Length) all.Add(decoder.Decode());
        var backward = all.Where(i => i.FlowControl is FlowControl.UnconditionalBranch or FlowControl.ConditionalBranch && i.NearBranchTarget <= i.IP).ToList();
        Assert.HasCount(1, backward, "the loop is laid out with one back-edge branch");
        return all.Where(i => i.IP >= backward[0].NearBranchTarget && i.IP <= backward[0].IP).ToList();
    }

    [TestMethod]
    public void ALoopOfFewValuesRunsInRegistersWithOneBranchBack()
    {
        // sum += i * 7 % 13 for i below n (the stack VM's long program after promotion), with twelve values made
        // before the loop and read after it: they are live across it, so something must go to the stack, but not
        // what the loop reads, and the loop's turn is the multiply, the reduced remainder and the counter.
        var text = new System.Text.StringBuilder("""
            function "System.Int64 Demo::Sum(System.Int64)" -> i64 {
            block0(v0 (n): i64):

            """);
        for (int i = 0; i < 12; i++) text.AppendLine($"    v{100 + i}: i64 = const {i + 3}").AppendLine($"    v{200 + i}: i64 = mul v0, v{100 + i}");
        text.AppendLine("""
                v1: i64 = const 0
                jump block1(v1, v1)
            block1(v2: i64, v3: i64):
                v4: i64 = const 7
                v5: i64 = mul v3, v4
                v6: i64 = const 13
                v7: i64 = rem v5, v6
                v8: i64 = add v2, v7
                v9: i64 = const 1
                v10: i64 = add v3, v9
                v11: bool = clt v10, v0
                brif v11, block1(v8, v10), block2
            block2:
            """);
        string sum = "v8";
        for (int i = 0; i < 12; i++)
        {
            text.AppendLine($"    v{300 + i}: i64 = xor {sum}, v{200 + i}");
            sum = $"v{300 + i}";
        }
        text.AppendLine($"    ret {sum}").AppendLine("}");
        var graph = IrParser.Parse(text.ToString());
        var code = new Amd64Backend().CompileNative(graph);
        var loop = LoopOf(code);
        Assert.IsFalse(loop.Any(i => i.OpCount > 0 && Enumerable.Range(0, i.OpCount).Any(k => i.GetOpKind(k) == OpKind.Memory && i.MemoryBase == Register.RBP)),
            "no spill slot is read or written inside the loop:\n" + code.Disassembly());
        Assert.IsGreaterThan(0, LinearScan.Allocate(code.Function).SpillSlots, "the values live across the loop do not all fit");
        // The multiply (1), the remainder by 13 (10: multiply-high, rounding, shift, multiply back, subtract), the sum
        // and the counter (2), compare and branch back (2): no moves, the loop variables share their next values' registers.
        Assert.IsLessThanOrEqualTo(15, loop.Count, "instructions per turn:\n" + code.Disassembly());
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, _ => new Amd64Backend());
    }

    [TestMethod]
    public void ALoopWhoseHeadIsItsTestEndsInOneConditionalBranchWithoutADivision()
    {
        // sum += i * m % 13 for i below n, with its test at the loop's head (the register VM's and the tree-walker's
        // long loops after the optimizer): the back edge runs the test itself and branches back to the body, and the
        // remainder by 13 is a multiply by its magic number, not an idiv.
        var graph = IrParser.Parse("""
            function "System.Int64 Demo::Sum(System.Int64,System.Int64)" -> i64 {
            block0(v0 (n): i64, v1 (m): i64):
                v2: i64 = const 0
                jump block1(v2, v2)
            block1(v3: i64, v4: i64):
                v5: bool = clt v4, v0
                brif v5, block2, block3(v3)
            block2:
                v6: i64 = mul v4, v1
                v7: i64 = const 13
                v8: i64 = rem v6, v7
                v9: i64 = add v3, v8
                v10: i64 = const 1
                v11: i64 = add v4, v10
                jump block1(v9, v11)
            block3(v12: i64):
                ret v12
            }
            """);
        var code = new Amd64Backend().CompileNative(graph);
        var loop = LoopOf(code);
        Assert.AreEqual(FlowControl.ConditionalBranch, loop[^1].FlowControl, "the turn ends in the loop's test:\n" + code.Disassembly());
        Assert.IsFalse(loop.Any(i => i.FlowControl == FlowControl.UnconditionalBranch), "no jump inside the loop:\n" + code.Disassembly());
        Assert.IsFalse(loop.Any(i => i.Mnemonic is Mnemonic.Idiv or Mnemonic.Div), "no hardware division:\n" + code.Disassembly());
        Assert.IsFalse(loop.Any(i => i.Mnemonic != Mnemonic.Lea && i.OpCount > 0 && Enumerable.Range(0, i.OpCount).Any(k => i.GetOpKind(k) == OpKind.Memory)), "no memory access:\n" + code.Disassembly());
        // The multiply (2: a copy of i, imul), the remainder by 13 (8: magic, multiply-high, shift, sign, round, multiply
        // back, subtract), the sum and the counter (2), compare and branch back (2); RyuJIT's loop for the same graph is 16.
        Assert.IsLessThanOrEqualTo(14, loop.Count, "instructions per turn:\n" + code.Disassembly());
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, _ => new Amd64Backend());
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, _ => new Amd64Backend { Registers = 2 });
    }

    [TestMethod]
    public void AGuardThatAnEarlierOrDominatingGuardMadeIsDropped()
    {
        // Three accesses to one array at one index: one null guard and one bounds guard, in the block and in the
        // block it dominates; the block that does not dominate keeps its own.
        var graph = IrParser.Parse("""
            function "System.Int64 Demo::Guards(System.Int64[],System.Int64)" -> i64 {
            block0(v0 (a): class "System.Int64[]", v1 (i): i64):
                v2: i64 = ldelem i64 v0, v1
                v3: i64 = ldelem i64 v0, v1
                v4: i64 = const 0
                v5: bool = clt v2, v4
                brif v5, block1, block2
            block1:
                v6: i64 = ldelem i64 v0, v1
                v7: i64 = add v6, v3
                ret v7
            block2:
                ret v2
            }
            """);
        var function = PeJit.Backends.Amd64.Lowering.Lowerer.Lower(graph);
        Assert.HasCount(2, function.Exits, function.ToString());
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, _ => new Amd64Backend());
    }

    private const string Division = """
        function "System.Int64 Demo::Divide(System.Int64,System.Int64)" -> i64 {
        block0(v0 (a): i64, v1 (b): i64):
            v2: i64 = div v0, v1
            ret v2
        }
        """;

    [TestMethod]
    public void AnExitJumpsThroughItsTargetSlotAndOneWriteRepointsIt()
    {
        // a / b has two exits: 1 (b == 0) and 2 (MinValue / -1). Pointing exit 1's slot at exit 2's stub makes a
        // division by zero leave as an overflow, without recompiling; detaching restores it.
        var code = new Amd64Backend().CompileNative(IrParser.Parse(Division));
        Assert.HasCount(2, code.Function.Exits);
        Assert.AreEqual(code.ExitStub(1), code.ExitTarget(1), "a slot first points at its exit's stub");
        Assert.AreNotEqual(code.ExitStub(1), code.ExitStub(2));
        Assert.Throws<DivideByZeroException>(() => code.Invoke(7L, 0L));
        Assert.AreEqual(code.ExitStub(1), code.Attach(1, code.ExitStub(2)), "Attach returns the previous target");
        Assert.Throws<OverflowException>(() => code.Invoke(7L, 0L));
        Assert.AreEqual(3L, code.Invoke(7L, 2L), "the path through no exit is unchanged");
        var counts = code.ExitCounts();
        Assert.AreEqual(1L, counts[1]);
        Assert.AreEqual(1L, counts[2], "the attached target ran: exit 2's stub counted");
        code.Detach(1);
        Assert.Throws<DivideByZeroException>(() => code.Invoke(7L, 0L));
        Assert.Throws<ArgumentOutOfRangeException>(() => code.Attach(3, code.ExitStub(1)));
    }

    [TestMethod]
    public void RepointingASlotWhileOtherThreadsRunTheUnitIsSafe()
    {
        // Four threads take exit 1 over and over while this one flips its slot between the two stubs: every call
        // leaves through one of them (never a torn address, which would crash the process), and both are seen. The
        // threads run until both stubs were seen and 12,000 calls were made (or a minute passed): on a loaded machine a
        // fixed number of calls could all fall between two flips.
        var code = new Amd64Backend().CompileNative(IrParser.Parse(Division));
        var (stub1, stub2) = (code.ExitStub(1), code.ExitStub(2));
        int zero = 0, overflow = 0, other = 0, stop = 0;
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                try
                {
                    code.Invoke(7L, 0L);
                    Interlocked.Increment(ref other);
                }
                catch (DivideByZeroException) { Interlocked.Increment(ref zero); }
                catch (OverflowException) { Interlocked.Increment(ref overflow); }
                catch (Exception) { Interlocked.Increment(ref other); }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (long flips = 0; clock.Elapsed < TimeSpan.FromMinutes(1); flips++)
        {
            code.Attach(1, flips % 2 == 0 ? stub2 : stub1);
            Thread.Yield();
            if (Volatile.Read(ref zero) > 0 && Volatile.Read(ref overflow) > 0 && Volatile.Read(ref zero) + Volatile.Read(ref overflow) >= 12000) break;
        }
        Volatile.Write(ref stop, 1);
        threads.ForEach(t => t.Join());
        Assert.AreEqual(0, other);
        Assert.IsGreaterThanOrEqualTo(12000, zero + overflow);
        Assert.IsGreaterThan(0, zero);
        Assert.IsGreaterThan(0, overflow);
    }
}
