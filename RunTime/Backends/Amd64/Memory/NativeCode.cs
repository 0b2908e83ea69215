namespace PeJit.Backends.Amd64.Memory;

/// <summary>
/// A unit's code pages and data pages, freed once the unit is dropped and no thread is inside it.
/// </summary>
/// <remarks>
/// Every call goes through <see cref="Enter"/> and <see cref="Leave"/>, which count the threads inside. The
/// pages are freed by whichever comes last: <see cref="Drop"/> (the code cache evicted the unit) with no thread
/// inside, the last thread leaving after a drop, or the finalizer (nobody holds the unit any more, so nobody can
/// be inside it: a caller keeps its <see cref="NativeCode"/> alive across the call).
/// </remarks>
public sealed class NativeCode
{
    private int inside;
    private int dropped;
    private int freed;

    /// <summary>Owns <paramref name="code"/> and <paramref name="data"/>.</summary>
    public NativeCode(CodePages code, CodePages data)
    {
        Code = code;
        Data = data;
    }

    /// <summary>The read-execute pages.</summary>
    public CodePages Code { get; }

    /// <summary>The read-write pages of the unit's data (its exit counters).</summary>
    public CodePages Data { get; }

    /// <summary>True once the pages were unmapped.</summary>
    public bool IsFreed => Volatile.Read(ref freed) != 0;

    /// <summary>A thread is about to run the code.</summary>
    /// <exception cref="ObjectDisposedException">The code was already dropped.</exception>
    public void Enter()
    {
        Interlocked.Increment(ref inside);
        if (Volatile.Read(ref dropped) != 0)
        {
            Leave();
            throw new ObjectDisposedException(nameof(NativeCode), "the unit's native code was dropped from the code cache");
        }
    }

    /// <summary>A thread left the code.</summary>
    public void Leave()
    {
        if (Interlocked.Decrement(ref inside) == 0 && Volatile.Read(ref dropped) != 0) Free();
    }

    /// <summary>The unit is no longer wanted: free the pages now, or when the last thread inside leaves.</summary>
    public void Drop()
    {
        Volatile.Write(ref dropped, 1);
        if (Volatile.Read(ref inside) == 0) Free();
    }

    private void Free()
    {
        if (Interlocked.Exchange(ref freed, 1) != 0) return;
        Code.Free();
        Data.Free();
        GC.SuppressFinalize(this);
    }

    /// <summary>Nobody holds the unit, so no thread is inside it.</summary>
    ~NativeCode() => Free();
}
