using Mono.Cecil;
using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Generator;

/// <summary>
/// Writes the <see cref="MemberTable"/> of an extension program from the Cecil references the frontend attached
/// to its graphs: for every type, field and method the program names, how to find it at run time by name and
/// signature (<see cref="MemberSignature"/>), in whatever assembly (the JIT-enabled one included, whose tokens
/// Cecil's write may change) defines it.
/// </summary>
public sealed class MemberTableBuilder
{
    private readonly MemberTable table = new();

    /// <summary>The table of every member <paramref name="program"/>'s graphs name.</summary>
    public static MemberTable For(ExtensionProgram program)
    {
        var builder = new MemberTableBuilder();
        foreach (var graph in program.Graphs)
        {
            var flow = graph.Graph;
            builder.Add(flow.ReturnType);
            foreach (var type in graph.Types) builder.Add(type);
            foreach (var slot in flow.Slots) builder.Add(flow[slot].Type);
            foreach (var region in flow.Regions)
                if (flow[region].CatchType is { } catchType) builder.Add(catchType);
            foreach (var block in graph.Blocks)
                foreach (var op in block)
                {
                    var instruction = op.Instruction;
                    if (instruction.TypeOperand is { } operand) builder.Add(operand);
                    if (instruction.Field is { } field) builder.Add(field);
                    if (instruction.Method is { } method) builder.Add(method);
                    foreach (var callee in op.CalleeMethods) builder.Add(callee);
                }
        }
        // The optimizer loads a frame's named array field to test an array given apart from its frame (PromoteMemory, rule 9),
        // whether or not the interpreter's own code reads it.
        foreach (var frame in program.Shape.Virtualizables)
            foreach (var field in frame.ArrayFields) builder.Add(field);
        return builder.table;
    }

    private void Add(IrType type)
    {
        if (type.IsAddress)
        {
            Add(type.Element!);
            return;
        }
        if (type.IsPrimitive || type.Kind == TypeKind.GenericParameter || table.Types.ContainsKey(type.Name) || type.Cecil is not { } cecil) return;
        if (Qualified(cecil) is { } name) table.Types[type.Name] = name;
        if (cecil is ArrayType array && Qualified(array.ElementType) is { } element) table.Types.TryAdd(array.ElementType.FullName, element);
    }

    private void Add(FieldRef field)
    {
        if (table.Fields.ContainsKey(field.FullName) || field.Cecil is not { } cecil || Qualified(cecil.DeclaringType) is not { } declaring) return;
        table.Fields[field.FullName] = new MemberTable.FieldEntry(declaring, cecil.Name);
    }

    private void Add(MethodRef method)
    {
        if (table.Methods.ContainsKey(method.FullName) || method.Cecil is not { } cecil || Qualified(cecil.DeclaringType) is not { } declaring) return;
        var element = cecil is GenericInstanceMethod generic ? generic.ElementMethod : cecil;
        MethodDefinition? definition;
        try
        {
            definition = element.Resolve();
        }
        catch (AssemblyResolutionException)
        {
            definition = null;
        }
        // An array's runtime-provided methods have no definition: the resolver finds them by name and count.
        string signature = definition is null ? "" : Signature(definition);
        var arguments = cecil is GenericInstanceMethod instance ? instance.GenericArguments.Select(Qualified).ToList() : [];
        if (arguments.Any(a => a is null)) return;
        table.Methods[method.FullName] = new MemberTable.MethodEntry(declaring, cecil.Name, signature, arguments!);
    }

    /// <summary>A method definition's signature, as <see cref="MemberSignature.Of(System.Reflection.MethodBase)"/> writes the run-time method's.</summary>
    public static string Signature(MethodDefinition method) =>
        Signature(method.ReturnType) + "(" + string.Join(",", method.Parameters.Select(p => Signature(p.ParameterType))) + ")";

    /// <summary>The key under which a portal's program is stored, as <see cref="MemberSignature.PortalKey"/> computes it at run time.</summary>
    public static string PortalKey(MethodDefinition portal) => Signature(portal.DeclaringType) + "::" + portal.Name + " " + Signature(portal);

    private static string Signature(TypeReference type) => type switch
    {
        GenericParameter parameter => (parameter.Type == GenericParameterType.Method ? "!!" : "!") + parameter.Position,
        ByReferenceType byReference => Signature(byReference.ElementType) + "&",
        PointerType pointer => Signature(pointer.ElementType) + "*",
        ArrayType array => Signature(array.ElementType) + (array.IsVector ? "[]" : "[" + new string(',', array.Rank - 1) + "]"),
        GenericInstanceType instance => Signature(instance.ElementType) + "<" + string.Join(",", instance.GenericArguments.Select(Signature)) + ">",
        IModifierType modified => Signature(modified.ElementType),
        PinnedType pinned => Signature(pinned.ElementType),
        SentinelType sentinel => Signature(sentinel.ElementType),
        _ when type.IsNested => Signature(type.DeclaringType) + "+" + type.Name,
        _ => string.IsNullOrEmpty(type.Namespace) ? type.Name : type.Namespace + "." + type.Name,
    };

    /// <summary>The assembly-qualified reflection name of a Cecil type; null for what has none (a generic parameter, a function pointer).</summary>
    private static string? Qualified(TypeReference type)
    {
        string? name = ReflectionName(type);
        if (name is null) return null;
        return name + ", " + AssemblyOf(type);
    }

    private static string? ReflectionName(TypeReference type)
    {
        switch (type)
        {
            case GenericParameter or FunctionPointerType:
                return null;
            case GenericInstanceType instance:
            {
                var arguments = instance.GenericArguments.Select(Qualified).ToList();
                return arguments.Any(a => a is null) || ReflectionName(instance.ElementType) is not { } open ? null
                    : open + "[" + string.Join(",", arguments.Select(a => "[" + a + "]")) + "]";
            }
            case ArrayType array:
                return ReflectionName(array.ElementType) is { } element ? element + (array.IsVector ? "[]" : "[" + new string(',', array.Rank - 1) + "]") : null;
            case ByReferenceType byReference:
                return ReflectionName(byReference.ElementType) is { } referenced ? referenced + "&" : null;
            case PointerType pointer:
                return ReflectionName(pointer.ElementType) is { } pointee ? pointee + "*" : null;
            case IModifierType modified:
                return ReflectionName(modified.ElementType);
            case PinnedType pinned:
                return ReflectionName(pinned.ElementType);
        }
        return type.IsNested ? ReflectionName(type.DeclaringType) + "+" + type.Name
            : string.IsNullOrEmpty(type.Namespace) ? type.Name : type.Namespace + "." + type.Name;
    }

    /// <summary>The full name of the assembly that defines <paramref name="type"/>'s innermost element (the one the frontend resolved it to).</summary>
    private static string AssemblyOf(TypeReference type)
    {
        var element = type.GetElementType();
        try
        {
            if (element.Resolve() is { } definition) return definition.Module.Assembly.Name.FullName;
        }
        catch (AssemblyResolutionException)
        {
        }
        return element.Scope switch
        {
            AssemblyNameReference reference => reference.FullName,
            ModuleDefinition module => module.Assembly.Name.FullName,
            _ => element.Scope.Name,
        };
    }
}
