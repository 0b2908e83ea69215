namespace PeJit.Examples.HandlerTable;

/// <summary>
/// Each bundled program written directly in C#: same arguments, same output, same result. The baseline
/// the benchmarks hold the interpreter (plain and JIT-enabled) against.
/// </summary>
public static class Handwritten
{
    /// <summary><c>gcd</c>: the sum of gcd(i, <paramref name="n"/>) for i from 1 to n.</summary>
    public static long Gcd(long n, TextWriter output)
    {
        long sum = 0;
        for (long i = 1; i <= n; i++) sum += GreatestCommonDivisor(i, n);
        output.WriteLine(sum);
        return sum;
    }

    private static long GreatestCommonDivisor(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    /// <summary><c>fib</c>: fib(<paramref name="n"/>) by the doubly recursive definition.</summary>
    public static long Fib(long n, TextWriter output)
    {
        long result = Fibonacci(n);
        output.WriteLine(result);
        return result;
    }

    private static long Fibonacci(long n) => n < 2 ? n : Fibonacci(n - 1) + Fibonacci(n - 2);

    /// <summary><c>collatz</c>: the start below <paramref name="n"/> with the longest Collatz sequence, and its steps.</summary>
    public static long Collatz(long n, TextWriter output)
    {
        long best = 0, bestSteps = -1;
        for (long start = 1; start < n; start++)
        {
            long x = start, steps = 0;
            while (x != 1)
            {
                x = x % 2 == 0 ? x / 2 : 3 * x + 1;
                steps++;
            }
            if (steps > bestSteps)
            {
                best = start;
                bestSteps = steps;
            }
        }
        output.WriteLine(best);
        output.WriteLine(bestSteps);
        return bestSteps;
    }

    /// <summary><c>long</c>: the sum of (i * 7) % 13 for i below <paramref name="n"/> (n at least 1: the loop tests at its end).</summary>
    public static long Long(long n, TextWriter output)
    {
        long sum = 0, i = 0;
        do
        {
            sum += i * 7 % 13;
            i++;
        }
        while (i < n);
        output.WriteLine(sum);
        return sum;
    }
}
