using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// <c>System.Type</c> objects in residual graphs: <c>GetType()</c> of a value, and <c>typeof(T)</c> spelled as the IR
/// spells it (<c>call pure Type::GetTypeFromHandle(token T)</c>, what C# compiles <c>typeof</c> to, and what the
/// specializer's class guards compare with). A class test is <c>ceq (GetType x), typeof(T)</c>; where the optimizer
/// knows x's exact class (x was just allocated, or is a virtual object) it decides it.
/// </summary>
internal static class TypeObjects
{
    /// <summary><c>object.GetType()</c>, as the frontend and the specializer name it.</summary>
    public const string GetTypeName = "System.Type System.Object::GetType()";

    /// <summary><c>Type.GetTypeFromHandle</c>, as the frontend names it (<c>typeof(T)</c>).</summary>
    public const string FromHandleName = "System.Type System.Type::GetTypeFromHandle(System.RuntimeTypeHandle)";

    /// <summary><c>typeof</c>'s method, for the instructions the optimizer makes.</summary>
    public static readonly MethodRef FromHandle = new(FromHandleName, hasThis: false,
        origin: typeof(Type).GetMethod(nameof(Type.GetTypeFromHandle))) { IsPure = true };

    /// <summary><c>object.GetType()</c>, for the instructions the optimizer makes.</summary>
    public static readonly MethodRef GetTypeMethod = new(GetTypeName, hasThis: true, origin: typeof(object).GetMethod(nameof(GetType))) { IsPure = true };

    /// <summary>True for a call of <c>x.GetType()</c>.</summary>
    public static bool IsGetType(Instruction instruction) =>
        instruction.Opcode is Opcode.Call or Opcode.CallVirt && instruction.Method!.FullName == GetTypeName && instruction.Operands.Count == 1;

