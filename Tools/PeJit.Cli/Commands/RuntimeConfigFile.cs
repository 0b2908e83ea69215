using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeJit.Cli.Commands;

/// <summary>
/// The .NET settings a JIT-enabled application runs with, written into its <c>.runtimeconfig.json</c> (its
/// <c>configProperties</c>, which .NET reads at start-up as it reads <c>DOTNET_</c> variables).
/// </summary>
/// <remarks>
/// Two settings: <see cref="TieringDelay"/> at 0. .NET compiles a method first unoptimized (tier 0) and optimizes it once
/// it has been called 30 times, but starts counting calls only after 100 ms in which no method was compiled or first
/// run at tier 0; every new such method restarts the wait. In a JIT-enabled process PeJit's own work (preparing a
/// portal, the warm-up thread, each unit: thousands of methods run for the first time, on other threads) keeps restarting
/// it, so the interpreter's own woven portal ran its unoptimized tier-0 code for the whole of a short program, where the
/// plain interpreter's was optimized after about 100 ms: the regex probe's main thread spent 2.2x the plain one's CPU
/// time, StackVm <c>fib</c>'s 1.3x, with no unit entered (Docs/PERFORMANCE.md, "The interpreter's tier-0 code: .NET's
/// tiering delay"). Without the wait, the portal is optimized after its 30th call, with dynamic PGO as in the plain run
/// (marking it <c>AggressiveOptimization</c> instead would lose PGO for the interpreter's loop). A value the application
/// set itself is kept; a <c>DOTNET_TC_CallCountingDelayMs</c> variable still overrides it at run time.
/// <para>
/// And <see cref="CallCountThreshold"/> at <see cref="CallCountThresholdValue"/> (.NET's default is 30): without the delay,
/// every method called 30 times was optimized at once, also the framework's and PeJit's start-up code that a short process
/// runs a few dozen times and never again; .NET's tier-1 thread then spent 50-110 ms of CPU in a StackVm or Lua process of
/// 150-300 ms, more than PeJit's own preparation and compiles, on the core those needed (Docs/PERFORMANCE.md, "Short
/// processes: which thread spends what"). At 300 calls the portal and PeJit's hot code are still optimized early (Lua
/// <c>polymorphic</c>'s main thread as with 30), the one-off start-up code is not. Kept when the application sets it, not
/// written when it sets the delay; a <c>DOTNET_TC_CallCountThreshold</c> variable overrides it.
/// </para>
/// </remarks>
public static class RuntimeConfigFile
{
    /// <summary>.NET's name, in <c>configProperties</c>, of the tiering delay (<c>DOTNET_TC_CallCountingDelayMs</c>).</summary>
    public const string TieringDelay = "System.Runtime.TieredCompilation.CallCountingDelayMs";

    /// <summary>.NET's name, in <c>configProperties</c>, of the calls before tier 1 (<c>DOTNET_TC_CallCountThreshold</c>, .NET 8 on).</summary>
    public const string CallCountThreshold = "System.Runtime.TieredCompilation.CallCountThreshold";

    /// <summary>The <see cref="CallCountThreshold"/> written (see the remarks).</summary>
    public const int CallCountThresholdValue = 300;

    /// <summary>
    /// The property that lists the settings PeJit wrote (names separated by <c>;</c>): a second <c>pejit build</c> into the
    /// same folder reads the config it wrote the first time, and without the list would take its own settings for the
    /// application's and keep them as they were, also when a newer PeJit writes other values or more settings.
    /// </summary>
    public const string WrittenByPeJit = "PeJit.RuntimeConfig.Written";

    /// <summary>The runtimeconfig <paramref name="json"/> with the JIT-enabled settings the application does not set itself.</summary>
    public static string AddSettings(string json)
    {
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("the runtimeconfig file is empty");
        if (root["runtimeOptions"] is not JsonObject options)
            root["runtimeOptions"] = options = [];
        if (options["configProperties"] is not JsonObject properties)
            options["configProperties"] = properties = [];
        bool rewriting = properties[WrittenByPeJit] is JsonValue listed && listed.TryGetValue(out string? _);
        if (rewriting)
        {
            foreach (string name in ((string)properties[WrittenByPeJit]!).Split(';', StringSplitOptions.RemoveEmptyEntries)) properties.Remove(name);
            properties.Remove(WrittenByPeJit);
        }
        // An application that sets the delay manages .NET's tiering itself: the threshold goes with the delay's 0 only.
        if (properties.ContainsKey(TieringDelay)) return rewriting ? Write(root) : json;
        var written = new List<string> { TieringDelay };
        properties[TieringDelay] = 0;
        if (!properties.ContainsKey(CallCountThreshold))
        {
            properties[CallCountThreshold] = CallCountThresholdValue;
            written.Add(CallCountThreshold);
        }
        properties[WrittenByPeJit] = string.Join(";", written);
        return Write(root);
    }

    private static string Write(JsonObject root) => root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
