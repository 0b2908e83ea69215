using System.Collections.Concurrent;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PeJit.Frontend.Construction;

/// <summary>
/// Whether a method writes memory a compiled unit could read, found from its IL at build time with everything it calls:
/// what <see cref="IR.MethodRef.ReadsOnly"/> promises. A call the JIT leaves in a unit (a <c>[DontLookInside]</c> slow
/// path, say) is then no barrier to the loads around it: the optimizer may keep values it loaded before the call.
/// </summary>
/// <remarks>
/// <para>A method reads only when its body stores into no field, static, element or address (<c>stfld</c>,
/// <c>stsfld</c>, <c>stelem</c>, <c>stind</c>, <c>stobj</c>, <c>initobj</c>, <c>cpobj</c>, <c>cpblk</c>, <c>initblk</c>),
/// calls no function pointer, and calls only: methods that read only by this same analysis (non-virtual calls; a virtual
/// call when every override in the callee's module reads only: class hierarchy analysis, which sees the program's own
/// assembly, not subclasses other assemblies might add), constructors that only store their arguments into the new
/// object (<see cref="ConstructorStores"/>) or a base-library value type's constructors that only fill the new value (a span,
/// a nullable, a tuple), the base library's known-pure methods, and the few base-library methods
/// listed here as reading only (<see cref="IsListed"/>). Locals and arguments are its own (<c>stloc</c>, <c>starg</c>);
/// allocating (<c>newarr</c>, <c>box</c>) and throwing write nothing anyone had.</para>
/// <para>Refused, with the first such instruction named (<see cref="Write"/>, shown by the binding-time report): any
/// store above (even into a struct local through its address: the analysis does not follow addresses; only an
/// <c>initobj</c> right after <c>ldloca</c>, C#'s <c>default</c> of a local, is known to be the method's own), a virtual call
/// of a base-library method, a call of an unlisted base-library method or of one that cannot be resolved, a constrained
/// call, a recursive call (a cycle is refused, not assumed), and chains deeper than <see cref="MaxDepth"/>. A method
/// called by name that an override may replace is refused too (the IR names one method for <c>call</c> and
/// <c>callvirt</c>). Static constructors a <c>ldsfld</c> may run are not counted (one run per process, before the unit
/// could have read their statics).</para>
/// <para>Which collection methods read only is <see cref="CollectionMethods"/>' table. Their lookups compare keys as
/// <see cref="KeyComparisons"/> says (the rule <see cref="KnownPureCalls"/> uses too): the framework's own code for
/// primitives, enums, strings and classes that override neither <c>Equals</c> nor <c>GetHashCode</c>; the key class's
/// overrides (all its module's, and its bases') otherwise, and the comparers the calling module defines, which a
/// collection may have been made with.
/// Cost: each method's body once (cached by name), linear in it.</para>
/// </remarks>
public static class MethodEffects
{
    /// <summary>Calls deeper than this are refused (a chain of helpers that long is no slow path worth keeping loads across).</summary>
    public const int MaxDepth = 8;

    /// <summary>The first write found: the method whose body holds it, its IL offset, and what it is.</summary>
    public sealed record Write(string Method, int Offset, string What)
    {
        /// <inheritdoc/>
        public override string ToString() => $"{What} at IL_{Offset:x4} of {Method}";
    }

    // By the resolved definition's full name: a method's IL is the same for every instantiation.
    private static readonly ConcurrentDictionary<string, Write?> Cache = new(StringComparer.Ordinal);
    private static readonly Write Unresolved = new("?", 0, "a method that cannot be resolved");

    /// <summary>True when a call of <paramref name="method"/> writes no memory a unit can read (see the remarks).</summary>
    public static bool ReadsOnly(MethodReference method) => FirstWrite(method) is null;

    /// <summary>
    /// The first write a call of <paramref name="method"/> may make; null when it reads only. A method an override may
    /// replace is refused: the IR names one method for <c>call</c> and <c>callvirt</c> alike.
    /// </summary>
    public static Write? FirstWrite(MethodReference method)
    {
        // Not class hierarchy analysis, as for the calls inside a body: with it, a loop whose only calls are its
        // operations' slow paths (virtual, allocating a result) would promote its memory and be versioned, and the copy
        // can push a large unit past the size .NET optimizes (Lua nbody: 2,009 to 3,431 instructions, 2,348 blocks).
        if (!IsListed(method, out _) && ClassHierarchy.TryResolve(method) is { IsVirtual: true, IsFinal: false } overridable
            && !overridable.DeclaringType.IsSealed)
            return new Write(overridable.FullName, 0, "a virtual method any override may replace");
        return FirstWrite(method, new HashSet<string>(StringComparer.Ordinal), 0);
    }

