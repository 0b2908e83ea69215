using System.Text;

namespace PeJit.Fuzzing.Generation;

/// <summary>Generates random Brainfuck programs from a <see cref="Random"/>.</summary>
/// <remarks>
/// Strategy: the generator keeps track of the pointer, relative to where the program started, and builds
/// loops that end by construction: a counted loop sets a counter cell, changes it by exactly one per turn
/// and its body never touches it and comes back to it (so at most 256 turns); a transfer loop
/// (<c>[-&gt;++&lt;]</c>) is the same with the cell's own value as the count; an if (<c>[ ... [-]]</c>)
/// clears its cell, so turns once. Scans (<c>[&gt;]</c>) end at the first zero cell, which exists because a
/// program writes finitely many cells; after one the pointer is known only relative to where the scan
/// stopped, which is all the rest needs outside loops (a scan inside a loop makes the loop's end depend on
/// the data; the caller's step count rejects the programs that run too long). Runtime errors are generated
/// on purpose in a quarter of the programs: the pointer moved left of the tape's first cell, or a runaway
/// loop (<c>+[&gt;&gt;+]</c>) that walks off either end. Runs of <c>+ - &gt; &lt;</c> are sometimes mixed
/// (<c>+-+</c>) or cancel out, and counts pass 255, to try the compiler's folding.
/// </remarks>
public sealed class BrainfuckGenerator
{
    private readonly Random random;
    private readonly double scale;
    private readonly StringBuilder text = new();
    private readonly HashSet<int> activeCounters = [];
    private readonly int width;
    private int pointer;
    private bool pointerIsAbsolute = true;
    private int errorsLeft;
    private int loopDepth;
    private int quiet;

    private BrainfuckGenerator(Random random, double scale)
    {
        this.random = random;
        this.scale = scale;
        width = 3 + random.Next(12);
        errorsLeft = random.NextDouble() < 0.25 ? 1 : 0;
    }

    /// <summary>
    /// A program from <paramref name="random"/>; <paramref name="scale"/> (0 to 1) shrinks loop counts, for a
    /// second try when the first program ran too long.
    /// </summary>
    public static string Generate(Random random, double scale = 1.0) => new BrainfuckGenerator(random, scale).Program();

    private string Program()
    {
        int elements = 3 + random.Next(10);
        bool loopDone = false;
        for (int i = 0; i < elements; i++)
        {
            if (!loopDone && (i == elements - 1 || random.NextDouble() < 0.3) && random.NextDouble() < 0.95)
            {
                CountedLoop();
                loopDone = true;
            }
            else
            {
                Element();
            }
        }
        if (errorsLeft > 0) Runaway();
        return Wrap(text.ToString());
    }

    // ---- Elements: each leaves the pointer where the generator knows it is. ----

    private void Elements(int count)
    {
        for (int i = 0; i < count; i++) Element();
    }

    private void Element()
    {
        int choice = random.Next(100);
        if (errorsLeft > 0 && pointerIsAbsolute && choice < 3)
        {
            // Left of the tape's first cell: the next access is out of range.
            errorsLeft--;
            MoveTo(-1 - random.Next(3));
            Add(1 + random.Next(5));
            return;
        }
        if (choice < 25) { MoveTo(FreeCell()); Add(Amount()); }
        else if (choice < 33) { MoveTo(FreeCell()); text.Append(random.Next(4) == 0 ? "[+]" : "[-]"); if (random.Next(6) == 0) text.Append("[]"); }
        else if (choice < 43 && quiet == 0) { MoveTo(AnyCell()); text.Append('.'); }
        else if (choice < 47 && quiet == 0) { MoveTo(FreeCell()); text.Append(','); }
        else if (choice < 67 && loopDepth < 3) CountedLoop();
        else if (choice < 80 && loopDepth < 3) TransferLoop();
        else if (choice < 88 && loopDepth < 3) If();
        // A scan inside a loop leaves the pointer where the data says: the loop may not end (the step-counting model decides).
        else if (choice < 92 && (loopDepth == 0 || random.Next(4) == 0)) Scan();
        else { MoveTo(FreeCell()); Add(Amount()); if (quiet == 0) text.Append('.'); }
    }

