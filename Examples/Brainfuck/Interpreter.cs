using PeJit;

namespace PeJit.Examples.Brainfuck;

/// <summary>The Brainfuck interpreter: one dispatch loop over the compiled operations, hints in place.</summary>
public static class Interpreter
{
    /// <summary>Runs <paramref name="program"/> on <paramref name="tape"/>; returns the pointer's final position.</summary>
    [JitPortal(Greens = ["pc", "program"], Reds = ["tape", "pointer", "output", "input"])]
    public static int Run(BfProgram program, byte[] tape, TextWriter output, TextReader input)
    {
        int pc = 0;
        int pointer = 0;
        while (true)
        {
            Jit.MergePoint(pc, program, tape, pointer, output, input);
            switch (program.Ops[pc])
            {
                case BfOp.Add:
                    tape[pointer] = (byte)(tape[pointer] + program.Arguments[pc]);
                    break;
                case BfOp.Move:
                    pointer += program.Arguments[pc];
                    break;
                case BfOp.Clear:
                    tape[pointer] = 0;
                    break;
                case BfOp.Output:
                    output.Write((char)tape[pointer]);
                    break;
                case BfOp.Input:
                {
                    int read = input.Read();
                    tape[pointer] = read < 0 ? (byte)0 : (byte)read;
                    break;
                }
                case BfOp.JumpIfZero:
                    if (tape[pointer] == 0) pc = program.Arguments[pc];
                    break;
                case BfOp.JumpIfNotZero:
                    if (tape[pointer] != 0)
                    {
                        // Back to the first operation of the loop body: the next merge point's state.
                        pc = program.Arguments[pc] + 1;
                        Jit.CanEnterJit(pc, program, tape, pointer, output, input);
                        continue;
                    }
                    break;
                case BfOp.Halt:
                    return pointer;
            }
            pc++;
        }
    }
}
