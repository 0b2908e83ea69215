namespace PeJit.TestSubjects;

/// <summary>
/// A register machine whose helpers promote a value inside their exception regions, so that compiled code leaves
/// to the interpreter there, with the regions open: a <c>Jit.Promote</c> inside the language's try/catch (whose
/// catch then catches an error the rest of the step raises), inside <c>using</c> (whose Dispose must run once)
/// and inside <c>lock</c> (which must be released once, also when an overflow escapes it). The portal itself has
/// no regions. See the Specializer README, "Exception regions".
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints: opcode, a, b, c.</remarks>
public static class PromotingHandlerVm
{
    public const int Set = 0;          // r[a] = b
    public const int Classify = 1;     // r[a] += Classify(r[b]): the language's try/catch around Jit.Promote(r[b] % 4); 3 raises, caught
    public const int Scoped = 2;       // r[a] += InScope(state.Scope, r[b], c): using around Jit.Promote(r[b] % 3); r[b] == c raises (escapes)
    public const int Locked = 3;       // r[a] = AddLocked(state, r[a], r[b]): lock around checked(r[a] + Jit.Promote(r[b] % 5 or r[b]))
    public const int Decrement = 4;    // r[a]--
    public const int JumpPositive = 5; // if r[a] > 0: go to instruction c
    public const int Halt = 6;         // return r[0]
    public const int Filtered = 7;     // r[a] += Filters(r[b]): the language's catch with a filter; r[b] % 3 == 0 raises, caught past 10 and when even
    public const int FilteredPromote = 8; // r[a] += FiltersPromoted(r[b]): the same around Jit.Promote(r[b] % 4); 3 raises
    public const int Recovered = 9;    // r[a] += Recovers(r[b]): even r[b] raises; the catch promotes the code % 3, and rethrows below 5

    [JitPortal(Greens = ["pc", "code"], Reds = ["registers", "state"])]
    public static long Run(int[] code, long[] registers, HandlerState state)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, registers, state);
            int at = pc * 4;
            int a = code[at + 1], b = code[at + 2], c = code[at + 3];
            switch (code[at])
            {
                case Set: registers[a] = b; pc++; break;
                case Classify:
                {
                    // Not registers[a] += ...: the element's address would be live across the call, and compiled code
                    // cannot leave in the middle of a step while an address is live.
                    long kind = Classifies(registers[b]);
                    registers[a] += kind;
                    pc++;
                    break;
                }
                case Scoped:
                {
                    long depth = InScope(state.Scope, registers[b], c);
                    registers[a] += depth;
                    pc++;
                    break;
                }
                case Locked: registers[a] = AddLocked(state, registers[a], registers[b]); pc++; break;
                case Filtered:
                {
                    long filtered = Filters(registers[b]);
                    registers[a] += filtered;
                    pc++;
                    break;
                }
                case FilteredPromote:
                {
                    long filtered = FiltersPromoted(registers[b]);
                    registers[a] += filtered;
                    pc++;
                    break;
                }
                case Recovered:
                {
                    long recovered = Recovers(registers[b]);
                    registers[a] += recovered;
                    pc++;
                    break;
                }
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

    /// <summary>The language's try/catch around a promoted value: 3 raises the language's error, which it catches.</summary>
    private static long Classifies(long x)
    {
        try
        {
            long kind = Jit.Promote(x % 4);
            if (kind == 3) throw new VmError("three", x);
            return kind * 10;
        }
        catch (VmError error)
        {
            return -error.Code;
        }
    }

    /// <summary>The language's catch with a filter (C#'s <c>when</c>): an error whose code is odd and at most 10 escapes.</summary>
    private static long Filters(long x)
    {
        try
        {
            if (x % 3 == 0) throw new VmError("multiple of three", x);
            return x;
        }
        catch (VmError error) when (error.Code % 2 == 0 || error.Code > 10)
        {
            return -error.Code;
        }
    }

    /// <summary>The same around a promoted value: compiled code leaves inside the try, and the filter runs in the evaluator.</summary>
    private static long FiltersPromoted(long x)
    {
        try
        {
            long kind = Jit.Promote(x % 4);
            if (kind == 3) throw new VmError("three", x);
            return kind;
        }
        catch (VmError error) when (error.Code % 2 == 0 || error.Code > 10)
        {
            return -error.Code;
        }
    }

    /// <summary>
    /// A promoted value inside the language's catch handler: compiled code leaves there, and below 5 (a value no case
    /// has) the evaluator rethrows the error the handler caught.
    /// </summary>
    private static long Recovers(long x)
    {
        try
        {
            if (x % 2 == 0) throw new VmError("even", x);
            return x;
        }
        catch (VmError error)
        {
            long kind = Jit.Promote(x < 5 ? -1 : error.Code % 3);
            if (kind < 0) throw;
            return -kind;
        }
    }

    /// <summary>A promoted value inside <c>using</c>; at <paramref name="limit"/> the language's error escapes the scope.</summary>
    private static long InScope(Scope scope, long x, long limit)
    {
        using (scope.Open())
        {
            // At the limit a value no case has: compiled code leaves here, and the error is raised after the exit.
            long kind = Jit.Promote(x == limit ? -1 : x % 3);
            if (x == limit) throw new VmError("limit", kind);
            return kind + scope.Depth;
        }
    }

    /// <summary>A promoted value under <c>lock</c>; the checked addition may overflow inside it.</summary>
    private static long AddLocked(HandlerState state, long x, long y)
    {
        lock (state.Gate)
        {
            state.LockedAdds++;
            return checked(x + Jit.Promote(y > 1000 ? y : y % 5));
        }
    }
}
