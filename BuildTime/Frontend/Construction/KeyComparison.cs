namespace PeJit.Frontend.Construction;

/// <summary>How a base-library collection compares keys of a type (<see cref="KeyComparisons"/>): what its lookups may do.</summary>
public enum KeyComparison
{
    /// <summary>With code of the program's that may write memory or that PeJit cannot see: a lookup is an ordinary call.</summary>
    Ordinary,

    /// <summary>With overrides of the program's that read only: a lookup reads only (<c>MethodRef.ReadsOnly</c>), it is not pure.</summary>
    ReadsOnly,

    /// <summary>With the framework's own code (primitives, enums, strings, reference equality): a known-pure lookup is pure.</summary>
    Framework,
}
