namespace PeJit.Cli.Commands;

/// <summary>
/// Files for an output folder, written whole or not at all: each goes to a hidden staging folder inside the
/// output folder (same file system), and <see cref="Commit"/> moves them over; without a commit, disposing
/// deletes the staging folder and the output folder is as it was.
/// </summary>
public sealed class OutputStaging : IDisposable
{
    private readonly string outdir;
    private readonly string staging;
    private readonly List<string> names = [];

    /// <summary>Stages files for <paramref name="outdir"/>, creating it if it is missing.</summary>
    /// <exception cref="IOException">The folder cannot be created or written.</exception>
    public OutputStaging(string outdir)
    {
        this.outdir = Path.GetFullPath(outdir);
        Directory.CreateDirectory(this.outdir);
        RemoveAbandoned(this.outdir);
        staging = Path.Combine(this.outdir, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
    }

    /// <summary>What every staging folder's name starts with; the owning process id and a GUID follow.</summary>
    public const string Prefix = ".pejit-";

    /// <summary>A staging folder whose owner cannot be told (an older name, or a process id reused) is taken as abandoned past this age.</summary>
    private static readonly TimeSpan AbandonedAge = TimeSpan.FromHours(1);

    /// <summary>
    /// Deletes the staging folders that builds killed before they could clean up left in <paramref name="outdir"/>.
    /// Another build may be writing into the same folder right now, so a folder is deleted only when the process
    /// its name records is gone, or when it is so old that no build can still own it.
    /// </summary>
    private static void RemoveAbandoned(string outdir)
    {
        foreach (var folder in new DirectoryInfo(outdir).EnumerateDirectories(Prefix + "*"))
        {
            string owner = folder.Name[Prefix.Length..].Split('-')[0];
            bool abandoned = int.TryParse(owner, out int processId) && owner.Length < 32
                ? processId != Environment.ProcessId && !IsRunning(processId) || DateTime.UtcNow - folder.LastWriteTimeUtc > AbandonedAge
                : DateTime.UtcNow - folder.LastWriteTimeUtc > AbandonedAge;
            if (!abandoned) continue;
            try
            {
                folder.Delete(recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another build deleting it at the same time, or a folder not ours to delete: it stays hidden and harmless.
            }
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Stages <paramref name="name"/> with <paramref name="text"/>.</summary>
    public void Write(string name, string text) => Stage(name, path => File.WriteAllText(path, text));

    /// <summary>Stages <paramref name="name"/> with <paramref name="bytes"/>.</summary>
    public void Write(string name, byte[] bytes) => Stage(name, path => File.WriteAllBytes(path, bytes));

    /// <summary>Stages a copy of <paramref name="file"/>; unless <paramref name="overwrite"/>, only when the output folder lacks it.</summary>
    public void Copy(string file, bool overwrite = true)
    {
        string name = Path.GetFileName(file);
        if (names.Contains(name, StringComparer.OrdinalIgnoreCase)) return;
        if (!overwrite && File.Exists(Path.Combine(outdir, name))) return;
        if (Path.GetFullPath(file) == Path.Combine(outdir, name)) return;
        Stage(name, path => File.Copy(file, path));
    }

    private void Stage(string name, Action<string> write)
    {
        write(Path.Combine(staging, name));
        names.Add(name);
    }

    /// <summary>Moves every staged file into the output folder.</summary>
    public void Commit()
    {
        foreach (string name in names) File.Move(Path.Combine(staging, name), Path.Combine(outdir, name), overwrite: true);
        names.Clear();
    }

    /// <summary>Deletes the staging folder and whatever was not committed.</summary>
    public void Dispose()
    {
        try
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        catch (IOException)
        {
            // A staging folder left behind is hidden and harmless; the output itself is whole.
        }
    }
}
