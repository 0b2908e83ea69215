using System.Text;
using PeJit;

namespace PeJit.Examples.Lua.Compiler;

/// <summary>
/// A compiled program: the instructions of every function one after the other, the source line of each,
/// the constants and the prototypes. Never changes once built (the JIT's green code object).
/// </summary>
[JitImmutable]
public sealed class Code(Instruction[] instructions, int[] lines, Values.LuaValue[] constants, Prototype[] prototypes)
{
    /// <summary>Every function's instructions.</summary>
    public readonly Instruction[] Instructions = instructions;

    /// <summary>The source line of each instruction, for error messages.</summary>
    public readonly int[] Lines = lines;

    /// <summary>The constants, by index.</summary>
    public readonly Values.LuaValue[] Constants = constants;

    /// <summary>The functions; the chunk itself is the first.</summary>
    public readonly Prototype[] Prototypes = prototypes;

    /// <summary>The chunk: the program's top level.</summary>
    public Prototype Main => Prototypes[0];

    /// <summary>A listing: each function's instructions with their lines.</summary>
    public string Disassemble()
    {
        var text = new StringBuilder();
        var starts = Prototypes.ToDictionary(p => p.Entry);
        for (int pc = 0; pc < Instructions.Length; pc++)
        {
            if (starts.TryGetValue(pc, out var proto))
                text.Append($"function {proto.Name} (line {proto.Line}): {proto.Parameters} params, {proto.Registers} registers, {proto.Cells} cells, {proto.Upvalues.Length} upvalues\n");
            var i = Instructions[pc];
            text.Append($"  {pc,4} [{Lines[pc]}] {i.Op} {i.A} {i.B} {i.C}");
            if (i.Op is OpCode.LoadConstant or OpCode.GetGlobal or OpCode.SetGlobal or OpCode.SetField) text.Append($"  ; {Constants[i.B]}");
            if (i.Op is OpCode.GetField) text.Append($"  ; {Constants[i.C]}");
            text.Append('\n');
        }
        return text.ToString();
    }
}
