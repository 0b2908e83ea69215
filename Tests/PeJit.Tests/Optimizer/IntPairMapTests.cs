using PeJit.Optimizer;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// <see cref="IntPairMap"/> (the guards pass's facts per pair of value numbers, a hash table of PeJit's own so that
/// .NET need not compile a framework dictionary over tuples) against <c>Dictionary&lt;(int, int), int&gt;</c> on
/// random operations: sets, replacements, removals of present and absent pairs, growth past its first size, and
/// the enumeration by positions.
/// </summary>
[TestClass]
public sealed class IntPairMapTests
{
    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public void BehavesLikeADictionary(int seed)
    {
        var random = new Random(seed);
        var masks = new IntPairMap();
        var expected = new Dictionary<(int, int), int>();
        for (int step = 0; step < 20_000; step++)
        {
            // Few distinct numbers, so that pairs repeat and chains form; the range grows so that the table does too.
            int range = 4 + step / 100;
            int left = random.Next(range), right = random.Next(range);
            switch (random.Next(4))
            {
                case 0:
                case 1:
                    int mask = random.Next(32);
                    masks.Set(left, right, mask);
                    expected[(left, right)] = mask;
                    break;
                case 2:
                    Assert.AreEqual(expected.Remove((left, right)), masks.Remove(left, right), $"remove ({left}, {right}) at step {step}");
                    break;
                default:
                    Assert.AreEqual(expected.TryGetValue((left, right), out int known), masks.TryGetValue(left, right, out int found), $"look-up at step {step}");
                    Assert.AreEqual(known, found);
                    break;
            }
            Assert.AreEqual(expected.Count, masks.Count, $"count at step {step}");
        }
        var enumerated = new Dictionary<(int, int), int>();
        for (int position = 0; position < masks.Positions; position++)
            if (masks.IsLive(position)) enumerated.Add((masks.LeftAt(position), masks.RightAt(position)), masks.MaskAt(position));
        CollectionAssert.AreEquivalent(expected.ToList(), enumerated.ToList(), "the live positions are exactly the pairs mapped");
    }
}
