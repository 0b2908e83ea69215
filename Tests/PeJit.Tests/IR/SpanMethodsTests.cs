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
        ["System.ReadOnlySpan`1<System.Char> System.MemoryExtensions::AsSpan(System.String,System.Int32,System.Int32)", false, SpanOperation.FromArrayRange, typeof(char), false,
            typeof(MemoryExtensions).GetMethod(nameof(MemoryExtensions.AsSpan), [typeof(string), typeof(int), typeof(int)])!],
        ["System.ReadOnlySpan`1<System.Char> System.String::op_Implicit(System.String)", false, SpanOperation.FromArray, typeof(char), false,
            typeof(string).GetMethods().Single(m => m.Name == "op_Implicit" && m.ReturnType == typeof(ReadOnlySpan<char>))],
        ["System.Boolean System.MemoryExtensions::StartsWith<System.Char>(System.ReadOnlySpan`1<!!0>,System.ReadOnlySpan`1<!!0>)", false, SpanOperation.Query, typeof(char), false,
            typeof(MemoryExtensions).GetMethods().Single(m => m.Name == "StartsWith" && m.IsGenericMethodDefinition && m.GetParameters() is [{ ParameterType: var a }, { ParameterType: var b }]
                && a.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>) && b.IsGenericType && b.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>)).MakeGenericMethod(typeof(char))],
        ["System.Int32 System.MemoryExtensions::IndexOf<System.Int32>(System.ReadOnlySpan`1<!!0>,!!0)", false, SpanOperation.Query, typeof(int), false,
            typeof(MemoryExtensions).GetMethods().Single(m => m.Name == "IndexOf" && m.IsGenericMethodDefinition && m.GetParameters() is [{ ParameterType: var a }, { ParameterType.IsGenericParameter: true }]
                && a.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>)).MakeGenericMethod(typeof(int))],
    ];

    [TestMethod]
    [DynamicData(nameof(Methods))]
    public void TheNameSaysWhatTheReflectedMethodDoes(string name, bool hasThis, SpanOperation operation, Type element, bool writable, MethodBase reflected)
    {
        var call = SpanMethods.Describe(new MethodRef(name, hasThis));
        Assert.IsNotNull(call, name);
        Assert.AreEqual(new SpanCall(operation, element, writable, call.Name) { FromText = name.Contains("(System.String", StringComparison.Ordinal) }, call);
        Assert.AreEqual(call, SpanMethods.Describe(reflected), "the reflected method, described");
    }

    [TestMethod]
    public void OtherSpanMethodsAreNotRun()
    {
        Assert.IsNull(SpanMethods.Describe(new MethodRef("System.ReadOnlySpan`1<!0> System.ReadOnlySpan`1<System.Byte>::op_Implicit(System.ArraySegment`1<!0>)", false)));
        Assert.IsNull(SpanMethods.Describe(new MethodRef("System.ReadOnlySpan`1<System.Char> System.MemoryExtensions::AsSpan(System.String,System.Index)", false)));
        Assert.IsNull(SpanMethods.Describe(new MethodRef("System.Boolean System.MemoryExtensions::SequenceEqual<System.Object>(System.ReadOnlySpan`1<!!0>,System.ReadOnlySpan`1<!!0>)", false)),
            "a query of a span of references (its elements' own Equals) is not run");
        Assert.IsNull(SpanMethods.Describe(new MethodRef("System.Boolean System.MemoryExtensions::StartsWith(System.ReadOnlySpan`1<System.Char>,System.ReadOnlySpan`1<System.Char>,System.StringComparison)", false)),
            "a culture's comparison is not run");
        Assert.IsNull(SpanMethods.Describe(new MethodRef("System.Half System.Buffers.Binary.BinaryPrimitives::ReadHalfLittleEndian(System.ReadOnlySpan`1<System.Byte>)", false)));
    }

    [TestMethod]
    public void QueriesOfStringSpansAnswerAsDotnetDoes()
    {
        static SpanCall Call(string name) => SpanMethods.Describe(new MethodRef(name, false))!;
        var text = (SpanValue)SpanMethods.Invoke(Call("System.ReadOnlySpan`1<System.Char> System.MemoryExtensions::AsSpan(System.String,System.Int32,System.Int32)"), ["swap dup over", 5, 8])!;
        Assert.AreEqual("span of a string of 13 characters at 5, length 8", text.ToString());
        Assert.AreEqual('d', text.Item(0));
        var dup = SpanMethods.Invoke(Call("System.ReadOnlySpan`1<System.Char> System.String::op_Implicit(System.String)"), ["dup"]);
        Assert.AreEqual(true, SpanMethods.Invoke(Call("System.Boolean System.MemoryExtensions::StartsWith<System.Char>(System.ReadOnlySpan`1<!!0>,System.ReadOnlySpan`1<!!0>)"), [text, dup]));
        Assert.AreEqual(false, SpanMethods.Invoke(Call("System.Boolean System.MemoryExtensions::SequenceEqual<System.Char>(System.ReadOnlySpan`1<!!0>,System.ReadOnlySpan`1<!!0>)"), [text, dup]));
        // An element in its stack form: a char arrives as an int.
        Assert.AreEqual(3, SpanMethods.Invoke(Call("System.Int32 System.MemoryExtensions::IndexOf<System.Char>(System.ReadOnlySpan`1<!!0>,!!0)"), [text, (int)' ']));
        Assert.AreEqual(-1, SpanMethods.Invoke(Call("System.Int32 System.MemoryExtensions::IndexOf<System.Char>(System.ReadOnlySpan`1<!!0>,!!0)"), [text, (int)'x']));
        Assert.AreEqual(text, ((SpanValue)SpanMethods.Invoke(Call("System.ReadOnlySpan`1<System.Char> System.MemoryExtensions::AsSpan(System.String)"), ["swap dup over"])!).Slice(5), "equal: the same string, start and length");
        Assert.Throws<ArgumentOutOfRangeException>(() => SpanMethods.Invoke(Call("System.ReadOnlySpan`1<System.Char> System.MemoryExtensions::AsSpan(System.String,System.Int32,System.Int32)"), ["abc", 2, 2]));
        Assert.AreEqual(0, ((SpanValue)SpanMethods.Invoke(Call("System.ReadOnlySpan`1<System.Char> System.MemoryExtensions::AsSpan(System.String)"), [null])!).Length, "a null string's span is empty");
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
