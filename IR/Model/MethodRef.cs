namespace PeJit.IR;

/// <summary>
/// A method named by an instruction (a call target, a constructor, a function pointer), by its text: the name
/// resolves to a member (<see cref="Semantics.IMemberResolver"/>). The producer of a graph may attach what it
/// made the reference from (<see cref="Origin"/>: the frontend attaches its Cecil reference); the IR never looks
/// at it. Equal when the names are.
/// </summary>
public sealed class MethodRef : IEquatable<MethodRef>
{
    /// <summary>Creates a reference from its text form.</summary>
    /// <param name="fullName">Cecil's full name: <c>ReturnType DeclaringType::Name(ParameterTypes)</c>.</param>
    /// <param name="hasThis">True for an instance method, whose first argument is <c>this</c>.</param>
    /// <param name="origin">What the producer made the reference from, when there is one.</param>
    public MethodRef(string fullName, bool hasThis, object? origin = null)
    {
        FullName = fullName;
        HasThis = hasThis;
        Origin = origin;
        ParameterCount = CountParameters(fullName);
    }

    /// <summary>Cecil's full name of the method.</summary>
    public string FullName { get; }

    /// <summary>True when the method takes <c>this</c> as its first argument.</summary>
    public bool HasThis { get; }

    /// <summary>Number of declared parameters, not counting <c>this</c>.</summary>
    public int ParameterCount { get; }

    /// <summary>Number of arguments a call passes: parameters plus <c>this</c> when present.</summary>
    public int ArgumentCount => ParameterCount + (HasThis ? 1 : 0);

    /// <summary>What the producer made the reference from (opaque to the IR); null for a parsed graph.</summary>
    public object? Origin { get; }

    /// <summary>
    /// True when a call has no effect and its result depends only on its arguments: a base-library method in
    /// <see cref="Semantics.KnownPureMethods"/>, or one marked <c>[Elidable]</c> (the frontend looks). Printed
    /// <c>pure</c>. The optimizer moves memory accesses across such calls.
    /// </summary>
    public bool IsPure { get; init; }

    /// <summary>
    /// True when a call writes no memory a unit can read: it may read any field or element, allocate, and throw, but
    /// stores nothing outside what it allocates and its own locals. The frontend sets it from the method's IL, analyzed
    /// at build time with everything it calls (<c>MethodEffects</c>); a pure method is also one. Printed <c>reads</c>.
    /// The optimizer keeps loaded values across such calls (a loop with one is no barrier to hoisting invariant loads),
    /// writing back what it keeps in SSA values before them, since they may read it.
    /// </summary>
    public bool ReadsOnly { get; init; }

    /// <summary>
    /// For a constructor that only stores each of its parameters into a field of the new object (parameter i
    /// into <c>StoredFields[i]</c>, each field once) and otherwise does nothing observable (its base
    /// constructors are empty, its class has no finalizer): those fields, as the frontend found them. Null for
    /// any other method. Printed <c>stores("field", ...)</c>. The optimizer removes the allocation of such an
    /// object when it does not escape (<c>AllocationRemoval</c>) and rebuilds it with this constructor where it does.
    /// </summary>
    public IReadOnlyList<FieldRef>? StoredFields { get; init; }

    /// <summary>The method's simple name (between <c>::</c> and the parameter list).</summary>
    /// <remarks>Searched with loops of its own, as <see cref="CountParameters"/> is: the specializer and the optimizer ask it per call.</remarks>
    public string Name
    {
        get
        {
            int colons = Colons(FullName);
            int paren = Find(FullName, '(', colons + 2);
            int angle = Find(FullName, '<', colons + 2);
            int end = angle >= 0 && angle < paren ? angle : paren;
            return FullName[(colons + 2)..end];
        }
    }

    /// <summary>The full name of the declaring type.</summary>
    public string DeclaringTypeName
    {
        get
        {
            int colons = Colons(FullName);
            if (colons < 0) throw new FormatException($"'{FullName}' is not a method's full name (ReturnType DeclaringType::Name(ParameterTypes)): it names no declaring type");
            int space = colons;
            while (space >= 0 && FullName[space] != ' ') space--;
            return FullName[(space + 1)..colons];
        }
    }

    // The first "::", or -1.
    private static int Colons(string fullName)
    {
        for (int i = 0; i + 1 < fullName.Length; i++)
            if (fullName[i] == ':' && fullName[i + 1] == ':') return i;
        return -1;
    }

    // The first `wanted` at or after `start`, or -1.
    private static int Find(string text, char wanted, int start)
    {
        for (int i = start; i < text.Length; i++)
            if (text[i] == wanted) return i;
        return -1;
    }

    // The parameter list is the first parenthesized group after the "::"; commas nested in generic arguments don't count.
    // One pass over the characters, no string searches: a JIT-enabled process reads a MethodRef per call instruction of
    // a portal's graphs while it prepares, and the framework's IndexOf family (string, char, Ordinal, SpanHelpers'
    // vectorized helpers) called that often crossed .NET's call-count threshold and was recompiled twice on its tier-1
    // thread in every short process (Docs/PERFORMANCE.md, "What a short JIT-enabled process pays, cut by count").
    private static int CountParameters(string fullName)
    {
        int open = Find(fullName, '(', Math.Max(0, Colons(fullName)));
        int length = fullName.Length;
        if (open < 0 || (length >= 2 && fullName[length - 2] == '(' && fullName[length - 1] == ')')) return 0;
        int depth = 0, count = 1;
        for (int i = open + 1; i < fullName.Length; i++)
        {
            char c = fullName[i];
            if (c is '<' or '[' or '(') depth++;
            else if (c is '>' or ']' or ')') { if (depth == 0) break; depth--; }
            else if (c == ',' && depth == 0) count++;
        }
        return count;
    }

    /// <summary>The text form: <c>[pure] [reads] [stores("field", ...)] [instance] "name"</c>.</summary>
    public override string ToString() => (IsPure ? "pure " : "") + (ReadsOnly && !IsPure ? "reads " : "")
        + (StoredFields is { } fields ? $"stores({string.Join(", ", fields)}) " : "")
        + (HasThis ? "instance " : "") + IrType.Quote(FullName);

    /// <inheritdoc/>
    public bool Equals(MethodRef? other) => other is not null && FullName == other.FullName && HasThis == other.HasThis;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MethodRef other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => FullName.GetHashCode(StringComparison.Ordinal);
}
