// A tiny stack language interpreted straight from its source text, as people write one over spans:
// words are read from a ReadOnlySpan<char> of the program's string, compared with StartsWith/SequenceEqual, numbers parsed
// with int.Parse on a slice.
// To try it: a console project (net10.0, implicit usings) referencing PeJit.Hints, `pejit build` on its DLL, then
// `dotnet out/Probe.dll 30000000` against the plain DLL. Tests/PeJit.AnalysisSubjects/TextSpanForth.cs is the same interpreter as a
// test subject (TextSpanForthJitTests).
using System.Diagnostics;
using PeJit;

[JitImmutable]
sealed class Source
{
    public readonly string Text;
    public readonly int[] Match; // for '[' and ']' the index of the partner
    public Source(string text)
    {
        Text = text;
        Match = new int[text.Length];
        var open = new Stack<int>();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '[') open.Push(i);
            else if (text[i] == ']') { int o = open.Pop(); Match[o] = i; Match[i] = o; }
        }
    }
}

static class Interp
{
    [JitPortal(Greens = ["pc", "source"], Reds = ["stack", "sp"])]
    public static long Run(Source source, long[] stack)
    {
        int pc = 0, sp = 0;
        while (true)
        {
            Jit.MergePoint(pc, source, stack, sp);
            ReadOnlySpan<char> code = source.Text.AsSpan();
            if (pc >= code.Length) return sp > 0 ? stack[sp - 1] : 0;
            char c = code[pc];
            if (c == ' ') { pc++; continue; }
            if (char.IsDigit(c))
            {
                int end = pc;
                while (end < code.Length && char.IsDigit(code[end])) end++;
                stack[sp++] = int.Parse(code.Slice(pc, end - pc));
                pc = end;
                continue;
            }
            ReadOnlySpan<char> rest = code.Slice(pc);
            if (rest.StartsWith("dup")) { stack[sp] = stack[sp - 1]; sp++; pc += 3; continue; }
            if (rest.StartsWith("swap")) { (stack[sp - 1], stack[sp - 2]) = (stack[sp - 2], stack[sp - 1]); pc += 4; continue; }
            if (rest.StartsWith("drop")) { sp--; pc += 4; continue; }
            if (rest.StartsWith("over")) { stack[sp] = stack[sp - 2]; sp++; pc += 4; continue; }
            switch (c)
            {
                case '+': stack[sp - 2] += stack[sp - 1]; sp--; break;
                case '-': stack[sp - 2] -= stack[sp - 1]; sp--; break;
                case '*': stack[sp - 2] *= stack[sp - 1]; sp--; break;
                case '%': stack[sp - 2] %= stack[sp - 1]; sp--; break;
                case '[':
                    if (stack[--sp] == 0) pc = source.Match[pc];
                    break;
                case ']':
                    pc = source.Match[pc];
                    Jit.CanEnterJit(pc, source, stack, sp);
                    continue;
                default: throw new InvalidOperationException($"unknown '{c}' at {pc}");
            }
            pc++;
        }
    }
}

static class Program
{
    static int Main(string[] args)
    {
        long n = args.Length > 0 ? long.Parse(args[0]) : 3000000;
        // sum of i for i = n..1: keeps (acc, i) on the stack; loop while i != 0.
        var text = $"0 {n} dup [ dup swap drop swap over + swap 1 - dup ] drop";
        var source = new Source(text);
        var watch = Stopwatch.StartNew();
        long result = Interp.Run(source, new long[64]);
        Console.WriteLine($"{result} in {watch.ElapsedMilliseconds} ms");
        return 0;
    }
}
