namespace PeJit.Backends.Amd64.Lowering;

/// <summary>One word of native code's argument block: which graph parameter it comes from and how.</summary>
public sealed record MachineArgument(int Parameter, ArgumentKind Kind);
