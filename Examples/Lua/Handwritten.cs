
namespace PeJit.Examples.Lua;

/// <summary>
/// Each bundled program written directly in C# with native types: same <c>N</c>, same output. The baseline
/// the benchmarks hold the interpreter (plain and JIT-enabled) against. Numbers print as Lua prints them
/// (<see cref="Builtins.Format(double)"/>), values separated by tabs as <c>print</c> separates them.
/// </summary>
public static class Handwritten
{
    /// <summary>Each program's default <c>N</c> (what the program uses when <c>N</c> is not set).</summary>
    public static IReadOnlyDictionary<string, long> DefaultSizes { get; } = new Dictionary<string, long>
    {
        ["numeric"] = 100000, ["fib"] = 20, ["sieve"] = 100000, ["nbody"] = 1000, ["strings"] = 10000, ["polymorphic"] = 100000, ["errors"] = 10000,
    };

    /// <summary>Runs the hand-written version of <paramref name="program"/>.</summary>
    public static void Run(string program, long n, TextWriter output)
    {
        switch (program)
        {
            case "numeric": Numeric(n, output); break;
            case "fib": Fib(n, output); break;
            case "sieve": Sieve(n, output); break;
            case "nbody": NBody(n, output); break;
            case "strings": Strings(n, output); break;
            case "polymorphic": Polymorphic(n, output); break;
            case "errors": Errors(n, output); break;
            default: throw new ArgumentException($"no hand-written version of '{program}'");
        }
    }

    private static string F(double value) => Builtins.Format(value);

    /// <summary><c>numeric</c>: a sum of integers, a sum of floats, a counting while loop.</summary>
    public static void Numeric(long n, TextWriter output)
    {
        long count = 0;
        double total = 0.0;
        for (long i = 1; i <= n; i++)
        {
            count += i % 7;
            total += i * 0.5;
        }
        long k = 0;
        while (k < n) k += 3;
        output.WriteLine($"{count}\t{F(total)}\t{k}");
    }

    /// <summary><c>fib</c>: fib(n) by the doubly recursive definition.</summary>
    public static void Fib(long n, TextWriter output) => output.WriteLine(Fibonacci(n));

    private static long Fibonacci(long n) => n < 2 ? n : Fibonacci(n - 1) + Fibonacci(n - 2);

    /// <summary><c>sieve</c>: the number of primes up to n, and the array's length.</summary>
    public static void Sieve(long n, TextWriter output)
    {
        var composite = new bool[n + 1];
        long count = 0;
        for (long i = 2; i <= n; i++)
        {
            if (composite[i]) continue;
            count++;
            for (long j = i * i; j <= n; j += i) composite[j] = true;
        }
        output.WriteLine($"{count}\t{Math.Max(n, 0)}");
    }

    /// <summary>
    /// <c>sieve</c> in C# over the interpreter's own representation of the table's array part: references to the
    /// <see cref="Values.LuaBoolean"/> singletons in a <see cref="Values.LuaValue"/>[] that starts at 4 slots and doubles
    /// by <see cref="Array.Resize{T}(ref T[], int)"/> as <c>LuaTable.Append</c> does. No interpretation, no boxes: what any
    /// compiled code over this table must still do (grow and copy the array part, store references with .NET's write
    /// barrier into an array eight times the size of <see cref="Sieve"/>'s <c>bool[]</c>), so a floor for the JIT-enabled
    /// interpreter's time that the plain <see cref="Sieve"/> is not (Docs/PERFORMANCE.md, "the table's floor").
    /// </summary>
    public static void SieveOverTableArray(long n, TextWriter output)
    {
        Values.LuaValue[] array = new Values.LuaValue[4];
        int length = 0;
        for (long i = 1; i <= n; i++)
        {
            if (length == array.Length) Array.Resize(ref array, array.Length * 2);
            array[length++] = Values.LuaBoolean.False;
        }
        long count = 0;
        for (long i = 2; i <= n; i++)
        {
            if (!ReferenceEquals(array[i - 1], Values.LuaBoolean.False)) continue;
            count++;
            for (long j = i * i; j <= n; j += i) array[j - 1] = Values.LuaBoolean.True;
        }
        output.WriteLine($"{count}\t{length}");
    }

    private sealed class Body(double x, double y, double z, double vx, double vy, double vz, double mass)
    {
        public double X = x, Y = y, Z = z, Vx = vx, Vy = vy, Vz = vz;
        public readonly double Mass = mass;
    }

    /// <summary><c>nbody</c>: the energy before and after n steps; the same operations in the same order as the Lua program.</summary>
    public static void NBody(long n, TextWriter output)
    {
        const double solarMass = 4 * Math.PI * Math.PI, daysPerYear = 365.24;
        Body[] bodies =
        [
            new(0, 0, 0, 0, 0, 0, solarMass),
            new(4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03 * daysPerYear,
                7.69901118419740425e-03 * daysPerYear, -6.90460016972063023e-05 * daysPerYear, 9.54791938424326609e-04 * solarMass),
            new(8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03 * daysPerYear,
                4.99852801234917238e-03 * daysPerYear, 2.30417297573763929e-05 * daysPerYear, 2.85885980666130812e-04 * solarMass),
            new(1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03 * daysPerYear,
                2.37847173959480950e-03 * daysPerYear, -2.96589568540237556e-05 * daysPerYear, 4.36624404335156298e-05 * solarMass),
            new(1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03 * daysPerYear,
                1.62824170038242295e-03 * daysPerYear, -9.51592254519715870e-05 * daysPerYear, 5.15138902046611451e-05 * solarMass),
        ];
        double px = 0, py = 0, pz = 0;
        foreach (var b in bodies)
        {
            px += b.Vx * b.Mass;
            py += b.Vy * b.Mass;
            pz += b.Vz * b.Mass;
        }
        bodies[0].Vx = -px / solarMass;
        bodies[0].Vy = -py / solarMass;
        bodies[0].Vz = -pz / solarMass;
        output.WriteLine(F(Energy(bodies)));
        for (long step = 0; step < n; step++) Advance(bodies, 0.01);
        output.WriteLine(F(Energy(bodies)));
    }

