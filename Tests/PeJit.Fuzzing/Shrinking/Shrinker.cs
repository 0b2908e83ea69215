using PeJit.Fuzzing.Languages;

namespace PeJit.Fuzzing.Shrinking;

/// <summary>Reduces a program that shows a mismatch to a small one that still shows it.</summary>
/// <remarks>
/// Strategy: delta debugging (Zeller's ddmin, complements only) over the language's pieces (lines of the stack
/// VM, commands of Brainfuck): remove a chunk, keep the result if it is still well-formed, still ends within
/// the step-counting model's bounds (so no candidate can hang or overflow the stack) and still fails; halve
/// the chunks when none can go. Then single pieces, then the language's simplifications (smaller constants,
/// a loop without its brackets), until nothing changes. Every candidate costs a plain and a JIT-enabled run,
/// so the number of candidates tried is bounded.
/// </remarks>
public sealed class Shrinker(FuzzLanguage language, Func<string, bool> fails, int maxCandidates = 3000)
{
    private int tried;

    /// <summary>Candidates tried so far.</summary>
    public int Tried => tried;

    /// <summary>The smallest program found that still fails; <paramref name="program"/> must fail.</summary>
    public string Shrink(string program)
    {
        var pieces = language.Split(program).ToList();
        while (true)
        {
            int before = pieces.Count;
            pieces = RemoveChunks(pieces);
            pieces = RemoveSingles(pieces);
            string simplified = Simplify(language.Join(pieces));
            var after = language.Split(simplified).ToList();
            bool changed = after.Count != before || language.Join(after) != language.Join(pieces);
            pieces = after;
            if (!changed || tried >= maxCandidates) return language.Join(pieces);
        }
    }

    private List<string> RemoveChunks(List<string> pieces)
    {
        int parts = 2;
        while (pieces.Count >= 2 && tried < maxCandidates)
        {
            int size = (pieces.Count + parts - 1) / parts;
            bool removed = false;
            for (int start = 0; start < pieces.Count && tried < maxCandidates; start += size)
            {
                var candidate = pieces.Take(start).Concat(pieces.Skip(start + size)).ToList();
                if (!Fails(candidate)) continue;
                pieces = candidate;
                parts = Math.Max(parts - 1, 2);
                removed = true;
                break;
            }
            if (removed) continue;
            if (parts >= pieces.Count) break;
            parts = Math.Min(pieces.Count, parts * 2);
        }
        return pieces;
    }

    private List<string> RemoveSingles(List<string> pieces)
    {
        for (int i = pieces.Count - 1; i >= 0 && tried < maxCandidates; i--)
        {
            if (i >= pieces.Count) continue;
            var candidate = pieces.Where((_, index) => index != i).ToList();
            if (Fails(candidate)) pieces = candidate;
        }
        return pieces;
    }

    private string Simplify(string program)
    {
        bool changed = true;
        while (changed && tried < maxCandidates)
        {
            changed = false;
            foreach (var candidate in language.Simplifications(program))
            {
                if (tried >= maxCandidates) break;
                if (!Fails(candidate)) continue;
                program = candidate;
                changed = true;
                break;
            }
        }
        return program;
    }

    private bool Fails(List<string> pieces) => Fails(language.Join(pieces));

    private bool Fails(string program)
    {
        tried++;
        return language.IsRunnable(program) && fails(program);
    }
}
