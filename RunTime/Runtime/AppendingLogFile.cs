using System.Text;

namespace PeJit.Runtime;

/// <summary>
/// The log file <c>PEJIT_LOG_FILE</c> names, shared by every process that logs to it: opened for appending,
/// never truncated, UTF-8 without a byte-order mark, and each <see cref="WriteLine(string?)"/> (a whole
/// message, residual code included) lands as one piece, never interleaved with another process's lines.
/// </summary>
/// <remarks>
/// Strategy: .NET's <see cref="FileMode.Append"/> only seeks to the end once, when the file is opened, and then
/// writes at its own position, so two processes would overwrite each other. Each message therefore takes a
/// lock on the file's first byte (<see cref="FileStream.Lock"/>: an advisory record lock between processes on
/// Unix, a lock other handles honor on Windows), moves to the end the file has now, writes the encoded message
/// in one write, flushes, and unlocks. Logging is rare (a line per unit compiled), so the lock costs nothing
/// that matters.
/// </remarks>
internal sealed class AppendingLogFile : TextWriter
{
    private static readonly UTF8Encoding Utf8WithoutMark = new(encoderShouldEmitUTF8Identifier: false);
    private readonly FileStream stream;
    private readonly StringBuilder pending = new();

    /// <summary>Opens (creating it if missing) <paramref name="path"/> for appending, shared with other writers.</summary>
    public AppendingLogFile(string path)
    {
        stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
    }

    /// <inheritdoc/>
    public override Encoding Encoding => Utf8WithoutMark;

    /// <inheritdoc/>
    public override void Write(char value)
    {
        lock (pending) pending.Append(value);
    }

    /// <inheritdoc/>
    public override void Write(string? value)
    {
        lock (pending) pending.Append(value);
    }

    /// <summary>Appends what was written before and <paramref name="value"/> with a new line, as one piece.</summary>
    public override void WriteLine(string? value)
    {
        lock (pending)
        {
            pending.Append(value).Append(CoreNewLine);
            Append();
        }
    }

    /// <inheritdoc/>
    public override void Flush()
    {
        lock (pending) Append();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
            stream.Dispose();
        }
        base.Dispose(disposing);
    }

    private void Append()
    {
        if (pending.Length == 0) return;
        byte[] bytes = Utf8WithoutMark.GetBytes(pending.ToString());
        pending.Clear();
        // macOS has no FileStream.Lock: there a message is still one write at the end the file had just before.
        bool locked = !OperatingSystem.IsMacOS() && LockFile();
        try
        {
            stream.Seek(0, SeekOrigin.End);
            stream.Write(bytes);
            stream.Flush();
        }
        finally
        {
            if (locked && !OperatingSystem.IsMacOS()) stream.Unlock(0, 1);
        }
    }

    /// <summary>Waits for the lock: another process holds it only while it appends one message.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("macos")]
    private bool LockFile()
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                stream.Lock(0, 1);
                return true;
            }
            catch (IOException)
            {
                // A lock held for seconds is not another process appending a line: write without it rather than hang.
                if (attempt >= 10_000) return false;
                Thread.Sleep(attempt < 10 ? 0 : 1);
            }
        }
    }
}