    /// <summary>A counter cell set to N, changed by one per turn (down, or up from 256 - N), the body around it.</summary>
    private void CountedLoop()
    {
        int counter = FreeCell();
        long count = LoopCount();
        bool up = random.Next(4) == 0;
        MoveTo(counter);
        text.Append("[-]");
        Add(up ? -count : count);
        activeCounters.Add(counter);
        loopDepth++;
        // Half the counted loops neither read nor write: the optimizer keeps their cells in SSA values only without calls.
        bool silent = random.Next(2) == 0;
        if (silent) quiet++;
        text.Append('[');
        bool changeFirst = random.Next(2) == 0;
        if (changeFirst) text.Append(up ? '+' : '-');
        Elements(1 + random.Next(loopDepth == 1 ? 4 : 3));
        MoveTo(counter);
        if (!changeFirst) text.Append(up ? '+' : '-');
        text.Append(']');
        if (silent) quiet--;
        loopDepth--;
        activeCounters.Remove(counter);
    }

    /// <summary><c>[-&gt;+++&gt;--&lt;&lt;]</c>: the cell's value times, adding multiples of it to other cells.</summary>
    private void TransferLoop()
    {
        int source = FreeCell();
        MoveTo(source);
        activeCounters.Add(source);
        loopDepth++;
        text.Append("[-");
        int targets = 1 + random.Next(3);
        for (int i = 0; i < targets; i++)
        {
            MoveTo(FreeCell());
            Add(random.Next(2) == 0 ? 1 + random.Next(12) : -1 - random.Next(12));
        }
        if (random.Next(4) == 0) Elements(1);
        MoveTo(source);
        text.Append(']');
        loopDepth--;
        activeCounters.Remove(source);
    }

    /// <summary><c>[ body [-]]</c>: the body once when the cell is not zero.</summary>
    private void If()
    {
        int cell = FreeCell();
        MoveTo(cell);
        loopDepth++;
        text.Append('[');
        Elements(1 + random.Next(3));
        MoveTo(cell);
        text.Append("[-]]");
        loopDepth--;
    }

    /// <summary><c>[&gt;]</c> and friends: to the next zero cell; from then on the pointer is known relative to it.</summary>
    private void Scan()
    {
        MoveTo(AnyCell());
        int step = random.Next(4) == 0 ? -1 : 1 + random.Next(2);
        text.Append('[').Append(step > 0 ? new string('>', step) : "<").Append(']');
        pointer = 0;
        pointerIsAbsolute = false;
    }

    /// <summary>A loop that marks a cell and moves on until it walks off the tape: always the last thing.</summary>
    private void Runaway()
    {
        errorsLeft--;
        MoveTo(AnyCell());
        text.Append(random.Next(3) == 0 ? "+[<+]" : "+[" + new string('>', 1 + random.Next(12)) + "+]");
    }

    // ---- Pieces. ----

    private long LoopCount()
    {
        int roll = random.Next(100);
        long count = loopDepth switch
        {
            0 => roll < 60 ? random.Next(3, 30) : random.Next(30, 200),
            1 => random.Next(2, 25),
            _ => random.Next(2, 9),
        };
        return Math.Clamp((long)(count * scale), 2, 255);
    }

    private long Amount()
    {
        int roll = random.Next(100);
        if (roll < 60) return random.Next(-10, 11);
        if (roll < 80) return random.Next(-300, 301);
        return Pick([0, 128, 255, 256, 257, -255, -256, 512]);
    }

    /// <summary>A cell of the working region that no enclosing loop counts with.</summary>
    private int FreeCell()
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            int cell = random.Next(width);
            if (!activeCounters.Contains(cell)) return cell;
        }
        int free = 0;
        while (activeCounters.Contains(free)) free++;
        return free;
    }

    private int AnyCell() => random.Next(width);

    private void MoveTo(int cell)
    {
        int delta = cell - pointer;
        if (delta != 0 && random.Next(8) == 0)
        {
            // A mixed run: ">><" folds to one move.
            text.Append(delta > 0 ? "><" : "<>");
        }
        text.Append(delta > 0 ? new string('>', delta) : new string('<', -delta));
        pointer = cell;
    }

    private void Add(long amount)
    {
        if (amount != 0 && random.Next(8) == 0) text.Append(amount > 0 ? "+-" : "-+");
        text.Append(amount > 0 ? new string('+', (int)amount) : new string('-', (int)-amount));
    }

    private T Pick<T>(IReadOnlyList<T> choices) => choices[random.Next(choices.Count)];

    /// <summary>Lines of at most 72 commands, so that a program reads and diffs as text.</summary>
    internal static string Wrap(string commands)
    {
        var lines = new StringBuilder();
        for (int i = 0; i < commands.Length; i += 72)
            lines.Append(commands.AsSpan(i, Math.Min(72, commands.Length - i))).Append('\n');
        return lines.ToString();
    }
}
