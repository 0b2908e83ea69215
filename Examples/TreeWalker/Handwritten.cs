namespace PeJit.Examples.TreeWalker;

/// <summary>
/// Each bundled program written directly in C#: same arguments, same output, same result. The baseline
/// the benchmarks hold the interpreter (plain and JIT-enabled) against.
/// </summary>
public static class Handwritten
{
    /// <summary><c>sum</c>: the sum of the numbers below <paramref name="n"/>.</summary>
    public static long Sum(long n, TextWriter output)
    {
        long sum = 0;
        for (long i = 0; i < n; i++) sum += i;
        output.WriteLine(sum);
        return sum;
    }

    /// <summary><c>fib</c>: fib(<paramref name="n"/>) by the doubly recursive definition.</summary>
    public static long Fib(long n, TextWriter output)
    {
        long result = Fibonacci(n);
        output.WriteLine(result);
        return result;
    }

    private static long Fibonacci(long n) => n < 2 ? n : Fibonacci(n - 1) + Fibonacci(n - 2);

    /// <summary><c>primes</c>: the number of primes below <paramref name="n"/>, by trial division.</summary>
    public static long Primes(long n, TextWriter output)
    {
        long count = 0;
        for (long k = 0; k < n; k++) count += IsPrime(k);
        output.WriteLine(count);
        return count;
    }

    private static long IsPrime(long k)
    {
        if (k < 2) return 0;
        for (long d = 2; d * d <= k; d++)
            if (k % d == 0) return 0;
        return 1;
    }

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

    /// <summary><c>long</c>: the sum of (i * 7) % 13 for i below <paramref name="n"/>.</summary>
    public static long Long(long n, TextWriter output)
    {
        long sum = 0;
        for (long i = 0; i < n; i++) sum += i * 7 % 13;
        output.WriteLine(sum);
        return sum;
    }
}
