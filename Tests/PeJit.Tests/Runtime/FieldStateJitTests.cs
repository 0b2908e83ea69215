using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.AnalysisSubjects;

namespace PeJit.Tests.Runtime;

/// <summary>
/// An instance portal whose stack pointer and stack are fields of the interpreter object (<see cref="FieldStateVm"/>, the clox
/// style), the class <c>[Virtualizable]</c> and <c>this</c> its implicit red: the same result and the same stack pointer left
/// behind as plain, and the compiled loop keeps the stack pointer and the stack's slots out of memory.
/// </summary>
[TestClass]
public sealed class FieldStateJitTests
{
    // push 0; loop: push 3; add; while top < limit go to loop; halt.
    private static int[] Program(int limit) =>
    [
        FieldStateVm.Push, 0, 0,
        FieldStateVm.Push, 3, 0,
        FieldStateVm.Add, 0, 0,
        FieldStateVm.JumpIfLess, limit, 3,
        FieldStateVm.Halt, 0, 0,
    ];

    [TestMethod]
    public void JitEnabledIsPlainAndTheLoopKeepsTheFieldsInRegisters()
    {
        var code = Program(30_000);
        var plainVm = new FieldStateVm(code);
        long plain = plainVm.Run();

        var jit = PortalJit.Create(typeof(FieldStateVm).GetMethod(nameof(FieldStateVm.Run))!, new JitSettings { Threshold = 3, Strict = true });
        var vm = new FieldStateVm(code);
        long jitted = (long)jit.Invoke(vm)!;
        Assert.AreEqual(plain, jitted, "result");
        Assert.AreEqual(plainVm.StackTop, vm.StackTop, "the stack pointer written back");
        Assert.IsNotEmpty(jit.Units, "the loop compiles");

        // The optimized loop: no load or store of stackTop, no element of the stack read or written.
        bool found = false;
        foreach (var unit in jit.Units)
        {
            var graph = unit.Unit.Residual;
            foreach (var loop in NaturalLoop.Find(graph, Dominators.Compute(graph)))
            {
                var body = loop.Blocks.SelectMany(b => graph[b].Instructions).ToList();
                int memory = body.Count(i => i.Opcode is Opcode.LoadField or Opcode.StoreField && i.Field!.Name == "stackTop"
                                             || i.Opcode is Opcode.LoadElement or Opcode.StoreElement && i.TypeOperand == IrType.I64);
                if (memory == 0) found = true;
            }
        }
        Assert.IsTrue(found, "a loop without stack memory accesses:\n" + string.Join("\n", jit.Units.Select(u => IrPrinter.Print(u.Unit.Residual))));
    }
}
