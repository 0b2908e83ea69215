namespace PeJit.Backends.Amd64.Emission;

/// <summary>
/// A unit's machine code, position-independent (branches are relative, nothing absolute is encoded), with the
/// code offset where each residual instruction's machine code begins, for the disassembly, and the offset of each
/// exit's stub (by exit number, index 0 unused), which the exit's target slot first points at, and of the epilogue
/// (where a path attached at an exit ends, with its status in rax).
/// </summary>
public sealed record EmittedCode(byte[] Bytes, IReadOnlyList<(uint Offset, string Origin)> Origins, IReadOnlyList<Iced.Intel.Instruction> Instructions, IReadOnlyList<ulong> StubOffsets, ulong EpilogueOffset = 0);
