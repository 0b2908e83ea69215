namespace PeJit.IR;

/// <summary>
/// Every operation of the IR. What each takes, produces and may do is in <see cref="OpcodeInfo"/>; the
/// printer, parser and verifier read that table, so adding an opcode is: a member here, a row there, a
/// case in the evaluator (Docs/ir.md has the checklist).
/// </summary>
public enum Opcode
{
    // Constants.
    Const, Null, String, Token, Default, SizeOf,
    // Integer and float arithmetic.
    Add, Sub, Mul, Div, DivUn, Rem, RemUn, And, Or, Xor, Shl, Shr, ShrUn,
    AddOvf, AddOvfUn, SubOvf, SubOvfUn, MulOvf, MulOvfUn, MulHigh,
    Neg, Not, CheckFinite,
    // Comparisons: results are bool. ".Un" is unsigned for integers, unordered-or for floats.
    Ceq, Cne, Clt, Cle, Cgt, Cge, CltUn, CleUn, CgtUn, CgeUn,
    // Conversions to the result type.
    Conv, ConvUn, ConvOvf, ConvOvfUn,
    // Stack slots (locals kept in memory).
    LoadSlot, StoreSlot, SlotAddr,
    // Fields.
    LoadField, StoreField, FieldAddr, LoadStatic, StoreStatic, StaticAddr,
    // Arrays.
    NewArray, ArrayLength, LoadElement, StoreElement, ElementAddr,
    // Objects and calls.
    NewObject, Call, CallVirt, ConstrainedCall, LoadFunction, LoadVirtualFunction,
    // Boxing and type tests.
    Box, Unbox, UnboxAny, IsInst, CastClass,
    // Memory through addresses.
    Load, Store, InitObj, CopyObj,
    // Terminators.
    Jump, BrIf, Switch, Return, Throw, Rethrow, Leave, EndFinally, EndFilter,
    // An object allocated without running a constructor: the specializer's allocation before an inlined
    // constructor's body (last, so that no other opcode's number changes).
    Allocate,
}
