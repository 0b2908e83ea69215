namespace PeJit.TestSubjects;

/// <summary>
/// A register machine whose dispatch loop sits inside a try/finally that closes a scope and a try/catch that turns the host's index
/// errors into the language's, and whose steps promote values inside a <c>lock</c> of the portal's own and as an
/// index: compiled code leaves to the interpreter in the middle of a step, inside the portal's regions. The scope
/// must be closed once, the lock released once, and an index error after an exit become the language's error once.
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints: opcode, a, b, c.</remarks>
public static class PromotingGuardedVm
{
    public const int Set = 0;          // r[a] = b
    public const int Locked = 1;       // under lock (state.Gate): r[a] += Jit.Promote(r[b] % 5)
    public const int Load = 2;         // r[a] = r[Jit.Promote(r[b])]: index out of range past the registers
    public const int Decrement = 3;    // r[a]--
    public const int JumpPositive = 4; // if r[a] > 0: go to instruction c
    public const int Halt = 5;         // return r[0]

    [JitPortal(Greens = ["pc", "code"], Reds = ["registers", "state"])]
    public static long Run(int[] code, long[] registers, HandlerState state)
    {
        int pc = 0;
        state.Scope.Open();
        try
        {
            try
            {
                while (true)
                {
                    Jit.MergePoint(pc, code, registers, state);
                    int at = pc * 4;
                    int a = code[at + 1], b = code[at + 2], c = code[at + 3];
                    switch (code[at])
                    {
                        case Set: registers[a] = b; pc++; break;
                        case Locked:
                            lock (state.Gate)
                            {
                                state.LockedAdds++;
                                // Not registers[a] += Jit.Promote(...): the element's address would be live at the exit.
                                long add = Jit.Promote(registers[b] % 5);
                                registers[a] += add;
                            }
                            pc++;
                            break;
                        case Load: registers[a] = registers[Jit.Promote(registers[b])]; pc++; break;
                        case Decrement: registers[a]--; pc++; break;
                        case JumpPositive:
                            if (registers[a] > 0)
                            {
                                pc = c;
                                Jit.CanEnterJit(pc, code, registers, state);
                            }
                            else
                            {
                                pc++;
                            }
                            break;
                        default: return registers[0];
                    }
                }
            }
            catch (IndexOutOfRangeException)
            {
                throw new VmError("index out of range", registers[0]);
            }
        }
        finally
        {
            state.Scope.Dispose();
        }
    }
}
