using PeJit.IR;
using PeJit.Runtime;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Runtime;

/// <summary>
/// A unit's shaped entry (<c>SelfCallShapes</c>) takes the unit's constants as its first parameter, and the optimizer reads
/// them there as in the unit (<c>FlowGraph.Constants</c>): a class test of a constant object is decided while optimizing.
/// Lua's <c>fib</c> tested the class of the constant 2 of <c>n &lt; 2</c> and of the constant 1 of <c>n - 1</c> (a
/// <c>GetType()</c> call and a compare each) at every call.
/// </summary>
[TestClass]
public sealed class ShapedEntryConstantsTests
{
    [TestMethod]
    public void LuasFibShapedEntryTestsNoClassOfAConstant()
    {
        var settings = new JitSettings { CompileFunctions = true, Threshold = 3, Strict = true };
        var jit = PortalJit.Create(Lua.Runner.Portal, settings);
        var output = new StringWriter();
        jit.Invoke(Lua.Runner.PortalArguments(ShapedSelfCallTests.LuaFibDriver, output, 20));
        var plain = new StringWriter();
        Lua.Runner.Run(ShapedSelfCallTests.LuaFibDriver, plain, 20);
        Assert.AreEqual(plain.ToString(), output.ToString());
        var unit = jit.Units.Select(u => u.Unit).FirstOrDefault(u => u.ShapedEntry is not null);
        Assert.IsNotNull(unit, "fib's unit has a shaped entry: " + string.Join("; ", jit.Units.SelectMany(u => u.Unit.Notes)));
        var graph = unit.ShapedEntry!;
        bool IsConstant(Value value) => graph[value].DefiningInstruction switch
        {
            { Opcode: Opcode.CastClass } cast => IsConstant(cast.Operands[0]),
            { Opcode: Opcode.LoadElement } load => load.Operands[0] == graph.Parameters[0],
            _ => false,
        };
        var tests = graph.Blocks.SelectMany(b => graph[b].Instructions)
            .Count(i => i.Opcode is Opcode.Call or Opcode.CallVirt && i.Method!.FullName == "System.Type System.Object::GetType()" && IsConstant(i.Operands[0]));
        Assert.AreEqual(0, tests, "the shaped entry tests the class of a unit constant:\n" + PeJit.IR.Text.IrPrinter.Print(graph));
    }
}
