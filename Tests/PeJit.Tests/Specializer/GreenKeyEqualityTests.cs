using PeJit.Specializer.Engine;

namespace PeJit.Tests.Specializer;

/// <summary>
/// A <see cref="GreenKey"/> is equal to another when every value is: value types and strings by value (an int, the
/// commonest green, without the framework's virtual <c>Equals</c>), other objects by identity; equal keys hash alike.
/// </summary>
[TestClass]
public sealed class GreenKeyEqualityTests
{
    private sealed class Code;

    [TestMethod]
    public void ValuesCompareByValueObjectsByIdentity()
    {
        var code = new Code();
        object?[] Key(params object?[] values) => values;
        AssertSame(new GreenKey(Key(12, code, "a", null, 3L)), new GreenKey(Key(12, code, "a", null, 3L)));
        AssertSame(new GreenKey(Key(12, new string('a', 1))), new GreenKey(Key(12, "a")));
        AssertDifferent(new GreenKey(Key(12, code)), new GreenKey(Key(13, code)));
        AssertDifferent(new GreenKey(Key(12, code)), new GreenKey(Key(12, new Code())));
        // An int and a long of the same value are different greens, as object.Equals says; so are an int and null.
        AssertDifferent(new GreenKey(Key(1)), new GreenKey(Key(1L)));
        AssertDifferent(new GreenKey(Key(1L)), new GreenKey(Key(1)));
        AssertDifferent(new GreenKey(Key(0)), new GreenKey(Key((object?)null)));
        AssertDifferent(new GreenKey(Key(1, 2)), new GreenKey(Key(1)));
    }

    [TestMethod]
    public void KeysOfOtherPositionsHashApart()
    {
        // Not a property equality needs, but what the sets keyed by positions rely on to stay fast.
        var hashes = Enumerable.Range(0, 1000).Select(pc => new GreenKey(new object?[] { pc, "code" }).GetHashCode()).ToHashSet();
        Assert.AreEqual(1000, hashes.Count);
    }

    private static void AssertSame(GreenKey a, GreenKey b)
    {
        Assert.IsTrue(a.Equals(b) && b.Equals(a), $"{a} and {b}");
        Assert.AreEqual(a.GetHashCode(), b.GetHashCode(), $"{a} and {b}: equal keys hash alike");
    }

    private static void AssertDifferent(GreenKey a, GreenKey b) =>
        Assert.IsFalse(a.Equals(b) || b.Equals(a), $"{a} and {b}");
}
