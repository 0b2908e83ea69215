using Mono.Cecil;
using Mono.Cecil.Cil;
using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Generator;

/// <summary>
/// Emits each green load and call of extension programs (what <c>GreenAccessBuilder</c> would compile with
/// <c>Expression.Compile</c> when the program is linked) as a static method of a type added to the JIT-enabled
/// assembly (<see cref="ExtensionLinker.AccessorsType"/>), and names it in the op (<see cref="ExtensionOp.AccessMethod"/>),
/// so the run time binds a delegate to it instead of loading and running System.Linq.Expressions' compiler.
/// </summary>
/// <remarks>
/// Strategy: the method reads and writes the same register files, with the same conversions, as the lambda
/// would (<c>GreenAccessBuilder</c>: into a parameter, the integer or float narrowed to its type, a reference
/// cast; out of it, widened to the register's form as <c>ValueSemantics.Normalize</c> does), so an access behaves
/// the same whichever way it was made. The members come from the analysis's Cecil references; they are mapped
/// into the woven module by name (the assembly's own types are looked up in it, others imported), never by
/// token. The assembly gets <c>[IgnoresAccessChecksTo]</c> for itself, so that, like the lambdas (which skip
/// visibility), the methods reach its private members. A struct receiver or argument is unboxed into a copy, as the
/// lambda's conversion makes one. An access the lambda would make differently (by-reference
/// parameters, a conversion through <c>ValueSemantics</c>, a non-public member of
/// another assembly) is left to the linker (<see cref="Left"/> says which and why): it compiles those at
/// run time as before.
/// </remarks>
public sealed class GreenAccessEmitter
{

    private readonly ModuleDefinition module;
    private readonly string assemblyName;
    private readonly TypeDefinition accessors;
    private readonly Dictionary<string, string> methods = [];
    private readonly List<string> left = [];

    /// <summary>Prepares to emit into <paramref name="module"/>, the JIT-enabled assembly being woven.</summary>
    public GreenAccessEmitter(ModuleDefinition module)
    {
        this.module = module;
        assemblyName = module.Assembly.Name.Name;
        accessors = new TypeDefinition("", ExtensionLinker.AccessorsType,
            TypeAttributes.NotPublic | TypeAttributes.Abstract | TypeAttributes.Sealed | TypeAttributes.BeforeFieldInit | TypeAttributes.Class,
            module.TypeSystem.Object);
    }

    /// <summary>The methods emitted (sites of the same member with the same register classes share one).</summary>
    public int Emitted => methods.Count;

    /// <summary>The accesses left to the linker, each with the reason.</summary>
    public IReadOnlyList<string> Left => left;

    /// <summary>Emits the green accesses of every graph of <paramref name="program"/> and names them in its ops.</summary>
    public void Emit(ExtensionProgram program)
    {
        foreach (var graph in program.Graphs)
            foreach (var block in graph.Blocks)
                foreach (var op in block)
                    if (IsAccess(op))
                        Emit(graph, op);
    }

    /// <summary>Adds the type holding the methods, and the access attribute, to the module (when anything was emitted).</summary>
    public void Finish()
    {
        if (methods.Count == 0) return;
        module.Types.Add(accessors);
        PeJit.Frontend.Access.OwnAccessChecks.Grant(module);
    }

    /// <summary>The ops the linker makes a <c>GreenAccess</c> for (<c>ExtensionLinker.LinkAccess</c>).</summary>
    private static bool IsAccess(ExtensionOp op) =>
        // A span method runs on the span held as a SpanValue (GreenSpanAccess, bound when linking): no IL reads one as a span.
        op.Kind == ExtensionOpKind.Call ? op.Treatment == CallTreatment.GreenCall && !PeJit.IR.Semantics.SpanMethods.Knows(op.Instruction.Method!)
        : ExtensionLinker.IsPreparedGreen(op) && op.Green == GreenOperation.Access
            && op.Instruction.Opcode is Opcode.LoadField or Opcode.LoadStatic or Opcode.LoadElement;

