using Mono.Cecil;
using Mono.Cecil.Cil;
using PeJit.Frontend.Construction;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// The delegate families of the analyzed assemblies: for each delegate type, the methods its code turns into
/// delegates of that type (method groups, lambdas and local functions, which the compiler emits as
/// <c>ldftn M; newobj D::.ctor(object, native int)</c>), and which compiler-generated fields hold values that
/// never change once a delegate can see them (closures' captured variables, the caches of lambdas).
/// </summary>
/// <remarks>
/// Strategy: one scan over every method body of the analyzed modules, done the first time the analysis meets a
/// call through a delegate or a read of a compiler-generated field (most interpreters have neither). This is
/// RPython's call family (<c>rpython/jit/codewriter/call.py</c>): a call through a function value may reach only
/// the functions the program ever turns into such values, so each is analyzed and the specializer picks the one
/// a green delegate names. A delegate made elsewhere (by reflection, in an assembly not analyzed) is outside
/// every family: the specializer leaves a call through it residual.
///
/// A captured field (an instance field of a compiler-generated closure class) is fixed when <see cref="CapturedVariables"/>
/// says so: every write of it is in the method that made the closure, before the closure can reach code that reads
/// the field. A delegate cache (a static field of a compiler-generated class, of a delegate type) is fixed
/// when every store of it stores a delegate made just before (<c>newobj D::.ctor; dup; stsfld</c>): it is null
/// or that delegate, so a specializer that reads it sees what every later read sees, or makes the delegate
/// itself.
/// </remarks>
internal sealed class DelegateFamilies
{
    private const string MulticastDelegate = "System.MulticastDelegate";
    private const string CompilerGenerated = "System.Runtime.CompilerServices.CompilerGeneratedAttribute";

    private readonly Dictionary<string, List<MethodDefinition>> byType = [];
    // Delegate caches written otherwise than with a delegate just made.
    private readonly HashSet<FieldDefinition> unfixed = [];
    private readonly CapturedVariables captured = new();

    private DelegateFamilies()
    {
    }

    /// <summary>Scans every method body of <paramref name="modules"/>.</summary>
    /// <param name="modules">The analyzed modules.</param>
    /// <param name="release">Lets go of a body once scanned (the analysis reads bodies again on demand).</param>
    public static DelegateFamilies Scan(IEnumerable<ModuleDefinition> modules, Action<MethodDefinition> release)
    {
        var families = new DelegateFamilies();
        foreach (var module in modules)
            foreach (var type in module.GetTypes())
                foreach (var method in type.Methods)
                {
                    if (!method.HasBody) continue;
                    families.ScanBody(method);
                    families.captured.Scan(method);
                    release(method);
                }
        // Captured variables are judged once every reader is known (a lambda may come later in the scan order).
        families.captured.Judge();
        return families;
    }

    /// <summary>True when <paramref name="method"/> is the <c>Invoke</c> of a delegate type.</summary>
    public static bool IsDelegateInvoke(MethodDefinition method) =>
        method.Name == "Invoke" && method.DeclaringType.BaseType?.FullName == MulticastDelegate;

    /// <summary>The methods the analyzed modules turn into delegates of <paramref name="delegateType"/>, in the order first found.</summary>
    public IReadOnlyList<MethodDefinition> Of(TypeReference delegateType) =>
        byType.TryGetValue(delegateType.FullName, out var members) ? members : [];

    /// <summary>
    /// True when <paramref name="field"/> is compiler-generated state that never changes once a delegate can
    /// read it: a closure's captured variable, or a lambda's delegate cache (see the remarks).
    /// </summary>
    public bool IsFixed(FieldDefinition field) => IsCompilerGenerated(field.DeclaringType)
        && (field.IsStatic ? !unfixed.Contains(field) && IsDelegateType(field.FieldType) : captured.IsFixed(field));

    /// <summary>Why a read of the captured variable <paramref name="field"/> (an instance field of a closure class) is green, or why not.</summary>
    public CapturedVariable ExplainCaptured(FieldDefinition field) => captured.Explain(field);

    /// <summary>True for a type the compiler made (closure classes, the lambda singleton <c>&lt;&gt;c</c>, caches).</summary>
    public static bool IsCompilerGenerated(TypeDefinition type)
    {
        for (TypeDefinition? t = type; t is not null; t = t.DeclaringType)
            if (t.HasCustomAttributes && t.CustomAttributes.Any(a => a.AttributeType.FullName == CompilerGenerated)) return true;
        return false;
    }

    private static bool IsDelegateType(TypeReference type) =>
        TypeMapper.TryResolve(type) is { BaseType.FullName: MulticastDelegate };

    private void ScanBody(MethodDefinition method)
    {
        foreach (var instruction in method.Body.Instructions)
        {
            switch (instruction.OpCode.Code)
            {
                case Code.Ldftn or Code.Ldvirtftn when instruction.Operand is MethodReference target:
                {
                    if (ClassHierarchy.TryResolve(target) is not { } definition) break;
                    if (instruction.Next is { OpCode.Code: Code.Newobj, Operand: MethodReference constructor }
                        && constructor.Name == ".ctor" && IsDelegateType(constructor.DeclaringType))
                    {
                        string key = constructor.DeclaringType.FullName;
                        if (!byType.TryGetValue(key, out var members)) byType[key] = members = [];
                        if (!members.Contains(definition)) members.Add(definition);
                    }
                    break;
                }
                case Code.Stsfld or Code.Ldsflda when instruction.Operand is FieldReference reference:
                {
                    if (ClassHierarchy.TryResolve(reference) is not { } field || !IsCompilerGenerated(field.DeclaringType)) break;
                    if (instruction.OpCode.Code == Code.Ldsflda) unfixed.Add(field);
                    else JudgeCacheWrite(instruction, field);
                    break;
                }
            }
        }
    }

    private void JudgeCacheWrite(Instruction store, FieldDefinition field)
    {
        // The cache pattern: ldftn M; newobj D::.ctor; dup; stsfld.
        bool cache = store.Previous is { OpCode.Code: Code.Dup } dup && dup.Previous is { OpCode.Code: Code.Newobj } made
            && made.Previous?.OpCode.Code is Code.Ldftn or Code.Ldvirtftn;
        if (!cache) unfixed.Add(field);
    }
}
