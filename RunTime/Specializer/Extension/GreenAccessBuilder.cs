using System.Linq.Expressions;
using System.Reflection;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;

namespace PeJit.Specializer.Extension;

/// <summary>
/// Builds the delegates through which green loads and calls run while specializing: compiled lambdas
/// (System.Linq.Expressions, which may read non-public members) that read operands from a frame's typed
/// registers, convert them to the member's CLR types, and write the result converted to its register class.
/// Built once per member and register-class signature, when the extension is compiled.
/// </summary>
/// <remarks>
/// Conversions follow <c>ValueSemantics</c>: into a call, <c>ToClr</c> (integers truncated to the parameter's
/// type, non-zero to <c>true</c>); out of it, <c>Normalize</c> (int32-class results sign-extended from their
/// <c>int</c>, unsigned 32-bit ones reinterpreted as <c>int</c>). A member with by-reference or pointer
/// parameters gets a reflection delegate instead (none of the bundled interpreters has one).
/// </remarks>
internal sealed class GreenAccessBuilder
{
    private static readonly MethodInfo StoreBoxedMethod = typeof(ExtensionFrame).GetMethod(nameof(ExtensionFrame.StoreBoxed),
        [typeof(long[]), typeof(double[]), typeof(object[]), typeof(int), typeof(RegisterClass), typeof(object), typeof(IrType)])!;
    private static readonly MethodInfo ToClrMethod = typeof(ValueSemantics).GetMethod(nameof(ValueSemantics.ToClr))!;
    private static readonly MethodInfo IntegerStackFormMethod = typeof(ValueSemantics).GetMethod(nameof(ValueSemantics.IntegerStackForm))!;
    private static readonly MethodInfo FloatStackFormMethod = typeof(ValueSemantics).GetMethod(nameof(ValueSemantics.FloatStackForm))!;

    private readonly Func<Type?>? findAccessors;
    private Type? accessors;
    private bool accessorsFound;
    private readonly Dictionary<string, GreenAccess?> emitted = [];
    // Keyed by a value tuple, a Dictionary instantiation .NET compiles on first use: made with the first lambda.
    private Dictionary<(MemberInfo, string), GreenAccess>? cache;
    // Made with the first lambda too; the lookups of both live in methods of their own (CachedCount, InCache), which a
    // program whose accesses were all emitted never calls: a precompiled method's fix-ups load every type it names at
    // its first call, and these two instantiations are some thirty type loads while a portal is prepared.
    private HashSet<GreenAccess>? fallbacks;
    private int bound;
    // Made with the first lambda: a program whose accesses were all emitted by pejit build never loads System.Linq.Expressions.
    private ParameterExpression ints = null!, floats = null!, refs = null!, operands = null!, result = null!;

    /// <param name="findAccessors">Finds the JIT-enabled assembly's type of emitted accesses (<see cref="ExtensionLinker.AccessorsType"/>), called at the first <see cref="Emitted"/>; null when there is no such assembly.</param>
    public GreenAccessBuilder(Func<Type?>? findAccessors) => this.findAccessors = findAccessors;

    /// <summary>Whether emitted accesses may be bound (there is a JIT-enabled assembly to find them in).</summary>
    public bool HasAccessors => findAccessors is not null;

    /// <summary>Told after each link or binding, so the program's counts follow (<see cref="Count"/>, <see cref="Bound"/>).</summary>
    public Action<GreenAccessBuilder> Counted { get; init; } = static _ => { };

    /// <summary>Delegates compiled so far.</summary>
    public int Count => cache is null ? 0 : CachedCount();

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private int CachedCount() => cache!.Count;

    /// <summary>Emitted methods bound so far.</summary>
    public int Bound => bound;

    /// <summary>
    /// A delegate bound to the static method named <paramref name="name"/> that <c>pejit build</c> emitted for a green
    /// access (<c>GreenAccessEmitter</c>); null when the assembly has no such method (it was built by another version).
    /// </summary>
    public GreenAccess? Emitted(string name)
    {
        if (!accessorsFound)
        {
            accessors = findAccessors?.Invoke();
            accessorsFound = true;
        }
        if (accessors is null) return null;
        if (emitted.TryGetValue(name, out var access)) return access;
        var method = accessors.GetMethod(name, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic);
        access = method?.CreateDelegate<GreenAccess>();
        if (access is not null) bound++;
        return emitted[name] = access;
    }

    /// <summary>True when <paramref name="access"/> is a compiled lambda, not the reflection fallback.</summary>
    public bool IsCompiled(GreenAccess access) => cache is not null && InCache(access);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private bool InCache(GreenAccess access) => cache!.ContainsValue(access) && !(fallbacks?.Contains(access) ?? false);