    private static Write? FirstWrite(MethodReference method, HashSet<string> active, int depth)
    {
        if (IsListed(method, out var compared)) return compared is null ? null : ComparisonWrite(compared, method.Module, active, depth);
        var definition = ClassHierarchy.TryResolve(method);
        if (definition is null) return Unresolved with { Method = method.FullName };
        if (definition is { Name: "Invoke", DeclaringType.BaseType.FullName: "System.MulticastDelegate" })
            return new Write(definition.FullName, 0, "a call through a delegate (any method it holds may run)");
        if (IsFramework(definition)) return new Write(definition.FullName, 0, "a base-library method not known to read only");
        if (!definition.HasBody) return new Write(definition.FullName, 0, "a method without IL (extern, abstract or runtime-implemented)");
        if (Cache.TryGetValue(definition.FullName, out var known)) return known;
        if (depth > MaxDepth) return new Write(definition.FullName, 0, $"a call chain deeper than {MaxDepth}");
        if (!active.Add(definition.FullName)) return new Write(definition.FullName, 0, "a recursive call");
        var write = Scan(definition, active, depth);
        active.Remove(definition.FullName);
        // A refusal below the outermost call may rest on where it was reached from (a cycle through a method still being
        // scanned, the depth): only the outermost call's result is cached.
        if (depth == 0) Cache[definition.FullName] = write;
        return write;
    }

    /// <summary>
    /// The first write a collection's comparison of keys of <paramref name="type"/> may make, in code of
    /// <paramref name="caller"/> (<see cref="KeyComparisons.FirstWrite"/>), each method analyzed one level deeper.
    /// </summary>
    private static Write? ComparisonWrite(TypeReference type, ModuleDefinition? caller, HashSet<string> active, int depth) =>
        KeyComparisons.FirstWrite(type, caller, method => FirstWrite(method, active, depth + 1));

    /// <summary>The first write of a call of <paramref name="method"/>'s own body, as a comparer calls it (no refusal of an overridable method).</summary>
    internal static Write? BodyFirstWrite(MethodDefinition method) => FirstWrite(method, new HashSet<string>(StringComparer.Ordinal), 0);

