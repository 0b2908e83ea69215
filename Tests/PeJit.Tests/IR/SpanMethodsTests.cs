using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.InteropServices;
using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Tests.IR;

/// <summary>
/// The span methods PeJit runs (<see cref="SpanMethods"/>), told from a method's name as the stored form holds it: a span of a
/// primitive needs no member resolved (the stored form's resolver finds no framework generic's member by a signature in its
/// generic parameters), and the name gives what the reflected method does.
/// </summary>
[TestClass]
public sealed class SpanMethodsTests
{
    public static IEnumerable<object[]> Methods =>
    [
        ["System.ReadOnlySpan`1<!0> System.ReadOnlySpan`1<System.Byte>::op_Implicit(!0[])", false, SpanOperation.FromArray, typeof(byte), false,
            typeof(ReadOnlySpan<byte>).GetMethod("op_Implicit", [typeof(byte[])])!],
        ["!0& modreq(System.Runtime.InteropServices.InAttribute) System.ReadOnlySpan`1<System.Int32>::get_Item(System.Int32)", true, SpanOperation.Item, typeof(int), false,
            typeof(ReadOnlySpan<int>).GetMethod("get_Item")!],
        ["System.ReadOnlySpan`1<!0> System.ReadOnlySpan`1<System.Byte>::Slice(System.Int32,System.Int32)", true, SpanOperation.SliceRange, typeof(byte), false,
            typeof(ReadOnlySpan<byte>).GetMethod("Slice", [typeof(int), typeof(int)])!],
        ["System.Span`1<!!0> System.MemoryExtensions::AsSpan<System.Int64>(!!0[],System.Int32)", false, SpanOperation.FromArrayStart, typeof(long), true,
            typeof(MemoryExtensions).GetMethods().Single(m => m.Name == "AsSpan" && m.IsGenericMethod && m.GetParameters() is [{ ParameterType.IsArray: true }, { ParameterType: var p }] && p == typeof(int)).MakeGenericMethod(typeof(long))],
        ["System.Void System.Span`1<System.Byte>::.ctor(!0[],System.Int32,System.Int32)", true, SpanOperation.FromArrayRange, typeof(byte), true,
            typeof(Span<byte>).GetConstructor([typeof(byte[]), typeof(int), typeof(int)])!],
        ["System.Int32 System.Buffers.Binary.BinaryPrimitives::ReadInt32BigEndian(System.ReadOnlySpan`1<System.Byte>)", false, SpanOperation.ReadBinary, typeof(byte), false,
            typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReadInt32BigEndian))!],
        ["!!0 System.Runtime.InteropServices.MemoryMarshal::Read<System.Int64>(System.ReadOnlySpan`1<System.Byte>)", false, SpanOperation.ReadValue, typeof(long), false,
            typeof(MemoryMarshal).GetMethod(nameof(MemoryMarshal.Read))!.MakeGenericMethod(typeof(long))],
    ];

    [TestMethod]
    [DynamicData(nameof(Methods))]
    public void TheNameSaysWhatTheReflectedMethodDoes(string name, bool hasThis, SpanOperation operation, Type element, bool writable, MethodBase reflected)
    {
        var call = SpanMethods.Describe(new MethodRef(name, hasThis));
        Assert.IsNotNull(call, name);
        Assert.AreEqual(new SpanCall(operation, element, writable, call.Name), call);
        Assert.AreEqual(call, SpanMethods.Describe(reflected), "the reflected method, described");
    }

    [TestMethod]
    public void OtherSpanMethodsAreNotRun()
    {
        Assert.IsNull(SpanMethods.Describe(new MethodRef("System.ReadOnlySpan`1<!0> System.ReadOnlySpan`1<System.Byte>::op_Implicit(System.ArraySegment`1<!0>)", false)));
        Assert.IsNull(SpanMethods.Describe(new MethodRef("System.ReadOnlySpan`1<System.Char> System.MemoryExtensions::AsSpan(System.String)", false)));
        Assert.IsNull(SpanMethods.Describe(new MethodRef("System.Half System.Buffers.Binary.BinaryPrimitives::ReadHalfLittleEndian(System.ReadOnlySpan`1<System.Byte>)", false)));
    }

    [TestMethod]
    public void AReadPastTheEndThrowsWhatDotnetThrows()
    {
        var bytes = new byte[] { 1, 2, 3 };
        var span = SpanMethods.Invoke(SpanMethods.Describe(new MethodRef("System.ReadOnlySpan`1<!0> System.ReadOnlySpan`1<System.Byte>::op_Implicit(!0[])", false))!, [bytes]);
        var read = SpanMethods.Describe(new MethodRef("System.Int32 System.Buffers.Binary.BinaryPrimitives::ReadInt32LittleEndian(System.ReadOnlySpan`1<System.Byte>)", false))!;
        Assert.Throws<ArgumentOutOfRangeException>(() => SpanMethods.Invoke(read, [span]));
        Assert.Throws<IndexOutOfRangeException>(() => ((SpanValue)span!).Item(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ((SpanValue)span!).Slice(4));
        Assert.AreEqual(0x0302, (int)(short)SpanMethods.Invoke(SpanMethods.Describe(new MethodRef("System.Int16 System.Buffers.Binary.BinaryPrimitives::ReadInt16LittleEndian(System.ReadOnlySpan`1<System.Byte>)", false))!, [((SpanValue)span!).Slice(1)])!);
    }
}
