namespace PeJit.Frontend.Construction;

/// <summary>What a base-library collection method does (<see cref="CollectionMethods"/>).</summary>
[Flags]
public enum CollectionTraits
{
    /// <summary>Not a method the table knows: an ordinary call.</summary>
    None = 0,

    /// <summary>Writes nothing (<see cref="IR.MethodRef.ReadsOnly"/>), given a comparison of keys that writes nothing.</summary>
    ReadsOnly = 1,

    /// <summary>Compares its first type argument (a key, an element) with that type's comparison, or a collection's comparer.</summary>
    ComparesKeys = 2,

    /// <summary>Pure (<see cref="IR.MethodRef.IsPure"/>); with <see cref="ComparesKeys"/>, only when the keys compare with the framework's own code.</summary>
    Pure = 4,
}
