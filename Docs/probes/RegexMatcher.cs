// A backtracking regex probe (Examples/STYLES-FINDINGS.md, "A backtracking regex matcher"): not built by the solution. To try
// it, put it in a console project (net10.0, implicit usings) that references PeJit.Hints, build, and run `pejit build` on
// the DLL. Tests/PeJit.TestSubjects/BacktrackingMatcher.cs is the same matcher as a test subject.
// Arguments: a pattern (or `all`), the text's size (200,000), and rounds over the same text (1; later rounds show the
// steady state, each with the process's CPU time: Docs/PERFORMANCE.md, "Entry cells without a thread-local per entry").
// A backtracking regex matcher as people write one: a recursive-descent parser compiles a pattern to a program of
// instruction objects (after Pike/Thompson's VM and Russ Cox's "Regular Expression Matching: the Virtual Machine
// Approach"), and a backtracking VM runs it with an explicit stack of (pc, position) pairs.
using System.Diagnostics;
using PeJit;

enum Kind { Char, Any, Class, Split, Jmp, Match }

[JitImmutable]
sealed class Inst
{
    public readonly Kind Kind; public readonly char C; public int X, Y; public readonly char[] Ranges;
    public Inst(Kind kind, char c = '\0', int x = 0, int y = 0, char[]? ranges = null)
    { Kind = kind; C = c; X = x; Y = y; Ranges = ranges ?? []; }
    public override string ToString() => $"{Kind} {C} {X} {Y}";
}

[JitImmutable]
sealed class Prog
{
    public readonly Inst[] Insts;
    public Prog(Inst[] insts) { Insts = insts; }
}

sealed class Compiler
{
    readonly string pattern; int pos; readonly List<Inst> code = [];
    Compiler(string pattern) { this.pattern = pattern; }

    public static Prog Compile(string pattern)
    {
        var c = new Compiler(pattern);
        c.Alternation();
        if (c.pos != pattern.Length) throw new FormatException($"unexpected '{pattern[c.pos]}' at {c.pos}");
        c.code.Add(new Inst(Kind.Match));
        return new Prog(c.code.ToArray());
    }

    void Alternation()
    {
        int start = code.Count;
        Sequence();
        if (pos < pattern.Length && pattern[pos] == '|')
        {
            pos++;
            code.Insert(start, new Inst(Kind.Split, x: start + 1));
            Shift(start + 1, 1);
            int jmp = code.Count; code.Add(new Inst(Kind.Jmp));
            code[start].Y = code.Count;
            Alternation();
            code[jmp].X = code.Count;
        }
    }

    // Inserting an instruction moves every jump target at or after `from`.
    void Shift(int from, int by)
    {
        foreach (var i in code)
        {
            if (i.Kind is Kind.Split or Kind.Jmp)
            {
                if (i.X >= from && !ReferenceEquals(i, code[from - 1])) i.X += by;
                if (i.Kind == Kind.Split && i.Y >= from && !ReferenceEquals(i, code[from - 1])) i.Y += by;
            }
        }
    }

    void Sequence()
    {
        while (pos < pattern.Length && pattern[pos] != '|' && pattern[pos] != ')') Repetition();
    }

    void Repetition()
    {
        int start = code.Count;
        Atom();
        if (pos >= pattern.Length) return;
        switch (pattern[pos])
        {
            case '*':
                pos++;
                code.Insert(start, new Inst(Kind.Split, x: start + 1));
                Shift(start + 1, 1);
                code.Add(new Inst(Kind.Jmp, x: start));
                code[start].Y = code.Count;
                break;
            case '+':
                pos++;
                code.Add(new Inst(Kind.Split, x: start, y: code.Count + 1));
                break;
            case '?':
                pos++;
                code.Insert(start, new Inst(Kind.Split, x: start + 1));
                Shift(start + 1, 1);
                code[start].Y = code.Count;
                break;
        }
    }

