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

    /// <summary>
    /// Creates an instruction with room for <paramref name="operandCapacity"/> operands and none yet: the stored graph's reader
    /// (<see cref="Binary.FlowGraphBinary"/>), inlined into its loop over instructions (no empty array passed, no call counted
    /// by .NET's tiering per instruction read).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal Instruction(Opcode opcode, int operandCapacity)
    {
        Opcode = opcode;
        Operands = new List<Value>(operandCapacity);
    }

    /// <summary>The operation.</summary>
    public Opcode Opcode { get; set; }

    /// <summary>The operation's row in the opcode table.</summary>
    public OpcodeInfo Info => OpcodeInfo.Of(Opcode);

    /// <summary>Value operands, in order (for calls: <c>this</c> first when the method has one).</summary>
    public List<Value> Operands { get; }

    // The result's index plus one, 0 for none: four bytes where a Value? field takes eight.
    private int resultPlusOne;

    /// <summary>The value this instruction defines, if any.</summary>
    public Value? Result
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        get => resultPlusOne == 0 ? null : new Value(resultPlusOne - 1);
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        set => resultPlusOne = value is { } v ? v.Index + 1 : 0;
    }

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

    // The one reference immediate most instructions carry (a string, a type, a field or a method: the opcode table gives each
    // opcode at most one but for a constrained call) in one field, told apart by its class; a second one, the float and the
    // slot immediates and the frontend's operand variables live in `rare`, made by the first setter given a non-default value
    // that does not fit here. A loaded generating extension keeps its graphs' instructions as long as its portal, and reading
    // them in a fresh process touches fresh pages (Docs/PERFORMANCE.md, "A loaded portal graph in less memory"): 72 bytes an
    // instruction instead of 112. Invariant: an immediate of one kind is in `immediate` or in `rare`, never both.
    private object? immediate;
    private Rare? rare;

    /// <summary>The immediates few instructions carry.</summary>
    private sealed class Rare
    {
        public double Float;
        public Slot Slot;
        public string? Text;
        public IrType? Type;
        public FieldRef? Field;
        public MethodRef? Method;
        public List<string?>? OperandVariables;
    }

    private Rare MakeRare() => rare ??= new Rare();

    /// <summary>A float immediate (<c>const</c> of a float type).</summary>
    public double Float
    {
        get => rare?.Float ?? 0;
        set { if (rare is not null || BitConverter.DoubleToInt64Bits(value) != 0) MakeRare().Float = value; }
    }

    /// <summary>A string immediate (<c>string</c>).</summary>
    public string? Text
    {
        get => immediate as string ?? rare?.Text;
        set
        {
            if (immediate is null || immediate is string) { immediate = value; if (rare is not null) rare.Text = null; }
            else if (value is not null || rare is not null) MakeRare().Text = value;
        }
    }

    /// <summary>A type immediate (element type, box type, cast target, constrained type...).</summary>
    public IrType? TypeOperand
    {
        get => immediate as IrType ?? rare?.Type;
        set
        {
            if (immediate is null || immediate is IrType) { immediate = value; if (rare is not null) rare.Type = null; }
            else if (value is not null || rare is not null) MakeRare().Type = value;
        }
    }

    /// <summary>A field immediate.</summary>
    public FieldRef? Field
    {
        get => immediate as FieldRef ?? rare?.Field;
        set
        {
            if (immediate is null || immediate is FieldRef) { immediate = value; if (rare is not null) rare.Field = null; }
            else if (value is not null || rare is not null) MakeRare().Field = value;
        }
    }

    /// <summary>A method immediate.</summary>
    public MethodRef? Method
    {
        get => immediate as MethodRef ?? rare?.Method;
        set
        {
            if (immediate is null || immediate is MethodRef) { immediate = value; if (rare is not null) rare.Method = null; }
            else if (value is not null || rare is not null) MakeRare().Method = value;
        }
    }

    /// <summary>A stack-slot immediate.</summary>
    public Slot Slot
    {
        get => rare?.Slot ?? default;
        set { if (rare is not null || value.Index != 0) MakeRare().Slot = value; }
    }

    /// <summary>
    /// For calls built by the frontend: for each operand, the local or parameter it was loaded from directly
    /// (<c>ldloc</c>/<c>ldarg</c>), else null. Hint validation uses it ("each argument a plain variable").
    /// Not part of the text form.
    /// </summary>
    public List<string?>? OperandVariables
    {
        get => rare?.OperandVariables;
        set { if (rare is not null || value is not null) MakeRare().OperandVariables = value; }
    }

    /// <summary>IL offset and source line.</summary>
    public SourceLocation Location { get; set; } = SourceLocation.None;

    /// <summary>True when this instruction ends its block.</summary>
    public bool IsTerminator => Info.IsTerminator;

    /// <summary>
    /// A new instruction with this one's opcode, operands (a list of its own) and immediates, and no targets and no result:
    /// what a pass that copies blocks (the optimizer's loop copies) or a method's rest (the runtime's continuations) gives its
    /// copy before mapping the operands and the targets.
    /// </summary>
    public Instruction CopyWithoutTargets() => new(Opcode, [.. Operands])
    {
        Integer = Integer,
        Float = Float,
        Text = Text,
        TypeOperand = TypeOperand,
        Field = Field,
        Method = Method,
        Slot = Slot,
        Location = Location,
        OperandVariables = OperandVariables,
    };
}
