using System.Reflection;
using PeJit.Runtime;
using PeJit.TestSubjects;
using static PeJit.TestSubjects.BacktrackingMatcher;

namespace PeJit.Tests.Runtime;

/// <summary>
/// <see cref="BacktrackingMatcher"/>, a regular-expression VM of the kind users bring: its red backtracking stack is a
/// local whose address is taken (<c>Array.Resize(ref stack, ...)</c>), so the portal keeps it in a slot, and the pc it
/// pops is promoted. JIT-enabled, every pattern counts what the plain matcher counts. (A key's residual block once
/// read that slot without storing the key's red into it first: a null stack in compiled code.)
/// </summary>
[TestClass]
public sealed class BacktrackingMatcherJitTests
{
    private static readonly string[] Patterns =
        ["[a-z]+ing", "[a-z0-9.]+@[a-z]+\\.(com|org|net)", "(foo|bar)+baz", "[0-9]+", "a*b?c", "(x|xy)*z"];

    private static string Text(int words)
    {
        var random = new Random(42);
        string[] vocabulary = ["running", "walk", "jumping", "foo@bar.com", "x", "singing", "baz", "info@example.org", "xyxyxz",
                               "the", "quick", "brown", "fox", "thinking", "a.b@c.net", "12345", "foobarbaz", "aaabc", "c"];
        return string.Join(' ', Enumerable.Range(0, words).Select(_ => vocabulary[random.Next(vocabulary.Length)]));
    }

    private static int Plain(Prog prog, string text) => CountMatches(prog, text, MatchAt);

    [TestMethod]
    public void EveryPatternCountsWhatThePlainMatcherCounts()
    {
        string text = Text(3000);
        foreach (string pattern in Patterns)
        {
            var jit = PortalJit.Create(typeof(BacktrackingMatcher).GetMethod(nameof(MatchAt))!, new JitSettings { Threshold = 3 });
            var prog = Compile(pattern);
            var count = Specializer.JitDifferentialTests.AssertUnitsEntered(jit, pattern,
                () => CountMatches(prog, text, (p, s, i) => (int)jit.Invoke([p, s, i])!));
            Assert.AreEqual(Plain(prog, text), count, pattern);
        }
    }

    /// <summary>As <c>pejit build</c> wove it, entered from the woven sites, every pattern in one assembly.</summary>
    [TestMethod]
    public void TheWovenMatcherCountsWhatThePlainMatcherCounts()
    {
        var type = WithExpressionJitTests.Woven.Value.GetType(typeof(BacktrackingMatcher).FullName!, throwOnError: true)!;
        var matchAt = type.GetMethod(nameof(MatchAt))!;
        var compile = type.GetMethod(nameof(Compile))!;
        IReadOnlyList<CompiledUnit> Units() => JitRuntime.Find(matchAt)?.Cache.Units ?? [];
        string text = Text(3000);
        foreach (string pattern in Patterns)
        {
            var entries = Units().ToDictionary(u => u, u => u.Entries);
            object prog = compile.Invoke(null, [pattern])!;
            int count = 0;
            for (int i = 0; i < text.Length;)
            {
                int end = (int)matchAt.Invoke(null, [prog, text, i])!;
                if (end > i) { count++; i = end; }
                else i++;
            }
            Assert.AreEqual(Plain(Compile(pattern), text), count, pattern);
            Assert.IsTrue(Units().Any(u => u.Entries > entries.GetValueOrDefault(u)), $"{pattern}: no unit of the woven matcher was entered");
        }
    }
}
