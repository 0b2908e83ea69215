using Mono.Cecil;

namespace PeJit.Frontend.Construction;

/// <summary>One call from a method: the target as written, how it is called, and where.</summary>
/// <param name="Target">The method reference in the instruction.</param>
/// <param name="Kind">How it is called.</param>
/// <param name="ILOffset">Offset of the calling instruction.</param>
public sealed record CallSite(MethodReference Target, CallEdgeKind Kind, int ILOffset);
