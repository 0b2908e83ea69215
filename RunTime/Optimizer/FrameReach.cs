using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// What a residual graph's <c>[Virtualizable]</c> frames (<see cref="FlowGraph.Virtualizables"/>) let promotion assume:
/// which arrays may be a frame's named array, which values may lead to a frame or such an array, and so which calls
/// may read or write what compiled code keeps in SSA values (<see cref="PromoteMemory"/>, rules 8 to 10).
/// </summary>
/// <remarks>
/// <para>The interpreter's promise (the attribute's contract, DESIGN.md's hints table): a frame of the class and its
/// named arrays are referenced only from locals and arguments, from frames (any field of a frame of the class), and from
/// objects the running code made; never from statics, other objects, or arrays other than the runtime's own state arrays
/// (the residual graph's entry parameters). So code outside compiled code can reach them only through a reference it is
/// passed. Compiled code checks what it can see of that promise itself: where the residual graph stores a frame or named
/// array anywhere else (<see cref="Escaped"/>), every call is taken to reach them.</para>
/// <para>A named array field of a frame the graph made (<c>allocate</c>, an inlined constructor's) whose every store in the
/// graph stores an array the graph made holds no array from before: a callee frame's registers, which a call's arguments
/// are copied into, are not the caller's (<c>Array.Copy</c> into them only reads the caller's frame).</para>
/// <para>Judged by type where the IR has only types: a reference typed as the frame class, one of its supertypes (or any
/// class, when the frame class is not sealed), <c>object</c>, an interface or base class of arrays, an address, a struct
/// or a generic parameter may be a frame or lead to one; a string, a number, or a reference of another class cannot.</para>
/// <para>Cost: one walk of the graph when made (the stores and constructors that may hide a frame); each question after
/// walks the definitions behind one value, at most <see cref="WalkLimit"/> of them.</para>
/// </remarks>
internal sealed class FrameReach
{
    /// <summary>Definitions one question may walk through before it answers "may" (block parameters joined in long chains).</summary>
    private const int WalkLimit = 64;

    private static readonly string[] PrimitiveArrays =
    [
        "System.Boolean[]", "System.Char[]", "System.SByte[]", "System.Byte[]", "System.Int16[]", "System.UInt16[]", "System.Int32[]",
        "System.UInt32[]", "System.Int64[]", "System.UInt64[]", "System.IntPtr[]", "System.UIntPtr[]", "System.Single[]", "System.Double[]",
    ];

    private readonly FlowGraph graph;
    private readonly IReadOnlyList<VirtualizableFrame> frames;
    private readonly List<string> arrayTypes = [];
    private readonly ValueSet holders = new();
    private readonly ValueSet entryParameters = new();
    // Fields of frames the graph made (an inlined constructor's allocation) and what the graph stores into them: a named
    // array field that only ever gets an array made there holds no array that existed before, so it is none of the arrays
    // whose elements a loop keeps (a callee frame's registers, which the caller's arguments are copied into).
    private readonly List<StoreIntoMadeFrame> madeFrameStores = [];
    private readonly ValueSet constructedLater = new();
    private Predecessors? predecessors;

    private FrameReach(FlowGraph graph)
    {
        this.graph = graph;
        frames = graph.Virtualizables;
        foreach (var frame in frames)
            foreach (var array in frame.Arrays)
                arrayTypes.Add(array[..array.IndexOf(' ', StringComparison.Ordinal)]);
        foreach (var parameter in graph.Parameters) entryParameters.Add(parameter);
        FindStoresIntoMadeFrames();
        FindHoldersAndEscapes();
        predecessors = null; // the graph changes after this; questions walk with the caller's edges
    }

    /// <summary>The facts for <paramref name="graph"/>, or null when it has no virtualizable frame.</summary>
    public static FrameReach? For(FlowGraph graph) => graph.Virtualizables.Count == 0 ? null : new FrameReach(graph);

    /// <summary>True when the graph stores a frame or a named array where code it calls might find it: then every call may reach them.</summary>
    public bool Escaped { get; private set; }

    /// <summary>True when <paramref name="field"/> is a named array field of a frame class (readonly: the analysis checked).</summary>
    public bool IsNamedArrayField(FieldRef field)
    {
        foreach (var frame in frames)
            if (frame.IsNamedArray(field.FullName)) return true;
        return false;
    }

