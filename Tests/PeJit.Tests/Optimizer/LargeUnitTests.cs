using PeJit.IR.Verification;
using PeJit.Optimizer;

namespace PeJit.Tests.Optimizer;

/// <summary>The generated large units are well-formed and the optimizer leaves them so (they serve to measure its cost).</summary>
[TestClass]
public sealed class LargeUnitTests
{
    /// <summary>A generated unit verifies, has about the size asked for, and verifies after every pass.</summary>
    [TestMethod]
    public void GeneratedUnitsVerifyBeforeAndAfterOptimizing()
    {
        var graph = LargeUnitGenerator.Generate(1000);
        Assert.IsEmpty(Verifier.Verify(graph), "as generated");
        Assert.IsInRange(800, 1000, LargeUnitGenerator.InstructionCount(graph));
        Pipeline.Run(graph, afterEach: (pass, after) => Assert.IsEmpty(Verifier.Verify(after), $"after {pass.Name}"));
    }
}
