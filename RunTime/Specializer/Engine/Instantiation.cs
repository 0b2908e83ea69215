using System.Reflection;
using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Specializer.Engine;

/// <summary>
/// The type arguments an inlined generic method runs with (a <c>ValueStack&lt;long&gt;</c>'s <c>Pop</c>, a visitor's
/// <c>Accept&lt;object&gt;</c>): the analysis compiled the method's definition, whose types, fields and calls name its generic
/// parameters (<c>T</c>, <c>T[]</c>, <c>ValueStack`1&lt;T&gt;::items</c>), and the frame of the call carries this, so that every
/// residual instruction copied from it names the closed types and members instead (<c>ldelem i64</c>, the field of
/// <c>ValueStack`1&lt;System.Int64&gt;</c>), each with its run-time type or member as its origin.
/// </summary>
/// <remarks>
/// Strategy: the IR names types by Cecil's full names, which for code inside a generic definition mention the
/// parameters by name (<c>T</c>) and, in the signatures of member references, by position (<c>!0</c>, <c>!!0</c>). A name
/// that mentions one of this method's parameters is parsed (<see cref="Parse(string, ref int)"/>) into the
/// closed run-time type, each parameter replaced by its argument, each named definition looked up once; the IR type is
/// then made from the run-time type (<see cref="ReflectedIrTypes"/>). A name that mentions none is kept as it is, so a
/// frame's non-generic code costs one scan of the name. Results are cached per instantiation, which the engine keeps per
/// closed method for the portal's lifetime (specialization runs on one thread at a time).
/// </remarks>
internal sealed class Instantiation
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    private readonly Type[] typeArguments;
    private readonly Type[] methodArguments;
    // The parameters' names as the definition's code names them (T, R; also !0 and !!0), each with its argument.
    private readonly Dictionary<string, Type> parameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Type> named = new(StringComparer.Ordinal);
    private readonly IMemberResolver resolver;
    private readonly Dictionary<IrType, IrType> types = [];
    private readonly Dictionary<FieldRef, FieldRef> fields = [];
    private readonly Dictionary<MethodRef, (MethodRef Reference, MethodBase Method)> methods = [];

    private Instantiation(MethodBase method, IMemberResolver resolver)
    {
        Method = method;
        this.resolver = resolver;
        var declaring = method.DeclaringType!;
        typeArguments = declaring.IsConstructedGenericType ? declaring.GetGenericArguments() : [];
        methodArguments = method is MethodInfo { IsGenericMethod: true } generic ? generic.GetGenericArguments() : [];
        if (typeArguments.Length > 0)
        {
            var open = declaring.GetGenericTypeDefinition().GetGenericArguments();
            for (int i = 0; i < open.Length; i++)
            {
                parameters[open[i].Name] = typeArguments[i];
                parameters["!" + i.ToString()] = typeArguments[i];
            }
        }
        if (methodArguments.Length > 0)
        {
            var open = ((MethodInfo)method).GetGenericMethodDefinition().GetGenericArguments();
            for (int i = 0; i < open.Length; i++)
            {
                // The method's own parameter hides a type parameter of the same name, as in C#.
                parameters[open[i].Name] = methodArguments[i];
                parameters["!!" + i.ToString()] = methodArguments[i];
            }
        }
        // The definitions the code names most: its own class and those it is nested in, found without a lookup by name.
        for (var type = declaring.IsConstructedGenericType ? declaring.GetGenericTypeDefinition() : declaring; type is not null; type = type.DeclaringType)
            named[ReflectedIrTypes.CecilName(type)] = type;
    }

    /// <summary>
    /// The instantiation a frame running <paramref name="method"/> needs: null when the method is neither a method of a
    /// constructed generic class nor a constructed generic method (its code names no generic parameter), or is not closed.
    /// </summary>
    public static Instantiation? Of(MethodBase method, IMemberResolver resolver)
    {
        bool ofGenericClass = method.DeclaringType is { IsConstructedGenericType: true };
        bool genericMethod = method is MethodInfo { IsGenericMethod: true, IsGenericMethodDefinition: false };
        if (!ofGenericClass && !genericMethod || method.ContainsGenericParameters || method.DeclaringType!.ContainsGenericParameters) return null;
        return new Instantiation(method, resolver);
    }

    /// <summary>The closed method the frame runs.</summary>
    public MethodBase Method { get; }

    /// <summary>The closed run-time type of a type the frame's code names.</summary>
    public Type ClrType(IrType type) => type.Kind switch
    {
        TypeKind.GenericParameter => Parameter(type.Name) ?? throw Unknown(type.Name),
        TypeKind.ByRef => ClrType(type.Element!).MakeByRefType(),
        TypeKind.Pointer => ClrType(type.Element!).MakePointerType(),
        _ when type.IsPrimitive => PrimitiveTypes.Of(type.Kind)!,
        _ when Mentions(type.Name) => ParseWhole(type.Name),
        _ => resolver.ResolveType(type),
    };

    /// <summary><paramref name="type"/> instantiated: itself when it names no generic parameter of this method.</summary>
    public IrType Type(IrType type)
    {
        if (type.IsPrimitive) return type;
        if (types.TryGetValue(type, out var known)) return known;
        var closed = type.Kind switch
        {
            TypeKind.GenericParameter => ReflectedIrTypes.Of(ClrType(type)),
            TypeKind.ByRef => Type(type.Element!) is var element && ReferenceEquals(element, type.Element) ? type : IrType.ByRef(element),
            TypeKind.Pointer => Type(type.Element!) is var pointee && ReferenceEquals(pointee, type.Element) ? type : IrType.Pointer(pointee),
            _ when Mentions(type.Name) => ReflectedIrTypes.Of(ParseWhole(type.Name)),
            _ => type,
        };
        types[type] = closed;
        return closed;
    }

    /// <summary><paramref name="field"/> on the closed class, its origin the run-time field; itself when its class names no generic parameter.</summary>
    public FieldRef Field(FieldRef field)
    {
        if (fields.TryGetValue(field, out var known)) return known;
        string declaringName = field.DeclaringTypeName;
        var closed = field;
        if (Mentions(declaringName))
        {
            var declaring = ParseWhole(declaringName);
            var definition = declaring.IsConstructedGenericType ? declaring.GetGenericTypeDefinition() : declaring;
            var open = definition.GetField(field.Name, Everything)
                ?? throw new MissingFieldException($"{declaring} has no field {field.Name} in this process (a framework class whose private fields differ from the ones pejit build analyzed): the call is kept");
            var info = declaring.IsConstructedGenericType ? (FieldInfo)declaring.GetMemberWithSameMetadataDefinitionAs(open) : open;
            closed = new FieldRef(ReflectedIrTypes.CecilName(info.FieldType) + " " + ReflectedIrTypes.CecilName(declaring) + "::" + info.Name, info);
        }
        fields[field] = closed;
        return closed;
    }

    /// <summary>
    /// The run-time method <paramref name="method"/> names in this frame's code (a call of the class's own methods, a generic
    /// method over <c>T</c>), closed; what <see cref="IMemberResolver.ResolveMethod"/> finds when it names no generic parameter.
    /// </summary>
    public MethodBase ResolveMethod(MethodRef method) => Closed(method).Method;

    /// <summary><paramref name="method"/> closed, its origin the run-time method; itself when it names no generic parameter of this frame.</summary>
    public MethodRef Reference(MethodRef method) => Closed(method).Reference;

    private (MethodRef Reference, MethodBase Method) Closed(MethodRef method)
    {
        if (methods.TryGetValue(method, out var known)) return known;
        string full = method.FullName;
        int colons = full.IndexOf("::", StringComparison.Ordinal);
        int space = full.LastIndexOf(' ', colons);
        int open = full.IndexOf('(', colons);
        string declaringName = full[(space + 1)..colons];
        string name = method.Name;
        int nameEnd = colons + 2 + name.Length;
        string argumentText = nameEnd < open && full[nameEnd] == '<' ? full[(nameEnd + 1)..(open - 1)] : "";
        if (!Mentions(declaringName) && !Mentions(argumentText))
        {
            var resolved = (method, resolver.ResolveMethod(method));
            methods[method] = resolved;
            return resolved;
        }
        var declaring = ParseWhole(declaringName);
        var arguments = new List<Type>();
        for (int at = 0; at < argumentText.Length; at++)
        {
            arguments.Add(Parse(argumentText, ref at));
            if (at >= argumentText.Length) break;
        }
        var found = Find(declaring, name, method.ParameterCount, arguments.Count, full[open..]);
        if (arguments.Count > 0) found = ((MethodInfo)found).MakeGenericMethod([.. arguments]);
        string closedName = full[..(space + 1)] + ReflectedIrTypes.CecilName(declaring) + "::" + name
            + (arguments.Count > 0 ? "<" + string.Join(",", arguments.Select(ReflectedIrTypes.CecilName)) + ">" : "") + full[open..];
        var reference = new MethodRef(closedName, method.HasThis, found)
        {
            IsPure = method.IsPure, ReadsOnly = method.ReadsOnly,
            StoredFields = method.StoredFields?.Select(Field).ToList(),
        };
        methods[method] = (reference, found);
        return (reference, found);
    }

    /// <summary>
    /// The value of a call, in this frame's code, of a method that only tests its type arguments (<c>RuntimeHelpers.IsReferenceOrContainsReferences&lt;T&gt;()</c>,
    /// which the framework's collections ask before clearing a slot): (true, its value) once they are known, (false, null) for any other call.
    /// </summary>
    public (bool Known, object? Value) TypeArgumentConstant(MethodRef method)
    {
        if (!method.FullName.Contains("System.Runtime.CompilerServices.RuntimeHelpers::IsReferenceOrContainsReferences<", StringComparison.Ordinal) || !Mentions(method.FullName))
            return (false, null);
        try
        {
            return ResolveMethod(method) is MethodInfo { IsStatic: true, ContainsGenericParameters: false } closed && closed.GetParameters().Length == 0
                ? (true, closed.Invoke(null, null)) : (false, null);
        }
        catch (Exception e) when (CannotInstantiate(e) || e is TargetInvocationException)
        {
            return (false, null);
        }
    }

    /// <summary>The method of <paramref name="declaring"/> a reference names: by name, parameter count and generic arity; by signature among overloads.</summary>
    private static MethodBase Find(Type declaring, string name, int parameterCount, int arity, string signature)
    {
        if (declaring.IsArray)
            return name == ".ctor"
                ? declaring.GetConstructors().First(c => c.GetParameters().Length == parameterCount)
                : declaring.GetMethods(Everything).First(m => m.Name == name && m.GetParameters().Length == parameterCount);
        var definition = declaring.IsConstructedGenericType ? declaring.GetGenericTypeDefinition() : declaring;
        var candidates = (name is ".ctor" or ".cctor" ? definition.GetConstructors(Everything).Cast<MethodBase>() : definition.GetMethods(Everything).Where(m => m.Name == name))
            .Where(m => m.GetParameters().Length == parameterCount && (m.IsGenericMethodDefinition ? m.GetGenericArguments().Length : 0) == arity)
            .ToList();
        if (candidates.Count == 0)
            throw new MissingMethodException($"{declaring} has no method {name} with {parameterCount} parameter(s) in this process (a framework class that differs from the one pejit build analyzed): the call is kept");
        // Among overloads, the one whose signature (return type and parameters, !0 and !!0 for generic parameters) the reference's text ends with.
        var chosen = candidates.Count == 1 ? candidates[0]
            : candidates.FirstOrDefault(m => signature == ParameterText(m)) ?? candidates[0];
        return declaring.IsConstructedGenericType ? (MethodBase)declaring.GetMemberWithSameMetadataDefinitionAs(chosen) : chosen;
    }

    /// <summary>A definition's parameter list as a member reference's full name writes it: <c>(!0,System.Int32)</c>.</summary>
    private static string ParameterText(MethodBase method)
    {
        string signature = Extension.MemberSignature.Of(method);
        return signature[signature.IndexOf('(')..];
    }

    /// <summary>Whether a Cecil name mentions one of this instantiation's parameters (as a whole name between delimiters).</summary>
    private bool Mentions(string name)
    {
        int start = 0;
        for (int i = 0; i <= name.Length; i++)
        {
            if (i < name.Length && name[i] is not ('<' or '>' or ',' or '[' or ']' or '&' or '*' or '(' or ')' or ' ')) continue;
            if (i > start && parameters.ContainsKey(name[start..i])) return true;
            start = i + 1;
        }
        return false;
    }

    private Type? Parameter(string name) => parameters.TryGetValue(name, out var argument) ? argument : null;

    private Type ParseWhole(string name)
    {
        int at = 0;
        return Parse(name, ref at);
    }

    /// <summary>
    /// The closed type a Cecil name spells from <paramref name="at"/> on, which it leaves after the name: a generic parameter
    /// its argument, <c>Name&lt;A,B&gt;</c> the definition made generic, then array, reference and pointer suffixes.
    /// </summary>
    private Type Parse(string text, ref int at)
    {
        int start = at;
        while (at < text.Length && text[at] is not ('<' or '>' or ',' or '[' or ']' or '&' or '*')) at++;
        string name = text[start..at].Trim();
        Type type;
        if (at < text.Length && text[at] == '<')
        {
            at++;
            var arguments = new List<Type>();
            while (true)
            {
                arguments.Add(Parse(text, ref at));
                if (at >= text.Length) throw Malformed(text);
                char separator = text[at++];
                if (separator == '>') break;
                if (separator != ',') throw Malformed(text);
            }
            type = Named(name).MakeGenericType([.. arguments]);
        }
        else type = Parameter(name) ?? Named(name);
        while (at < text.Length)
        {
            char c = text[at];
            if (c == '&') type = type.MakeByRefType();
            else if (c == '*') type = type.MakePointerType();
            else if (c == '[')
            {
                int close = text.IndexOf(']', at);
                if (close < 0) throw Malformed(text);
                int rank = text[at..close].Count(ch => ch == ',') + 1;
                type = rank == 1 && close == at + 1 ? type.MakeArrayType() : type.MakeArrayType(rank);
                at = close;
            }
            else break;
            at++;
        }
        return type;
    }

    /// <summary>A type definition or non-generic type by its Cecil name: the frame's own classes, a primitive, else looked up once.</summary>
    private Type Named(string name)
    {
        if (named.TryGetValue(name, out var known)) return known;
        string reflection = name.Replace('/', '+');
        var found = System.Type.GetType(reflection, throwOnError: false)
            ?? Method.DeclaringType!.Assembly.GetType(reflection, throwOnError: false)
            ?? Method.Module.Assembly.GetType(reflection, throwOnError: false);
        if (found is null)
        {
            try
            {
                found = resolver.ResolveType(IrType.Class(name));
            }
            catch (Exception e) when (e is InvalidOperationException or TypeLoadException or ArgumentException or IOException)
            {
                foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
                    if (assembly.GetType(reflection, throwOnError: false) is { } loaded)
                    {
                        found = loaded;
                        break;
                    }
            }
        }
        if (found is null) throw Unknown(name);
        named[name] = found;
        return found;
    }

    /// <summary>Whether <paramref name="e"/> says a name or member cannot be instantiated in this process (what the engine gives a unit up for).</summary>
    public static bool CannotInstantiate(Exception e) =>
        e is InvalidOperationException or MemberAccessException or TypeLoadException or ArgumentException or NotSupportedException or IOException or BadImageFormatException;

    private InvalidOperationException Unknown(string name) =>
        new($"the type {name} in the code of {Method.DeclaringType}::{Method.Name} has no run-time type in this process");

    private static InvalidOperationException Malformed(string text) => new($"cannot read the type name {text}");
}
