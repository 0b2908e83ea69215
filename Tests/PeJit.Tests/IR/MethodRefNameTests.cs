using PeJit.IR;

namespace PeJit.Tests.IR;

/// <summary>
/// What a <see cref="MethodRef"/> reads from Cecil's full name: its declared parameters (the verifier and the optimizer read
/// the count: the first parenthesized group after <c>::</c>, commas nested in generic arguments, arrays and function
/// pointer types not counted), its simple name and its declaring type's name (the specializer and the optimizer ask them).
/// </summary>
[TestClass]
public sealed class MethodRefNameTests
{
    [TestMethod]
    [DataRow("System.Void A::M()", 0)]
    [DataRow("System.Int32 A::M(System.Int32)", 1)]
    [DataRow("System.Int32 A::M(System.Int32,System.String)", 2)]
    [DataRow("System.Void A::M(System.Collections.Generic.Dictionary`2<System.Int32,System.String>,System.Int32[0...,0...])", 2)]
    [DataRow("System.Void A::M(method System.Int32 *(System.Int32,System.Int32),System.Int32)", 2)]
    // A parenthesis in the declaring type's name comes before the "::" and is not the parameter list.
    [DataRow("System.Void A`1<method System.Void *(System.Int32,System.Int32)>::M(System.Int32)", 1)]
    [DataRow("System.Void A`1<method System.Void *(System.Int32,System.Int32)>::M()", 0)]
    [DataRow("System.Void M(System.Int32,System.Int32,System.Int32)", 3)]
    [DataRow("System.Void A::get_Item", 0)]
    public void CountsTheDeclaredParameters(string fullName, int expected)
    {
        Assert.AreEqual(expected, new MethodRef(fullName, hasThis: false).ParameterCount, fullName);
        Assert.AreEqual(expected + 1, new MethodRef(fullName, hasThis: true).ArgumentCount, fullName);
    }

    [TestMethod]
    [DataRow("System.Void A::M()", "M", "A")]
    [DataRow("System.Int32 N.S.A`1<System.Int32>::get_Item(System.Int32)", "get_Item", "N.S.A`1<System.Int32>")]
    [DataRow("!!0 N.A::Pick<System.String>(!!0,!!0)", "Pick", "N.A")]
    [DataRow("System.Void N.A/Nested::.ctor(System.Int32)", ".ctor", "N.A/Nested")]
    public void NamesTheMethodAndItsDeclaringType(string fullName, string name, string declaringType)
    {
        var method = new MethodRef(fullName, hasThis: true);
        Assert.AreEqual(name, method.Name, fullName);
        Assert.AreEqual(declaringType, method.DeclaringTypeName, fullName);
    }
}
