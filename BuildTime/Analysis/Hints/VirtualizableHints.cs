using Mono.Cecil;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Diagnostics;
using PeJit.Frontend.Construction;
using PeJit.IR;

namespace PeJit.Analysis.Hints;

/// <summary>
/// Reads and checks the <c>[Virtualizable(...)]</c> attributes of the analyzed module's classes: each name must be an
/// instance field of the class (<c>Name</c>) or a readonly one-dimensional array field (<c>Name[*]</c>). What passes
/// becomes a <see cref="VirtualizableFrame"/>, which the extension program stores and the optimizer reads on every
/// residual graph (the contract is the attribute's, in PeJit.Hints, and DESIGN.md's hints table).
/// </summary>
internal static class VirtualizableHints
{
    /// <summary>Every marked class of <paramref name="module"/> whose names all check, in the module's type order; the others are reported.</summary>
    public static List<VirtualizableFrame> Read(ModuleDefinition module, BindingTimeAnalysis analysis)
    {
        var frames = new List<VirtualizableFrame>();
        foreach (var type in module.GetTypes())
        {
            var attribute = type.CustomAttributes.FirstOrDefault(a => a.AttributeType.FullName == HintNames.Virtualizable);
            if (attribute is null) continue;
            if (Check(type, attribute, analysis) is { } frame) frames.Add(frame);
        }
        return frames;
    }

    private static VirtualizableFrame? Check(TypeDefinition type, CustomAttribute attribute, BindingTimeAnalysis analysis)
    {
        string where = type.FullName;
        bool ok = true;
        void Error(string code, string message, string advice)
        {
            analysis.Report(Severity.Error, code, message, where, SourceLocation.None, null, advice);
            ok = false;
        }
        if (type.IsValueType || type.IsInterface)
        {
            Error(DiagnosticCodes.VirtualizableUnknownField, $"[Virtualizable] is on {type.FullName}, which is not a class",
                "Put [Virtualizable] on the class of the interpreter's frame objects (a reference type), or remove it.");
            return null;
        }
        var names = attribute.ConstructorArguments.Count == 1 && attribute.ConstructorArguments[0].Value is CustomAttributeArgument[] items
            ? items.Select(i => i.Value as string ?? "").ToList()
            : [];
        var fields = new List<string>();
        var arrays = new List<string>();
        var arrayFields = new List<FieldRef>();
        foreach (string name in names)
        {
            bool isArray = name.EndsWith("[*]", StringComparison.Ordinal);
            string fieldName = isArray ? name[..^3] : name;
            if (fieldName.Length == 0 || fieldName.Contains('[') || fieldName.Contains(']') || fieldName.Contains('.'))
            {
                Error(DiagnosticCodes.VirtualizableUnknownField, $"[Virtualizable] on {type.FullName} names \"{name}\", which is not written as a field name",
                    "Write each name as a field of the class (\"Pc\") or an array field with [*] (\"Registers[*]\").");
                continue;
            }
            var field = FindField(type, fieldName);
            if (field is null)
            {
                Error(DiagnosticCodes.VirtualizableUnknownField, $"[Virtualizable] on {type.FullName} names \"{name}\", but {type.FullName} has no instance field {fieldName}",
                    $"Name an instance field of {type.Name} (its fields: {string.Join(", ", InstanceFields(type).Select(f => f.Name))}), or remove the name.");
                continue;
            }
            if (isArray)
            {
                if (field.FieldType is not ArrayType { Rank: 1 })
                {
                    Error(DiagnosticCodes.VirtualizableNotArray, $"[Virtualizable] on {type.FullName} names \"{name}\", but {fieldName} is a {field.FieldType.FullName}, not a one-dimensional array",
                        $"Drop the [*] to keep the field itself in a register (\"{fieldName}\"), or name an array field.");
                    continue;
                }
                if (!field.IsInitOnly)
                {
                    Error(DiagnosticCodes.VirtualizableArrayReplaced, $"[Virtualizable] on {type.FullName} names \"{name}\", but {fieldName} is not readonly: code could replace the array while compiled code keeps its elements",
                        $"Make {fieldName} readonly (assign it in the constructor only); an interpreter that must grow it can allocate a new frame.");
                    continue;
                }
                arrays.Add(field.FullName);
                arrayFields.Add(FieldRef.From(field));
            }
            else fields.Add(field.FullName);
        }
        if (!ok) return null;
        var supertypes = new List<string>();
        for (var at = type; at is not null;)
        {
            foreach (var implemented in at.Interfaces) supertypes.Add(implemented.InterfaceType.FullName);
            if (at.BaseType is null) break;
            supertypes.Add(at.BaseType.FullName);
            at = at.BaseType.Resolve();
        }
        return new VirtualizableFrame(type.FullName, type.IsSealed, supertypes.Distinct().ToList(), fields, arrays) { ArrayFields = arrayFields };
    }

    private static FieldDefinition? FindField(TypeDefinition type, string name)
    {
        for (TypeDefinition? at = type; at is not null; at = at.BaseType?.Resolve())
            if (at.Fields.FirstOrDefault(f => f.Name == name && !f.IsStatic) is { } field) return field;
        return null;
    }

    private static IEnumerable<FieldDefinition> InstanceFields(TypeDefinition type) => type.Fields.Where(f => !f.IsStatic);
}
