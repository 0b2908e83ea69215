using PeJit.Examples.Brainfuck;

namespace PeJit.Fuzzing.Termination;

/// <summary>
/// A copy of the Brainfuck dispatch loop (Examples/Brainfuck/Interpreter.cs) that counts steps and gives up
/// past the bound. It decides only whether a program may be run; the interpreter stays the oracle.
/// </summary>
public static class BrainfuckStepCounter
{
    /// <summary>
    /// Runs <paramref name="program"/> on an empty tape of <paramref name="tapeLength"/> cells, reading
    /// <paramref name="input"/>, within <paramref name="stepLimit"/> steps.
    /// </summary>
    public static BoundedRun Check(BfProgram program, int tapeLength, string input, long stepLimit)
    {
        var tape = new byte[tapeLength];
        int pc = 0, pointer = 0, read = 0;
        long steps = 0;
        try
        {
            while (true)
            {
                if (++steps > stepLimit) return new BoundedRun(TerminationVerdict.TooManySteps, steps, 0);
                switch (program.Ops[pc])
                {
                    case BfOp.Add: tape[pointer] = (byte)(tape[pointer] + program.Arguments[pc]); break;
                    case BfOp.Move: pointer += program.Arguments[pc]; break;
                    case BfOp.Clear: tape[pointer] = 0; break;
                    case BfOp.Output: _ = tape[pointer]; break;
                    case BfOp.Input: tape[pointer] = read < input.Length ? (byte)input[read++] : (byte)0; break;
                    case BfOp.JumpIfZero: if (tape[pointer] == 0) pc = program.Arguments[pc]; break;
                    case BfOp.JumpIfNotZero:
                        if (tape[pointer] != 0)
                        {
                            pc = program.Arguments[pc] + 1;
                            continue;
                        }
                        break;
                    case BfOp.Halt: return new BoundedRun(TerminationVerdict.Returns, steps, 0);
                }
                pc++;
            }
        }
        catch (IndexOutOfRangeException)
        {
            return new BoundedRun(TerminationVerdict.Throws, steps, 0);
        }
    }
}