    private void Emit(ExtensionGraph graph, ExtensionOp op)
    {
        var instruction = op.Instruction;
        var resultClass = op.Result >= 0 ? graph.Classes[op.Result] : RegisterClass.Ref;
        var operandClasses = op.Operands.Select(o => graph.Classes[o]).ToArray();
        string member = instruction.Field?.FullName ?? instruction.Method?.FullName ?? instruction.TypeOperand?.Name ?? op.OperandTypes.FirstOrDefault()?.Name ?? "?";
        string key = $"{instruction.Opcode} {member} ({string.Join(",", operandClasses.Select((c, i) => $"{c} {op.OperandTypes[i]}"))}) -> {resultClass} {op.ResultType} {op.Result >= 0}";
        if (methods.TryGetValue(key, out var name))
        {
            op.AccessMethod = name;
            return;
        }
        try
        {
            name = $"A{methods.Count}_{instruction.Field?.Name ?? instruction.Method?.Name ?? "ldelem"}";
            var method = new MethodDefinition(name, MethodAttributes.Assembly | MethodAttributes.Static | MethodAttributes.HideBySig, module.TypeSystem.Void);
            method.Parameters.Add(new ParameterDefinition("ints", ParameterAttributes.None, new ArrayType(module.TypeSystem.Int64)));
            method.Parameters.Add(new ParameterDefinition("floats", ParameterAttributes.None, new ArrayType(module.TypeSystem.Double)));
            method.Parameters.Add(new ParameterDefinition("refs", ParameterAttributes.None, new ArrayType(module.TypeSystem.Object)));
            method.Parameters.Add(new ParameterDefinition("operands", ParameterAttributes.None, new ArrayType(module.TypeSystem.Int32)));
            method.Parameters.Add(new ParameterDefinition("result", ParameterAttributes.None, module.TypeSystem.Int32));
            new Body(this, method.Body.GetILProcessor(), operandClasses, resultClass, op).Emit();
            accessors.Methods.Add(method);
            methods[key] = name;
            op.AccessMethod = name;
        }
        catch (NotEmittedException e)
        {
            left.Add($"{graph.Name}: {instruction.Info.Name} {member}: {e.Message}");
        }
        catch (AssemblyResolutionException e)
        {
            left.Add($"{graph.Name}: {instruction.Info.Name} {member}: {e.AssemblyReference.FullName} does not resolve");
        }
    }

    /// <summary>Why an access is left to the linker.</summary>
    private sealed class NotEmittedException(string message) : Exception(message);

    /// <summary>One access's method body: <c>(long[] ints, double[] floats, object[] refs, int[] operands, int result)</c>.</summary>
    private sealed class Body(GreenAccessEmitter owner, ILProcessor il, RegisterClass[] operandClasses, RegisterClass resultClass, ExtensionOp op)
    {
        private const int Ints = 0, Floats = 1, Refs = 2, Operands = 3, Result = 4;

        public void Emit()
        {
            var instruction = op.Instruction;
            switch (instruction.Opcode)
            {
                case Opcode.LoadField:
                {
                    var field = instruction.Field!.Cecil ?? throw new NotEmittedException("no Cecil reference");
                    var declaring = field.DeclaringType;
                    var store = Store(Instantiate(field.FieldType, declaring));
                    Prepare(store);
                    if (owner.IsValueType(declaring)) Unboxed(0, declaring);
                    else Read(0, declaring);
                    il.Emit(OpCodes.Ldfld, owner.Field(field));
                    Finish(store);
                    break;
                }
                case Opcode.LoadStatic:
                {
                    var field = instruction.Field!.Cecil ?? throw new NotEmittedException("no Cecil reference");
                    var store = Store(Instantiate(field.FieldType, field.DeclaringType));
                    Prepare(store);
                    il.Emit(OpCodes.Ldsfld, owner.Field(field));
                    Finish(store);
                    break;
                }
                case Opcode.LoadElement:
                {
                    var element = (op.OperandTypes[0].Cecil as ArrayType is { IsVector: true } array ? array.ElementType : instruction.TypeOperand?.Cecil)
                        ?? throw new NotEmittedException("the element type is unknown");
                    if (operandClasses[1] != RegisterClass.Int) throw new NotEmittedException($"the index is in a {operandClasses[1]} register");
                    var store = Store(element);
                    Prepare(store);
                    Read(0, new ArrayType(element));
                    Register(1, RegisterClass.Int);
                    il.Emit(OpCodes.Conv_Ovf_I4);
                    il.Emit(OpCodes.Ldelem_Any, owner.Map(element));
                    Finish(store);
                    break;
                }
                default:
                    Call(instruction.Method?.Cecil ?? throw new NotEmittedException("no Cecil reference"));
                    break;
            }
            il.Emit(OpCodes.Ret);
        }

