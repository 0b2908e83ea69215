using Mono.Cecil;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Diagnostics;
using PeJit.Analysis.Reports;
using PeJit.Frontend.Construction;
using PeJit.TestSubjects;

namespace PeJit.Tests.Analysis;

/// <summary>
/// <c>[Virtualizable(...)]</c> at build time: the names of <see cref="VirtualFrameVmFrame"/> check and reach the portal's
/// analysis and report; classes added to the subjects' module in memory with bad names get the diagnostics that say what
/// to do (PJ0011 to PJ0013).
/// </summary>
[TestClass]
public sealed class VirtualizableHintTests
{
    private static bool IsPortal(MethodDefinition m) => m.DeclaringType.Name == nameof(VirtualFrameVm) && m.Name == nameof(VirtualFrameVm.Run);

    [TestMethod]
    public void TheFrameOfThePortalIsVirtualizable()
    {
        var result = BindingTimeAnalysis.Analyze(AssemblyLoader.Load(typeof(VirtualFrameVm).Assembly.Location), IsPortal);
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        var frame = result.Portals[0].Virtualizables.Single(v => v.ClassName == typeof(VirtualFrameVmFrame).FullName);
        CollectionAssert.AreEqual(new[] { $"System.Int64[] {typeof(VirtualFrameVmFrame).FullName}::Registers" }, frame.Arrays.ToArray());
        Assert.IsTrue(frame.Sealed);
        StringAssert.Contains(TextReport.Write(result), $"virtualizable red: frame ({typeof(VirtualFrameVmFrame).FullName}: Registers[*])");
    }

    [TestMethod]
    public void BadNamesAreErrorsThatSayWhatToDo()
    {
        var module = AssemblyLoader.Load(typeof(VirtualFrameVm).Assembly.Location);
        var attribute = module.GetType(typeof(VirtualFrameVmFrame).FullName).CustomAttributes.Single(a => a.AttributeType.Name == "VirtualizableAttribute");
        TypeDefinition Frame(string name, params string[] names)
        {
            var type = new TypeDefinition("Bad", name, TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, module.TypeSystem.Object);
            type.Fields.Add(new FieldDefinition("Count", FieldAttributes.Public, module.TypeSystem.Int32));
            type.Fields.Add(new FieldDefinition("Stack", FieldAttributes.Public, new ArrayType(module.TypeSystem.Int64)));
            var marked = new CustomAttribute(attribute.Constructor);
            var stringArray = new ArrayType(module.TypeSystem.String);
            marked.ConstructorArguments.Add(new CustomAttributeArgument(stringArray,
                names.Select(n => new CustomAttributeArgument(module.TypeSystem.String, n)).ToArray()));
            type.CustomAttributes.Add(marked);
            module.Types.Add(type);
            return type;
        }
        Frame("Unknown", "Missing");
        Frame("NotArray", "Count[*]");
        Frame("Replaceable", "Stack[*]");
        Frame("Fine", "Count");
        var result = BindingTimeAnalysis.Analyze(module, IsPortal);
        string Of(string code) => string.Join("\n", result.Diagnostics.Where(d => d.Code == code));
        StringAssert.Contains(Of(DiagnosticCodes.VirtualizableUnknownField), "Bad.Unknown has no instance field Missing");
        StringAssert.Contains(Of(DiagnosticCodes.VirtualizableUnknownField), "its fields: Count, Stack");
        StringAssert.Contains(Of(DiagnosticCodes.VirtualizableNotArray), "Count is a System.Int32, not a one-dimensional array");
        StringAssert.Contains(Of(DiagnosticCodes.VirtualizableArrayReplaced), "Make Stack readonly");
        Assert.AreEqual(3, result.Diagnostics.Count(d => d.Severity == Severity.Error), string.Join("\n", result.Diagnostics));
        // A class no graph of the portal holds is not the portal's to keep in registers.
        Assert.IsFalse(result.Portals[0].Virtualizables.Any(v => v.ClassName.StartsWith("Bad.", StringComparison.Ordinal)));
    }
}
