using PeJit.IR;

namespace PeJit.Tests.Specializer;

/// <summary>
/// Sample arguments for the optimizer's file tests, made fresh for every run (the code under test may write
/// into arrays and objects), and a description of what an argument holds after a run, to compare.
/// </summary>
internal static class FileTestValues
{
    /// <summary>
    /// Makers of the sample values of a parameter of <paramref name="type"/>: each takes the arguments made so
    /// far for the earlier parameters (<paramref name="earlier"/> are their types), so an array or object can be
    /// the same object as an earlier argument's, which is how tests reach aliasing.
    /// </summary>
    public static IReadOnlyList<Func<object?[], object?>> Samples(IrType type, IReadOnlyList<IrType> earlier)
    {
        // Values around the interesting edges: zero, one, negatives (large as unsigned), NaN, null; arrays
        // empty, short and long, and the same array as an earlier argument.
        var makers = new List<Func<object?[], object?>>();
        void Constants(params object?[] values) => makers.AddRange(values.Select(v => (Func<object?[], object?>)(_ => v)));
        switch (type.Kind)
        {
            case TypeKind.Bool: Constants(false, true); break;
            case TypeKind.I32: Constants(-1, 0, 1, 2, 3, 7); break;
            case TypeKind.I64: Constants(-1L, 0L, 1L, 2L, 3L, 7L); break;
            case TypeKind.F64: Constants(double.NaN, -1.5, 0.0, 2.0); break;
            case TypeKind.Object or TypeKind.String: Constants(null, "s", "t"); break;
            case TypeKind.Class when type.Name == "System.Int64[]":
                Constants((object?)null);
                makers.Add(_ => new long[] { 5 });
                makers.Add(_ => new long[] { 5, 11, 17, 23 });
                // A frame's registers, given apart from the frame as an interpreter's portal gives its register array.
                for (int i = 0; i < earlier.Count; i++)
                    if (earlier[i].Name == typeof(VirtualFrame).FullName)
                    {
                        int position = i;
                        makers.Add(arguments => (arguments[position] as VirtualFrame)?.Registers);
                    }
                break;
            case TypeKind.Class when type.Name == "System.Byte[]":
                Constants((object?)null);
                makers.Add(_ => new byte[] { 250 });
                makers.Add(_ => new byte[] { 250, 7, 128, 3 });
                break;
            case TypeKind.Class when type.Name == typeof(ArrayHolder).FullName:
                Constants((object?)null);
                makers.Add(_ => new ArrayHolder { Values = [5, 11, 17, 23], Other = [2, 3], Count = 3 });
                makers.Add(_ => new ArrayHolder { Values = [5, 11, 17, 23], Count = 2 });
                makers.Add(_ =>
                {
                    long[] shared = [5, 11, 17, 23];
                    return new ArrayHolder { Values = shared, Other = shared, Count = 1 };
                });
                break;
            case TypeKind.Class when type.Name == typeof(VirtualFrame).FullName:
                Constants((object?)null);
                makers.Add(_ => new VirtualFrame([5, 11, 17, 23]));
                makers.Add(_ => new VirtualFrame([5]));
                break;
            case TypeKind.Class when type.Name == "System.Collections.Generic.List`1<System.Int64>":
                makers.Add(_ => new List<long> { 5, 11, 17 });
                break;
            case TypeKind.Class when type.Name == "System.Object[]":
                Constants((object?)null);
                makers.Add(_ => new object?[3]);
                break;
            case TypeKind.Class when type.Name == typeof(Optimizer.BoxedInteger).FullName:
                Constants((object?)null);
                makers.Add(_ => new Optimizer.BoxedInteger(5));
                break;
            default:
                throw new AssertFailedException($"no sample arguments of type {type}; add some");
        }
        if (type.Kind == TypeKind.Class)
            for (int i = 0; i < earlier.Count; i++)
                if (earlier[i] == type)
                {
                    int position = i;
                    makers.Add(arguments => arguments[position]);
                }
        return makers;
    }

    /// <summary>What a value holds: elements of arrays, fields of an <see cref="ArrayHolder"/>, else the value.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "null",
        Array array => $"[{string.Join(", ", array.Cast<object?>().Select(e => e ?? "null"))}]",
        _ => value.ToString() ?? "",
    };
}