    private static Write? Scan(MethodDefinition method, HashSet<string> active, int depth)
    {
        foreach (var instruction in method.Body.Instructions)
        {
            string? what = instruction.OpCode.Code switch
            {
                Code.Stfld => "a store into a field",
                Code.Stsfld => "a store into a static",
                Code.Stelem_Any or Code.Stelem_I or Code.Stelem_I1 or Code.Stelem_I2 or Code.Stelem_I4 or Code.Stelem_I8
                    or Code.Stelem_R4 or Code.Stelem_R8 or Code.Stelem_Ref => "a store into an element",
                Code.Stind_I or Code.Stind_I1 or Code.Stind_I2 or Code.Stind_I4 or Code.Stind_I8 or Code.Stind_R4 or Code.Stind_R8
                    or Code.Stind_Ref or Code.Stobj or Code.Initobj or Code.Cpobj or Code.Cpblk or Code.Initblk => "a store through an address",
                Code.Calli => "a call through a function pointer",
                _ => null,
            };
            // Clearing a struct local of the method's own (`return null` as a nullable: ldloca, initobj) writes no one's memory.
            if (instruction.OpCode.Code == Code.Initobj && instruction.Previous?.OpCode.Code is Code.Ldloca or Code.Ldloca_S) what = null;
            // The field stored into, named: what the report shows (HashCounter::Hashes).
            if (what is not null)
                return new Write(method.FullName, instruction.Offset, instruction.Operand is FieldReference field ? $"{what} ({field.DeclaringType.Name}::{field.Name})" : what);
            if (instruction.OpCode.Code is not (Code.Call or Code.Callvirt or Code.Newobj) || instruction.Operand is not MethodReference callee) continue;
            if (instruction.OpCode.Code == Code.Newobj)
            {
                if (ConstructorStores.Of(callee) is not null || IsFreshValue(callee)) continue;
                return new Write(method.FullName, instruction.Offset, $"a constructor that does more than store its arguments ({callee.FullName})");
            }
            // Listed first: a collection's lookup compares keys, which the known-pure table does not look at.
            if (IsListed(callee, out var compared))
            {
                if (compared is not null && ComparisonWrite(compared, method.Module, active, depth) is { } comparison) return comparison;
                // Their out parameters are their only writes: given the address of a local of the caller's, nobody else's.
                if (HasOutParameter(callee) && instruction.Previous?.OpCode.Code is not (Code.Ldloca or Code.Ldloca_S))
                    return new Write(method.FullName, instruction.Offset, $"an out argument not a local's address ({callee.FullName})");
                continue;
            }
            if (IR.Semantics.KnownPureMethods.Contains(callee.DeclaringType.FullName, callee.Name, !callee.HasThis)) continue;
            // object.GetHashCode() or Equals(object) of a value the IL just read as a string or a primitive: the
            // framework's own (C# calls a string's hash through object's method).
            if (callee.DeclaringType.FullName == "System.Object" && callee.Name is "GetHashCode" or "Equals"
                && ReceiverType(instruction, callee) is { } receiver && (receiver.FullName == "System.String" || Primitives.Contains(receiver.FullName)))
                continue;
            if (instruction.Previous?.OpCode.Code == Code.Constrained)
                return new Write(method.FullName, instruction.Offset, $"a constrained call ({callee.FullName})");
            if (instruction.OpCode.Code == Code.Callvirt && ClassHierarchy.TryResolve(callee) is { IsVirtual: true } virtualCallee
                && !virtualCallee.IsFinal && !virtualCallee.DeclaringType.IsSealed)
            {
                // Every override in the callee's module (class hierarchy analysis); a base-library method's overrides
                // are anyone's.
                if (IsFramework(virtualCallee.Module) || !virtualCallee.HasBody && !virtualCallee.IsAbstract)
                    return new Write(method.FullName, instruction.Offset, $"a virtual call any override may take ({callee.FullName})");
                foreach (var target in ClassHierarchy.PossibleTargets(virtualCallee, [virtualCallee.Module]))
                    if (FirstWrite(target, active, depth + 1) is { } overriding) return overriding;
                continue;
            }
            if (FirstWrite(callee, active, depth + 1) is { } below) return below;
        }
        return null;
    }

    /// <summary>
    /// The static type of the receiver of a call whose arguments were pushed by the instructions just before it, when the
    /// one that pushed the receiver is a field load, an argument or a call (the common shapes); null otherwise.
    /// </summary>
    private static TypeReference? ReceiverType(Instruction call, MethodReference callee)
    {
        // The receiver comes before the arguments: only calls whose arguments are one instruction each are followed.
        var at = call.Previous;
        for (int i = 0; i < callee.Parameters.Count && at is not null; i++)
        {
            if (at.OpCode.StackBehaviourPop != StackBehaviour.Pop0 || at.OpCode.StackBehaviourPush == StackBehaviour.Push0) return null;
            at = at.Previous;
        }
        return at?.Operand switch
        {
            FieldReference field when at.OpCode.Code is Code.Ldfld or Code.Ldsfld => field.FieldType,
            MethodReference method when at.OpCode.Code is Code.Call or Code.Callvirt => method.ReturnType,
            ParameterDefinition parameter when at.OpCode.Code is Code.Ldarg or Code.Ldarg_S => parameter.ParameterType,
            VariableDefinition variable when at.OpCode.Code is Code.Ldloc or Code.Ldloc_S => variable.VariableType,
            _ => null,
        };
    }

    /// <summary>
    /// A base-library value type's constructor that only fills the new value (a span over a local, a nullable, a tuple): a
    /// <c>newobj</c> of it writes nothing anyone had.
    /// </summary>
    private static bool IsFreshValue(MethodReference constructor) =>
        constructor.DeclaringType is GenericInstanceType generic && generic.ElementType.FullName is "System.Span`1" or "System.ReadOnlySpan`1"
            or "System.Nullable`1" or "System.Collections.Generic.KeyValuePair`2"
            || constructor.DeclaringType.Namespace == "System" && constructor.DeclaringType.Name.StartsWith("ValueTuple`", StringComparison.Ordinal);

