namespace PeJit.TestSubjects;

/// <summary>if/else, loops, break/continue, short-circuit, goto, switch (dense, sparse, string, expression).</summary>
public static class Branches
{
    [Sample(10)] [Sample(0)] [Sample(-3)]
    public static int Loops(int n)
    {
        int sum = 0;
        for (int i = 0; i < n; i++)
        {
            if (i % 3 == 0) continue;
            if (i > 50) break;
            sum += i;
        }
        int j = n;
        while (j > 0) j -= 2;
        do { sum++; } while (sum < 0);
        return sum + j;
    }

    [Sample(5, 7)] [Sample(0, 7)] [Sample(5, 0)]
    public static int ShortCircuit(int a, int b) => (a != 0 && b / a > 0) || (b != 0 && a / b >= 0) ? 1 : a > b ? 2 : 3;

    [Sample(0)] [Sample(3)] [Sample(7)] [Sample(-1)]
    public static string DenseSwitch(int x)
    {
        switch (x)
        {
            case 0: return "zero";
            case 1: return "one";
            case 2:
            case 3: return "two or three";
            case 4: return "four";
            default: return "many";
        }
    }

    [Sample(10)] [Sample(1000)] [Sample(77)]
    public static int SparseSwitch(int x) => x switch { 10 => 1, 100 => 2, 1000 => 3, 10000 => 4, _ => 0 };

    [Sample("add")] [Sample("sub")] [Sample("nope")] [Sample((string?)null)]
    public static int StringSwitch(string? op) => op switch { "add" => 1, "sub" => 2, "mul" => 3, "div" => 4, "mod" => 5, "neg" => 6, "dup" => 7, _ => -1 };

    [Sample(5)] [Sample(0)]
    public static int Goto(int n)
    {
        int count = 0;
    again:
        if (n <= 0) goto done;
        n--;
        count += 2;
        goto again;
    done:
        return count;
    }

    [Sample(4)] [Sample(9)]
    public static long NestedLoops(int n)
    {
        long total = 0;
        for (int i = 0; i < n; i++)
            for (int k = i; k < n; k++)
                total += i * k;
        return total;
    }
}
