/// <summary>
/// Loaded by .NET before <c>Main</c> when named in <c>DOTNET_STARTUP_HOOKS</c> (the class must be this name, outside any
/// namespace): listens to the runtime's own events for the whole process and writes them out when it exits.
/// </summary>
internal static class StartupHook
{
    private static FirstTimeListener? listener;

    /// <summary>Called by .NET on the main thread before <c>Main</c>.</summary>
    public static void Initialize()
    {
        listener = new FirstTimeListener(Environment.GetEnvironmentVariable("FIRST_TIMES_OUT") ?? "first-times.txt");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => listener.Flush();
    }
}