        private void Call(MethodReference method)
        {
            var instance = method as GenericInstanceMethod;
            if (method.CallingConvention == MethodCallingConvention.VarArg) throw new NotEmittedException("a varargs method");
            var declaring = method.DeclaringType;
            bool constructor = method.Name == ".ctor";
            var parameters = method.Parameters.Select(p => Instantiate(p.ParameterType, declaring, instance)).ToList();
            if (parameters.Any(p => p is ByReferenceType or PointerType or FunctionPointerType))
                throw new NotEmittedException("by-reference or pointer parameters");
            int offset = method.HasThis && !constructor ? 1 : 0;
            if (operandClasses.Length != parameters.Count + offset) throw new NotEmittedException("operands and parameters differ in number");
            var returned = constructor ? declaring : Instantiate(method.ReturnType, declaring, instance);
            bool voidCall = returned.MetadataType == MetadataType.Void || op.ResultType.Kind == TypeKind.Void;
            var store = voidCall || op.Result < 0 ? null : Store(returned);
            Prepare(store);
            bool valueReceiver = offset == 1 && owner.IsValueType(declaring);
            if (valueReceiver) Copied(0, declaring);
            else if (offset == 1) Read(0, declaring);
            for (int i = 0; i < parameters.Count; i++) Read(i + offset, parameters[i]);
            var target = owner.Method(method);
            il.Emit(constructor ? OpCodes.Newobj : offset == 1 && !valueReceiver ? OpCodes.Callvirt : OpCodes.Call, target);
            if (store is null)
            {
                if (returned.MetadataType != MetadataType.Void) il.Emit(OpCodes.Pop);
                return;
            }
            Finish(store);
        }

        /// <summary>How the value is written to the result register: the register file's argument, and the conversion and store after the value.</summary>
        private sealed record Storing(int File, Action<ILProcessor> Convert, OpCode Store);

        private Storing Store(TypeReference type)
        {
            switch (resultClass)
            {
                case RegisterClass.Int:
                {
                    var kind = owner.IntegerKind(type) ?? throw new NotEmittedException($"a {type.FullName} in an integer register");
                    return new(Ints, il => Widen(il, kind), OpCodes.Stelem_I8);
                }
                case RegisterClass.Float when type.MetadataType == MetadataType.Double:
                    return new(Floats, _ => { }, OpCodes.Stelem_R8);
                case RegisterClass.Float when type.MetadataType == MetadataType.Single:
                    return new(Floats, il => il.Emit(OpCodes.Conv_R8), OpCodes.Stelem_R8);
                case RegisterClass.Float:
                    throw new NotEmittedException($"a {type.FullName} in a float register");
                default:
                {
                    var boxed = owner.IsValueType(type) ? owner.Map(type) : null;
                    return new(Refs, il => { if (boxed is not null) il.Emit(OpCodes.Box, boxed); }, OpCodes.Stelem_Ref);
                }
            }
        }

        /// <summary>An integer-like value in stack form widened to long, as <c>Normalize</c> boxes it (uint32 sign-extended through int).</summary>
        private static void Widen(ILProcessor il, MetadataType kind)
        {
            switch (kind)
            {
                case MetadataType.Boolean:
                    il.Emit(OpCodes.Ldc_I4_0);
                    il.Emit(OpCodes.Cgt_Un);
                    il.Emit(OpCodes.Conv_U8);
                    break;
                case MetadataType.Byte or MetadataType.UInt16 or MetadataType.Char or MetadataType.UIntPtr:
                    il.Emit(OpCodes.Conv_U8);
                    break;
                case MetadataType.SByte or MetadataType.Int16 or MetadataType.Int32 or MetadataType.UInt32 or MetadataType.IntPtr:
                    il.Emit(OpCodes.Conv_I8);
                    break;
            }
        }

        private void Prepare(Storing? store)
        {
            if (store is null) return;
            il.Emit(OpCodes.Ldarg, il.Body.Method.Parameters[store.File]);
            il.Emit(OpCodes.Ldarg, il.Body.Method.Parameters[Result]);
        }

        private void Finish(Storing? store)
        {
            if (store is null) return;
            store.Convert(il);
            il.Emit(store.Store);
        }

