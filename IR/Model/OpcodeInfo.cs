namespace PeJit.IR;

/// <summary>What an opcode may do, for analyses that must not look at opcodes one by one.</summary>
[Flags]
public enum OpcodeFlags
{
    /// <summary>Nothing special.</summary>
    None = 0,
    /// <summary>No effect and no exception: the result depends only on the operands and immediates.</summary>
    Pure = 1,
    /// <summary>May throw an exception.</summary>
    MayThrow = 2,
    /// <summary>Reads memory (fields, elements, slots, through addresses).</summary>
    ReadsMemory = 4,
    /// <summary>Writes memory or has another effect the program can observe.</summary>
    WritesMemory = 8,
    /// <summary>Ends a block.</summary>
    Terminator = 16,
    /// <summary>Calls a method.</summary>
    Call = 32,
    /// <summary>Allocates a new object.</summary>
    Allocates = 64,
}

/// <summary>Which immediates an instruction carries besides its operands.</summary>
[Flags]
public enum ImmediateKinds
{
    /// <summary>No immediate.</summary>
    None = 0,
    /// <summary>An integer or float constant (<see cref="Instruction.Integer"/>, <see cref="Instruction.Float"/>).</summary>
    Number = 1,
    /// <summary>A string (<see cref="Instruction.Text"/>).</summary>
    Text = 2,
    /// <summary>A type (<see cref="Instruction.TypeOperand"/>).</summary>
    Type = 4,
    /// <summary>A field (<see cref="Instruction.Field"/>).</summary>
    Field = 8,
    /// <summary>A method (<see cref="Instruction.Method"/>).</summary>
    Method = 16,
    /// <summary>A stack slot (<see cref="Instruction.Slot"/>).</summary>
    Slot = 32,
    /// <summary>One of a type, a field or a method (ldtoken).</summary>
    Member = 64,
}

/// <summary>Whether an opcode defines a value.</summary>
public enum ResultRule
{
    /// <summary>Never has a result.</summary>
    None,
    /// <summary>Always has a result.</summary>
    Always,
    /// <summary>Has one unless the callee returns void.</summary>
    Optional,
}

