namespace PeJit.Cli.Commands;

/// <summary>Writes a file whole or not at all: to a temporary file in the same folder, then moved over.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, string text)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"the folder {directory} does not exist");
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, text);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
