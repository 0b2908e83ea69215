using PeJit.IR;

namespace PeJit.Backends.Amd64.Lowering;

/// <summary>One word of native code's argument block: which residual value the managed stub takes it from, and how.</summary>
public sealed record MachineArgument(Value Value, ArgumentKind Kind);
