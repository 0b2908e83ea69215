namespace PeJit.Cli.Commands;

/// <summary>What a path names, without following a symbolic link: what an output path must be checked for before a file is moved over it.</summary>
public enum FileKind
{
    /// <summary>Nothing: a new file may be created there.</summary>
    Missing,

    /// <summary>A regular file: it may be replaced.</summary>
    Regular,

    /// <summary>A folder.</summary>
    Directory,

    /// <summary>A symbolic link (to anything, or dangling).</summary>
    SymbolicLink,

    /// <summary>A named pipe (FIFO).</summary>
    Fifo,

    /// <summary>A character or block device, such as <c>/dev/null</c>.</summary>
    Device,

    /// <summary>A socket.</summary>
    Socket,
}
