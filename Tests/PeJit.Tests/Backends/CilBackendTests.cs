using PeJit.Backends;
using PeJit.Backends.Cil;
using PeJit.IR.Semantics;
using PeJit.IR.Text;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Backends;

/// <summary>Every backend case on the CIL backend, and what the CIL backend refuses.</summary>
[TestClass]
public sealed class CilBackendTests : BackendTests
{
    /// <inheritdoc/>
    protected override IBackend CreateBackend(IMemberResolver resolver) => new CilBackend(resolver);

    [TestMethod]
    public void ATryInsideAHandlerIsRefusedWithTheReason()
    {
        var graph = IrParser.Parse("""
            function "System.Int32 Demo::Nested(System.Int32)" -> i32 {
                region0: catch class "System.DivideByZeroException" handler block2
                region1: catch class "System.DivideByZeroException" handler block4
            block0(v0 (x): i32) try region0:
                v1: i32 = div v0, v0
                leave block1(v1)
            block1(v2 (r): i32):
                ret v2
            block2(v3 (e): class "System.DivideByZeroException") try region1 handler region0:
                v4: i32 = div v0, v0
                leave block1(v4)
            block4(v5 (e): class "System.DivideByZeroException") handler region1:
                v6: i32 = const 0
                leave block1(v6)
            }
            """);
        var refusal = Assert.Throws<BackendException>(() => CreateBackend(new NameResolver()).Compile(graph, typeof(CilBackendTests).Module));
        StringAssert.Contains(refusal.Message, "a try inside a handler is not supported");
    }
}