        /// <summary>Pushes register <paramref name="index"/>'s content from its class's file.</summary>
        private void Register(int index, RegisterClass registerClass)
        {
            il.Emit(OpCodes.Ldarg, il.Body.Method.Parameters[registerClass switch { RegisterClass.Int => Ints, RegisterClass.Float => Floats, _ => Refs }]);
            il.Emit(OpCodes.Ldarg, il.Body.Method.Parameters[Operands]);
            il.Emit(OpCodes.Ldc_I4, index);
            il.Emit(OpCodes.Ldelem_I4);
            il.Emit(registerClass switch { RegisterClass.Int => OpCodes.Ldelem_I8, RegisterClass.Float => OpCodes.Ldelem_R8, _ => OpCodes.Ldelem_Ref });
        }

        /// <summary>Pushes operand <paramref name="index"/> as an instance of <paramref name="target"/> (<c>GreenAccessBuilder.Read</c>).</summary>
        private void Read(int index, TypeReference target)
        {
            var registerClass = operandClasses[index];
            switch (registerClass)
            {
                case RegisterClass.Int:
                {
                    var kind = owner.IntegerKind(target) ?? throw new NotEmittedException($"a {target.FullName} from an integer register");
                    Register(index, registerClass);
                    Narrow(kind);
                    return;
                }
                case RegisterClass.Float when target.MetadataType is MetadataType.Double or MetadataType.Single:
                    Register(index, registerClass);
                    if (target.MetadataType == MetadataType.Single) il.Emit(OpCodes.Conv_R4);
                    return;
                case RegisterClass.Float:
                    throw new NotEmittedException($"a {target.FullName} from a float register");
                default:
                    if (owner.IsValueType(target))
                    {
                        // A struct argument: the lambda converts the box to the parameter's type, a copy, as unbox.any does
                        // (and both throw on null or another type). Enums and primitives are converted by ValueSemantics.
                        if (target.IsPrimitive || owner.IntegerKind(target) is not null || target.Resolve() is { IsEnum: true })
                            throw new NotEmittedException($"a {target.FullName} unboxed from a reference register");
                        Register(index, registerClass);
                        il.Emit(OpCodes.Unbox_Any, owner.Map(target));
                        return;
                    }
                    Register(index, registerClass);
                    if (target.MetadataType != MetadataType.Object) il.Emit(OpCodes.Castclass, owner.Map(target));
                    return;
            }
        }

        /// <summary>
        /// The address of the struct boxed in reference operand <paramref name="index"/>, to load a field from (the
        /// lambda unboxes a copy: <c>ToClr</c> leaves a boxed struct of the type as it is, so both read the same field,
        /// and both throw on null or another type).
        /// </summary>
        private void Unboxed(int index, TypeReference type)
        {
            if (operandClasses[index] != RegisterClass.Ref || type.IsPrimitive || owner.IntegerKind(type) is not null)
                throw new NotEmittedException($"a {type.FullName} from a {operandClasses[index]} register");
            Register(index, RegisterClass.Ref);
            il.Emit(OpCodes.Unbox, owner.Map(type));
        }

        /// <summary>
        /// The address of a copy of the struct boxed in reference operand <paramref name="index"/>, as the receiver of a
        /// call on a value type: the lambda calls the method on the struct it unboxes, a copy, so a method that writes
        /// its <c>this</c> leaves the register's box as it was here too.
        /// </summary>
        private void Copied(int index, TypeReference type)
        {
            if (operandClasses[index] != RegisterClass.Ref || type.IsPrimitive || owner.IntegerKind(type) is not null)
                throw new NotEmittedException($"a {type.FullName} receiver from a {operandClasses[index]} register");
            var mapped = owner.Map(type);
            var copy = new VariableDefinition(mapped);
            il.Body.Variables.Add(copy);
            il.Body.InitLocals = true;
            Register(index, RegisterClass.Ref);
            il.Emit(OpCodes.Unbox_Any, mapped);
            il.Emit(OpCodes.Stloc, copy);
            il.Emit(OpCodes.Ldloca, copy);
        }

