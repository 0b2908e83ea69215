namespace PeJit.AnalysisSubjects;

/// <summary>
/// A small stack language interpreted straight from its source text, as people write one with spans: the code is
/// <c>ReadOnlySpan&lt;char&gt; code = source.Text.AsSpan()</c>, a word is recognized with <c>rest.StartsWith("dup")</c> (the
/// literal converted from <c>string</c>) or <c>SequenceEqual</c> on a slice, a number found with <c>IndexOf(' ')</c> and
/// parsed with <c>int.Parse</c> on a slice, and <c>'['</c>/<c>']'</c> jump to their partners. The span of the green text is green
/// (Docs/bta.md rule 12): the words, their comparisons and the jumps are decided while specializing; <c>int.Parse</c>, which
/// PeJit does not run, takes the span rebuilt over the constant text. <c>:name</c> pushes whether the stack's top word,
/// read from a red string, equals the text after it (a query of a red span).
/// </summary>
public static class TextSpanForth
{
    /// <summary>A program: its text and each bracket's partner.</summary>
    [JitImmutable]
    public sealed class Source
    {
        /// <summary>The program's text.</summary>
        public readonly string Text;

        /// <summary>For each <c>[</c> and <c>]</c>, the index of its partner.</summary>
        public readonly int[] Partner;

        /// <summary>Parses the brackets of <paramref name="text"/>.</summary>
        public Source(string text)
        {
            Text = text;
            Partner = new int[text.Length];
            var open = new Stack<int>();
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] == '[') open.Push(i);
                else if (text[i] == ']')
                {
                    int o = open.Pop();
                    Partner[o] = i;
                    Partner[i] = o;
                }
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="source"/> on <paramref name="stack"/>; <paramref name="word"/> is what <c>:name</c> compares with.
    /// Returns the top of the stack at the end (0 when empty). An unknown character throws <see cref="InvalidOperationException"/>.
    /// </summary>
    [JitPortal(Greens = ["pc", "source"], Reds = ["stack", "sp", "word"])]
    public static long Run(Source source, long[] stack, string word)
    {
        int pc = 0, sp = 0;
        while (true)
        {
            Jit.MergePoint(pc, source, stack, sp, word);
            ReadOnlySpan<char> code = source.Text.AsSpan();
            if (pc >= code.Length) return sp > 0 ? stack[sp - 1] : 0;
            char c = code[pc];
            if (c == ' ')
            {
                pc++;
                continue;
            }
            ReadOnlySpan<char> rest = code.Slice(pc);
            if (char.IsDigit(c))
            {
                int length = rest.IndexOf(' ');
                if (length < 0) length = rest.Length;
                stack[sp++] = int.Parse(rest.Slice(0, length));
                pc += length;
                continue;
            }
            if (rest.StartsWith("dup")) { stack[sp] = stack[sp - 1]; sp++; pc += 3; continue; }
            if (rest.StartsWith("drop")) { sp--; pc += 4; continue; }
            if (rest.Length >= 4 && rest.Slice(0, 4).SequenceEqual("swap")) { (stack[sp - 1], stack[sp - 2]) = (stack[sp - 2], stack[sp - 1]); pc += 4; continue; }
            if (rest.StartsWith("over")) { stack[sp] = stack[sp - 2]; sp++; pc += 4; continue; }
            if (c == ':')
            {
                int end = rest.IndexOf(' ');
                if (end < 0) end = rest.Length;
                stack[sp++] = word.AsSpan().SequenceEqual(rest.Slice(1, end - 1)) ? 1 : 0;
                pc += end;
                continue;
            }
            switch (c)
            {
                case '+': stack[sp - 2] += stack[sp - 1]; sp--; break;
                case '-': stack[sp - 2] -= stack[sp - 1]; sp--; break;
                case '*': stack[sp - 2] *= stack[sp - 1]; sp--; break;
                case '[':
                    if (stack[--sp] == 0) pc = source.Partner[pc];
                    break;
                case ']':
                    pc = source.Partner[pc];
                    Jit.CanEnterJit(pc, source, stack, sp, word);
                    continue;
                default: throw new InvalidOperationException($"unknown '{c}' at {pc}");
            }
            pc++;
        }
    }

    /// <summary>The sum of 1..<paramref name="n"/>, counted down in a loop: <c>[acc, i]</c> on the stack.</summary>
    public static Source Sum(long n) => new($"0 {n} dup [ dup swap drop swap over + swap 1 - dup ] drop");

    /// <summary>Adds, <paramref name="n"/> times, whether <c>word</c> is <c>yes</c> and whether it is <c>no</c>, times 10.</summary>
    public static Source Words(long n) => new($"0 {n} dup [ swap :yes + :no 10 * + swap 1 - dup ] drop");
}
