using Mono.Cecil;
using PeJit.Frontend.Construction;
using PeJit.IR;
using PeJit.IR.Semantics;
using PeJit.TestSubjects;

namespace PeJit.Tests.Specializer;

/// <summary>
/// The IR type the specializer makes from a run-time type (<see cref="ReflectedIrTypes"/>, for inlined generic code it
/// instantiates) is the one the frontend's <see cref="TypeMapper"/> makes from the Cecil reference of the same type, so that
/// an instantiated residual instruction and the portal's own code name a type alike (the optimizer matches fields and
/// types by name).
/// </summary>
[TestClass]
public sealed class ReflectedIrTypesTests
{
    public static IEnumerable<object[]> Types =>
    [
        [typeof(ValueStack<long>)],
        [typeof(long[])],
        [typeof(long[][])],
        [typeof(GenericStackVm.Code)],
        [typeof(GenericStackVm.Op)],
        [typeof(Dictionary<string, List<int>>.Enumerator)],
        [typeof(KeyValuePair<string, ValueStack<double>>)],
        [typeof(Stack<long>)],
        [typeof(long)],
        [typeof(string)],
        [typeof(object)],
        [typeof(ReadOnlySpan<byte>)],
    ];

    [TestMethod]
    [DynamicData(nameof(Types))]
    public void ARunTimeTypeIsNamedAsTheFrontendNamesItsCecilReference(Type type)
    {
        using var module = ModuleDefinition.ReadModule(typeof(ValueStack<>).Assembly.Location);
        var expected = new TypeMapper().Map(module.ImportReference(type));
        var actual = ReflectedIrTypes.Of(type);
        Assert.AreEqual(expected, actual, $"{type}: {expected} against {actual}");
        Assert.AreEqual(expected.Element, actual.Element);
        if (!actual.IsPrimitive) Assert.AreSame(type, actual.Origin, "the run-time type rides along, so every resolver returns it");
    }

    [TestMethod]
    public void AByRefAndAPointerAreOfTheirElement()
    {
        Assert.AreEqual(IrType.ByRef(IrType.I64), ReflectedIrTypes.Of(typeof(long).MakeByRefType()));
        Assert.AreEqual(IrType.Pointer(IrType.I32), ReflectedIrTypes.Of(typeof(int).MakePointerType()));
        Assert.AreEqual("PeJit.TestSubjects.ValueStack`1<System.Int64>[]&", ReflectedIrTypes.Of(typeof(ValueStack<long>[]).MakeByRefType()).Name);
    }
}
