namespace PeJit.Runtime;

/// <summary>
/// Writes one portal's dump files (<c>PEJIT_DUMP</c>) into <see cref="DumpSettings.Directory"/>, creating it with the
/// first. A folder or file that cannot be written is one warning and no more dumps from this portal, never an
/// exception: the dumps are for looking at what runs, and an unwritable <c>PEJIT_DUMP_DIR</c> used to make the portal run
/// without the JIT, silently unless a log was on, which is the opposite of what the person asking for dumps wants.
/// </summary>
internal sealed class DumpFiles(DumpSettings settings, Action<string> warn)
{
    private int failed;

    /// <summary>The settings the files are written by.</summary>
    public DumpSettings Settings { get; } = settings;

    /// <summary>Writes <paramref name="text"/> (made only when the file is written) as <paramref name="fileName"/>.</summary>
    public void Write(string fileName, Func<string> text)
    {
        if (Volatile.Read(ref failed) != 0) return;
        string path = Path.Combine(Settings.Directory, fileName);
        try
        {
            Directory.CreateDirectory(Settings.Directory);
            File.WriteAllText(path, text());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            if (Interlocked.Exchange(ref failed, 1) == 0)
                warn($"pejit: warning: cannot write the dump '{path}' ({e.Message}); no more dumps are written for this portal, "
                    + "and the JIT goes on. Set PEJIT_DUMP_DIR to a folder you can write.");
        }
    }
}
