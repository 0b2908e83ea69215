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
/// A captured field (an instance field of a compiler-generated closure class) is fixed when every write of it
/// in the analyzed modules: is outside the closure class's own methods (a lambda assigning the variable it
/// captured), comes before, in the IL of its method, every <c>ldftn</c> of a method of the closure class (so the
/// value is in place before any delegate over the closure exists), and is not inside a loop (no later branch
/// goes back over it: a second iteration would write it again after the delegate exists); and its address is
/// never taken. A delegate cache (a static field of a compiler-generated class, of a delegate type) is fixed
/// when every store of it stores a delegate made just before (<c>newobj D::.ctor; dup; stsfld</c>): it is null
/// or that delegate, so a specializer that reads it sees what every later read sees, or makes the delegate
/// itself.
/// </remarks>
internal sealed class DelegateFamilies
{
    private const string MulticastDelegate = "System.MulticastDelegate";
    private const string CompilerGenerated = "System.Runtime.CompilerServices.CompilerGeneratedAttribute";

    private readonly Dictionary<string, List<MethodDefinition>> byType = [];
    private readonly HashSet<FieldDefinition> unfixed = [];
    private readonly HashSet<FieldDefinition> written = [];
    // Per closure class, the first IL offset, per method, of an ldftn of one of its methods.
    private readonly Dictionary<(MethodDefinition Method, TypeDefinition Closure), int> firstFunctionOf = [];

    private DelegateFamilies()
    {
    }

    /// <summary>Scans every method body of <paramref name="modules"/>.</summary>
    /// <param name="modules">The analyzed modules.</param>
    /// <param name="release">Lets go of a body once scanned (the analysis reads bodies again on demand).</param>
    public static DelegateFamilies Scan(IEnumerable<ModuleDefinition> modules, Action<MethodDefinition> release)
    {
        var families = new DelegateFamilies();
        var stores = new List<(MethodDefinition Method, Instruction Store, FieldDefinition Field, bool InLoop)>();
        foreach (var module in modules)
            foreach (var type in module.GetTypes())
                foreach (var method in type.Methods)
                {
                    if (!method.HasBody) continue;
                    families.ScanBody(method, stores);
                    release(method);
                }
        // Writes are judged once every ldftn is known (a closure's first delegate may come later in the scan order).
        foreach (var (method, store, field, inLoop) in stores) families.JudgeWrite(method, store, field, inLoop);
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
    public bool IsFixed(FieldDefinition field) => IsCompilerGenerated(field.DeclaringType) && !unfixed.Contains(field)
        && (field.IsStatic ? IsDelegateType(field.FieldType) : written.Contains(field));

    /// <summary>True for a type the compiler made (closure classes, the lambda singleton <c>&lt;&gt;c</c>, caches).</summary>
    public static bool IsCompilerGenerated(TypeDefinition type)
    {
        for (TypeDefinition? t = type; t is not null; t = t.DeclaringType)
            if (t.HasCustomAttributes && t.CustomAttributes.Any(a => a.AttributeType.FullName == CompilerGenerated)) return true;
        return false;
    }

    private static bool IsDelegateType(TypeReference type) =>
        TypeMapper.TryResolve(type) is { BaseType.FullName: MulticastDelegate };

    private void ScanBody(MethodDefinition method, List<(MethodDefinition, Instruction, FieldDefinition, bool)> stores)
    {
        // The lowest offset a backward branch goes back to from each offset on: a store at or after a branch
        // target and before its branch is in a loop.
        var backward = method.Body.Instructions.SelectMany(i => Targets(i).Where(t => t.Offset <= i.Offset).Select(t => (From: i.Offset, To: t.Offset))).ToList();
        foreach (var instruction in method.Body.Instructions)
        {
            switch (instruction.OpCode.Code)
            {
                case Code.Ldftn or Code.Ldvirtftn when instruction.Operand is MethodReference target:
                {
                    if (ClassHierarchy.TryResolve(target) is not { } definition) break;
                    var closure = definition.DeclaringType;
                    if (!firstFunctionOf.ContainsKey((method, closure))) firstFunctionOf[(method, closure)] = instruction.Offset;
                    if (instruction.Next is { OpCode.Code: Code.Newobj, Operand: MethodReference constructor }
                        && constructor.Name == ".ctor" && IsDelegateType(constructor.DeclaringType))
                    {
                        string key = constructor.DeclaringType.FullName;
                        if (!byType.TryGetValue(key, out var members)) byType[key] = members = [];
                        if (!members.Contains(definition)) members.Add(definition);
                    }
                    break;
                }
                case Code.Stfld or Code.Stsfld or Code.Ldflda or Code.Ldsflda when instruction.Operand is FieldReference reference:
                {
                    if (ClassHierarchy.TryResolve(reference) is not { } field || !IsCompilerGenerated(field.DeclaringType)) break;
                    if (instruction.OpCode.Code is Code.Ldflda or Code.Ldsflda) unfixed.Add(field);
                    else stores.Add((method, instruction, field, backward.Any(b => b.To <= instruction.Offset && instruction.Offset < b.From)));
                    break;
                }
            }
        }
    }

    private void JudgeWrite(MethodDefinition method, Instruction store, FieldDefinition field, bool inLoop)
    {
        written.Add(field);
        if (field.IsStatic)
        {
            // The cache pattern: ldftn M; newobj D::.ctor; dup; stsfld.
            bool cache = store.Previous is { OpCode.Code: Code.Dup } dup && dup.Previous is { OpCode.Code: Code.Newobj } made
                && made.Previous?.OpCode.Code is Code.Ldftn or Code.Ldvirtftn;
            if (!cache) unfixed.Add(field);
            return;
        }
        var closure = field.DeclaringType;
        bool inClosure = method.DeclaringType == closure;
        bool afterDelegate = firstFunctionOf.TryGetValue((method, closure), out int first) && first < store.Offset;
        if (inClosure || afterDelegate || inLoop) unfixed.Add(field);
    }

    private static IEnumerable<Instruction> Targets(Instruction instruction) => instruction.Operand switch
    {
        Instruction target => [target],
        Instruction[] targets => targets,
        _ => [],
    };
}