    /// <summary>The frame class whose named array field <paramref name="field"/> is, or null.</summary>
    public VirtualizableFrame? FrameOfArrayField(FieldRef field)
    {
        foreach (var frame in frames)
            if (frame.IsNamedArray(field.FullName)) return frame;
        return null;
    }

    /// <summary>The frame class named <paramref name="type"/> exactly, or null.</summary>
    public VirtualizableFrame? FrameOfType(IrType type)
    {
        foreach (var frame in frames)
            if (frame.ClassName == type.Name) return frame;
        return null;
    }

    /// <summary>
    /// What <paramref name="instruction"/> (a call, a constructor, an access through an address) may do to a frame's named
    /// fields or its named arrays' elements: nothing (no operand may lead to them, and they did not escape), only read them
    /// (the source, not the destination, of <c>System.Array::Copy</c>), or read and write them.
    /// </summary>
    public FrameAccess Reach(Instruction instruction, Func<Block, IReadOnlyList<Edge>> edgesInto)
    {
        if (Escaped || instruction.Opcode is Opcode.Load or Opcode.Store or Opcode.InitObj or Opcode.CopyObj) return FrameAccess.ReadsAndWrites;
        // System.Array::Copy reads its source and writes its destination only (the BCL's contract).
        if (instruction.Method is { DeclaringTypeName: "System.Array", Name: "Copy" } copy && instruction.Operands.Count is 3 or 5
            && copy.FullName.StartsWith("System.Void System.Array::Copy(System.Array,", StringComparison.Ordinal))
        {
            int destination = instruction.Operands.Count == 3 ? 1 : 2;
            if (MayHold(instruction.Operands[destination], edgesInto)) return FrameAccess.ReadsAndWrites;
            return MayHold(instruction.Operands[0], edgesInto) ? FrameAccess.Reads : FrameAccess.None;
        }
        foreach (var operand in instruction.Operands)
            if (MayHold(operand, edgesInto)) return FrameAccess.ReadsAndWrites;
        return FrameAccess.None;
    }

    /// <summary>True when <paramref name="value"/> may be a frame, a named array, or an object the graph made that holds one.</summary>
    public bool MayHold(Value value, Func<Block, IReadOnlyList<Edge>> edgesInto)
    {
        if (holders.Contains(value)) return true;
        var type = graph.TypeOf(value);
        switch (graph[value].DefiningInstruction?.Opcode)
        {
            // null, a constant, a string literal, a boxed number: typed object at most, never a frame.
            case Opcode.Null or Opcode.Const or Opcode.String:
                return false;
            case Opcode.Box:
                return MayHold(graph[value].DefiningInstruction!.Operands[0], edgesInto);
            // A frame the graph made (an inlined constructor's, a callee's) that no store gave a frame or a named array
            // from before (not a holder) and no constructor call set leads only to itself and what it was given: its own
            // named arrays are new too, none of those compiled code keeps elements of. (A callee's frame that holds its
            // caller's registers, to store results into, is a holder.)
            case Opcode.Allocate when FrameOfType(type) is not null && !constructedLater.Contains(value):
                return false;
        }
        if (type.Kind == TypeKind.ByRef && graph[value].DefiningInstruction is { } address)
        {
            // An address of another class's field, or of a local, leads where what it holds leads: a frame's named state is
            // in no other object's field (the contract), and a local holds what its type allows.
            if (address.Opcode == Opcode.FieldAddr && !DeclaredByFrame(address.Field!) && graph.TypeOf(address.Operands[0]).IsReference) return false;
            if (address.Opcode == Opcode.SlotAddr) return TypeMayLead(graph[address.Slot].Type) || TypeMayBeNamedArray(graph[address.Slot].Type);
        }
        return TypeMayLead(type) || MayBeNamedArray(value, edgesInto);
    }

