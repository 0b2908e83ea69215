namespace PeJit.Tests;

/// <summary>
/// Every test runs in strict mode (<c>PEJIT_STRICT=1</c>, read by every <c>JitSettings</c> made after this, and
/// inherited by the JIT-enabled processes the tool tests start): an internal failure to compile a unit fails the
/// test instead of falling back to the interpreter unnoticed. A test of the fallback itself sets
/// <c>Strict = false</c> on its settings.
/// </summary>
[TestClass]
public static class StrictMode
{
    /// <summary>Turns strict mode on for the whole test assembly.</summary>
    [AssemblyInitialize]
    public static void TurnOn(TestContext context) => Environment.SetEnvironmentVariable("PEJIT_STRICT", "1");
}