    /// <summary>An instance field load (<c>ldfld</c>) from a green object.</summary>
    public GreenAccess Field(FieldInfo field, RegisterClass resultClass, IrType resultType) =>
        Cached(field, $"ldfld {resultClass} {resultType}", () =>
        {
            var owner = Convert(Expression.ArrayIndex(refs, Operand(0)), field.DeclaringType!);
            return Write(Expression.Field(owner, field), resultClass, resultType);
        });

    /// <summary>A static field load (<c>ldsfld</c>).</summary>
    public GreenAccess Static(FieldInfo field, RegisterClass resultClass, IrType resultType) =>
        Cached(field, $"ldsfld {resultClass} {resultType}", () => Write(Expression.Field(null, field), resultClass, resultType));

    /// <summary>An array element load (<c>ldelem</c>) of a green array at a green index.</summary>
    public GreenAccess Element(Type elementType, IrType indexType, RegisterClass resultClass, IrType resultType) =>
        Cached(elementType, $"ldelem {indexType.StackKind} {resultClass} {resultType}", () =>
        {
            var array = Convert(Expression.ArrayIndex(refs, Operand(0)), elementType.MakeArrayType());
            Expression index = Expression.ArrayIndex(ints, Operand(1));
            index = Expression.ConvertChecked(index, typeof(int));
            return Write(Expression.ArrayIndex(array, index), resultClass, resultType);
        });

    /// <summary>A call (or constructor) run while specializing, its operands in registers of the given classes.</summary>
    public GreenAccess Call(MethodBase method, IReadOnlyList<RegisterClass> operandClasses, IReadOnlyList<IrType> operandTypes, RegisterClass resultClass, IrType resultType)
    {
        string signature = "call " + string.Join(",", operandClasses.Select((c, i) => $"{c} {operandTypes[i]}")) + $" -> {resultClass} {resultType}";
        return Cached(method, signature, () =>
        {
            var parameters = method.GetParameters();
            if (parameters.Any(p => p.ParameterType.IsByRef || p.ParameterType.IsPointer))
                return null;
            int offset = method.IsStatic || method is ConstructorInfo ? 0 : 1;
            var arguments = parameters.Select((p, i) => Read(i + offset, operandClasses[i + offset], operandTypes[i + offset], p.ParameterType)).ToList();
            Expression call = method switch
            {
                ConstructorInfo constructor => Expression.New(constructor, arguments),
                MethodInfo m when m.IsStatic => Expression.Call(m, arguments),
                MethodInfo m => Expression.Call(Read(0, operandClasses[0], operandTypes[0], m.DeclaringType!), m, arguments),
                _ => throw new InvalidOperationException($"{method} is neither a method nor a constructor"),
            };
            if (method is MethodInfo { ReturnType: var returned } && returned == typeof(void) || resultType.Kind == TypeKind.Void)
                return call;
            return Write(call, resultClass, resultType);
        }, () => Reflection(method, operandClasses, operandTypes, resultClass, resultType));
    }

    private GreenAccess Cached(MemberInfo member, string signature, Func<Expression?> body, Func<GreenAccess>? fallback = null)
    {
        cache ??= [];
        if (cache.TryGetValue((member, signature), out var access)) return access;
        if (ints is null)
        {
            ints = Expression.Parameter(typeof(long[]), "ints");
            floats = Expression.Parameter(typeof(double[]), "floats");
            refs = Expression.Parameter(typeof(object[]), "refs");
            operands = Expression.Parameter(typeof(int[]), "operands");
            result = Expression.Parameter(typeof(int), "result");
        }
        var expression = body();
        if (expression is null) (fallbacks ??= []).Add(access = fallback!());
        else access = Expression.Lambda<GreenAccess>(expression, ints, floats, refs, operands, result).Compile();
        cache[(member, signature)] = access;
        return access;
    }

    private Expression Operand(int index) => Expression.ArrayIndex(operands, Expression.Constant(index));

