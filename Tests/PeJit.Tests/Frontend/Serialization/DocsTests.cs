using PeJit.IR;

namespace PeJit.Tests.Frontend.Serialization;

/// <summary>Docs/ir.md lists every opcode of the table with its doc line, so the documentation cannot fall behind.</summary>
[TestClass]
public sealed class DocsTests
{
    [TestMethod]
    public void EveryOpcodeIsDocumented()
    {
        string docs = File.ReadAllText(Path.Combine(Golden.SourceDirectory(), "..", "..", "Docs", "ir.md"));
        foreach (var info in OpcodeInfo.All)
            StringAssert.Contains(docs, $"| `{info.Name}` |", $"Docs/ir.md has no row for {info.Name}; add one (see 'Adding an opcode')");
    }
}
