namespace PeJit.Tests;

/// <summary>What holds for every test of the assembly.</summary>
[TestClass]
public static class TestAssembly
{
    /// <summary>
    /// Every test runs strict and verified. <c>PEJIT_STRICT=1</c>: an internal failure to compile a unit fails
    /// the test instead of falling back to the interpreter unnoticed (a test of the fallback itself sets
    /// <c>Strict = false</c> on its settings). <c>PEJIT_VERIFY=1</c>: every unit any test compiles is verified as
    /// the engine emitted it, after each optimizer pass and before the backend. Both are read when settings are
    /// made, and the processes the tool tests start inherit them, so they are set before any test runs.
    /// </summary>
    [AssemblyInitialize]
    public static void StrictAndVerified(TestContext context)
    {
        Environment.SetEnvironmentVariable("PEJIT_STRICT", "1");
        Environment.SetEnvironmentVariable("PEJIT_VERIFY", "1");
        // JIT-enabled assemblies loaded in the test process compile in the thread that got hot, so that a test that
        // counts the units compiled or entered sees the same every run (JitRuntime compiles in the background by default).
        Environment.SetEnvironmentVariable("PEJIT_BACKGROUND", "0");
    }
}
