using PeJit.Tests.Tools;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The JIT-enabled interpreter recurses at least as deep as the plain one (issue 13): an interpreted call made
/// from compiled code stacks several .NET frames, and used to die with "Stack overflow." at half the depth.
/// </summary>
[TestClass]
public sealed class DeepRecursionTests
{
    // Each level spins a small loop, so the loop compiles and the recursive call is made from compiled code.
    private const string Program = """
        ; down(n) = down(n - 1) + 1, after a loop of three turns at each level.
        .args 100
        func down 1 2
            push 3
            store 1
        spin:
            load 1
            jz spun
            load 1
            push 1
            sub
            store 1
            jump spin
        spun:
            load 0
            jz base
            load 0
            push 1
            sub
            call down
            push 1
            add
            ret
        base:
            push 0
            ret
        end
        func main 1 1
            load 0
            call down
            print
            ret
        end
        """;

    [TestMethod]
    public void RecursionThePlainInterpreterManagesRunsJitEnabled() => AssertAsDeepAsPlain(Program, []);

    /// <summary>
    /// Runs <paramref name="program"/> 35,000 calls deep in the plain and the JIT-enabled stack VM (with
    /// <paramref name="settings"/>): both finish, print the same, and the JIT-enabled one compiled units.
    /// </summary>
    private static void AssertAsDeepAsPlain(string program, Dictionary<string, string> settings)
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("pejit-deep-").FullName, "deep.svm");
        File.WriteAllText(file, program);
        // With tiering, how deep the plain interpreter gets depends on which tier its frame was compiled at when
        // the stack ran out (15,000 to 21,000 levels on the main thread's 8 MB, less under load), so the test
        // pins both processes to fully optimized code: the plain interpreter then manages about 58,000 levels
        // every time. 35,000 is far past where the JIT-enabled one used to die (near 15,000).
        const string depth = "35000";
        var fullyOptimized = new Dictionary<string, string> { ["DOTNET_TieredCompilation"] = "0" };
        var plain = DotnetProcess.Run([Path.Combine(AppContext.BaseDirectory, "StackVm.dll"), file, depth], fullyOptimized);
        Assert.AreEqual(0, plain.Exit, $"the plain interpreter must manage this depth for the test to mean anything: {plain.Error[..Math.Min(500, plain.Error.Length)]}");
        var environment = new Dictionary<string, string>(fullyOptimized) { ["PEJIT_LOG"] = "summary" };
        foreach (var (name, value) in settings) environment[name] = value;
        var jit = DotnetProcess.Run([Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), file, depth], environment);
        Assert.AreEqual(0, jit.Exit, jit.Error[..Math.Min(2000, jit.Error.Length)]);
        Assert.AreEqual(plain.Output, jit.Output);
        StringAssert.Matches(jit.Error, new System.Text.RegularExpressions.Regex(@"pejit summary: [1-9]\d* units compiled"), "the recursion ran through compiled code");
    }

    // A function without a loop: with functions compiled, its unit calls itself directly (CallCell, direct calls).
    private const string LoopFree = """
        ; down(n) = down(n - 1) + 1, no loop: the recursion itself is compiled.
        .args 100
        func down 1 1
            load 0
            jz base
            load 0
            push 1
            sub
            call down
            push 1
            add
            ret
        base:
            push 0
            ret
        end
        func main 1 1
            load 0
            call down
            print
            ret
        end
        """;

    // Compiled in the thread that got hot, so that the recursion on its way down runs in the unit's direct calls.
    [TestMethod]
    public void LoopFreeRecursionThePlainInterpreterManagesRunsWithCompiledFunctions() =>
        AssertAsDeepAsPlain(LoopFree, new() { ["PEJIT_COMPILE_FUNCTIONS"] = "1", ["PEJIT_BACKGROUND"] = "0" });
}
