using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;
using PeJit.Specializer.Engine;

namespace PeJit.Specializer.Extension;

/// <summary>
/// One interpreter frame while specializing: which graph, where in it, and what is known of each value, in
/// typed register files (a green int never boxed) plus a state per value (unset, green, red with its residual
/// value). A copy at a split is five array copies.
/// </summary>
internal sealed class ExtensionFrame
{
    public ExtensionGraph Graph;
    public int Block;
    public int Index;
    public long[] Ints;
    public double[] Floats;
    public object?[] Refs;
    public RegisterState[] States;
    public Value[] Reds;
    // Both made with SlotComparer.Instance: the default comparer of Slot is code .NET compiles on the first unit's thread.
    public Dictionary<Slot, Known>? Slots;
    public Dictionary<Slot, Slot>? ResidualSlots;
    public ExtensionOp? CallSite;
    /// <summary>For a frame of an unfolded recursive call: its arguments, green ones by value (to find a call that repeats them).</summary>
    public object?[]? UnfoldedGreens;
    /// <summary>The protected regions of this frame's graph the path is inside, outermost first, each with the residual region opened for it; null when none.</summary>
    public List<(Region Source, Region Residual)>? OpenTries;
    /// <summary>The region whose handler the path runs in this frame, with its residual region; null outside handlers.</summary>
    public (Region Source, Region Residual)? InHandler;
    /// <summary>
    /// For the portal's frame of a step of a portal with exception regions: the residual region around the whole
    /// step that hands an exception to the interpreter (<c>UnitSpecializer.Steps.cs</c>) when no try of the
    /// portal the merge point is in stands for it in <see cref="OpenTries"/>; null otherwise.
    /// </summary>
    public Region? StepRegion;
    /// <summary>
    /// Per value, for red references whose exact class is known while specializing (<c>Jit.PromoteClass</c>): the
    /// class (a <see cref="Type"/>), or <see cref="NullClass"/> for a null reference; null where the class is
    /// unknown. Allocated on first use. Paths that join within a step must agree on it for every live value.
    /// </summary>
    public object?[]? ExactClasses;

    /// <summary>For a frame of the portal inlined at an interpreted call: the callee's key and the steps its path ran; null otherwise.</summary>
    public Engine.InlinedPortal? InlinedPortal;

    /// <summary>
    /// For a frame of an inlined method of a constructed generic class or a constructed generic method: its type arguments,
    /// with which every residual instruction copied from the frame is instantiated; null for other frames.
    /// </summary>
    public Engine.Instantiation? Generic;

    /// <summary>The class recorded for a value known to be a null reference.</summary>
    public static readonly object NullClass = new();

    public ExtensionFrame(ExtensionGraph graph)
    {
        Graph = graph;
        Ints = graph.IntCount == 0 ? [] : new long[graph.IntCount];
        Floats = graph.FloatCount == 0 ? [] : new double[graph.FloatCount];
        Refs = graph.RefCount == 0 ? [] : new object?[graph.RefCount];
        States = new RegisterState[graph.Graph.ValueCount];
        Reds = new Value[graph.Graph.ValueCount];
    }

    private ExtensionFrame(ExtensionFrame other)
    {
        Graph = other.Graph;
        Block = other.Block;
        Index = other.Index;
        CallSite = other.CallSite;
        UnfoldedGreens = other.UnfoldedGreens;
        InlinedPortal = other.InlinedPortal;
        Generic = other.Generic;
        Ints = (long[])other.Ints.Clone();
        Floats = (double[])other.Floats.Clone();
        Refs = (object?[])other.Refs.Clone();
        States = (RegisterState[])other.States.Clone();
        Reds = (Value[])other.Reds.Clone();
        if (other.ExactClasses is not null) ExactClasses = (object?[])other.ExactClasses.Clone();
        if (other.Slots is not null) Slots = new(other.Slots, SlotComparer.Instance);
        if (other.ResidualSlots is not null) ResidualSlots = new(other.ResidualSlots, SlotComparer.Instance);
        if (other.OpenTries is not null) OpenTries = CopyOpenTries(other.OpenTries);
        InHandler = other.InHandler;
        StepRegion = other.StepRegion;
    }

    public ExtensionFrame Copy() => new(this);

    /// <summary>
    /// A copy of <paramref name="tries"/>. A method of its own, never inlined: a precompiled method's first call loads every
    /// type it names, and the list of tuples of regions (some ten types) would load at the first frame copied in every
    /// process, where only a frame inside a protected region has one.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static List<(Region Source, Region Residual)> CopyOpenTries(List<(Region Source, Region Residual)> tries) => new(tries);

    public bool IsGreen(int value) => States[value] == RegisterState.Green;

    public long Int(int value) => Ints[Graph.Registers[value]];

