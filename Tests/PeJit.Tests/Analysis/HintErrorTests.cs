using PeJit.Analysis.Diagnostics;
using PeJit.AnalysisSubjects;
using PeJit.IR;

namespace PeJit.Tests.Analysis;

/// <summary>Hint errors, each reported with its code, method, IL offset, source line and advice.</summary>
[TestClass]
public sealed class HintErrorTests
{
    private static Diagnostic SingleError(string portal, string code)
    {
        var analyzed = AnalyzedPortal.Of(typeof(Errors), portal);
        var errors = analyzed.Errors.Where(e => e.Code == code).ToList();
        Assert.HasCount(1, errors, string.Join("\n", analyzed.Result.Diagnostics));
        var error = errors[0];
        StringAssert.EndsWith(error.Method, "Errors::" + portal);
        Assert.IsGreaterThanOrEqualTo(0, error.ILOffset, "an IL offset");
        Assert.IsGreaterThan(0, error.Line, "a source line");
        StringAssert.EndsWith(error.Document ?? "", "Errors.cs");
        Assert.IsFalse(string.IsNullOrWhiteSpace(error.Advice));
        return error;
    }

    [TestMethod]
    public void ADeclaredGreenThatDependsOnARedIsAnErrorWithTheChain()
    {
        var error = SingleError(nameof(Errors.GreenFromRed), DiagnosticCodes.GreenDependsOnRed);
        StringAssert.Contains(error.Message, "'pc' is declared green");
        StringAssert.Contains(error.Details!, "'frame' is not declared green", "the chain ends at the red root");
        // The value comes in through the element read, so that read is what to promote, not the field the array is in.
        StringAssert.Contains(error.Advice, "an element of the red array frame.Stack");
        StringAssert.Contains(error.Advice, "`pc = Jit.Promote(...)` around that read");
        Assert.DoesNotContain("var pc = Jit.Promote(frame.Stack)", error.Advice);
    }

    [TestMethod]
    public void ADeclaredGreenWrittenRedThroughItsAddressIsAnErrorThatNamesTheAddress()
    {
        // The merge point reads pc from its slot; the slot's address goes to a helper that stores a red value through it.
        var error = SingleError(nameof(Errors.GreenWrittenRedByRef), DiagnosticCodes.GreenDependsOnRed);
        StringAssert.Contains(error.Message, "'pc' is declared green");
        StringAssert.Contains(error.Details!, "address is taken at PeJit.AnalysisSubjects.Errors::GreenWrittenRedByRef IL_", "names the method and IL offset of the address");
        StringAssert.Contains(error.Details!, "JumpTo", "names the callee it is passed to");
        StringAssert.Contains(error.Advice, "instead of passing it by ref");
    }

    [TestMethod]
    public void AGreenReadThroughASpanIsAnErrorThatSaysWhatToWriteInstead()
    {
        var error = SingleError(nameof(Errors.GreenReadThroughSpan), DiagnosticCodes.GreenDependsOnRed);
        StringAssert.Contains(error.Message, "'pc' is declared green");
        StringAssert.Contains(error.Advice, "It takes a span: PeJit runs");
        StringAssert.Contains(error.Advice, "BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(pc + 1))");
        StringAssert.Contains(error.Advice, "BitConverter.ToInt32(code, pc + 1)");
        // What the advice says to write is green: BitConverter is known pure, and the span of the green array at a green start
        // is green, and so is what BinaryPrimitives reads from it (Docs/bta.md rule 12).
        var portal = AnalyzedPortal.Of(typeof(Errors), nameof(Errors.GreenReadThroughBitConverter));
        Assert.AreEqual(CallTreatment.GreenCall, portal.Call("ToInt32").Treatment);
        var binary = AnalyzedPortal.WithoutErrors(typeof(Errors), nameof(Errors.GreenReadThroughBinaryPrimitives));
        Assert.AreEqual(CallTreatment.GreenCall, binary.Call("AsSpan").Treatment);
        Assert.AreEqual(CallTreatment.GreenCall, binary.Call("ReadInt32LittleEndian").Treatment);
    }

