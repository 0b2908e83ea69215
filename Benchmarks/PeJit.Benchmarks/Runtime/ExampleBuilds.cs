using System.Diagnostics;

namespace PeJit.Benchmarks.Runtime;

/// <summary>
/// The examples built as users build them, through MSBuild: plain, and JIT-enabled with <c>-p:PeJitEnabled=true</c>
/// (the MSBuild integration runs <c>pejit build</c> after the compile), each into an artifacts folder of the
/// repository; and running <c>dotnet</c> as a child process.
/// </summary>
internal static class ExampleBuilds
{
    public static readonly string Root = FindRoot();

    /// <summary>Builds <paramref name="project"/> into <c>artifacts/<paramref name="artifacts"/></c>; returns the DLL.</summary>
    public static string Build(string project, string artifacts, params string[] extra)
    {
        Dotnet(["build", Path.Combine(Root, "Examples", project), "-c", "Release", "--artifacts-path", Path.Combine(Root, "artifacts", artifacts), "-nologo", "-v", "quiet", .. extra]);
        return Dll(project, artifacts);
    }

    /// <summary>Where <see cref="Build"/> writes <paramref name="project"/>'s DLL.</summary>
    public static string Dll(string project, string artifacts) => Path.Combine(Root, "artifacts", artifacts, "bin", project, "release", project + ".dll");

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/>, its output discarded; throws with its errors when it fails.</summary>
    public static void Dotnet(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}: {error}{output.Result}");
    }

    private static string FindRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "PeJit.sln"))) folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("run the benchmarks from inside the repository");
    }
}