/// <summary>One row of the opcode table.</summary>
/// <param name="Opcode">The opcode.</param>
/// <param name="Name">Its name in the text form.</param>
/// <param name="Arity">Number of value operands; -1 when variable (calls, return).</param>
/// <param name="Targets">Number of successor blocks; -1 when variable (switch).</param>
/// <param name="Result">Whether it defines a value.</param>
/// <param name="Immediates">Which immediates it carries.</param>
/// <param name="Flags">What it may do.</param>
/// <param name="Doc">One line of documentation.</param>
public sealed record OpcodeInfo(
    Opcode Opcode, string Name, int Arity, int Targets, ResultRule Result, ImmediateKinds Immediates, OpcodeFlags Flags, string Doc)
{
    private static readonly OpcodeInfo[] Table = Build();
    // Made on first use: only the text parser looks opcodes up by name.
    private static Dictionary<string, OpcodeInfo>? byName;

    private static Dictionary<string, OpcodeInfo> ByName => byName ??= Table.ToDictionary(i => i.Name);

    /// <summary>True when <paramref name="opcode"/> is an opcode's number (the compact binary form checks what it reads).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static bool IsDefined(int opcode) => (uint)opcode < (uint)Table.Length;

    /// <summary>The row of <paramref name="opcode"/>.</summary>
    public static OpcodeInfo Of(Opcode opcode) => Table[(int)opcode];

    /// <summary>Finds an opcode by its text name.</summary>
    public static bool TryParse(string name, out OpcodeInfo info) => ByName.TryGetValue(name, out info!);

    /// <summary>Every row, in opcode order.</summary>
    public static IReadOnlyList<OpcodeInfo> All => Table;

    /// <summary>True when the opcode ends a block.</summary>
    public bool IsTerminator => (Flags & OpcodeFlags.Terminator) != 0;

    private static OpcodeInfo[] Build()
    {
        const OpcodeFlags P = OpcodeFlags.Pure, T = OpcodeFlags.MayThrow, R = OpcodeFlags.ReadsMemory,
            W = OpcodeFlags.WritesMemory, X = OpcodeFlags.Terminator, C = OpcodeFlags.Call, A = OpcodeFlags.Allocates;
        const ResultRule Yes = ResultRule.Always, No = ResultRule.None, Opt = ResultRule.Optional;
        const ImmediateKinds None = ImmediateKinds.None, Num = ImmediateKinds.Number, Txt = ImmediateKinds.Text,
            Ty = ImmediateKinds.Type, Fld = ImmediateKinds.Field, Mth = ImmediateKinds.Method, Slt = ImmediateKinds.Slot,
            Mem = ImmediateKinds.Member;
        // An array, not a List<OpcodeInfo>: one instantiation fewer in every JIT-enabled process.
        OpcodeInfo[] rows =
        [
            new(Opcode.Const, "const", 0, 0, Yes, Num, P, "an integer or float constant of the result type"),
            new(Opcode.Null, "null", 0, 0, Yes, None, P, "the null reference"),
            new(Opcode.String, "string", 0, 0, Yes, Txt, P, "a string literal (ldstr)"),
            new(Opcode.Token, "token", 0, 0, Yes, Mem, P, "the runtime handle of a type, field or method (ldtoken)"),
            new(Opcode.Default, "default", 0, 0, Yes, Ty, P, "the zero value of a type (locals before assignment)"),
            new(Opcode.SizeOf, "sizeof", 0, 0, Yes, Ty, P, "the size in bytes of a value type"),

            new(Opcode.Add, "add", 2, 0, Yes, None, P, "addition, wrapping on overflow"),
            new(Opcode.Sub, "sub", 2, 0, Yes, None, P, "subtraction, wrapping on overflow"),
            new(Opcode.Mul, "mul", 2, 0, Yes, None, P, "multiplication, wrapping on overflow"),
            new(Opcode.Div, "div", 2, 0, Yes, None, T, "signed or float division; integer division by zero or MinValue/-1 throws"),
            new(Opcode.DivUn, "div.un", 2, 0, Yes, None, T, "unsigned integer division; throws on zero"),
            new(Opcode.Rem, "rem", 2, 0, Yes, None, T, "signed or float remainder; integer remainder by zero throws"),
            new(Opcode.RemUn, "rem.un", 2, 0, Yes, None, T, "unsigned integer remainder; throws on zero"),
            new(Opcode.And, "and", 2, 0, Yes, None, P, "bitwise and"),
            new(Opcode.Or, "or", 2, 0, Yes, None, P, "bitwise or"),
            new(Opcode.Xor, "xor", 2, 0, Yes, None, P, "bitwise exclusive or"),
            new(Opcode.Shl, "shl", 2, 0, Yes, None, P, "shift left"),
            new(Opcode.Shr, "shr", 2, 0, Yes, None, P, "arithmetic shift right"),
            new(Opcode.ShrUn, "shr.un", 2, 0, Yes, None, P, "logical shift right"),
            new(Opcode.AddOvf, "add.ovf", 2, 0, Yes, None, T, "signed addition; OverflowException on overflow"),
            new(Opcode.AddOvfUn, "add.ovf.un", 2, 0, Yes, None, T, "unsigned addition; OverflowException on overflow"),
            new(Opcode.SubOvf, "sub.ovf", 2, 0, Yes, None, T, "signed subtraction; OverflowException on overflow"),
            new(Opcode.SubOvfUn, "sub.ovf.un", 2, 0, Yes, None, T, "unsigned subtraction; OverflowException on overflow"),
            new(Opcode.MulOvf, "mul.ovf", 2, 0, Yes, None, T, "signed multiplication; OverflowException on overflow"),
            new(Opcode.MulOvfUn, "mul.ovf.un", 2, 0, Yes, None, T, "unsigned multiplication; OverflowException on overflow"),
            new(Opcode.MulHigh, "mulhi", 2, 0, Yes, None, P, "signed integer multiplication's high half (the top 32 or 64 bits of the double-width product); the optimizer makes it, CIL has none"),
            new(Opcode.Neg, "neg", 1, 0, Yes, None, P, "negation"),
            new(Opcode.Not, "not", 1, 0, Yes, None, P, "bitwise complement"),
            new(Opcode.CheckFinite, "ckfinite", 1, 0, Yes, None, T, "the operand; ArithmeticException if it is NaN or infinite"),

            new(Opcode.Ceq, "ceq", 2, 0, Yes, None, P, "equal (false when unordered)"),
            new(Opcode.Cne, "cne", 2, 0, Yes, None, P, "not equal (true when unordered)"),
            new(Opcode.Clt, "clt", 2, 0, Yes, None, P, "signed or ordered less than"),
            new(Opcode.Cle, "cle", 2, 0, Yes, None, P, "signed or ordered less or equal"),
            new(Opcode.Cgt, "cgt", 2, 0, Yes, None, P, "signed or ordered greater than"),
            new(Opcode.Cge, "cge", 2, 0, Yes, None, P, "signed or ordered greater or equal"),
            new(Opcode.CltUn, "clt.un", 2, 0, Yes, None, P, "unsigned, or unordered-or, less than"),
            new(Opcode.CleUn, "cle.un", 2, 0, Yes, None, P, "unsigned, or unordered-or, less or equal"),
            new(Opcode.CgtUn, "cgt.un", 2, 0, Yes, None, P, "unsigned, or unordered-or, greater than (also: reference is not null)"),
            new(Opcode.CgeUn, "cge.un", 2, 0, Yes, None, P, "unsigned, or unordered-or, greater or equal"),

            new(Opcode.Conv, "conv", 1, 0, Yes, None, P, "convert to the result type; integers widen by the result's signedness"),
            new(Opcode.ConvUn, "conv.un", 1, 0, Yes, None, P, "convert to the result type, reading the operand as unsigned (conv.r.un)"),
            new(Opcode.ConvOvf, "conv.ovf", 1, 0, Yes, None, T, "convert; OverflowException when the value does not fit"),
            new(Opcode.ConvOvfUn, "conv.ovf.un", 1, 0, Yes, None, T, "convert, reading the operand as unsigned; OverflowException when it does not fit"),

            new(Opcode.LoadSlot, "ldslot", 0, 0, Yes, Slt, R, "read a stack slot"),
            new(Opcode.StoreSlot, "stslot", 1, 0, No, Slt, W, "write a stack slot"),
            new(Opcode.SlotAddr, "slotaddr", 0, 0, Yes, Slt, P, "the address of a stack slot"),

            new(Opcode.LoadField, "ldfld", 1, 0, Yes, Fld, R | T, "read a field of an object, of a value type through its address, or of a value-type value"),
            new(Opcode.StoreField, "stfld", 2, 0, No, Fld, W | T, "write a field of an object or, through its address, of a value type"),
            new(Opcode.FieldAddr, "ldflda", 1, 0, Yes, Fld, T, "the address of an instance field"),
            new(Opcode.LoadStatic, "ldsfld", 0, 0, Yes, Fld, R | T, "read a static field (may run the class constructor)"),
            new(Opcode.StoreStatic, "stsfld", 1, 0, No, Fld, W | T, "write a static field (may run the class constructor)"),
            new(Opcode.StaticAddr, "ldsflda", 0, 0, Yes, Fld, T, "the address of a static field"),

            new(Opcode.NewArray, "newarr", 1, 0, Yes, Ty, A | T, "a new zeroed one-dimensional array of the element type"),
            new(Opcode.ArrayLength, "ldlen", 1, 0, Yes, None, T, "the length of an array (as nuint)"),
            new(Opcode.LoadElement, "ldelem", 2, 0, Yes, Ty, R | T, "read an array element"),
            new(Opcode.StoreElement, "stelem", 3, 0, No, Ty, W | T, "write an array element"),
            new(Opcode.ElementAddr, "ldelema", 2, 0, Yes, Ty, T, "the address of an array element"),

            new(Opcode.NewObject, "newobj", -1, 0, Yes, Mth, C | A | R | W | T, "allocate an object (or make a value type) and run a constructor"),
            new(Opcode.Allocate, "allocate", 0, 0, Yes, Ty, A, "a new object of the class with every field zero and no constructor run: an inlined constructor's object (the specializer makes it, CIL has none)"),
            new(Opcode.Call, "call", -1, 0, Opt, Mth, C | R | W | T, "call a method non-virtually"),
            new(Opcode.CallVirt, "callvirt", -1, 0, Opt, Mth, C | R | W | T, "call a method through virtual dispatch, null-checking this"),
            new(Opcode.ConstrainedCall, "callvirt.constrained", -1, 0, Opt, Ty | Mth, C | R | W | T, "constrained. T callvirt: call on a value of generic or value type through its address"),
            new(Opcode.LoadFunction, "ldftn", 0, 0, Yes, Mth, P, "a function pointer to a method"),
            new(Opcode.LoadVirtualFunction, "ldvirtftn", 1, 0, Yes, Mth, T, "a function pointer to the override of a virtual method for an object"),

            new(Opcode.Box, "box", 1, 0, Yes, Ty, A, "box a value of the type (a reference is left as is)"),
            new(Opcode.Unbox, "unbox", 1, 0, Yes, Ty, T, "the address of the value inside a box"),
            new(Opcode.UnboxAny, "unbox.any", 1, 0, Yes, Ty, R | T, "the value inside a box, or a cast for a reference type"),
            new(Opcode.IsInst, "isinst", 1, 0, Yes, Ty, P, "the operand if it is an instance of the type, else null"),
            new(Opcode.CastClass, "castclass", 1, 0, Yes, Ty, T, "the operand; InvalidCastException if it is not an instance of the type"),

            new(Opcode.Load, "load", 1, 0, Yes, Ty, R | T, "read a value of the type through an address (ldind, ldobj)"),
            new(Opcode.Store, "store", 2, 0, No, Ty, W | T, "write a value of the type through an address (stind, stobj)"),
            new(Opcode.InitObj, "initobj", 1, 0, No, Ty, W | T, "zero the value of the type at an address"),
            new(Opcode.CopyObj, "cpobj", 2, 0, No, Ty, R | W | T, "copy a value of the type from the second address to the first"),

            new(Opcode.Jump, "jump", 0, 1, No, None, X, "go to a block"),
            new(Opcode.BrIf, "brif", 1, 2, No, None, X, "go to the first block if the operand is non-zero (non-null), else the second"),
            new(Opcode.Switch, "switch", 1, -1, No, None, X, "go to the block at the operand's index among all but the last, else the last (default)"),
            new(Opcode.Return, "ret", -1, 0, No, None, X, "return, with a value unless the function returns void"),
            new(Opcode.Throw, "throw", 1, 0, No, None, X | T, "throw an exception object"),
            new(Opcode.Rethrow, "rethrow", 0, 0, No, None, X | T, "rethrow the exception the enclosing catch handler caught"),
            new(Opcode.Leave, "leave", 0, 1, No, None, X, "leave protected regions, running their finally handlers, and go to a block"),
            new(Opcode.EndFinally, "endfinally", 0, 0, No, None, X, "end a finally or fault handler"),
            new(Opcode.EndFilter, "endfilter", 1, 0, No, None, X, "end a filter: non-zero runs its handler"),
        ];
        // Placed by opcode rather than sorted with LINQ: this runs in every JIT-enabled process, and OrderBy over a
        // new element type is some twenty type loads there (Docs/PERFORMANCE.md, "Cold warm-up").
        var table = new OpcodeInfo[rows.Length];
        foreach (var row in rows)
        {
            int index = (int)row.Opcode;
            if (index < 0 || index >= table.Length || table[index] is not null) throw new InvalidOperationException($"opcode table has a stray or second row for {row.Opcode}");
            table[index] = row;
        }
        return table;
    }
}