    [TestMethod]
    public void ADispatchOnAnOpcodeReadThroughASpanOverARedArrayIsAWarningThatNamesTheArray()
    {
        var analyzed = AnalyzedPortal.Of(typeof(Errors), nameof(Errors.DispatchThroughSpan));
        var warning = analyzed.Result.Diagnostics.Single(d => d.Code == DiagnosticCodes.RedDispatch);
        StringAssert.Contains(warning.Advice, "read through a span, which is green only over a green array");
        StringAssert.Contains(warning.Details!, "the array of the span is the red", "the chain names the span's red array");
        // A red dispatch for another reason keeps the general advice alone.
        var other = AnalyzedPortal.Of(typeof(Errors), nameof(Errors.GreenFromRed)).Result.Diagnostics.Where(d => d.Code == DiagnosticCodes.RedDispatch);
        Assert.IsFalse(other.Any(d => d.Advice.Contains("Span")));
    }

    [TestMethod]
    public void AStackallocInThePortalIsAnErrorAtItsLineThatSaysToUseAnArray()
    {
        // Moving it into a [DontLookInside] helper, the general advice for a construct with no IR form, cannot work for a buffer
        // the loop keeps: its memory dies with the helper.
        var error = SingleError(nameof(Errors.StackAllocatedStack), DiagnosticCodes.OpaquePortal);
        StringAssert.Contains(error.Message, "localloc (stackalloc)");
        Assert.DoesNotContain("IL_", error.Message, "the place is the diagnostic's own, not repeated in the message");
        StringAssert.Contains(error.Advice, "as an array");
        StringAssert.Contains(error.Advice, "Jit.MergePoint as a red");
    }

    [TestMethod]
    public void AMergePointThatMissesALiveVariableIsAnError()
    {
        var error = SingleError(nameof(Errors.MissingLiveVariable), DiagnosticCodes.MissingLiveVariable);
        StringAssert.Contains(error.Message, "'total'");
    }

    [TestMethod]
    public void APortalWithoutALoopThatCallsCanEnterJitIsAnError()
    {
        var error = SingleError(nameof(Errors.NoLoop), DiagnosticCodes.NoDispatchLoop);
        StringAssert.Contains(error.Message, "not inside a loop");
        StringAssert.Contains(error.Advice, "leave Jit.CanEnterJit out");
        // Without Jit.CanEnterJit it is a function portal: each call runs one function of the program.
        Assert.IsEmpty(AnalyzedPortal.Of(typeof(PeJit.AnalysisSubjects.ClosureCalls), nameof(PeJit.AnalysisSubjects.ClosureCalls.Call)).Errors);
    }

    [TestMethod]
    public void ALambdaPortalNamingItsCapturedVariablesIsToldToCopyThemUnderAnotherName()
    {
        var module = PeJit.Tests.Frontend.ModuleCache.Of(typeof(Errors).Assembly);
        var result = PeJit.Analysis.BindingTimes.BindingTimeAnalysis.Analyze(module, m => m.Name.StartsWith("<LambdaPortal>", StringComparison.Ordinal));
        var errors = result.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        Assert.IsNotEmpty(errors);
        // Not `var start = Jit.Promote(this.start);`: in the lambda, `this` is not the closure, and a local named start hides the captured one.
        foreach (var error in errors)
        {
            StringAssert.Contains(error.Message, "a variable the lambda captures", error.ToString());
            Assert.DoesNotContain("this.", error.Advice, error.ToString());
        }
        var green = errors.First(e => e.Message.Contains("'start'"));
        StringAssert.Contains(green.Advice, "`var start1 = Jit.Promote(start);`");
        Assert.IsTrue(errors.Any(e => e.Code == DiagnosticCodes.UnknownVariable) && errors.Any(e => e.Code == DiagnosticCodes.NotAVariable), string.Join("\n", errors));
    }

    [TestMethod]
    public void MergePointArgumentsInTheWrongOrderAreAnError()
    {
        var error = SingleError(nameof(Errors.WrongArguments), DiagnosticCodes.WrongArguments);
        StringAssert.Contains(error.Advice, "Jit.MergePoint(pc, code, frame)");
    }

    [TestMethod]
    public void AnExpressionPassedToCanEnterJitIsAnError()
    {
        var error = SingleError(nameof(Errors.WrongArguments), DiagnosticCodes.NotAVariable);
        StringAssert.Contains(error.Message, "CanEnterJit");
    }

    [TestMethod]
    public void AssertGreenOnARedValueIsAnError()
    {
        var error = SingleError(nameof(Errors.AssertGreenOnRed), DiagnosticCodes.AssertGreenFailed);
        StringAssert.Contains(error.Message, "'top'");
    }
}
