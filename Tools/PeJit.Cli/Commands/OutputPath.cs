namespace PeJit.Cli.Commands;

/// <summary>
/// Checks an output path before anything is written: output lands by renaming a finished file over the path,
/// which would turn a device, a pipe or a link into a regular file, or replace the input. Each check returns
/// the one-line reason it refuses, or null.
/// </summary>
public static class OutputPath
{
    /// <summary>Why <paramref name="path"/> (given as <paramref name="option"/>) cannot receive an output file, or null when it is new or a regular file other than <paramref name="input"/>.</summary>
    public static string? RefuseFile(string option, string path, string input)
    {
        if (path.Length == 0) return $"{option} \"\": give the name of the file to write, e.g. {option} report.txt.";
        if (SamePath(path, input)) return $"{option} {path}: that is the input assembly; give another file name (the input is never modified).";
        return FileKinds.Of(path) switch
        {
            FileKind.Missing or FileKind.Regular => null,
            FileKind.Directory => $"{option} {path}: that is a folder; give a file name inside it, e.g. {Path.Combine(path, "report.txt")}.",
            FileKind.SymbolicLink => $"{option} {path}: that is a symbolic link, which writing would replace by a file; give the path of the file it points to, or a new name.",
            var kind => $"{option} {path}: that is a {Describe(kind)}, not a regular file, and writing would replace it; give a regular file's path, or leave {option} out to print to the terminal.",
        };
    }

    /// <summary>Why <paramref name="outdir"/> (given as <paramref name="option"/>) cannot be an output folder, or null when it is a folder or new.</summary>
    public static string? RefuseFolder(string option, string outdir)
    {
        if (outdir.Length == 0) return $"{option} \"\": give the folder to write to, e.g. {option} bin/jit.";
        return FileKinds.Of(outdir) switch
        {
            FileKind.Missing or FileKind.Directory => null,
            FileKind.SymbolicLink when Directory.Exists(outdir) => null,
            var kind => $"{option} {outdir}: that is a {Describe(kind)}, not a folder; give a folder (it is created if missing).",
        };
    }

    /// <summary>Whether <paramref name="folder"/> is the folder <paramref name="file"/> is in, however either is spelled.</summary>
    public static bool IsFolderOf(string folder, string file) => SamePath(folder, Path.GetDirectoryName(Path.GetFullPath(file))!);

    private static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "file",
        FileKind.Fifo => "named pipe (FIFO)",
        FileKind.Device => "device",
        FileKind.Socket => "socket",
        FileKind.SymbolicLink => "symbolic link",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static bool SamePath(string a, string b) =>
        string.Equals(Canonical(a), Canonical(b), OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);

    /// <summary>The full path, with the links among its folders resolved, so that two spellings of one place compare equal.</summary>
    private static string Canonical(string path)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        string? parent = Path.GetDirectoryName(full);
        if (parent is null) return full;
        string resolvedParent = Canonical(parent);
        string joined = Path.Combine(resolvedParent, Path.GetFileName(full));
        var info = new FileInfo(joined);
        if (info.LinkTarget is null) return joined;
        return info.ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.TrimEndingDirectorySeparator(target.FullName) : joined;
    }
}