    /// <summary>Operand <paramref name="index"/> as an instance of <paramref name="target"/>.</summary>
    private Expression Read(int index, RegisterClass registerClass, IrType type, Type target)
    {
        switch (registerClass)
        {
            case RegisterClass.Int:
            {
                var raw = Expression.ArrayIndex(ints, Operand(index));
                if (target.IsEnum) return Expression.Convert(Expression.Convert(raw, Enum.GetUnderlyingType(target)), target);
                if (target == typeof(bool)) return Expression.NotEqual(raw, Expression.Constant(0L));
                if (target == typeof(nuint)) return Expression.Convert(Expression.Convert(raw, typeof(ulong)), typeof(nuint));
                if (target.IsPrimitive && target != typeof(float) && target != typeof(double)) return Expression.Convert(raw, target);
                return Convert(Expression.Call(ToClrMethod, Expression.Call(IntegerStackFormMethod, raw, Expression.Constant(type)), Expression.Constant(target)), target);
            }
            case RegisterClass.Float:
            {
                var raw = Expression.ArrayIndex(floats, Operand(index));
                if (target == typeof(double)) return raw;
                if (target == typeof(float)) return Expression.Convert(raw, typeof(float));
                return Convert(Expression.Call(ToClrMethod, Expression.Call(FloatStackFormMethod, raw, Expression.Constant(type)), Expression.Constant(target)), target);
            }
            default:
            {
                Expression raw = Expression.ArrayIndex(refs, Operand(index));
                if (target.IsValueType) raw = Expression.Call(ToClrMethod, raw, Expression.Constant(target));
                return Convert(raw, target);
            }
        }
    }

    private static Expression Convert(Expression value, Type target) => value.Type == target ? value : Expression.Convert(value, target);

    /// <summary>Stores <paramref name="value"/> into the result register of class <paramref name="registerClass"/>.</summary>
    private Expression Write(Expression value, RegisterClass registerClass, IrType type)
    {
        switch (registerClass)
        {
            case RegisterClass.Int when AsLong(value) is { } integer:
                return Expression.Assign(Expression.ArrayAccess(ints, result), integer);
            case RegisterClass.Float when value.Type == typeof(double) || value.Type == typeof(float):
                return Expression.Assign(Expression.ArrayAccess(floats, result), Convert(value, typeof(double)));
            case RegisterClass.Ref:
                return Expression.Assign(Expression.ArrayAccess(refs, result), Convert(value, typeof(object)));
            default:
                return Expression.Call(StoreBoxedMethod, ints, floats, refs, result, Expression.Constant(registerClass), Convert(value, typeof(object)), Expression.Constant(type));
        }
    }

    /// <summary>An integer-like CLR value in stack form (as <c>Normalize</c> boxes it) widened to long; null for other types.</summary>
    private static Expression? AsLong(Expression value)
    {
        var type = value.Type;
        if (type.IsEnum)
        {
            value = Expression.Convert(value, Enum.GetUnderlyingType(type));
            type = value.Type;
        }
        if (type == typeof(bool)) return Expression.Condition(value, Expression.Constant(1L), Expression.Constant(0L));
        if (type == typeof(uint)) return Expression.Convert(Expression.Convert(value, typeof(int)), typeof(long));
        if (type == typeof(nuint)) return Expression.Convert(Expression.Convert(value, typeof(ulong)), typeof(long));
        if (type == typeof(sbyte) || type == typeof(byte) || type == typeof(short) || type == typeof(ushort) || type == typeof(char)
            || type == typeof(int) || type == typeof(long) || type == typeof(ulong) || type == typeof(nint))
            return Expression.Convert(value, typeof(long));
        return null;
    }

    /// <summary>The rare member no lambda can call (by-reference or pointer parameters): through reflection, as the engine once did for all.</summary>
    private static GreenAccess Reflection(MethodBase method, IReadOnlyList<RegisterClass> operandClasses, IReadOnlyList<IrType> operandTypes, RegisterClass resultClass, IrType resultType)
    {
        var parameters = method.GetParameters();
        int offset = method.IsStatic || method is ConstructorInfo ? 0 : 1;
        return (ints, floats, refs, registers, resultRegister) =>
        {
            object? Boxed(int i) => operandClasses[i] switch
            {
                RegisterClass.Int => ValueSemantics.IntegerStackForm(ints[registers[i]], operandTypes[i]),
                RegisterClass.Float => ValueSemantics.FloatStackForm(floats[registers[i]], operandTypes[i]),
                _ => refs[registers[i]],
            };
            var arguments = parameters.Select((p, i) => ValueSemantics.ToClr(Boxed(i + offset), p.ParameterType)).ToArray();
            try
            {
                var value = method is ConstructorInfo constructor ? constructor.Invoke(arguments) : method.Invoke(method.IsStatic ? null : Boxed(0), arguments);
                if (resultRegister >= 0) ExtensionFrame.StoreBoxed(ints, floats, refs, resultRegister, resultClass, value, resultType);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            }
        };
    }
}
