using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Transforms;

namespace PeJit.Optimizer;

/// <summary>
/// Value-type temporaries in SSA values: C# calls a struct's property getter or method on an address, so an interpreter
/// whose values are a tagged-union struct (<c>readonly struct Value { Type; number; obj }</c>, <c>Pop().IsNumber</c>,
/// <c>Peek(0).AsNumber</c>) stores each value it pops or peeks into a stack slot and reads its fields back through the
/// slot's address, once the getters are inlined. Where a slot is only stored whole and read by field loads through its
/// address, the slot goes: each store defines the slot's value, each field load reads that field of the value the slot
/// holds where it runs (<c>ldfld</c> of a value-type value), and a field of a value a store-only constructor just made
/// is the argument stored there. Forwarding, which forgets everything at a slot store, and promotion, which keeps
/// nothing in a loop with a field load through an address, then see the values themselves.
/// </summary>
/// <remarks>
/// <para>Rules:</para>
/// <list type="number">
/// <item>A slot of a value type is rewritten when its uses are <c>stslot</c> (a whole value), <c>ldslot</c> and
/// <c>slotaddr</c> whose result is used only as the object of <c>ldfld</c> (no store through it, no call given it, no
/// jump passing it): nothing else can see or change the slot's memory.</item>
/// <item>The slot's value where an instruction runs is found by SSA construction over the stores (an
/// <see cref="SsaUpdater"/>); before the first store the slot holds <c>default</c> (locals start zero). An <c>ldslot</c>
/// is that value; an <c>ldfld f</c> through the slot's address is <c>ldfld f</c> of that value, read where the load runs,
/// not where the address was taken.</item>
/// <item><c>ldfld f</c> of a value made by <c>newobj</c> of a value type's constructor that only stores its arguments
/// (<see cref="MethodRef.StoredFields"/>) is the argument stored into f when a store and a load back leave it unchanged
/// (the same type, or a 32-bit or wider integer of the same stack class, any reference); a field the constructor does
/// not store is zero, as it is of <c>default</c> (<see cref="FoldField"/>; <c>fold</c> does it too, after forwarding made
/// an element load the value stored there). Such a construction has no effect: dead code when unused
/// (<see cref="IsConstruction"/>). A field of a value unboxed from a unit constant (a constant pool of boxed values) is
/// that constant's field, when it is a number, bool, char, enum or null (<see cref="FlowGraph.Members"/> resolves it; in
/// file tests, without it, nothing folds).</item>
/// </list>
/// Not done: a value a store through the address changes (<c>stfld</c> into a mutable struct's slot), a slot whose
/// address a call is given (a method on the struct that is not inlined), a value carried through a block parameter
/// one parameter per field. Graphs with exception regions are left alone (a handler entry has no jumps to carry a value).
/// Cost: linear in the graph: one scan for the candidates, one rewrite with an <see cref="SsaUpdater"/> per slot.
/// </remarks>
internal static class StructSlots
{
    /// <summary>True for <c>newobj</c> of a value type's constructor that only stores its arguments: a value with no effect.</summary>
    public static bool IsConstruction(FlowGraph graph, Instruction instruction) =>
        instruction is { Opcode: Opcode.NewObject, Result: { } result, Method.StoredFields: { } stored }
        && stored.Count == instruction.Operands.Count && graph.TypeOf(result).Kind == TypeKind.ValueType;

    /// <summary>True for <c>ldfld</c> of a value-type value: no memory read, nothing that can throw; a pure operation of its operand.</summary>
    public static bool IsFieldOfValue(FlowGraph graph, Instruction instruction) =>
        instruction is { Opcode: Opcode.LoadField, Result: not null } && instruction.Operands.Count == 1
        && graph.TypeOf(instruction.Operands[0]).Kind == TypeKind.ValueType;

    public static void Run(FlowGraph graph)
    {
        if (graph.RegionCount > 0) return;
        bool any = false;
        for (int s = 0; s < graph.SlotCount; s++) any |= graph[new Slot(s)].Type.Kind == TypeKind.ValueType;
        if (any) Rewrite(graph);
    }

