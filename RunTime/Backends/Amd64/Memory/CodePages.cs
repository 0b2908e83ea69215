using System.Runtime.InteropServices;

namespace PeJit.Backends.Amd64.Memory;

/// <summary>
/// Pages of native memory: code pages are mapped read-write, written once, then made read-execute for good
/// (never writable and executable at once); data pages stay read-write. Unmapped when freed (see <see cref="NativeCode"/>).
/// </summary>
public sealed class CodePages
{
    private CodePages(nint address, nuint length, bool executable)
    {
        Address = address;
        Length = length;
        Executable = executable;
    }

    /// <summary>The first byte.</summary>
    public nint Address { get; }

    /// <summary>Bytes mapped (whole pages).</summary>
    public nuint Length { get; }

    /// <summary>True once the pages are read-execute.</summary>
    public bool Executable { get; }

    /// <summary>True on the one platform the AMD64 backend emits for: Linux on x86-64.</summary>
    public static bool Available => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>Maps pages, copies <paramref name="code"/> into them, and makes them read-execute.</summary>
    public static CodePages Code(ReadOnlySpan<byte> code)
    {
        var pages = Map(code.Length);
        unsafe
        {
            code.CopyTo(new Span<byte>((void*)pages.Address, code.Length));
        }
        if (LibC.mprotect(pages.Address, pages.Length, LibC.ProtectRead | LibC.ProtectExecute) != 0)
        {
            int error = Marshal.GetLastPInvokeError();
            pages.Free();
            throw new InvalidOperationException($"mprotect of {pages.Length} bytes of code to read-execute failed with errno {error}");
        }
        return new CodePages(pages.Address, pages.Length, executable: true);
    }

    /// <summary>Maps zeroed read-write pages for at least <paramref name="bytes"/> bytes of a unit's data.</summary>
    public static CodePages Data(int bytes) => Map(bytes);

    private static CodePages Map(int bytes)
    {
        nuint length = (nuint)((Math.Max(bytes, 1) + Environment.SystemPageSize - 1) / Environment.SystemPageSize * Environment.SystemPageSize);
        var address = LibC.mmap(0, length, LibC.ProtectRead | LibC.ProtectWrite, LibC.MapPrivate | LibC.MapAnonymous, -1, 0);
        if (address == LibC.MapFailed)
            throw new InvalidOperationException($"mmap of {length} bytes failed with errno {Marshal.GetLastPInvokeError()}");
        return new CodePages(address, length, executable: false);
    }

    /// <summary>Unmaps the pages; no thread may be running or about to run code in them.</summary>
    public void Free() => LibC.munmap(Address, Length);
}
