using System.Runtime.InteropServices;

namespace PeJit.Backends.Amd64.Memory;

/// <summary>The libc calls that make, map, protect and unmap memory (linux-x64).</summary>
internal static partial class LibC
{
    public const int ProtectRead = 1, ProtectWrite = 2, ProtectExecute = 4;
    public const int MapShared = 0x01, MapPrivate = 0x02, MapAnonymous = 0x20;
    public const uint MemoryFileCloseOnExec = 1;
    public static readonly nint MapFailed = -1;

    [DllImport("libc", SetLastError = true)]
    public static extern nint mmap(nint address, nuint length, int protection, int flags, int descriptor, nint offset);

    [DllImport("libc", SetLastError = true)]
    public static extern int mprotect(nint address, nuint length, int protection);

    [DllImport("libc", SetLastError = true)]
    public static extern int munmap(nint address, nuint length);

    /// <summary>An anonymous file in memory (glibc 2.27 and later), which a code chunk maps twice.</summary>
    [DllImport("libc", SetLastError = true)]
    public static extern int memfd_create([MarshalAs(UnmanagedType.LPUTF8Str)] string name, uint flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int ftruncate(int descriptor, long length);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int descriptor);
}
