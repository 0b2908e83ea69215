namespace PeJit.Backends.Amd64.Lowering;

/// <summary>The condition of a fused compare-and-branch or a set-on-condition, as x86-64 flags test it after <c>cmp a, b</c>.</summary>
public enum Condition
{
    /// <summary>a == b.</summary>
    Equal,
    /// <summary>a != b.</summary>
    NotEqual,
    /// <summary>a &lt; b, signed.</summary>
    Less,
    /// <summary>a &lt;= b, signed.</summary>
    LessOrEqual,
    /// <summary>a &gt; b, signed.</summary>
    Greater,
    /// <summary>a &gt;= b, signed.</summary>
    GreaterOrEqual,
    /// <summary>a &lt; b, unsigned.</summary>
    Below,
    /// <summary>a &lt;= b, unsigned.</summary>
    BelowOrEqual,
    /// <summary>a &gt; b, unsigned.</summary>
    Above,
    /// <summary>a &gt;= b, unsigned.</summary>
    AboveOrEqual,
    /// <summary>The last arithmetic operation overflowed as signed (OF).</summary>
    Overflow,
    /// <summary>The last arithmetic operation carried or borrowed as unsigned (CF).</summary>
    Carry,
}
