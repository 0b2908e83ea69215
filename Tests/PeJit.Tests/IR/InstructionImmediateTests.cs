using PeJit.IR;

namespace PeJit.Tests.IR;

/// <summary>
/// An <see cref="Instruction"/> keeps its one reference immediate in one field and the rest apart (branch <c>instr12</c>): its
/// properties still read as independent fields, whatever order they are set and cleared in.
/// </summary>
[TestClass]
public sealed class InstructionImmediateTests
{
    private static readonly IrType Type = IrType.Class("Demo.Box");
    private static readonly FieldRef Field = new("System.Int32 Demo.Box::Value");
    private static readonly MethodRef Method = new("System.Int32 Demo.Box::Get()", hasThis: true);

    [TestMethod]
    public void AnUnsetInstructionReadsDefaults()
    {
        var instruction = new Instruction(Opcode.Add);
        Assert.IsNull(instruction.Result);
        Assert.IsNull(instruction.Text);
        Assert.IsNull(instruction.TypeOperand);
        Assert.IsNull(instruction.Field);
        Assert.IsNull(instruction.Method);
        Assert.IsNull(instruction.OperandVariables);
        Assert.AreEqual(0L, instruction.Integer);
        Assert.AreEqual(0.0, instruction.Float);
        Assert.AreEqual(default, instruction.Slot);
        Assert.AreEqual(SourceLocation.None, instruction.Location);
    }

    [TestMethod]
    public void EveryImmediateSetAtOnceReadsBack()
    {
        var variables = new List<string?> { "x", null };
        var instruction = new Instruction(Opcode.ConstrainedCall)
        {
            TypeOperand = Type, Method = Method, Field = Field, Text = "s", Float = -0.0, Slot = new Slot(3), Integer = 7,
            OperandVariables = variables, Result = new Value(0),
        };
        Assert.AreSame(Type, instruction.TypeOperand);
        Assert.AreSame(Method, instruction.Method);
        Assert.AreSame(Field, instruction.Field);
        Assert.AreEqual("s", instruction.Text);
        Assert.IsTrue(double.IsNegative(instruction.Float), "-0.0 is not the default");
        Assert.AreEqual(new Slot(3), instruction.Slot);
        Assert.AreEqual(7L, instruction.Integer);
        Assert.AreSame(variables, instruction.OperandVariables);
        Assert.AreEqual(new Value(0), instruction.Result);
    }

    [TestMethod]
    public void ClearingOneImmediateLeavesTheOthersAndSettingItAgainReadsTheNewOne()
    {
        var instruction = new Instruction(Opcode.ConstrainedCall) { TypeOperand = Type, Method = Method };
        instruction.TypeOperand = null;
        Assert.IsNull(instruction.TypeOperand);
        Assert.AreSame(Method, instruction.Method);

        // The method was kept apart while the type held the shared field; the type cleared, a new method must win over it.
        var other = new MethodRef("System.Void Demo.Box::Set()", hasThis: true);
        instruction.Method = other;
        Assert.AreSame(other, instruction.Method);
        instruction.Method = null;
        Assert.IsNull(instruction.Method, "no stale method left apart");

        instruction.Text = "a";
        instruction.Field = Field;
        instruction.Text = null;
        Assert.IsNull(instruction.Text);
        Assert.AreSame(Field, instruction.Field);
        instruction.Text = "b";
        Assert.AreEqual("b", instruction.Text);
        Assert.AreSame(Field, instruction.Field);

        instruction.Result = new Value(5);
        instruction.Result = null;
        Assert.IsNull(instruction.Result);
        instruction.Float = 2.5;
        instruction.Float = 0;
        Assert.AreEqual(0.0, instruction.Float);
    }
}
