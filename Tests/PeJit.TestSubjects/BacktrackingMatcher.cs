namespace PeJit.TestSubjects;

/// <summary>
/// A backtracking regular-expression matcher as people write one (after Russ Cox, "Regular Expression Matching: the
/// Virtual Machine Approach"): a pattern compiled to instruction objects, run with an explicit stack of
/// (pc, position) pairs that grows with <c>Array.Resize(ref stack, ...)</c>, so the red <c>stack</c> lives in a slot
/// (its address is taken), and the pc popped on failure is <c>Jit.Promote</c>d. <c>BacktrackingMatcherJitTests</c>.
/// </summary>
public static class BacktrackingMatcher
{
    public enum Kind { Char, Any, Class, Split, Jmp, Match }

    /// <summary>One instruction; <see cref="X"/> and <see cref="Y"/> are patched while compiling, so not readonly.</summary>
    [JitImmutable]
    public sealed class Inst(Kind kind, char c = '\0', int x = 0, int y = 0, char[]? ranges = null)
    {
        public readonly Kind Kind = kind;
        public readonly char C = c;
        public int X = x, Y = y;
        public readonly char[] Ranges = ranges ?? [];
    }

    [JitImmutable]
    public sealed class Prog(Inst[] insts)
    {
        public readonly Inst[] Insts = insts;
    }

    /// <summary>The end of a match of <paramref name="prog"/> starting at <paramref name="start"/>, or -1.</summary>
    [JitPortal(Greens = ["pc", "prog"], Reds = ["input", "sp", "stack", "top"])]
    public static int MatchAt(Prog prog, string input, int start)
    {
        int pc = 0, sp = start, top = 0;
        int[] stack = new int[4];
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
                    stack[top++] = inst.Y;
                    stack[top++] = sp;
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
            if (top == 0) return -1;
            sp = stack[--top];
            pc = Jit.Promote(stack[--top]);
        }
    }

    private static bool InClass(char[] ranges, char c)
    {
        for (int i = 0; i < ranges.Length; i += 2)
            if (c >= ranges[i] && c <= ranges[i + 1]) return true;
        return false;
    }

    /// <summary>Non-overlapping matches, leftmost first, as a host calls the matcher.</summary>
    public static int CountMatches(Prog prog, string text, Func<Prog, string, int, int> matchAt)
    {
        int count = 0;
        for (int i = 0; i < text.Length;)
        {
            int end = matchAt(prog, text, i);
            if (end > i) { count++; i = end; }
            else i++;
        }
        return count;
    }

    /// <summary>Compiles a pattern of literals, <c>.</c>, <c>[a-z]</c> classes, <c>* + ?</c>, <c>|</c> and groups.</summary>
    public static Prog Compile(string pattern)
    {
        var code = new List<Inst>();
        int pos = 0;
        Alternation();
        if (pos != pattern.Length) throw new FormatException($"unexpected '{pattern[pos]}' at {pos}");
        code.Add(new Inst(Kind.Match));
        return new Prog([.. code]);

        void Insert(int at, Inst inst)
        {
            foreach (var i in code)
            {
                if (i.Kind is not (Kind.Split or Kind.Jmp)) continue;
                if (i.X >= at) i.X++;
                if (i.Kind == Kind.Split && i.Y >= at) i.Y++;
            }
            code.Insert(at, inst);
        }

        void Alternation()
        {
            int start = code.Count;
            while (pos < pattern.Length && pattern[pos] != '|' && pattern[pos] != ')') Repetition();
            if (pos >= pattern.Length || pattern[pos] != '|') return;
            pos++;
            Insert(start, new Inst(Kind.Split, x: start + 1));
            int jump = code.Count;
            code.Add(new Inst(Kind.Jmp));
            code[start].Y = code.Count;
            Alternation();
            code[jump].X = code.Count;
        }

        void Repetition()
        {
            int start = code.Count;
            Atom();
            char op = pos < pattern.Length ? pattern[pos] : '\0';
            if (op == '+') code.Add(new Inst(Kind.Split, x: start, y: code.Count + 1));
            else if (op is '*' or '?')
            {
                Insert(start, new Inst(Kind.Split, x: start + 1));
                if (op == '*') code.Add(new Inst(Kind.Jmp, x: start));
                code[start].Y = code.Count;
            }
            else return;
            pos++;
        }

        void Atom()
        {
            char c = pattern[pos++];
            if (c == '(')
            {
                Alternation();
                if (pos >= pattern.Length || pattern[pos] != ')') throw new FormatException("missing )");
                pos++;
            }
            else if (c == '.') code.Add(new Inst(Kind.Any));
            else if (c == '[')
            {
                var ranges = new List<char>();
                while (pattern[pos] != ']')
                {
                    char lo = pattern[pos++], hi = lo;
                    if (pattern[pos] == '-' && pattern[pos + 1] != ']') { pos++; hi = pattern[pos++]; }
                    ranges.Add(lo);
                    ranges.Add(hi);
                }
                pos++;
                code.Add(new Inst(Kind.Class, ranges: [.. ranges]));
            }
            else if (c == '\\') code.Add(new Inst(Kind.Char, pattern[pos++]));
            else code.Add(new Inst(Kind.Char, c));
        }
    }
}
