using System.Reflection;
using System.Reflection.Emit;

namespace PeJit.Backends.Cil;

/// <summary>
/// An <see cref="ILGenerator"/> that counts what it emits the way .NET's JIT counts it before deciding to optimize
/// (<see cref="IlShape"/>): the backend emits through it, so every unit knows whether it will run optimized, and a
/// unit that will not says why in the log instead of being slow unexplained. The generator's own IL stream is not
/// readable back (a <see cref="DynamicMethod"/> has no method body to ask), hence counting as it is written.
/// </summary>
internal sealed class CountingILGenerator(ILGenerator il, int arguments)
{
    private int instructions;
    private int blockEnds;
    private int labelsMarked;
    private int locals;
    private int localReferences;

    /// <summary>What has been emitted so far, as .NET's JIT will count it.</summary>
    public IlShape Shape => new(il.ILOffset, instructions, labelsMarked + blockEnds + 1, arguments + locals, localReferences);

    public int ILOffset => il.ILOffset;

    public LocalBuilder DeclareLocal(Type type)
    {
        locals++;
        return il.DeclareLocal(type);
    }

    public Label DefineLabel() => il.DefineLabel();

    public void MarkLabel(Label label)
    {
        labelsMarked++;
        il.MarkLabel(label);
    }

    public Label BeginExceptionBlock()
    {
        blockEnds++;
        return il.BeginExceptionBlock();
    }

    public void BeginCatchBlock(Type? exceptionType)
    {
        blockEnds++;
        il.BeginCatchBlock(exceptionType);
    }

    public void BeginExceptFilterBlock()
    {
        blockEnds++;
        il.BeginExceptFilterBlock();
    }

    public void BeginFaultBlock()
    {
        blockEnds++;
        il.BeginFaultBlock();
    }

    public void BeginFinallyBlock()
    {
        blockEnds++;
        il.BeginFinallyBlock();
    }

    public void EndExceptionBlock()
    {
        // The leave and the endfinally or endfault it emits, and the block after the handler.
        instructions += 2;
        blockEnds += 2;
        il.EndExceptionBlock();
    }

    public void Emit(OpCode opcode) { Count(opcode); il.Emit(opcode); }
    public void Emit(OpCode opcode, byte argument) { Count(opcode); il.Emit(opcode, argument); }
    public void Emit(OpCode opcode, int argument) { Count(opcode); il.Emit(opcode, argument); }
    public void Emit(OpCode opcode, long argument) { Count(opcode); il.Emit(opcode, argument); }
    public void Emit(OpCode opcode, float argument) { Count(opcode); il.Emit(opcode, argument); }
    public void Emit(OpCode opcode, double argument) { Count(opcode); il.Emit(opcode, argument); }
    public void Emit(OpCode opcode, string argument) { Count(opcode); il.Emit(opcode, argument); }
    public void Emit(OpCode opcode, Type argument) { Count(opcode); il.Emit(opcode, argument); }
    public void Emit(OpCode opcode, FieldInfo argument) { Count(opcode); il.Emit(opcode, argument); }
    public void Emit(OpCode opcode, MethodInfo argument) { Count(opcode); il.Emit(opcode, argument); }
    public void Emit(OpCode opcode, ConstructorInfo argument) { Count(opcode); il.Emit(opcode, argument); }
    public void Emit(OpCode opcode, LocalBuilder argument) { Count(opcode); il.Emit(opcode, argument); }
    public void Emit(OpCode opcode, Label argument) { Count(opcode); il.Emit(opcode, argument); }
    public void Emit(OpCode opcode, Label[] argument) { Count(opcode); il.Emit(opcode, argument); }

    private void Count(OpCode opcode)
    {
        instructions++;
        if (IsLocalReference(opcode)) localReferences++;
        if (opcode.FlowControl is FlowControl.Branch or FlowControl.Cond_Branch or FlowControl.Return or FlowControl.Throw) blockEnds++;
    }

    /// <summary>
    /// ldarg, ldarga, starg, ldloc, ldloca, stloc in any form: 0x02-0x13 are the short and implicit forms, 0xFE09-0xFE0E
    /// the long ones.
    /// </summary>
    private static bool IsLocalReference(OpCode opcode)
    {
        int value = (ushort)opcode.Value;
        return value is >= 0x02 and <= 0x13 or >= 0xFE09 and <= 0xFE0E;
    }
}
