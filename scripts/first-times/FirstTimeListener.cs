using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

/// <summary>
/// The first times of a process, one line each (milliseconds since the hook started, OS thread, kind, name): <c>T</c> a type
/// loaded, <c>R</c> the first call of a precompiled (ReadyToRun) method, <c>J</c> a method .NET's JIT compiles, <c>L</c>
/// its code loaded. From the runtime's own event source in process (keywords TypeDiagnostic, CompilationDiagnostic, JIT):
/// no change to the program and no ETW or EventPipe session.
/// </summary>
internal sealed class FirstTimeListener(string path) : EventListener
{
    private const long Keywords = 0x8000000000 | 0x2000000000 | 0x10;
    private readonly StringBuilder lines = new();
    private readonly long start = Stopwatch.GetTimestamp();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)Keywords);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        string? what = e.EventName switch
        {
            "TypeLoadStop" => "T " + Field(e, "TypeName"),
            "R2RGetEntryPoint" => "R " + Field(e, "MethodNamespace") + "::" + Field(e, "MethodName"),
            "MethodJittingStarted" or "MethodJittingStarted_V1" => "J " + Field(e, "MethodNamespace") + "::" + Field(e, "MethodName"),
            "MethodLoadVerbose" or "MethodLoadVerbose_V1" or "MethodLoadVerbose_V2" => "L " + Field(e, "MethodNamespace") + "::" + Field(e, "MethodName"),
            _ => null,
        };
        if (what is null) return;
        double milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        lock (lines) lines.Append(milliseconds.ToString("F3", CultureInfo.InvariantCulture)).Append(' ').Append(e.OSThreadId).Append(' ').Append(what).Append('\n');
    }

    private static object? Field(EventWrittenEventArgs e, string name) => e.PayloadNames?.IndexOf(name) is int i and >= 0 ? e.Payload?[i] : null;

    /// <summary>Writes what was heard to the file.</summary>
    public void Flush()
    {
        lock (lines) File.WriteAllText(path, lines.ToString());
    }
}