        /// <summary>A long narrowed to a parameter's integer type (<c>bool</c>: non-zero).</summary>
        private void Narrow(MetadataType kind)
        {
            switch (kind)
            {
                case MetadataType.Boolean:
                    il.Emit(OpCodes.Ldc_I4_0);
                    il.Emit(OpCodes.Conv_I8);
                    il.Emit(OpCodes.Cgt_Un);
                    break;
                case MetadataType.SByte: il.Emit(OpCodes.Conv_I1); break;
                case MetadataType.Byte: il.Emit(OpCodes.Conv_U1); break;
                case MetadataType.Int16: il.Emit(OpCodes.Conv_I2); break;
                case MetadataType.UInt16 or MetadataType.Char: il.Emit(OpCodes.Conv_U2); break;
                case MetadataType.Int32: il.Emit(OpCodes.Conv_I4); break;
                case MetadataType.UInt32: il.Emit(OpCodes.Conv_U4); break;
                case MetadataType.IntPtr: il.Emit(OpCodes.Conv_I); break;
                case MetadataType.UIntPtr: il.Emit(OpCodes.Conv_U); break;
            }
        }

        /// <summary>
        /// <paramref name="type"/> with the generic parameters of <paramref name="declaring"/> (when it is an instance)
        /// and of <paramref name="method"/> (a generic method's instance: <c>Array.Empty&lt;T&gt;</c>'s <c>!!0</c>) replaced by
        /// their arguments.
        /// </summary>
        private static TypeReference Instantiate(TypeReference type, TypeReference declaring, GenericInstanceMethod? method = null)
        {
            var instance = declaring as GenericInstanceType;
            switch (type)
            {
                case GenericParameter { Type: GenericParameterType.Type } parameter when instance is not null && parameter.Position < instance.GenericArguments.Count:
                    return instance.GenericArguments[parameter.Position];
                case GenericParameter { Type: GenericParameterType.Method } parameter when method is not null && parameter.Position < method.GenericArguments.Count:
                    return Instantiate(method.GenericArguments[parameter.Position], declaring);
                case GenericParameter:
                    throw new NotEmittedException($"the open generic parameter {type.FullName}");
                case ArrayType array:
                    var element = Instantiate(array.ElementType, declaring, method);
                    return array.IsVector ? new ArrayType(element) : new ArrayType(element, array.Rank);
                case GenericInstanceType generic:
                {
                    var result = new GenericInstanceType(generic.ElementType);
                    foreach (var argument in generic.GenericArguments) result.GenericArguments.Add(Instantiate(argument, declaring, method));
                    return result;
                }
                default:
                    return type;
            }
        }
    }

    /// <summary>The integer kind of <paramref name="type"/> (an enum's underlying one); null for any other type.</summary>
    private MetadataType? IntegerKind(TypeReference type)
    {
        var kind = type.MetadataType;
        if (kind is MetadataType.ValueType && Resolve(type) is { IsEnum: true } definition)
            kind = definition.Fields.First(f => !f.IsStatic).FieldType.MetadataType;
        return kind is MetadataType.Boolean or MetadataType.Char or MetadataType.SByte or MetadataType.Byte or MetadataType.Int16 or MetadataType.UInt16
            or MetadataType.Int32 or MetadataType.UInt32 or MetadataType.Int64 or MetadataType.UInt64 or MetadataType.IntPtr or MetadataType.UIntPtr
            ? kind : null;
    }

    private bool IsValueType(TypeReference type) => type switch
    {
        ArrayType => false,
        GenericParameter => throw new NotEmittedException($"the open generic parameter {type.FullName}"),
        GenericInstanceType instance => IsValueType(instance.ElementType),
        _ when type.MetadataType is MetadataType.Object or MetadataType.String or MetadataType.Class => false,
        _ when type.IsPrimitive => true,
        _ => Resolve(type).IsValueType,
    };

    private static TypeDefinition Resolve(TypeReference type)
    {
        try
        {
            return type.Resolve() ?? throw new NotEmittedException($"{type.FullName} does not resolve");
        }
        catch (AssemblyResolutionException e)
        {
            throw new NotEmittedException($"{type.FullName} does not resolve ({e.Message})");
        }
    }

    private bool IsOwn(TypeReference type) => type.Scope switch
    {
        ModuleDefinition scope => scope.Assembly.Name.Name == assemblyName,
        AssemblyNameReference scope => scope.Name == assemblyName,
        _ => false,
    };

