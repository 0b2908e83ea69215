using Mono.Cecil;
using Mono.Cecil.Cil;
using PeJit.IR;
using CilInstruction = Mono.Cecil.Cil.Instruction;
using IrInstruction = PeJit.IR.Instruction;

namespace PeJit.Frontend.Construction;

// Which family of instructions translates a CIL instruction, and why one outside every family has no IR form.
public sealed partial class MethodConverter
{
    private sealed partial class Conversion
    {
        // ---- instructions --------------------------------------------------------------------------
        // One family of instructions per file: MethodConverter.Variables, .Arithmetic, .ControlFlow, .Memory
        // and .CallsAndObjects. Each translator returns false for an instruction outside its family, and the
        // families are disjoint, so the order they are asked in does not matter.

        private void TranslateInstruction(CilInstruction instruction, int index)
        {
            var code = instruction.OpCode.Code;
            if (code != Code.Constrained && code is not (Code.Callvirt or Code.Call) && constrained is not null && code is not (Code.Volatile or Code.Unaligned or Code.Readonly or Code.Tail or Code.No))
                constrained = null;
            switch (code)
            {
                case Code.Nop or Code.Break or Code.Volatile or Code.Unaligned or Code.Tail or Code.Readonly or Code.No:
                    return;
                case Code.Constrained:
                    constrained = (TypeReference)instruction.Operand;
                    return;
            }
            bool translated = TranslateVariableOrConstant(instruction)
                || TranslateArithmetic(instruction)
                || TranslateControlFlow(instruction, index)
                || TranslateMemoryAccess(instruction)
                || TranslateCallOrObject(instruction);
            if (!translated)
                throw new UnsupportedConstructException(Unsupported(code), instruction.Offset, AdviceFor(code));
        }

        // A stack-allocated buffer is the one construct here an interpreter writes in its dispatch loop's own method (a value
        // stack or registers as a Span<T>), where moving it into a helper cannot work: the memory dies with the helper.
        private static string? AdviceFor(Code code) => code switch
        {
            Code.Localloc => "Allocate the buffer as an array instead (`var stack = new long[64];`, before the loop, or in a frame object) and name it "
                + "(with its stack pointer) in Jit.MergePoint as a red: compiled code leaves to the interpreter with its reds as objects, which a "
                + "stack-allocated span cannot be. In a helper the portal calls, stackalloc is fine when the helper is marked [DontLookInside].",
            _ => null,
        };

        private static string Unsupported(Code code) => code switch
        {
            Code.Calli => "calli (a call through a function pointer) has no IR form",
            Code.Jmp => "jmp (a tail jump to another method) has no IR form",
            Code.Localloc => "localloc (stackalloc) has no IR form",
            Code.Cpblk or Code.Initblk => $"{code.ToString().ToLowerInvariant()} (raw memory block operation) has no IR form",
            Code.Arglist => "arglist (varargs) has no IR form",
            Code.Mkrefany or Code.Refanyval or Code.Refanytype => $"{code.ToString().ToLowerInvariant()} (TypedReference) has no IR form",
            _ => $"the CIL instruction {code.ToString().ToLowerInvariant()} has no IR form",
        };
    }
}
