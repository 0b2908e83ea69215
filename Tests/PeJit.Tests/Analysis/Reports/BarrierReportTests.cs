using PeJit.Analysis;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Reports;
using PeJit.Frontend.Construction;
using PeJit.TestSubjects;

namespace PeJit.Tests.Analysis.Reports;

/// <summary>
/// The report's barriers (<see cref="BarrierReasons"/>): <see cref="KeyedVm"/>'s dictionary lookups hash keys whose
/// <c>GetHashCode</c> counts its calls, so each lookup is a residual call that may write memory; the report says so at
/// each call site, names the first write (the store into <c>HashCounter::Hashes</c>, with its IL offset) and what to do.
/// </summary>
[TestClass]
public sealed class BarrierReportTests
{
    [TestMethod]
    public void TheReportNamesEachBarriersFirstWrite()
    {
        var result = BindingTimeAnalysis.Analyze(AssemblyLoader.Load(typeof(KeyedVm).Assembly.Location),
            m => m.DeclaringType.Name == nameof(KeyedVm) && m.Name == nameof(KeyedVm.Run));
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        string text = TextReport.Write(result);
        var hash = Mono.Cecil.ModuleDefinition.ReadModule(typeof(CountingKey).Assembly.Location).GetType(typeof(CountingKey).FullName)
            .Methods.Single(m => m.Name == "GetHashCode").Body.Instructions.First(i => i.OpCode.Code == Mono.Cecil.Cil.Code.Stfld);
        StringAssert.Contains(text, $"call to Dictionary`2<PeJit.TestSubjects.CountingKey,System.Int64>::get_Item may write memory: first write at CountingKey::GetHashCode IL_{hash.Offset:x4}: a store into a field (HashCounter::Hashes).");
        StringAssert.Contains(text, "::ContainsKey may write memory");
        // One line per call site: three lookups and the output, the two equal lookups of one line on one line.
        var barriers = text.Split('\n').Where(l => l.StartsWith("    KeyedVm::", StringComparison.Ordinal) && l.Contains(" may write memory: ", StringComparison.Ordinal)).ToList();
        Assert.HasCount(4, barriers, string.Join("\n", barriers));
        Golden.Check("Analysis/Reports/golden/KeyedVm.bta.txt", text);
    }

    /// <summary>
    /// A virtual method of the interpreter's own on a receiver whose class is red (Lua's <c>LuaValue.Negate</c>, an
    /// abstract class with an override per value kind): the advice is the hint that resolves it, <c>Jit.PromoteClass</c>,
    /// not sealing a class that has subclasses; a framework virtual (<c>TextWriter.WriteLine</c>) keeps the framework's advice.
    /// </summary>
    [TestMethod]
    public void AnOwnVirtualMethodsBarrierAdvisesPromotingTheReceiversClass()
    {
        var result = BindingTimeAnalysis.Analyze(AssemblyLoader.Load(typeof(PeJit.Examples.Lua.Interpreter).Assembly.Location));
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        var lines = TextReport.Write(result).Split('\n');
        string negate = lines.Single(l => l.Contains("call to LuaValue::Negate may write memory", StringComparison.Ordinal));
        StringAssert.Contains(negate, "a virtual method any override may replace. The receiver's class is not known here");
        StringAssert.Contains(negate, "Jit.PromoteClass(receiver) before the call");
        string framework = lines.First(l => l.Contains("call to Object::ToString may write memory", StringComparison.Ordinal));
        StringAssert.Contains(framework, "PeJit does not analyze the framework's code");
        Assert.DoesNotContain("PromoteClass", framework);
    }
}
