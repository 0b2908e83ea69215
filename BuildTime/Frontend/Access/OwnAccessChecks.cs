using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PeJit.Frontend.Access;

/// <summary>
/// <c>[assembly: IgnoresAccessChecksTo("itself")]</c> on a JIT-enabled assembly: the code PeJit adds to it (the portal's
/// plain twin, the green accessors) lives in classes of its own and calls the interpreter's private members (an emulator's
/// private <c>Step</c>), which .NET then allows. The runtime recognizes the attribute by name in whatever assembly, so the
/// module gets its own internal copy of the type.
/// </summary>
public static class OwnAccessChecks
{
    private const string Namespace = "System.Runtime.CompilerServices";
    private const string Name = "IgnoresAccessChecksToAttribute";

    /// <summary>Adds the attribute for the module's own assembly, once however often it is asked.</summary>
    public static void Grant(ModuleDefinition module)
    {
        string assemblyName = module.Assembly.Name.Name;
        if (module.Assembly.CustomAttributes.Any(a => a.AttributeType.FullName == $"{Namespace}.{Name}"
                                                    && a.ConstructorArguments.Count == 1 && a.ConstructorArguments[0].Value as string == assemblyName))
            return;
        module.Assembly.CustomAttributes.Add(new CustomAttribute(Constructor(module)) { ConstructorArguments = { new(module.TypeSystem.String, assemblyName) } });
    }

    private static MethodReference Constructor(ModuleDefinition module)
    {
        var type = module.GetType(Namespace, Name);
        if (type is null)
        {
            var attribute = new TypeReference("System", "Attribute", module, module.TypeSystem.CoreLibrary);
            type = new TypeDefinition(Namespace, Name, TypeAttributes.NotPublic | TypeAttributes.Sealed | TypeAttributes.BeforeFieldInit | TypeAttributes.Class, attribute);
            var constructor = new MethodDefinition(".ctor", MethodAttributes.Public | MethodAttributes.HideBySig | MethodAttributes.SpecialName | MethodAttributes.RTSpecialName, module.TypeSystem.Void);
            constructor.Parameters.Add(new ParameterDefinition("assemblyName", ParameterAttributes.None, module.TypeSystem.String));
            var il = constructor.Body.GetILProcessor();
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, new MethodReference(".ctor", module.TypeSystem.Void, attribute) { HasThis = true });
            il.Emit(OpCodes.Ret);
            type.Methods.Add(constructor);
            module.Types.Add(type);
        }
        return type.Methods.First(m => m.IsConstructor && m.Parameters.Count == 1);
    }
}