    /// <summary>
    /// True when <paramref name="value"/> may be a frame's named array: an array of a type that could be one, which comes
    /// from a frame's field, the runtime's state, a call, or a parameter; not one the graph made, nor one read from another
    /// object's field, an array element or a static (where the contract says no named array is).
    /// </summary>
    public bool MayBeNamedArray(Value value, Func<Block, IReadOnlyList<Edge>> edgesInto)
    {
        if (!TypeMayBeNamedArray(graph.TypeOf(value))) return false;
        var seen = new ValueSet();
        var work = new List<Value> { value };
        while (work.Count > 0)
        {
            var at = work[^1];
            work.RemoveAt(work.Count - 1);
            if (!seen.Add(at)) continue;
            if (seen.Count > WalkLimit) return true;
            if (graph[at].DefiningInstruction is not { } definition)
            {
                if (entryParameters.Contains(at) || graph[at].ParameterOf is not { } block) return true;
                int position = GraphEdits.IndexOf(graph[block].Parameters, at); // a loop, not List<Value>.IndexOf (EqualityComparer<Value>)
                foreach (var edge in edgesInto(block))
                {
                    if (edge.Call.Arguments.Count <= position) return true; // an exceptional edge: whatever was thrown
                    work.Add(edge.Call.Arguments[position]);
                }
                continue;
            }
            switch (definition.Opcode)
            {
                case Opcode.NewArray or Opcode.Const or Opcode.Null or Opcode.String or Opcode.LoadStatic or Opcode.NewObject or Opcode.Allocate or Opcode.Box:
                    continue;
                // The BCL's empty array of a type (a static singleton: no frame's named array, by the contract).
                case Opcode.Call when definition.Method is { DeclaringTypeName: "System.Array", Name: "Empty" } && definition.Operands.Count == 0:
                    continue;
                case Opcode.LoadField:
                    if (DeclaredByFrame(definition.Field!) && !HoldsOnlyMadeArrays(definition.Operands[0], definition.Field!)) return true;
                    continue;
                case Opcode.LoadElement:
                    // The runtime's state array holds the reds; any other array holds no named array (the contract).
                    if (entryParameters.Contains(definition.Operands[0])) return true;
                    continue;
                case Opcode.CastClass or Opcode.IsInst or Opcode.UnboxAny:
                    work.Add(definition.Operands[0]);
                    continue;
                default:
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// True when <paramref name="field"/> is a named array field (readonly: the analysis checked) of <paramref name="frame"/>,
    /// an object the graph made without a constructor call (<c>allocate</c>: an inlined constructor's), and every store the
    /// graph makes into it (one at least) stores an array the graph made (<c>newarr</c>): only those stores can set a readonly
    /// field of an object whose constructor was inlined, so what it holds is a new array, never one from before.
    /// </summary>
    private bool HoldsOnlyMadeArrays(Value frame, FieldRef field)
    {
        if (!IsNamedArrayField(field) || graph[frame].DefiningInstruction?.Opcode != Opcode.Allocate || constructedLater.Contains(frame)) return false;
        bool any = false;
        foreach (var store in madeFrameStores)
        {
            if (store.Frame != frame || store.Field != field.FullName) continue;
            if (!store.MadeArray) return false;
            any = true;
        }
        return any;
    }

    /// <summary>
    /// The stores into frame fields of objects the graph allocated (<see cref="madeFrameStores"/>), and the allocations a
    /// constructor call is given after all (<see cref="constructedLater"/>: that call could set any field). Facts no promotion
    /// changes: it rewrites loads and stores of elements, not what a new object's field is given.
    /// </summary>
    private void FindStoresIntoMadeFrames()
    {
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                if (instruction.Opcode == Opcode.StoreField && DeclaredByFrame(instruction.Field!)
                    && graph[instruction.Operands[0]].DefiningInstruction?.Opcode == Opcode.Allocate)
                {
                    bool madeArray = graph[instruction.Operands[1]].DefiningInstruction?.Opcode == Opcode.NewArray;
                    madeFrameStores.Add(new StoreIntoMadeFrame(instruction.Operands[0], instruction.Field!.FullName, madeArray));
                }
                else if (instruction.Opcode is Opcode.Call or Opcode.CallVirt && instruction.Method!.Name == ".ctor" && instruction.Operands.Count > 0
                    && graph[instruction.Operands[0]].DefiningInstruction?.Opcode == Opcode.Allocate)
                    constructedLater.Add(instruction.Operands[0]);
            }
    }

    /// <summary>A store of the graph into <see cref="Field"/> of <see cref="Frame"/>, an object it allocated; whether the value is an array it made.</summary>
    private sealed record StoreIntoMadeFrame(Value Frame, string Field, bool MadeArray);

    /// <summary>True when a field of that full name belongs to a frame class (named or not: a frame may hold its caller's array).</summary>
    private bool DeclaredByFrame(FieldRef field)
    {
        foreach (var frame in frames)
            if (frame.DeclaresField(field.FullName)) return true;
        return false;
    }

    /// <summary>True when a value of <paramref name="type"/> may be a frame, or a reference that leads to one without a field load the IR shows.</summary>
    private bool TypeMayLead(IrType type)
    {
        switch (type.Kind)
        {
            case TypeKind.ValueType:
                // A struct of the base library without type arguments (a DateTime, a decimal), or a Nullable of one, holds
                // no reference of the interpreter's; any other struct may hold a frame.
                return !(type.Name.StartsWith("System.", StringComparison.Ordinal) && type.Name.IndexOf('<') < 0)
                    && !(type.Name.StartsWith("System.Nullable`1<System.", StringComparison.Ordinal) && type.Name.IndexOf('<', "System.Nullable`1<".Length) < 0);
            case TypeKind.Object or TypeKind.ByRef or TypeKind.Pointer or TypeKind.GenericParameter:
                return true;
            case TypeKind.Class:
                if (type.Name.EndsWith("[]", StringComparison.Ordinal)) return false; // arrays: MayBeNamedArray
                foreach (var frame in frames)
                {
                    if (!frame.Sealed || frame.ClassName == type.Name) return true;
                    foreach (var supertype in frame.Supertypes)
                        if (supertype == type.Name) return true;
                }
                return false;
            default:
                return false;
        }
    }

    /// <summary>True when a value of <paramref name="type"/> may be one of the named arrays (an array of a type it could be seen as, or a base type of arrays).</summary>
    private bool TypeMayBeNamedArray(IrType type)
    {
        if (type.Kind is TypeKind.Object or TypeKind.GenericParameter) return true;
        if (type.Kind != TypeKind.Class || arrayTypes.Count == 0) return false;
        if (!type.Name.EndsWith("[]", StringComparison.Ordinal))
            return type.Name == "System.Array" || type.Name == "System.ICloneable" || type.Name.StartsWith("System.Collections.", StringComparison.Ordinal);
        bool primitive = Array.IndexOf(PrimitiveArrays, type.Name) >= 0;
        foreach (string named in arrayTypes)
            // An array of references may be seen as another array of references (covariance), an array of numbers as
            // another of the same size (int[] as uint[]); an array of numbers is never an array of references.
            if (named == type.Name || primitive == (Array.IndexOf(PrimitiveArrays, named) >= 0)) return true;
        return false;
    }

    /// <summary>
    /// Objects the graph made that are given a frame or a named array (a constructor's argument, a store into them), and
    /// whether it stores one where code it calls could find it: into a static, an object or array it did not make and
    /// that is not a frame, or through an address. Repeated while a new holder appears (an object holding a holder).
    /// </summary>
    private void FindHoldersAndEscapes()
    {
        predecessors = Predecessors.Compute(graph);
        IReadOnlyList<Edge> Edges(Block block) => predecessors!.EdgesInto(block);
        bool changed = true;
        for (int round = 0; changed && round < 4; round++)
        {
            changed = false;
            foreach (var block in graph.Blocks)
                foreach (var instruction in graph[block].Instructions)
                {
                    switch (instruction.Opcode)
                    {
                        case Opcode.StoreField when MayHold(instruction.Operands[^1], Edges):
                        {
                            var target = instruction.Operands[0];
                            if (IsAllocation(target)) changed |= holders.Add(target);
                            else if (!DeclaredByFrame(instruction.Field!)) Escaped = true;
                            break;
                        }
                        case Opcode.StoreElement when MayHold(instruction.Operands[2], Edges):
                        {
                            var target = instruction.Operands[0];
                            if (IsAllocation(target)) changed |= holders.Add(target);
                            else if (!entryParameters.Contains(target)) Escaped = true;
                            break;
                        }
                        case Opcode.StoreStatic when MayHold(instruction.Operands[^1], Edges):
                            Escaped = true;
                            break;
                        case Opcode.Store when MayHold(instruction.Operands[^1], Edges):
                            if (graph[instruction.Operands[0]].DefiningInstruction?.Opcode != Opcode.SlotAddr) Escaped = true;
                            break;
                        case Opcode.NewObject:
                            foreach (var operand in instruction.Operands)
                                if (MayHold(operand, Edges))
                                {
                                    changed |= holders.Add(instruction.Result!.Value);
                                    break;
                                }
                            break;
                    }
                }
        }
        if (changed) Escaped = true; // holders of holders deeper than the rounds: assume the worst
    }

    private bool IsAllocation(Value value) =>
        graph[value].DefiningInstruction?.Opcode is Opcode.NewObject or Opcode.NewArray or Opcode.Box or Opcode.Allocate;
}