    /// <summary>T when <paramref name="value"/> is <c>typeof(T)</c>; null otherwise.</summary>
    public static IrType? TypeOf(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction is { Opcode: Opcode.Call } call && call.Method!.FullName == FromHandleName && call.Operands.Count == 1
        && graph[call.Operands[0]].DefiningInstruction is { Opcode: Opcode.Token, TypeOperand: { } type } ? type : null;

    /// <summary>
    /// The exact class of the object <paramref name="value"/> names, when its definition says it: a <c>newobj</c> of a
    /// class (the constructor's class: the result type the frontend gives it) or an <c>allocate</c>, a <c>box</c> of a value type (not a
    /// <c>Nullable</c>, whose box is the value inside or null). Null when not known.
    /// </summary>
    public static IrType? ExactClassOf(FlowGraph graph, Value value) => graph[value].DefiningInstruction switch
    {
        { Opcode: Opcode.NewObject or Opcode.Allocate } made when graph.TypeOf(value).Kind == TypeKind.Class => graph.TypeOf(value),
        { Opcode: Opcode.Box, TypeOperand: { } boxed } when boxed.Kind is >= TypeKind.Bool and <= TypeKind.F64 or TypeKind.ValueType or TypeKind.Enum
            && !boxed.Name.StartsWith("System.Nullable`1", StringComparison.Ordinal) => boxed,
        // A cast that passed is the object it cast; an element of the unit's constants is the object the runtime holds there.
        { Opcode: Opcode.CastClass } cast => ExactClassOf(graph, cast.Operands[0]),
        { Opcode: Opcode.LoadElement } when UnitConstant(graph, value) is { } constant => ClassOf(constant.GetType()),
        _ => null,
    };

    /// <summary>
    /// True for <c>unbox.any</c> of a unit constant that is a boxed value of exactly the type unboxed (the run-time classes
    /// say, <see cref="FlowGraph.Members"/>): it cannot throw, and reads a box nothing changes (green, deeply immutable), so
    /// it has no effect when unused and needs no write-back before it.
    /// </summary>
    public static bool UnboxesUnitConstant(FlowGraph graph, Instruction instruction)
    {
        if (instruction is not { Opcode: Opcode.UnboxAny, TypeOperand: { Kind: TypeKind.ValueType or TypeKind.Enum } type } || graph.Members is not { } members
            || UnitConstant(graph, instruction.Operands[0]) is not { } boxed) return false;
        try
        {
            return boxed.GetType() == members.ResolveType(type);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or TypeLoadException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// The object <paramref name="value"/> is when it is an element of the unit's constants (<c>ldelem</c> of the first
    /// parameter at a constant index), which the runtime holds in <see cref="FlowGraph.Constants"/>: a fact, and green, so
    /// deeply immutable while the unit lives. Null otherwise (or for a null constant).
    /// </summary>
    public static object? UnitConstant(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction is { Opcode: Opcode.LoadElement } load && graph.Constants is { } constants
        && load.Operands[0] == graph.Parameters[0] && graph[load.Operands[1]].DefiningInstruction is { Opcode: Opcode.Const } index
        && index.Integer >= 0 && index.Integer < constants.Count ? constants[(int)index.Integer] : null;

    /// <summary>The IR's type of a plain class (not generic, not nested: their names differ between the IR and reflection); null for others.</summary>
    private static IrType? ClassOf(Type type) =>
        type.IsClass && !type.IsArray && !type.IsGenericType && !type.IsNested && type.FullName is { } name && type != typeof(string) && type != typeof(object)
            ? IrType.Class(name) : null;

    /// <summary>
    /// Whether an object of exactly <paramref name="exact"/> is an instance of <paramref name="target"/>, by the run-time
    /// classes (<see cref="FlowGraph.Members"/>); null when either does not resolve.
    /// </summary>
    public static bool? InstanceOf(PeJit.IR.Semantics.IMemberResolver members, IrType exact, IrType target)
    {
        if (exact == target || target.Kind == TypeKind.Object) return true;
        try
        {
            return members.ResolveType(target).IsAssignableFrom(members.ResolveType(exact));
        }
        catch (Exception e) when (e is TypeLoadException or ArgumentException or InvalidOperationException or NotSupportedException or System.IO.IOException)
        {
            return null;
        }
    }

    /// <summary>Turns <paramref name="getType"/> (a call of <c>GetType()</c>) into <c>typeof(<paramref name="type"/>)</c>, the token inserted before it in <paramref name="instructions"/>; returns how many instructions were inserted.</summary>
    public static int Replace(FlowGraph graph, List<Instruction> instructions, Instruction getType, IrType type)
    {
        instructions.Insert(instructions.IndexOf(getType), Retarget(graph, getType, type));
        return 1;
    }

    /// <summary>Turns <paramref name="getType"/> into <c>typeof(<paramref name="type"/>)</c> and returns the token it now reads, for the caller to place before it.</summary>
    public static Instruction Retarget(FlowGraph graph, Instruction getType, IrType type)
    {
        var token = new Instruction(Opcode.Token) { TypeOperand = type, Location = getType.Location };
        graph.SetResult(token, IrType.ValueType("System.RuntimeTypeHandle"));
        getType.Opcode = Opcode.Call;
        getType.Method = FromHandle;
        getType.Operands.Clear();
        getType.Operands.Add(token.Result!.Value);
        return token;
    }

    /// <summary>
    /// The outcome of <c>ceq</c> or <c>cne</c> of two type objects when both are known (<c>typeof</c> each): one type
    /// object per type, so equal exactly when the types are. Null when either is unknown.
    /// </summary>
    public static bool? Compare(FlowGraph graph, Instruction comparison)
    {
        if (comparison.Opcode is not (Opcode.Ceq or Opcode.Cne) || comparison.Operands.Count != 2) return null;
        if (TypeOf(graph, comparison.Operands[0]) is not { } left || TypeOf(graph, comparison.Operands[1]) is not { } right) return null;
        return (left == right) == (comparison.Opcode == Opcode.Ceq);
    }
}
