using PeJit.IR;
using PeJit.Runtime;
using PeJit.TestSubjects;

namespace PeJit.Tests.Runtime;

/// <summary>
/// <see cref="StructValueVm"/>, a clox-style VM over a tagged-union struct: the JIT-enabled loop computes what the plain VM
/// computes, and no value is left in a stack slot read through its address (the <c>structs</c> pass): before it, every
/// getter on a popped value was a slot store and a load back, and the loop kept its whole stack in memory.
/// </summary>
[TestClass]
public sealed class StructValueVmJitTests
{
    [TestMethod]
    public void TheLoopComputesWhatThePlainVmComputesWithNoStructSlotLeft()
    {
        foreach (double n in new double[] { 1, 10, 1000 })
        {
            var log = new StringWriter();
            var jit = PortalJit.Create(typeof(StructValueVm).GetMethod(nameof(StructValueVm.Run))!, new JitSettings { Threshold = 3, Log = log });
            var result = Specializer.JitDifferentialTests.AssertUnitsEntered(jit, $"n {n}", () => jit.Invoke([StructValueVm.SumProgram(), StructValueVm.SumConstants(n), new StructStack()]), expected: n >= 10);
            Assert.AreEqual(StructValueVm.Run(StructValueVm.SumProgram(), StructValueVm.SumConstants(n), new StructStack()), (double)result!, $"n {n}: {log}");
            foreach (var unit in jit.Units)
                foreach (var block in unit.Unit.Residual.Blocks)
                    foreach (var instruction in unit.Unit.Residual[block].Instructions)
                        Assert.IsFalse(instruction.Opcode is Opcode.StoreSlot or Opcode.SlotAddr && unit.Unit.Residual[instruction.Slot].Type.Name.Contains(nameof(LoxValue)),
                            $"n {n}: a {nameof(LoxValue)} is still stored into a slot and read through its address ({instruction.Opcode} of slot {instruction.Slot.Index})");
        }
    }
}
