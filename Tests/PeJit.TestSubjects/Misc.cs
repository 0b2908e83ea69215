namespace PeJit.TestSubjects;

/// <summary>typeof, checked/unchecked blocks, recursion, and a small interpreter loop.</summary>
public static class Misc
{
    [Sample(1)]
    public static string TypeOf(int x) => typeof(List<int>).Name + typeof(Point).FullName + (x.GetType() == typeof(int));

    [Sample(2, 3)] [Sample(3, 3)]
    public static int Ackermann(int m, int n) => m == 0 ? n + 1 : n == 0 ? Ackermann(m - 1, 1) : Ackermann(m - 1, Ackermann(m, n - 1));

    [Sample(int.MaxValue)] [Sample(5)]
    public static long CheckedBlocks(int x)
    {
        long result = unchecked(x + 1);
        try
        {
            result += checked(x + 1);
        }
        catch (OverflowException)
        {
            result = -1;
        }
        return result;
    }

    [Sample(10)] [Sample(0)]
    public static long TinyInterpreter(int n)
    {
        // push n; loop: dup; jz end; dup; add-to-acc; push -1; add; jump loop; end: halt
        int[] code = [0, n, 1, 2, 12, 3, 0, -1, 4, 5, 2, 99, 6];
        long[] stack = new long[16];
        int sp = 0, pc = 0;
        long acc = 0;
        while (true)
        {
            switch (code[pc++])
            {
                case 0: stack[sp++] = code[pc++]; break;
                case 1: stack[sp] = stack[sp - 1]; sp++; break;
                case 2: { int target = code[pc++]; if (stack[--sp] == 0) pc = target; break; }
                case 3: acc += stack[sp - 1]; break;
                case 4: { long b = stack[--sp]; stack[sp - 1] += b; break; }
                case 5: pc = code[pc]; break;
                case 6: return acc;
                default: throw new InvalidOperationException("bad opcode");
            }
        }
    }
}
