namespace PeJit.Tests;

/// <summary>What holds for every test of the assembly.</summary>
[TestClass]
public static class TestAssembly
{
    /// <summary>
    /// <c>PEJIT_VERIFY=1</c>: every unit any test compiles is verified as the engine emitted it, after each
    /// optimizer pass and before the backend (<see cref="PeJit.Runtime.JitSettings.Verify"/> reads it when settings
    /// are made, and the processes the tool tests start inherit it). Set before any test makes settings.
    /// </summary>
    [AssemblyInitialize]
    public static void VerifyEveryResidualGraph(TestContext context) => Environment.SetEnvironmentVariable("PEJIT_VERIFY", "1");
}
