namespace PeJit.Examples.Wasm;

/// <summary>The instructions, named as in the WebAssembly text format (all values are i64).</summary>
public enum Op : byte
{
    Unreachable, Nop, Block, Loop, If, Else, End, Br, BrIf, BrTable, Call, Return, Drop, Select,
    LocalGet, LocalSet, LocalTee, Const, Load, Store,
    Add, Sub, Mul, DivS, RemS, And, Or, Xor, Shl, ShrS,
    Eqz, Eq, Ne, LtS, GtS, LeS, GeS,
    /// <summary>The host's print, as an imported function would be: pops a value and writes it on a line.</summary>
    Print,
}
