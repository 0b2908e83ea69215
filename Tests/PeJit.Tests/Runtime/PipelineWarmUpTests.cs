using PeJit.IR.Text;
using PeJit.Runtime;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The warm-up of the optimizer and the CIL backend that the first portal of a JIT-enabled process starts on a second
/// thread (<see cref="PipelineWarmUp"/>). It drops whatever it throws, so a warm-up that stopped working would only make
/// the first unit slower again, silently: this checks that its unit still goes through every pass and the backend, and
/// computes what it should when .NET runs it.
/// </summary>
[TestClass]
public sealed class PipelineWarmUpTests
{
    [TestMethod]
    public void TheWarmUpUnitIsOptimizedCompiledAndRuns() =>
        // The state {3, 0, 0, 0}, index 0: the loop nest moves 3 into the second element and leaves at index 2.
        Assert.AreEqual(2, PipelineWarmUp.Run(typeof(PipelineWarmUpTests).Module, cil: true));

    [TestMethod]
    public void TheWarmUpUnitBuiltWithTheGraphsApiIsTheOneItsTextFormDescribes() =>
        // The unit is built without the text parser (a first time no unit needs); its text form documents it.
        Assert.AreEqual(IrPrinter.Print(IrParser.Parse(PipelineWarmUp.UnitText)), IrPrinter.Print(PipelineWarmUp.Unit()));
}