    private static void Advance(Body[] bodies, double dt)
    {
        for (int i = 0; i < bodies.Length; i++)
        {
            var bi = bodies[i];
            double bix = bi.X, biy = bi.Y, biz = bi.Z, bimass = bi.Mass, bivx = bi.Vx, bivy = bi.Vy, bivz = bi.Vz;
            for (int j = i + 1; j < bodies.Length; j++)
            {
                var bj = bodies[j];
                double dx = bix - bj.X, dy = biy - bj.Y, dz = biz - bj.Z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = Math.Sqrt(d2);
                mag = dt / (mag * d2);
                double bm = bj.Mass * mag;
                bivx -= dx * bm;
                bivy -= dy * bm;
                bivz -= dz * bm;
                bm = bimass * mag;
                bj.Vx += dx * bm;
                bj.Vy += dy * bm;
                bj.Vz += dz * bm;
            }
            bi.Vx = bivx;
            bi.Vy = bivy;
            bi.Vz = bivz;
            bi.X = bix + dt * bivx;
            bi.Y = biy + dt * bivy;
            bi.Z = biz + dt * bivz;
        }
    }

    private static double Energy(Body[] bodies)
    {
        double e = 0;
        for (int i = 0; i < bodies.Length; i++)
        {
            var bi = bodies[i];
            e += 0.5 * bi.Mass * (bi.Vx * bi.Vx + bi.Vy * bi.Vy + bi.Vz * bi.Vz);
            for (int j = i + 1; j < bodies.Length; j++)
            {
                var bj = bodies[j];
                double dx = bi.X - bj.X, dy = bi.Y - bj.Y, dz = bi.Z - bj.Z;
                e -= bi.Mass * bj.Mass / Math.Sqrt(dx * dx + dy * dy + dz * dz);
            }
        }
        return e;
    }

    /// <summary><c>strings</c>: pieces joined, their total length, a string grown by concatenation, two substrings.</summary>
    public static void Strings(long n, TextWriter output)
    {
        var parts = new List<string>();
        string line = "";
        long letters = 0;
        for (long i = 1; i <= n; i++)
        {
            string piece = "item" + i + ";";
            parts.Add(piece);
            letters += piece.Length;
            if (i % 100 == 0) line = "";
            line += i % 10;
        }
        string joined = string.Concat(parts);
        string head = joined[..Math.Min(20, joined.Length)], tail = joined[Math.Max(joined.Length - 12, 0)..];
        output.WriteLine($"{joined.Length}\t{letters}\t{line}\t{head}\t{tail}");
    }

    // The polymorphic program's values: one class per kind, what each is worth by a virtual call.
    private abstract class Item
    {
        public abstract double AddTo(double total);
    }

    private sealed class IntegerItem(long value) : Item
    {
        public override double AddTo(double total) => total + value;
    }

    private sealed class FloatItem(double value) : Item
    {
        public override double AddTo(double total) => total + value;
    }

    private sealed class StringItem(string value) : Item
    {
        public override double AddTo(double total) => total + value.Length;
    }

    /// <summary><c>polymorphic</c>: one accumulation over integers, floats and strings (a virtual call), and one over integers.</summary>
    public static void Polymorphic(long n, TextWriter output)
    {
        Item[] values = [new IntegerItem(3), new FloatItem(0.25), new StringItem("four"), new IntegerItem(7), new FloatItem(1.5),
            new StringItem("eleven!"), new IntegerItem(-2), new FloatItem(0.125)];
        double total = 0.0;
        long integers = 0;
        for (long i = 1; i <= n; i++)
        {
            total = values[i % values.Length].AddTo(total);
            integers += i % 3;
        }
        output.WriteLine($"{F(total)}\t{integers}");
    }

    private sealed class CodeError(long code) : Exception
    {
        public long Code { get; } = code;
    }

    // The Lua program's check(x); "line 3:" is where its error() stands.
    private static long Check(long x)
    {
        if (x % 5 == 0) throw new InvalidOperationException("line 3: multiple of five: " + x);
        if (x % 7 == 0) throw new CodeError(x);
        return x * 2;
    }

    /// <summary><c>errors</c>: n protected calls, a fifth raising a string and some a table; then the program's fixed error cases.</summary>
    public static void Errors(long n, TextWriter output)
    {
        long sum = 0, strings = 0, tables = 0;
        string? lastMessage = null;
        for (long i = 1; i <= n; i++)
        {
            try
            {
                sum += Check(i);
            }
            catch (InvalidOperationException e)
            {
                strings++;
                lastMessage = e.Message;
            }
            catch (CodeError e)
            {
                tables += e.Code % 2;
            }
        }
        output.WriteLine($"{sum}\t{strings}\t{tables}\t{lastMessage ?? "nil"}");
        // The program's fixed cases, with the messages the interpreter gives them.
        output.WriteLine("false\tline 24: attempt to index a nil value");
        output.WriteLine("false\tline 26: attempt to add a nil value");
        output.WriteLine("false\tplain");
        output.WriteLine("true\tfalse\tnil");
    }
}
