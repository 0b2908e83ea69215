using PeJit.Backends.Amd64;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using PeJit.TestSubjects;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Case bridges compiled by the AMD64 backend for native units, and what made them read a field of the wrong class: the
/// managed stub's hoisted field reads, made before native code runs, ahead of the class guard the graph reads them behind.
/// </summary>
[TestClass]
public sealed class NativeCaseBridgeTests
{
    /// <summary>
    /// A field of <see cref="IntValue"/> read from an object the residual code knows to be one only behind a class test (the
    /// class a <c>Jit.PromoteClass</c> guard established, no cast left): the stub hoists the read before the call, and an object
    /// of another class must not make it throw (<c>FieldInfo.GetValue</c> on the wrong class) where the graph never reads it.
    /// </summary>
    [TestMethod]
    public void AFieldReadHoistedFromBehindAClassTestDoesNotReadAnObjectOfAnotherClass()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var graph = IrParser.Parse("""
            function "System.Int64 Demo::ValueIfInteger(System.Object)" -> i64 {
            block0(v0 (value): object):
                v1: object = isinst class "PeJit.TestSubjects.IntValue" v0
                brif v1, block1, block2
            block1:
                v2: i64 = ldfld "System.Int64 PeJit.TestSubjects.IntValue::Value" v0
                ret v2
            block2:
                v3: i64 = const -1
                ret v3
            }
            """);
        var code = new Amd64Backend(resolver: new NameResolver()).CompileNative(graph);
        Assert.AreEqual(7L, code.Invoke(new IntValue(7)));
        Assert.AreEqual(-1L, code.Invoke(new FloatValue(2.5)), "the read behind the test is not made for another class");
        Assert.AreEqual(-1L, code.Invoke(new object?[] { null }));
    }

    /// <summary>
    /// A case bridge's shape: the class test is a <c>GetType</c> compare, which native code does not make, so it and the read
    /// behind it are a tail the stub runs on the evaluator after native code. The read is not hoisted (made before the call,
    /// ahead of the test, on whatever class arrived): the evaluator makes it where the graph does.
    /// </summary>
    [TestMethod]
    public void AFieldReadInATailBehindAGetTypeTestIsNotHoisted()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        const string text = """
            function "System.Int64 Demo::ValueIfIntegerByType(System.Object)" -> i64 {
            block0(v0 (value): object):
                brif v0, block1, block2
            block1:
                v1: class "System.Type" = call pure instance "System.Type System.Object::GetType()" v0
                v2: valuetype "System.RuntimeTypeHandle" = token type class "PeJit.TestSubjects.IntValue"
                v3: class "System.Type" = call pure "System.Type System.Type::GetTypeFromHandle(System.RuntimeTypeHandle)" v2
                v4: bool = ceq v1, v3
                brif v4, block3, block2
            block2:
                v5: i64 = const -1
                ret v5
            block3:
                v6: i64 = ldfld "System.Int64 PeJit.TestSubjects.IntValue::Value" v0
                ret v6
            }
            """;
        var regions = PeJit.Backends.Amd64.Lowering.ManagedRegions.Of(IrParser.Parse(text), reason => Assert.Fail(reason));
        Assert.IsEmpty(regions.Hoisted, "the read is the tail's");
        var code = new Amd64Backend(resolver: new NameResolver()).CompileNative(IrParser.Parse(text));
        Assert.AreEqual(7L, code.Invoke(new IntValue(7)));
        Assert.AreEqual(-1L, code.Invoke(new FloatValue(2.5)));
        Assert.AreEqual(-1L, code.Invoke(new object?[] { null }));
    }

    /// <summary>
    /// What the Lua fuzzer found with case bridges compiled natively (program 82 of <c>--language lua --seed 1207158 --configs
    /// native</c>, <c>PEJIT_CASE_BRIDGES=all</c>, shrunk): a small native bridge, entered with a class it has no case for at
    /// its class guard, threw <c>ArgumentException</c> ("Field 'Value' defined on type 'LuaFloat' is not a field on the target
    /// object which is of type 'LuaInteger'"): the stub made the reads of the bridge's tail, behind that guard, before the call.
    /// </summary>
    [TestMethod]
    public void ALuaProgramWhoseNativeCaseBridgeMeetsAClassWithoutACasePrintsWhatThePlainInterpreterPrints()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        const string source = """
            local t3 = {0.5, 0, n0}
            g5 = 0
            function G6(p7_0, p7_1, p7_2)
              local i8 = 0
              while true do
                i8 = i8 + 1
                if i8 > 0 then break end
              end
              local i9 = 0
              while true do
                i9 = i9 + 1
                if i9 == 2 then break end
              end
              return (p7_1 / -73.2786)
            end
            local i11 = 0
            while true do
              i11 = i11 + 1
              if i11 > 0 then break end
              if s2 == 'b c' then
                if not 0 > r10(1, i11) then
                  do
                  end
                end
              end
            end
            for i24 = 1, 6 do
              local n25 = G6(i24, i24, i11)
              local i26 = 5
              while i26 > 0 do
                i26 = i26 - 1
                if (- g5) <= (t3[7.0] or n25) then
                elseif (#t3 - G6(n0, 1e15, 0)) >= 0 then
                end
              end
              print(i24, n25, i26)
            end
            """;
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, null);
        var code = Lua.Compiler.BytecodeCompiler.Compile(source);
        var log = new StringWriter();
        // The fuzzer's `native` configuration, with case bridges on every unit (PEJIT_CASE_BRIDGES=all): some units are CIL.
        var jit = PortalJit.Create(Lua.Runner.Portal, new JitSettings { Threshold = 4, Bridges = true, BackgroundCompilation = false, Log = log }, "auto");
        jit.Runtime.CaseBridgesOnEveryBackend = true;
        for (int run = 0; run < 2; run++)
        {
            var output = new StringWriter();
            var state = new Lua.LuaState(code, output);
            jit.Invoke(code, code.Main.Entry, new Lua.Frame(new Lua.Values.LuaClosure(code.Main, []), state, [], 0, 0, 0));
            Assert.AreEqual(plain.ToString(), output.ToString(), $"run {run + 1}: {log}");
        }
        Assert.IsTrue(jit.Units.SelectMany(CaseBridges).Any(b => b.Code is Amd64CompiledCode), $"a case bridge is native code: {log}");
    }

    /// <summary>
    /// Each bundled Lua program under <c>auto</c> with the runtime's defaults (case bridges only where the unit is native):
    /// what the plain interpreter prints; and what Docs/PERFORMANCE.md reports, how many case bridges the native units get, how
    /// many are native code, and how many are entered natively from their exit.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(LuaProgramSizes.Each), typeof(LuaProgramSizes))]
    public void LuaProgramsUnderAutoPrintWhatThePlainInterpreterPrints(string program, long size)
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        string source = Lua.Programs.Source(program);
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, size);
        var code = Lua.Compiler.BytecodeCompiler.Compile(source);
        var log = new StringWriter();
        var jit = PortalJit.Create(Lua.Runner.Portal, new JitSettings { Threshold = 3, BackgroundCompilation = false, Log = log, Strict = true }, "auto");
        for (int run = 0; run < 3; run++)
        {
            var output = new StringWriter();
            var state = new Lua.LuaState(code, output);
            state.Globals.Set(new Lua.Values.LuaString("N"), new Lua.Values.LuaInteger(size));
            jit.Invoke(code, code.Main.Entry, new Lua.Frame(new Lua.Values.LuaClosure(code.Main, []), state, [], 0, 0, 0));
            Assert.AreEqual(plain.ToString(), output.ToString(), $"{program}, run {run + 1}: {log}");
        }
        var bridges = jit.Units.SelectMany(CaseBridges).ToList();
        Console.WriteLine($"{program}: {jit.Units.Count(u => u.Code is Amd64CompiledCode)} of {jit.Units.Count} units native; {bridges.Count} case bridges, "
            + $"{bridges.Count(b => b.Code is Amd64CompiledCode)} native, {jit.Runtime.NativeCaseBridges} entered natively; {jit.Runtime.CaseBridgesRefused} exits refused; "
            + $"{jit.Units.Sum(u => u.Recompilations)} recompilations");
    }

    /// <summary>The case bridges of <paramref name="unit"/> and theirs.</summary>
    private static IEnumerable<CompiledUnit> CaseBridges(CompiledUnit unit) =>
        unit.Bridges.Where(b => b.CaseRoot is not null).SelectMany(b => new[] { b }.Concat(CaseBridges(b)));
}
