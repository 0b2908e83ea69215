namespace PeJit.IR;

/// <summary>
/// One operation: an opcode, its operands, the immediates its <see cref="OpcodeInfo"/> row names, an optional
/// result, successor blocks for terminators, and where it came from.
/// </summary>
public sealed class Instruction
{
    /// <summary>Creates an instruction; the graph assigns its result.</summary>
    public Instruction(Opcode opcode, params Value[] operands)
    {
        Opcode = opcode;
        // A loop into a list of its size, not LINQ's ToList: that copies the array through ICollection<Value>.CopyTo, a
        // framework generic over Value (SZArrayHelper) .NET compiles on the first unit's thread.
        Operands = new List<Value>(operands.Length);
        for (int i = 0; i < operands.Length; i++) Operands.Add(operands[i]);
    }

    /// <summary>The operation.</summary>
    public Opcode Opcode { get; set; }

    /// <summary>The operation's row in the opcode table.</summary>
    public OpcodeInfo Info => OpcodeInfo.Of(Opcode);

    /// <summary>Value operands, in order (for calls: <c>this</c> first when the method has one).</summary>
    public List<Value> Operands { get; }

    /// <summary>The value this instruction defines, if any.</summary>
    public Value? Result { get; set; }

    // Made on first use: most instructions are not terminators, and a loaded generating extension's graphs live as long as
    // their portal (an empty list per instruction was 32 bytes of each; Docs/PERFORMANCE.md, "What a JIT-enabled Lua process
    // keeps alive"). Readers that only look use TargetCalls, which makes nothing.
    private List<BlockCall>? targets;

    /// <summary>Successors of a terminator, with the arguments each passes (the list is made on first use: to only read them, see <see cref="TargetCalls"/>).</summary>
    public List<BlockCall> Targets => targets ?? Interlocked.CompareExchange(ref targets, [], null) ?? targets;

    /// <summary>The list of targets if one was made (<see cref="TargetBlocks"/> takes it as it is).</summary>
    internal List<BlockCall>? TargetsIfMade => targets;

    /// <summary>The targets, read-only, without making a list for an instruction that has none.</summary>
    public ReadOnlySpan<BlockCall> TargetCalls => targets is null ? default : System.Runtime.InteropServices.CollectionsMarshal.AsSpan(targets);

    /// <summary>An integer immediate (<c>const</c> of an integer type).</summary>
    public long Integer { get; set; }

    /// <summary>A float immediate (<c>const</c> of a float type).</summary>
    public double Float { get; set; }

    /// <summary>A string immediate (<c>string</c>).</summary>
    public string? Text { get; set; }

    /// <summary>A type immediate (element type, box type, cast target, constrained type...).</summary>
    public IrType? TypeOperand { get; set; }

    /// <summary>A field immediate.</summary>
    public FieldRef? Field { get; set; }

    /// <summary>A method immediate.</summary>
    public MethodRef? Method { get; set; }

    /// <summary>A stack-slot immediate.</summary>
    public Slot Slot { get; set; }

    /// <summary>
    /// For calls built by the frontend: for each operand, the local or parameter it was loaded from directly
    /// (<c>ldloc</c>/<c>ldarg</c>), else null. Hint validation uses it ("each argument a plain variable").
    /// Not part of the text form.
    /// </summary>
    public List<string?>? OperandVariables { get; set; }

    /// <summary>IL offset and source line.</summary>
    public SourceLocation Location { get; set; } = SourceLocation.None;

    /// <summary>True when this instruction ends its block.</summary>
    public bool IsTerminator => Info.IsTerminator;
}
