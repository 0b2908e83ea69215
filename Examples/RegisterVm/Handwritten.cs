namespace PeJit.Examples.RegisterVm;

/// <summary>
/// Each bundled program written directly in C#: same arguments, same output, same result. The baseline
/// the benchmarks hold the interpreter (plain and JIT-enabled) against.
/// </summary>
public static class Handwritten
{
    /// <summary><c>factorial</c>: <paramref name="n"/>!, by a loop.</summary>
    public static long Factorial(long n, TextWriter output)
    {
        long result = 1;
        for (long i = 2; i <= n; i++) result *= i;
        output.WriteLine(result);
        return result;
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
        for (long k = 2; k < n; k++)
        {
            bool prime = true;
            for (long d = 2; d * d <= k; d++)
                if (k % d == 0)
                {
                    prime = false;
                    break;
                }
            if (prime) count++;
        }
        output.WriteLine(count);
        return count;
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
