using PeJit.Optimizer;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// <see cref="ArrayStores.Store"/>, the store the <c>stores</c> pass makes of a <c>stelem</c> into an array of a class
/// type: unchecked only when the array is exactly of the static type, and otherwise what <c>stelem</c> does, exceptions
/// included (a covariant array given a value of another type, an index out of range, a null array).
/// </summary>
[TestClass]
public sealed class ArrayStoresTests
{
    [TestMethod]
    public void AStoreIntoAnArrayOfExactlyItsTypeStores()
    {
        var array = new Exception[2];
        var value = new InvalidOperationException();
        ArrayStores.Store(array, 1, value, typeof(Exception[]));
        Assert.AreSame(value, array[1]);
        ArrayStores.Store(array, 1, null, typeof(Exception[]));
        Assert.IsNull(array[1]);
    }

    [TestMethod]
    public void ACovariantArrayGetsTheCheckedStore()
    {
        Exception[] array = new ArgumentException[2];
        Assert.Throws<ArrayTypeMismatchException>(() => ArrayStores.Store(array, 0, new InvalidOperationException(), typeof(Exception[])));
        var fits = new ArgumentNullException();
        ArrayStores.Store(array, 0, fits, typeof(Exception[]));
        Assert.AreSame(fits, array[0]);
    }

    [TestMethod]
    public void AnIndexOutOfRangeOrANullArrayThrowsAsStelemDoes()
    {
        Assert.Throws<IndexOutOfRangeException>(() => ArrayStores.Store(new Exception[2], 2, null, typeof(Exception[])));
        Assert.Throws<IndexOutOfRangeException>(() => ArrayStores.Store(new Exception[2], -1, null, typeof(Exception[])));
        Assert.Throws<NullReferenceException>(() => ArrayStores.Store(null!, 0, null, typeof(Exception[])));
    }
}
