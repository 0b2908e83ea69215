namespace PeJit.TestSubjects;

/// <summary>
/// A register machine whose instructions call helpers with exception handlers, the constructs an interpreter
/// author writes without thinking of the JIT: the language's own try/catch implemented by catching the
/// interpreter's exception type (<see cref="VmError"/>), <c>using</c>, <c>lock</c> and <c>foreach</c> over a
/// <see cref="List{T}"/>. The JIT tests run it plain and JIT-enabled, with programs that throw inside loops.
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints: opcode, a, b, c.</remarks>
public static class HandlerVm
{
    public const int Set = 0;        // r[a] = b
    public const int Divide = 1;     // r[a] = r[b] / r[c]; the language catches its division by zero: r[a] = -1 - r[b] % 2
    public const int Scoped = 2;     // r[a] += the scope count, inside using (state.Scope.Open())
    public const int Locked = 3;     // r[a] = checked(r[a] + r[b]) under lock (state.Gate): overflow escapes the lock
    public const int SumList = 4;    // r[a] += the sum of state.Numbers (foreach)
    public const int Decrement = 5;  // r[a]--
    public const int JumpPositive = 6; // if r[a] > 0: jump back to instruction c
    public const int Raise = 7;      // throw VmError(r[a]): escapes the interpreter
    public const int Halt = 8;       // return r[0]

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
                case Divide: registers[a] = GuardedDivide(registers[b], registers[c]); pc++; break;
                case Scoped: registers[a] += InScope(state.Scope); pc++; break;
                case Locked: registers[a] = AddLocked(state, registers[a], registers[b]); pc++; break;
                case SumList: registers[a] += SumAll(state.Numbers); pc++; break;
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
                case Raise: throw new VmError("raised", registers[a]);
                default: return registers[0];
            }
        }
    }

    /// <summary>The language's try/catch: its division raises its own error, which it catches.</summary>
    private static long GuardedDivide(long x, long y)
    {
        try
        {
            if (y == 0) throw new VmError("division by zero", x);
            return x / y;
        }
        catch (VmError error)
        {
            return -1 - error.Code % 2;
        }
    }

    private static long InScope(Scope scope)
    {
        using (scope.Open())
        {
            return scope.Depth;
        }
    }

    private static long AddLocked(HandlerState state, long x, long y)
    {
        lock (state.Gate)
        {
            state.LockedAdds++;
            return checked(x + y);
        }
    }

    private static long SumAll(List<long> numbers)
    {
        long sum = 0;
        foreach (long n in numbers) sum += n;
        return sum;
    }
}

/// <summary>The interpreted language's own error, which its try/catch catches.</summary>
public sealed class VmError(string message, long code) : Exception(message)
{
    /// <summary>The value the program raised.</summary>
    public long Code { get; } = code;
}

/// <summary>What <see cref="HandlerVm"/>'s helpers touch: a lock, a disposable scope, a list.</summary>
public sealed class HandlerState
{
    /// <summary>The object <c>lock</c> takes.</summary>
    public object Gate { get; } = new();

    /// <summary>How many additions ran under the lock.</summary>
    public long LockedAdds;

    /// <summary>The scope <c>using</c> opens and closes.</summary>
    public Scope Scope { get; } = new();

    /// <summary>The list <c>foreach</c> sums.</summary>
    public List<long> Numbers { get; } = [3, 4, 5];
}

/// <summary>A disposable scope that counts how deep it is open and how often it was closed.</summary>
public sealed class Scope : IDisposable
{
    /// <summary>How many opens are not closed yet.</summary>
    public long Depth;

    /// <summary>How many times it was closed.</summary>
    public long Closed;

    /// <summary>Opens the scope once more.</summary>
    public Scope Open()
    {
        Depth++;
        return this;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Depth--;
        Closed++;
    }
}
