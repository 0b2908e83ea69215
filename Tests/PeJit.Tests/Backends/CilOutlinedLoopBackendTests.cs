using PeJit.Backends;
using PeJit.Backends.Cil;
using PeJit.IR.Semantics;

namespace PeJit.Tests.Backends;

/// <summary>
/// Every backend case on the CIL backend with every innermost loop compiled as a method of its own
/// (<see cref="LoopOutlining.Every"/>): the same results, exit buffers and exceptions as the graph evaluator.
/// </summary>
[TestClass]
public sealed class CilOutlinedLoopBackendTests : BackendTests
{
    /// <inheritdoc/>
    protected override IBackend CreateBackend(IMemberResolver resolver) => new CilBackend(resolver) { OutlineLoops = LoopOutlining.Every };
}
