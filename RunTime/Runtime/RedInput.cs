using PeJit.IR;

namespace PeJit.Runtime;

/// <summary>A red input of a frame: its index in the input array, its exit-buffer slot, its IR and CLR types.</summary>
internal readonly record struct RedInput(int Input, int Exit, IrType Type, Type ClrType);