    /// <summary>
    /// Folds <paramref name="load"/>, an <c>ldfld</c> of a value-type value that a store-only constructor or <c>default</c>
    /// made (rule 3): true when it folds, with <paramref name="stored"/> the argument it reads, or null when the load was
    /// turned in place into the field's zero (<c>const</c>, <c>null</c> or <c>default</c>).
    /// </summary>
    public static bool FoldField(FlowGraph graph, Instruction load, out Value? stored)
    {
        stored = null;
        if (load is not { Opcode: Opcode.LoadField, Result: { } result } || load.Operands.Count != 1
            || graph.TypeOf(load.Operands[0]).Kind != TypeKind.ValueType) return false;
        var made = graph[load.Operands[0]].DefiningInstruction;
        var type = graph.TypeOf(result);
        if (made is not null && IsConstruction(graph, made))
        {
            var fields = made.Method!.StoredFields!;
            for (int i = 0; i < fields.Count; i++)
            {
                if (fields[i].FullName != load.Field!.FullName) continue;
                if (!SlotValues.StoresUnchanged(graph.TypeOf(made.Operands[i]), type)) return false;
                stored = made.Operands[i];
                return true;
            }
        }
        else if (made is { Opcode: Opcode.UnboxAny, TypeOperand: { } boxedType } && graph.Members is { } members
                 && TypeObjects.UnitConstant(graph, made.Operands[0]) is { } boxed)
            return FieldOfConstant(load, type, boxed, boxedType, members);
        else if (made is not { Opcode: Opcode.Default }) return false;
        // A field the constructor does not store, or any field of default: zero.
        MakeConstant(load, type, null);
        return true;
    }

    /// <summary>
    /// Folds <paramref name="load"/>, a field of a value unboxed from a unit constant (an interpreter's constant pool of
    /// boxed values: <c>chunk.Constants[k]</c>), to the field's value there when it is a number, a bool, a char, an enum or
    /// null: the constant is green, so deeply immutable while the unit lives. A box of another type (the unbox would throw),
    /// a field that does not resolve, or another reference is left alone.
    /// </summary>
    private static bool FieldOfConstant(Instruction load, IrType type, object boxed, IrType boxedType, PeJit.IR.Semantics.IMemberResolver members)
    {
        System.Reflection.FieldInfo field;
        try
        {
            if (boxed.GetType() != members.ResolveType(boxedType)) return false;
            field = members.ResolveField(load.Field!);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or TypeLoadException or MissingMemberException or NotSupportedException)
        {
            return false;
        }
        if (field.IsStatic || field.DeclaringType != boxed.GetType()) return false;
        object? value = field.GetValue(boxed);
        if (value is null ? !type.IsReference : !(type.IsPrimitive && !type.IsReference || type.Kind == TypeKind.Enum)) return false;
        if (type.Kind is TypeKind.NInt or TypeKind.NUInt) return false;
        MakeConstant(load, type, value);
        return true;
    }

    /// <summary>Turns <paramref name="load"/> in place into <paramref name="value"/> of <paramref name="type"/> (null: the type's zero).</summary>
    private static void MakeConstant(Instruction load, IrType type, object? value)
    {
        load.Operands.Clear();
        load.Field = null;
        load.TypeOperand = null;
        if (type.IsReference) load.Opcode = Opcode.Null;
        else if (type.IsPrimitive || type.Kind == TypeKind.Enum)
        {
            load.Opcode = Opcode.Const;
            load.Integer = 0;
            load.Float = 0;
            if (value is float or double) load.Float = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
            else if (value is ulong unsigned) load.Integer = unchecked((long)unsigned);
            else if (value is not null) load.Integer = Convert.ToInt64(value is Enum ? Convert.ChangeType(value, Enum.GetUnderlyingType(value.GetType()), System.Globalization.CultureInfo.InvariantCulture) : value, System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            load.Opcode = Opcode.Default;
            load.TypeOperand = type;
        }
    }

    /// <summary>The pass proper, for a graph with a slot of a value type (a method of its own: see <c>NullableValues.Rewrite</c> on first-call type loads).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Rewrite(FlowGraph graph)
    {
        // 1. The slots whose uses rule 1 allows: an address used only as the object of a field load.
        if (SlotValues.Find(graph, slot => graph[slot].Type.Kind == TypeKind.ValueType,
                (instruction, position, _) => instruction.Opcode == Opcode.LoadField && position == 0) is not { } found) return;

        // 2. Each slot's definitions: default at the entry, then the last store of each block.
        var variables = SlotValues.Define(graph, found, type => new Instruction(Opcode.Default) { TypeOperand = type }, storesThroughAddress: false);

        // 3. Each block in order: stores set the current value, loads read it, field loads through the address read its field.
        var replacement = new ValueToValueMap();
        var loads = new List<Instruction>();
        SlotValues.Rewrite(graph, found, variables, storesThroughAddress: false, (instruction, current) =>
        {
            if (instruction.Opcode == Opcode.LoadField && found.AddressOf.TryGetValue(instruction.Operands[0], out int slot) && found.Slots.Contains(slot))
            {
                instruction.Operands[0] = current(slot);
                loads.Add(instruction);
            }
            return true;
        }, replacement);
        graph.ReplaceUses(replacement);

        // 4. Field loads of values just made (rule 3): the argument stored there, or zero.
        var folded = new ValueToValueMap();
        foreach (var load in loads)
            if (FoldField(graph, load, out var stored) && stored is { } value) folded[load.Result!.Value] = value;
        GraphEdits.Replace(graph, folded);
        TrivialParameters.Remove(graph);
        graph.Compact();
    }
}
