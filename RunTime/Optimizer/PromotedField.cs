using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// A field of one loop-invariant object that a loop reads and writes, kept in an SSA value instead of memory while
/// the loop runs (an interpreter's stack pointer in its state object, <c>state.Sp</c>): the object, the field, the
/// accesses to it, the type its value is carried in, and (once rewritten) where the value comes from.
/// </summary>
internal sealed class PromotedField(Value target, FieldRef field, List<Instruction> accesses, IrType carried, Instruction firstLoad, Value first)
{
    /// <summary>The object (loop-invariant, a reference).</summary>
    public Value Target { get; } = target;

    /// <summary>The field.</summary>
    public FieldRef Field { get; } = field;

    /// <summary>Every load and store of the field in the loop (all on <see cref="Target"/>).</summary>
    public List<Instruction> Accesses { get; } = accesses;

    /// <summary>The type of the loads' results and the stored values, which the SSA value has.</summary>
    public IrType Carried { get; } = carried;

    /// <summary>True when the loop loads the field.</summary>
    public bool Loaded => Accesses.Any(a => a.Opcode == Opcode.LoadField);

    /// <summary>The preheader's load of the field's value when the loop is entered (placed by the preheader's construction).</summary>
    public Instruction FirstLoad { get; } = firstLoad;

    /// <summary>The result of <see cref="FirstLoad"/>: what a load in the loop that reads the entry value stands for.</summary>
    public Value First { get; } = first;

    /// <summary>The value of the field as the loop changes it.</summary>
    public SsaUpdater? Value { get; set; }
}