    void Atom()
    {
        char c = pattern[pos++];
        switch (c)
        {
            case '(':
                Alternation();
                if (pos >= pattern.Length || pattern[pos] != ')') throw new FormatException("missing )");
                pos++;
                break;
            case '.': code.Add(new Inst(Kind.Any)); break;
            case '[':
                var ranges = new List<char>();
                while (pattern[pos] != ']')
                {
                    char lo = pattern[pos++], hi = lo;
                    if (pattern[pos] == '-' && pattern[pos + 1] != ']') { pos++; hi = pattern[pos++]; }
                    ranges.Add(lo); ranges.Add(hi);
                }
                pos++;
                code.Add(new Inst(Kind.Class, ranges: ranges.ToArray()));
                break;
            case '\\': code.Add(new Inst(Kind.Char, pattern[pos++])); break;
            default: code.Add(new Inst(Kind.Char, c)); break;
        }
    }
}

static class Matcher
{
    // Does prog match input at start? Returns the end of the match, or -1.
    [JitPortal(Greens = ["pc", "prog"], Reds = ["input", "sp", "stack", "top"])]
    public static int MatchAt(Prog prog, string input, int start)
    {
        int pc = 0, sp = start, top = 0;
        int[] stack = new int[32];
        while (true)
        {
            Jit.MergePoint(pc, prog, input, sp, stack, top);
            Inst inst = prog.Insts[pc];
            switch (inst.Kind)
            {
                case Kind.Char:
                    if (sp < input.Length && input[sp] == inst.C) { pc++; sp++; continue; }
                    break;
                case Kind.Any:
                    if (sp < input.Length) { pc++; sp++; continue; }
                    break;
                case Kind.Class:
                    if (sp < input.Length && InClass(inst.Ranges, input[sp])) { pc++; sp++; continue; }
                    break;
                case Kind.Split:
                    if (top + 2 > stack.Length) Array.Resize(ref stack, stack.Length * 2);
                    stack[top++] = inst.Y; stack[top++] = sp;
                    if (inst.X <= pc) { pc = inst.X; Jit.CanEnterJit(pc, prog, input, sp, stack, top); continue; }
                    pc = inst.X;
                    continue;
                case Kind.Jmp:
                    if (inst.X <= pc) { pc = inst.X; Jit.CanEnterJit(pc, prog, input, sp, stack, top); continue; }
                    pc = inst.X;
                    continue;
                case Kind.Match:
                    return sp;
            }
            // Failure: backtrack to the last choice.
            if (top == 0) return -1;
            sp = stack[--top];
            pc = Jit.Promote(stack[--top]);
        }
    }

    static bool InClass(char[] ranges, char c)
    {
        for (int i = 0; i < ranges.Length; i += 2)
            if (c >= ranges[i] && c <= ranges[i + 1]) return true;
        return false;
    }

    public static int CountMatches(Prog prog, string text)
    {
        int count = 0;
        for (int i = 0; i < text.Length;)
        {
            int end = MatchAt(prog, text, i);
            if (end > i) { count++; i = end; } else i++;
        }
        return count;
    }
}

static class Program
{
    static string Text(int n)
    {
        var rng = new Random(42);
        string[] words = ["running", "walk", "jumping", "foo@bar.com", "x", "singing", "baz", "info@example.org",
                          "the", "quick", "brown", "fox", "thinking", "a.b@c.net", "12345", "foobarbaz"];
        var sb = new System.Text.StringBuilder();
        while (sb.Length < n) sb.Append(words[rng.Next(words.Length)]).Append(' ');
        return sb.ToString();
    }

    static int Main(string[] args)
    {
        string[] patterns = args.Length > 0 && args[0] != "all" ? [args[0]] :
            ["[a-z]+ing", "[a-z0-9.]+@[a-z]+\\.(com|org|net)", "(foo|bar)+baz", "[0-9]+"];
        int size = args.Length > 1 ? int.Parse(args[1]) : 200_000;
        // Rounds over the same text: the later ones show the steady state, without the JIT's warm-up.
        int rounds = args.Length > 2 ? int.Parse(args[2]) : 1;
        string text = Text(size);
        var total = Stopwatch.StartNew();
        foreach (var p in patterns)
        {
            var prog = Compiler.Compile(p);
            for (int round = 0; round < rounds; round++)
            {
                var sw = Stopwatch.StartNew();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                int count = Matcher.CountMatches(prog, text);
                // The process's CPU time too: on a loaded machine wall time includes waiting for a core.
                Console.WriteLine($"{p}\t{count}\t{sw.ElapsedMilliseconds} ms\t(cpu {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds:F0} ms)");
            }
        }
        Console.WriteLine($"total {total.ElapsedMilliseconds} ms");
        return 0;
    }
}
