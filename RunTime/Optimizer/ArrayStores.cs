using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PeJit.Optimizer;

/// <summary>
/// The store residual code makes into an array of a class type instead of <c>stelem</c> (<see cref="UncheckedStores"/>):
/// .NET checks every reference stored into an array whose element type is not the value's exact class (array
/// covariance: a <c>LuaValue[]</c> may be a <c>LuaString[]</c> at run time), through a cast cache lookup per store,
/// which in an interpreter over a class hierarchy of values is every register write. When the array's run-time type is
/// exactly the type its static type names, every value the verifiable code could store fits, and the check is not needed.
/// </summary>
public static class ArrayStores
{
    /// <summary>
    /// <c>array[index] = value</c>, without the covariance check when <paramref name="array"/>'s run-time type is
    /// <paramref name="exact"/> (the static array type of the store, whose element type <paramref name="value"/> has by
    /// the code's verifiability) and <paramref name="index"/> is in bounds; otherwise the ordinary checked store, which
    /// throws what <c>stelem</c> throws (a null array, an index out of range, a value of another type).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Array array, int index, object? value, Type exact)
    {
        var objects = Unsafe.As<object?[]>(array);
        if (array.GetType() == exact && (uint)index < (uint)objects.Length)
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(objects), (nint)(uint)index) = value;
        else objects[index] = value;
    }
}
