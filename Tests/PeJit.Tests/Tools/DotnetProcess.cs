using System.Diagnostics;

namespace PeJit.Tests.Tools;

/// <summary>Runs <c>dotnet</c> as a child process (an application, or the SDK) and captures what it prints.</summary>
internal static class DotnetProcess
{
    public sealed record Outcome(int Exit, string Output, string Error);

    /// <summary>
    /// How long a child may take before the test fails: a guard against a hung child, not a bound on its time. A build into a
    /// fresh artifacts folder compiles PeJit's whole chain; at a load average of 20-24 on two cores (agents building beside the
    /// suite) that took more than 300 s, and every <c>MsBuildIntegrationTests</c> case failed on the timeout alone.
    /// </summary>
    public const int HungAfterSeconds = 900;

    public static Outcome Run(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? directory = null,
        int timeoutSeconds = HungAfterSeconds)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        // The child must not inherit the test's own JIT settings.
        foreach (string name in new[] { "PEJIT_LOG", "PEJIT_LOG_FILE", "PEJIT_DISABLE", "PEJIT_THRESHOLD", "PEJIT_OPT", "PEJIT_BACKGROUND", "PEJIT_CACHE_LIMIT" }) start.Environment.Remove(name);
        // A build started from a test must not join the test run's MSBuild (its nodes, its SDK resolution).
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k == "MSBuildSDKsPath").ToList())
            start.Environment.Remove(name);
        // Units compile in the thread that got hot unless a test asks otherwise: a test that looks for compiled units
        // must not depend on whether a background compilation finished before the program did.
        start.Environment["PEJIT_BACKGROUND"] = "0";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', arguments)} did not finish in {timeoutSeconds} s");
        }
        return new Outcome(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>
    /// Runs an application with .NET's list of the methods it compiles written to <paramref name="list"/>
    /// (<c>DOTNET_JitStdOutFile</c>, <c>DOTNET_JitDisasmSummary=1</c>), again up to twice when the child dies of a signal: .NET
    /// 10's runtime sometimes frees that file's buffer at exit while its tier-1 thread still writes to it ("free(): invalid
    /// pointer", exit 134 or 139), the plain interpreter with no PeJit in it too (7 of 40 runs of plain Lua <c>sieve</c> with
    /// call counting from the start). A program that fails otherwise fails as before.
    /// </summary>
    public static Outcome RunListingCompilations(IEnumerable<string> arguments, string list, IReadOnlyDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["DOTNET_JitStdOutFile"] = list,
            ["DOTNET_JitDisasmSummary"] = "1",
        };
        Outcome outcome = null!;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            File.Delete(list);
            outcome = Run(arguments, variables);
            if (outcome.Exit is not (134 or 139)) break;
        }
        return outcome;
    }

    /// <summary>The folder holding PeJit.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "PeJit.sln"))) folder = folder.Parent;
            return folder?.FullName ?? throw new InvalidOperationException("the tests do not run inside the repository");
        }
    }
}