    public double Float(int value) => Floats[Graph.Registers[value]];

    public object? Ref(int value) => Refs[Graph.Registers[value]];

    public void SetInt(int value, long content)
    {
        Ints[Graph.Registers[value]] = content;
        States[value] = RegisterState.Green;
    }

    public void SetFloat(int value, double content)
    {
        Floats[Graph.Registers[value]] = content;
        States[value] = RegisterState.Green;
    }

    public void SetRef(int value, object? content)
    {
        Refs[Graph.Registers[value]] = content;
        States[value] = RegisterState.Green;
    }

    public void SetRed(int value, Value red)
    {
        Reds[value] = red;
        States[value] = RegisterState.Red;
        if (ExactClasses is not null) ExactClasses[value] = null;
    }

    /// <summary>Sets a red reference whose exact class is known: a <see cref="Type"/>, <see cref="NullClass"/>, or null for unknown.</summary>
    public void SetRed(int value, Value red, object? exactClass)
    {
        SetRed(value, red);
        if (exactClass is not null) (ExactClasses ??= new object?[States.Length])[value] = exactClass;
    }

    /// <summary>The exact class of a red value when known (a <see cref="Type"/> or <see cref="NullClass"/>), else null.</summary>
    public object? ExactClass(int value) => ExactClasses?[value];

    /// <summary>A green value as an object in stack form (<c>ValueSemantics.Normalize</c>'s conventions).</summary>
    public object? Box(int value) => Graph.Classes[value] switch
    {
        RegisterClass.Int => ValueSemantics.IntegerStackForm(Int(value), Graph.Types[value]),
        RegisterClass.Float => ValueSemantics.FloatStackForm(Float(value), Graph.Types[value]),
        _ => Ref(value),
    };

    /// <summary>A green value given as an object (normalized) into its register.</summary>
    public void SetBoxed(int value, object? content)
    {
        int register = Graph.Registers[value];
        StoreBoxed(this, register, Graph.Classes[value], content, Graph.Types[value]);
        States[value] = RegisterState.Green;
    }

    /// <summary>Writes <paramref name="content"/> into register <paramref name="register"/> of class <paramref name="registerClass"/> (also called by compiled delegates whose result has no typed conversion).</summary>
    public static void StoreBoxed(ExtensionFrame frame, int register, RegisterClass registerClass, object? content, IrType type) =>
        StoreBoxed(frame.Ints, frame.Floats, frame.Refs, register, registerClass, content, type);

    /// <summary>Writes <paramref name="content"/> into register <paramref name="register"/> of class <paramref name="registerClass"/> of the given register files (what compiled delegates whose result has no typed conversion call).</summary>
    public static void StoreBoxed(long[] ints, double[] floats, object?[] refs, int register, RegisterClass registerClass, object? content, IrType type)
    {
        switch (registerClass)
        {
            case RegisterClass.Int:
                ints[register] = ValueSemantics.Normalize(content, type) switch
                {
                    int i => i, long l => l, nint n => n,
                    var other => throw new SpecializationException($"a green {type} holds a {other?.GetType().Name ?? "null"}, not an integer (internal error of the generating extension)"),
                };
                break;
            case RegisterClass.Float:
                floats[register] = content switch
                {
                    double d => d, float f => f,
                    var other => throw new SpecializationException($"a green {type} holds a {other?.GetType().Name ?? "null"}, not a float (internal error of the generating extension)"),
                };
                break;
            default:
                refs[register] = content;
                break;
        }
    }

    /// <summary>What is known of a value that is set, with a green one boxed.</summary>
    public Known Get(int value) => States[value] == RegisterState.Green ? Known.OfGreen(Box(value)) : Known.OfRed(Reds[value]);

    /// <summary>Sets a value from what is known of it.</summary>
    public void Set(int value, Known known)
    {
        if (known.IsGreen) SetBoxed(value, known.Green);
        else SetRed(value, known.Red);
    }

    /// <summary>Copies value <paramref name="from"/> of <paramref name="source"/> (set) into value <paramref name="to"/> of this frame, typed when the classes agree.</summary>
    public void CopyFrom(ExtensionFrame source, int from, int to)
    {
        if (source.States[from] != RegisterState.Green)
        {
            SetRed(to, source.Reds[from], source.ExactClass(from));
            return;
        }
        var fromClass = source.Graph.Classes[from];
        if (fromClass != Graph.Classes[to])
        {
            SetBoxed(to, source.Box(from));
            return;
        }
        switch (fromClass)
        {
            case RegisterClass.Int: SetInt(to, source.Int(from)); break;
            case RegisterClass.Float: SetFloat(to, source.Float(from)); break;
            default: SetRef(to, source.Ref(from)); break;
        }
    }
}