    /// <summary>
    /// <paramref name="type"/> (from the analysis's read of the assembly) as the woven module names it: its own types
    /// by name, others imported (when public: another assembly's non-public type is left to the linker).
    /// </summary>
    private TypeReference Map(TypeReference type, MethodReference? genericMethod = null)
    {
        switch (type)
        {
            case GenericParameter { Type: GenericParameterType.Method } parameter when genericMethod is not null && parameter.Position < genericMethod.GenericParameters.Count:
                return genericMethod.GenericParameters[parameter.Position];
            case GenericParameter parameter:
                // Only in an open member signature (a field or method of a generic type): written as its kind and position.
                return parameter;
            case ArrayType array:
                return array.IsVector ? new ArrayType(Map(array.ElementType, genericMethod)) : new ArrayType(Map(array.ElementType, genericMethod), array.Rank);
            case GenericInstanceType instance:
            {
                var mapped = new GenericInstanceType(Map(instance.ElementType));
                foreach (var argument in instance.GenericArguments) mapped.GenericArguments.Add(Map(argument, genericMethod));
                return mapped;
            }
            case TypeSpecification:
                throw new NotEmittedException($"the type {type.FullName}");
        }
        if (IsOwn(type)) return module.GetType(type.FullName) ?? throw new NotEmittedException($"the woven module has no type {type.FullName}");
        if (!type.IsPrimitive && type.MetadataType is not (MetadataType.Object or MetadataType.String) && !IsPublic(Resolve(type)))
            throw new NotEmittedException($"{type.FullName} is not public in {type.Scope.Name}");
        return module.ImportReference(type);
    }

    private static bool IsPublic(TypeDefinition type) => type.IsNested ? type.IsNestedPublic && IsPublic(type.DeclaringType) : type.IsPublic;

    private FieldReference Field(FieldReference field)
    {
        var declaring = Map(field.DeclaringType);
        if (declaring is TypeDefinition own)
            return own.Fields.FirstOrDefault(f => f.Name == field.Name) ?? throw new NotEmittedException($"the woven module has no field {field.FullName}");
        if (!IsOwn(field.DeclaringType.GetElementType()) && field.Resolve() is { IsPublic: false })
            throw new NotEmittedException($"{field.FullName} is not public in {field.DeclaringType.Scope.Name}");
        return new FieldReference(field.Name, Map(field.FieldType), declaring);
    }

    private MethodReference Method(MethodReference method)
    {
        if (method is GenericInstanceMethod instance)
        {
            // The generic method itself (its signature keeps !!0, written by position), instantiated with the mapped arguments.
            var mappedInstance = new GenericInstanceMethod(Method(instance.ElementMethod));
            foreach (var argument in instance.GenericArguments) mappedInstance.GenericArguments.Add(Map(argument));
            return mappedInstance;
        }
        var declaring = Map(method.DeclaringType);
        if (declaring is TypeDefinition own)
            return own.Methods.FirstOrDefault(m => m.Name == method.Name && SameSignature(m, method))
                ?? throw new NotEmittedException($"the woven module has no method {method.FullName}");
        if (!IsOwn(method.DeclaringType.GetElementType()) && method.Resolve() is { IsPublic: false })
            throw new NotEmittedException($"{method.FullName} is not public in {method.DeclaringType.Scope.Name}");
        var mapped = new MethodReference(method.Name, module.TypeSystem.Void, declaring)
        {
            HasThis = method.HasThis,
            ExplicitThis = method.ExplicitThis,
            CallingConvention = method.CallingConvention,
        };
        // Its generic arity is part of the reference's signature; its own parameters stand for the method's in the types below.
        foreach (var parameter in method.GenericParameters) mapped.GenericParameters.Add(new GenericParameter(parameter.Name, mapped));
        mapped.ReturnType = Map(method.ReturnType, mapped);
        foreach (var parameter in method.Parameters) mapped.Parameters.Add(new ParameterDefinition(Map(parameter.ParameterType, mapped)));
        return mapped;
    }

    private static bool SameSignature(MethodDefinition candidate, MethodReference method) =>
        candidate.HasThis == method.HasThis && candidate.GenericParameters.Count == method.GenericParameters.Count
        && candidate.ReturnType.FullName == method.ReturnType.FullName
        && candidate.Parameters.Count == method.Parameters.Count
        && candidate.Parameters.Select(p => p.ParameterType.FullName).SequenceEqual(method.Parameters.Select(p => p.ParameterType.FullName));
}