    private static bool HasOutParameter(MethodReference method) => method.Parameters.Any(p => p.ParameterType.IsByReference);

    // The framework's own code: its IL is not analyzed (its bodies change with the runtime), only the entries below trusted.
    private static bool IsFramework(MethodDefinition method) => IsFramework(method.Module);

    /// <summary>True for the framework's own assemblies, whose IL is not analyzed (it changes with the runtime).</summary>
    public static bool IsFramework(ModuleDefinition module)
    {
        string assembly = module.Assembly.Name.Name;
        return assembly is "mscorlib" or "netstandard" || assembly.StartsWith("System", StringComparison.Ordinal)
            || assembly.StartsWith("Microsoft", StringComparison.Ordinal);
    }

    // Base-library value types' members that read the value (or its address) and nothing else.
    private static readonly Dictionary<string, string[]> ReadOnlyValueMembers = new(StringComparer.Ordinal)
    {
        ["System.Nullable`1"] = ["get_HasValue", "get_Value", "GetValueOrDefault"],
        ["System.Span`1"] = ["get_Length", "get_IsEmpty", "get_Item", "Slice", "op_Implicit"],
        ["System.ReadOnlySpan`1"] = ["get_Length", "get_IsEmpty", "get_Item", "Slice", "op_Implicit"],
    };

    private static readonly HashSet<string> Primitives = new(StringComparer.Ordinal)
    {
        "System.Boolean", "System.Char", "System.SByte", "System.Byte", "System.Int16", "System.UInt16", "System.Int32", "System.UInt32",
        "System.Int64", "System.UInt64", "System.Single", "System.Double", "System.IntPtr", "System.UIntPtr",
    };

    /// <summary>
    /// True for a base-library method listed here as reading only, with, in <paramref name="compared"/>, the type whose
    /// default comparison it runs (null when none): a collection's lookups (<c>Dictionary.TryGetValue</c>, <c>ContainsKey</c>,
    /// the indexer's getter; <c>HashSet.Contains</c>; <c>List</c>'s); <c>Object</c>'s <c>GetType</c> and <c>ReferenceEquals</c>;
    /// a primitive's <c>Equals</c>, <c>GetHashCode</c>, <c>CompareTo</c> and <c>ToString</c>; a string's length, characters
    /// and the methods that make a new string of it; <c>CultureInfo.InvariantCulture</c>; a nullable's and a span's getters; a span
    /// made of an array (<c>op_Implicit</c>, <c>AsSpan</c>), <c>BinaryPrimitives</c>' reads and <c>MemoryMarshal.Read</c>.
    /// </summary>
    /// <remarks>
    /// Formatting (<c>ToString</c>, <c>PadLeft</c>) allocates its result and may fill the framework's private caches: no
    /// memory a unit loads from, which is all <see cref="IR.MethodRef.ReadsOnly"/> promises.
    /// </remarks>
    private static bool IsListed(MethodReference method, out TypeReference? compared)
    {
        compared = null;
        string type = method.DeclaringType.FullName;
        if (type == "System.Object") return method.Name is "GetType" or "ReferenceEquals";
        if (type == "System.String")
            return method.Name is "get_Length" or "get_Chars" or "op_Implicit" or "PadLeft" or "PadRight" or "Trim" or "TrimStart" or "TrimEnd"
                or "ToUpperInvariant" or "ToLowerInvariant" or "Replace" or "ToString";
        if (type == "System.Globalization.CultureInfo") return method.Name is "get_InvariantCulture";
        // A span of an array, and reads of values from a span of bytes (Docs/bta.md rule 12).
        if (type == "System.MemoryExtensions") return method.Name is "AsSpan";
        if (type == "System.Buffers.Binary.BinaryPrimitives") return method.Name.StartsWith("Read", StringComparison.Ordinal);
        if (type == "System.Runtime.InteropServices.MemoryMarshal") return method.Name is "Read";
        if (Primitives.Contains(type)) return method.Name is "Equals" or "GetHashCode" or "CompareTo" or "ToString";
        if (method.DeclaringType is not GenericInstanceType generic) return false;
        if (ReadOnlyValueMembers.TryGetValue(generic.ElementType.FullName, out var members)) return members.Contains(method.Name);
        if (!CollectionMethods.Of(method).HasFlag(CollectionTraits.ReadsOnly)) return false;
        compared = CollectionMethods.ComparedType(method);
        return true;
    }
}
