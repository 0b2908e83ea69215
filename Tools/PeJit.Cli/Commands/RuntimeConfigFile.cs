using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeJit.Cli.Commands;

/// <summary>
/// The .NET settings a JIT-enabled application runs with, written into its <c>.runtimeconfig.json</c> (its
/// <c>configProperties</c>, which .NET reads at start-up as it reads <c>DOTNET_</c> variables).
/// </summary>
/// <remarks>
/// One setting: <see cref="TieringDelay"/> at 0. .NET compiles a method first unoptimized (tier 0) and optimizes it once
/// it has been called 30 times, but starts counting calls only after 100 ms in which no method was compiled or first
/// run at tier 0; every new such method restarts the wait. In a JIT-enabled process PeJit's own work (preparing a
/// portal, the warm-up thread, each unit: thousands of methods run for the first time, on other threads) keeps restarting
/// it, so the interpreter's own woven portal ran its unoptimized tier-0 code for the whole of a short program, where the
/// plain interpreter's was optimized after about 100 ms: the regex probe's main thread spent 2.2x the plain one's CPU
/// time, StackVm <c>fib</c>'s 1.3x, with no unit entered (Docs/PERFORMANCE.md, "The interpreter's tier-0 code: .NET's
/// tiering delay"). Without the wait, the portal is optimized after its 30th call, with dynamic PGO as in the plain run
/// (marking it <c>AggressiveOptimization</c> instead would lose PGO for the interpreter's loop). A value the application
/// set itself is kept; a <c>DOTNET_TC_CallCountingDelayMs</c> variable still overrides it at run time.
/// </remarks>
public static class RuntimeConfigFile
{
    /// <summary>.NET's name, in <c>configProperties</c>, of the tiering delay (<c>DOTNET_TC_CallCountingDelayMs</c>).</summary>
    public const string TieringDelay = "System.Runtime.TieredCompilation.CallCountingDelayMs";

    /// <summary>The runtimeconfig <paramref name="json"/> with the JIT-enabled settings the application does not set itself.</summary>
    public static string AddSettings(string json)
    {
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("the runtimeconfig file is empty");
        if (root["runtimeOptions"] is not JsonObject options)
            root["runtimeOptions"] = options = [];
        if (options["configProperties"] is not JsonObject properties)
            options["configProperties"] = properties = [];
        if (properties.ContainsKey(TieringDelay)) return json;
        properties[TieringDelay] = 0;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
