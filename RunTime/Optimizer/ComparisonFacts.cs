using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// What the branch edges taken so far say about comparisons: for each pair of value numbers, the orderings the
/// pair may still be in. A fact (a compare had this outcome) removes orderings; a compare is decided when every
/// ordering left makes it true, or every one makes it false. Facts are scoped: <see cref="Mark"/> and
/// <see cref="Reset"/> undo what was learned since, as a walk of the dominator tree leaves a subtree.
/// </summary>
/// <remarks>
/// An ordering ("atom") is one way two values can relate, fine enough that every compare opcode is a set of
/// them. Integers: signed and unsigned order can differ, so the atoms are the pairs (signed, unsigned) of
/// less/greater that can happen, plus equal: <c>clt</c> is {&lt;&lt;, &lt;&gt;}, <c>clt.un</c> {&lt;&lt;, &gt;&lt;}, so
/// <c>clt</c> true decides <c>cge</c>, <c>ceq</c> and <c>cgt</c> but not <c>clt.un</c>. Floats: less, equal, greater
/// and unordered (NaN), so <c>clt</c> false does not decide <c>cge</c>. References: only equal or not (and
/// <c>cgt.un x, null</c>, which is "not null").
/// </remarks>
internal sealed class ComparisonFacts(ValueNumbers numbers)
{
    private enum Domain { None, Integer, Float, Reference }

    // Integer atoms: bit 0 signed less and unsigned less, 1 signed less and unsigned greater, 2 signed greater
    // and unsigned less, 3 both greater, 4 equal.
    private const int IntegerAll = 0b11111, IntegerEqual = 0b10000;
    private const int UnsignedLess = 0b00101, UnsignedGreater = 0b01010;
    // Float atoms: bit 0 less, 1 equal, 2 greater, 3 unordered.
    private const int FloatAll = 0b1111, FloatEqual = 0b0010, FloatUnordered = 0b1000;
    // Reference atoms: bit 0 different, 1 the same object (or both null).
    private const int ReferenceAll = 0b11, ReferenceDifferent = 0b01, ReferenceSame = 0b10;

    private readonly IntPairMap masks = new();

    // For each value number, the integer constants a fact has ever paired it with (repeats possible): what
    // AgainstConstant looks at, instead of every fact in scope, which made a chain of dominating branches quadratic.
    // A pair Reset removed is simply not found in masks any more.
    private List<int>?[] constantsOf = new List<int>?[16];

    // The undo log, four ints per entry: the pair, the mask it had, and 1 when it had one (0: it was not mapped).
    // An int array rather than a list of tuples, which .NET would compile in every process (IntPairMap says why).
    private int[] undo = new int[64];
    private int undoCount;

    /// <summary>A point to <see cref="Reset"/> to.</summary>
    public int Mark() => undoCount;

    /// <summary>Forgets every fact learned since <paramref name="mark"/>.</summary>
    public void Reset(int mark)
    {
        for (int i = undoCount - 1; i >= mark; i--)
        {
            int at = 4 * i;
            if (undo[at + 3] != 0) masks.Set(undo[at], undo[at + 1], undo[at + 2]);
            else masks.Remove(undo[at], undo[at + 1]);
        }
        undoCount = Math.Min(undoCount, mark);
    }

    /// <summary>Learns that <c><paramref name="compare"/> left, right</c> is <paramref name="outcome"/> (nothing, for a compare it does not model).</summary>
    public void Add(Opcode compare, int left, int right, bool outcome)
    {
        var domain = DomainOf(left, right);
        if (Truth(compare, domain, left, right) is not { } truth) return;
        int mask = outcome ? truth : All(domain) & ~truth;
        var (first, second) = left <= right ? (left, right) : (right, left);
        if (left > right) mask = Mirror(domain, mask);
        bool had = masks.TryGetValue(first, second, out int old);
        int updated = (had ? old : All(domain)) & mask;
        if (had && updated == old) return;
        if (4 * (undoCount + 1) > undo.Length) undo = IntPairMap.Grown(undo, undo.Length * 2);
        int at = 4 * undoCount++;
        (undo[at], undo[at + 1], undo[at + 2], undo[at + 3]) = (first, second, old, had ? 1 : 0);
        masks.Set(first, second, updated);
        if (!had)
        {
            if (numbers.TryInteger(second, out _)) RecordConstant(first, second);
            if (numbers.TryInteger(first, out _)) RecordConstant(second, first);
        }
    }

    private void RecordConstant(int value, int constant)
    {
        if (value >= constantsOf.Length) Array.Resize(ref constantsOf, Math.Max(value + 1, 2 * constantsOf.Length));
        (constantsOf[value] ??= []).Add(constant);
    }

    /// <summary>The outcome of <c><paramref name="compare"/> left, right</c> if the facts decide it, else null.</summary>
    public bool? Decide(Opcode compare, int left, int right)
    {
        var domain = DomainOf(left, right);
        if (Truth(compare, domain, left, right) is not { } truth) return null;
        int possible = Possible(domain, left, right);
        if ((possible & ~truth) == 0) return true;
        if ((possible & truth) == 0) return false;
        return null;
    }

