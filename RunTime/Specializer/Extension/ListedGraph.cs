namespace PeJit.Specializer.Extension;

/// <summary>One graph in the extension's text form: its name, register file sizes, parameters and blocks of ops.</summary>
/// <param name="Name">The annotated graph's name: <c>Type::Method[GR]</c>.</param>
/// <param name="IntCount">Size of the integer register file.</param>
/// <param name="FloatCount">Size of the float register file.</param>
/// <param name="RefCount">Size of the reference register file.</param>
/// <param name="Parameters">The entry block's parameters.</param>
/// <param name="Blocks">Per block, in order: its ops.</param>
public sealed record ListedGraph(string Name, int IntCount, int FloatCount, int RefCount, IReadOnlyList<ListedRegister> Parameters,
    IReadOnlyList<IReadOnlyList<ListedOp>> Blocks)
{
    /// <summary>The size of the register file of <paramref name="registerClass"/>.</summary>
    public int CountOf(RegisterClass registerClass) => registerClass switch
    {
        RegisterClass.Int => IntCount,
        RegisterClass.Float => FloatCount,
        _ => RefCount,
    };
}
