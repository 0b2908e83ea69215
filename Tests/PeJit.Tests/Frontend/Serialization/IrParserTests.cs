using PeJit.IR.Text;

namespace PeJit.Tests.Frontend.Serialization;

/// <summary>Bad IR text gets an <see cref="IrParseException"/> at the right line that says what was expected.</summary>
[TestClass]
public sealed class IrParserTests
{
    private const string Header = "function \"f\" -> i32 {\nblock0(v0: i32):\n";

    private static IrParseException Fails(string text, int line, string expected)
    {
        var error = Assert.Throws<IrParseException>(() => IrParser.Parse(text));
        Assert.AreEqual(line, error.Line, error.Message);
        StringAssert.Contains(error.Message, expected);
        return error;
    }

    [TestMethod]
    public void UnknownOpcode() => Fails(Header + "    v1: i32 = frobnicate v0\n    ret v1\n}\n", 3, "unknown opcode 'frobnicate'");

    [TestMethod]
    public void UndefinedBlock() => Fails(Header + "    jump block7\n}\n", 3, "block7 is used but not defined");

    [TestMethod]
    public void BadType() => Fails(Header + "    v1: integer = const 1\n    ret v1\n}\n", 3, "'integer' is not a type");

    [TestMethod]
    public void UnterminatedString() => Fails(Header + "    v1: string = string \"abc\n    ret v0\n}\n", 3, "not closed");

    [TestMethod]
    public void WrongOperandCount() => Fails(Header + "    v1: i32 = add v0\n    ret v1\n}\n", 3, "add takes 2 operand(s), found 1");

    [TestMethod]
    public void MissingClosingBrace() => Fails(Header + "    ret v0\n", 1, "no closing '}'");

    [TestMethod]
    public void ValueDefinedTwice() => Fails(Header + "    v0: i32 = const 1\n    ret v0\n}\n", 3, "v0 is defined twice");

    [TestMethod]
    public void ParsesBindingTimeAnnotationsAndIgnoresThem()
    {
        var graph = IrParser.Parse("function \"f\" -> i32 {\nblock0(v0: i32 green):\n    v1: i32 red = add v0, v0\n    ret v1\n}\n");
        Assert.AreEqual(2, graph.ValueCount);
    }
}
