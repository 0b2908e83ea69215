using System.Runtime.InteropServices;

namespace PeJit.Backends.Amd64.Memory;

/// <summary>The libc calls that map, protect and unmap pages (linux-x64).</summary>
internal static partial class LibC
{
    public const int ProtectRead = 1, ProtectWrite = 2, ProtectExecute = 4;
    public const int MapPrivate = 0x02, MapAnonymous = 0x20;
    public static readonly nint MapFailed = -1;

    [DllImport("libc", SetLastError = true)]
    public static extern nint mmap(nint address, nuint length, int protection, int flags, int descriptor, nint offset);

    [DllImport("libc", SetLastError = true)]
    public static extern int mprotect(nint address, nuint length, int protection);

    [DllImport("libc", SetLastError = true)]
    public static extern int munmap(nint address, nuint length);
}