    /// <summary>The atoms (left, right) may be in: stored facts, what the values are, and facts on constants.</summary>
    private int Possible(Domain domain, int left, int right)
    {
        int mask = Stored(domain, left, right);
        if (left == right) return mask & (domain == Domain.Float ? FloatEqual | FloatUnordered : domain == Domain.Integer ? IntegerEqual : ReferenceSame);
        if (domain == Domain.Reference && left == numbers.Null && right == numbers.Null) return mask & ReferenceSame;
        if (domain != Domain.Integer) return mask;
        bool leftConstant = numbers.TryInteger(left, out long a), rightConstant = numbers.TryInteger(right, out long b);
        // Nothing is unsigned-less than zero.
        if (rightConstant && b == 0) mask &= ~UnsignedLess;
        if (leftConstant && a == 0) mask &= ~UnsignedGreater;
        // Constants of different widths (int32 against native int) compare unsigned by other rules: leave them.
        if (numbers.KindOf(left) != numbers.KindOf(right)) return mask;
        if (leftConstant && rightConstant) return mask & Atom(numbers.KindOf(left), a, b);
        if (rightConstant) mask &= AgainstConstant(left, b);
        if (leftConstant) mask &= Mirror(domain, AgainstConstant(right, a));
        return mask;
    }

    /// <summary>
    /// What facts comparing <paramref name="value"/> with other constants say about it against <paramref name="constant"/>:
    /// a fact that it equals c places it exactly; a fact that excludes how <paramref name="constant"/> relates to c
    /// rules out its being <paramref name="constant"/>.
    /// </summary>
    private int AgainstConstant(int value, long constant)
    {
        var kind = numbers.KindOf(value);
        int mask = IntegerAll;
        if (value >= constantsOf.Length || constantsOf[value] is not { } others) return mask;
        foreach (int other in others)
        {
            if (other == value || !numbers.TryInteger(other, out long c) || numbers.KindOf(other) != kind) continue;
            bool valueFirst = value < other;
            if (!masks.TryGetValue(valueFirst ? value : other, valueFirst ? other : value, out int stored)) continue;
            int oriented = valueFirst ? stored : Mirror(Domain.Integer, stored);
            if ((oriented & ~IntegerEqual) == 0) mask &= Atom(kind, c, constant);
            if ((oriented & Atom(kind, constant, c)) == 0) mask &= ~IntegerEqual;
        }
        return mask;
    }

    private int Stored(Domain domain, int left, int right)
    {
        if (left <= right) return masks.TryGetValue(left, right, out int mask) ? mask : All(domain);
        return masks.TryGetValue(right, left, out int mirrored) ? Mirror(domain, mirrored) : All(domain);
    }

    private Domain DomainOf(int left, int right)
    {
        var domain = DomainOf(numbers.KindOf(left));
        return DomainOf(numbers.KindOf(right)) == domain ? domain : Domain.None;
    }

    private static Domain DomainOf(StackKind kind) => kind switch
    {
        StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt => Domain.Integer,
        StackKind.Float => Domain.Float,
        StackKind.Reference => Domain.Reference,
        _ => Domain.None,
    };

    private static int All(Domain domain) => domain switch
    {
        Domain.Integer => IntegerAll, Domain.Float => FloatAll, _ => ReferenceAll,
    };

    /// <summary>The atoms in which the compare is true; null when it is not modelled.</summary>
    private int? Truth(Opcode compare, Domain domain, int left, int right) => domain switch
    {
        Domain.Integer => compare switch
        {
            Opcode.Ceq => 0b10000, Opcode.Cne => 0b01111,
            Opcode.Clt => 0b00011, Opcode.Cle => 0b10011, Opcode.Cgt => 0b01100, Opcode.Cge => 0b11100,
            Opcode.CltUn => 0b00101, Opcode.CleUn => 0b10101, Opcode.CgtUn => 0b01010, Opcode.CgeUn => 0b11010,
            _ => null,
        },
        Domain.Float => compare switch
        {
            Opcode.Ceq => 0b0010, Opcode.Cne => 0b1101,
            Opcode.Clt => 0b0001, Opcode.Cle => 0b0011, Opcode.Cgt => 0b0100, Opcode.Cge => 0b0110,
            Opcode.CltUn => 0b1001, Opcode.CleUn => 0b1011, Opcode.CgtUn => 0b1100, Opcode.CgeUn => 0b1110,
            _ => null,
        },
        // References have no order; cgt.un against null is the C# compiler's "is not null".
        Domain.Reference => compare switch
        {
            Opcode.Ceq => ReferenceSame,
            Opcode.Cne => ReferenceDifferent,
            Opcode.CgtUn when right == numbers.Null => ReferenceDifferent,
            Opcode.CgtUn when left == numbers.Null => 0,
            _ => null,
        },
        _ => null,
    };

    /// <summary>The same atoms with the operands swapped.</summary>
    private static int Mirror(Domain domain, int mask) => domain switch
    {
        // <<↔>>, <>↔><; equal stays.
        Domain.Integer => (mask & IntegerEqual) | ((mask & 1) << 3) | ((mask & 8) >> 3) | ((mask & 2) << 1) | ((mask & 4) >> 1),
        // less↔greater; equal and unordered stay.
        Domain.Float => (mask & (FloatEqual | FloatUnordered)) | ((mask & 1) << 2) | ((mask & 4) >> 2),
        _ => mask,
    };

    /// <summary>The atom two integer constants of a stack kind are in.</summary>
    private static int Atom(StackKind kind, long a, long b)
    {
        if (a == b) return IntegerEqual;
        bool signedLess = a < b;
        bool unsignedLess = kind == StackKind.Int32 ? unchecked((uint)a < (uint)b) : unchecked((ulong)a < (ulong)b);
        return (signedLess, unsignedLess) switch
        {
            (true, true) => 0b00001, (true, false) => 0b00010, (false, true) => 0b00100, _ => 0b01000,
        };
    }
}
