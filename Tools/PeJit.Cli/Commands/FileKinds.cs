using System.Runtime.InteropServices;

namespace PeJit.Cli.Commands;

/// <summary>Finds the <see cref="FileKind"/> of a path.</summary>
public static class FileKinds
{
    /// <summary>
    /// The kind of <paramref name="path"/>. .NET tells folders and links apart but not pipes and devices from
    /// regular files, and renaming a file over one of those destroys it; on Linux <c>statx</c> (whose layout is
    /// the same on every architecture) gives the file type. Elsewhere a path that is neither a folder nor a
    /// link is taken as regular (Windows has no pipes or devices in the file system).
    /// </summary>
    public static FileKind Of(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) return FileKind.SymbolicLink;
        if (System.IO.Directory.Exists(path)) return FileKind.Directory;
        if (!info.Exists) return FileKind.Missing;
        return OperatingSystem.IsLinux() ? LinuxKind(path) : FileKind.Regular;
    }

    private static FileKind LinuxKind(string path)
    {
        var buffer = new byte[256];
        if (statx(AtCurrentDirectory, path, AtSymlinkNoFollow, StatxType, buffer) != 0)
            return FileKind.Missing;
        // struct statx: stx_mode is the 16-bit field at offset 28; its top four bits are the file type.
        int mode = BitConverter.ToUInt16(buffer, 28) & 0xF000;
        return mode switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            _ => FileKind.Device,
        };
    }

    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
