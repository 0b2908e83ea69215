using System.Runtime.InteropServices;

namespace PeJit.Backends.Amd64.Memory;

/// <summary>
/// A unit's code block and data block in a <see cref="CodePool"/>, given back to the pool once the unit is dropped
/// and no thread is inside it.
/// </summary>
/// <remarks>
/// One word holds the state: the number of threads inside (<see cref="Enter"/> to <see cref="Leave"/>), a dropped
/// bit, or <c>Freed</c>. The blocks go back to the pool by whichever comes last: <see cref="Drop"/> with no thread
/// inside, the last thread leaving after a drop, or the finalizer (nobody holds the unit any more, so nobody can be
/// inside it: a caller keeps its <see cref="NativeCode"/> alive across the call). A thread may still enter after
/// the drop (it found the unit just before the code cache let go of it): the blocks wait for it. Once they are
/// freed, <see cref="Enter"/> says no, and the caller runs the unit some other way (the managed stub runs the graph
/// on the evaluator): the pool may already have given the memory to another unit. Entering costs two atomic
/// operations on the state, uncontended unless threads enter the same unit at once.
/// </remarks>
public sealed class NativeCode
{
    private const int Dropped = 1 << 30;
    private const int Freed = -1;

    private readonly CodePool pool;
    private GCHandle callTable;
    private int state;

    /// <summary>
    /// Owns <paramref name="code"/> and <paramref name="data"/>, blocks of <paramref name="pool"/>, and the handle of
    /// the unit's helper call table the code passes to the trampoline (<paramref name="callTable"/>, when allocated).
    /// </summary>
    public NativeCode(CodePool pool, PoolBlock code, PoolBlock data, GCHandle callTable = default)
    {
        this.pool = pool;
        Code = code;
        Data = data;
        this.callTable = callTable;
    }

    /// <summary>The pool the blocks are in.</summary>
    public CodePool Pool => pool;

    // Code this unit's code jumps into (a bridge and its adapter): dropped once this unit's blocks are freed, when no
    // thread can be inside this unit, and so none inside them through it.
    private readonly List<NativeCode> owned = [];

    /// <summary>
    /// Makes <paramref name="other"/> this unit's: it is dropped when this unit's blocks are freed (the caller does not
    /// drop it before), because this unit's code may jump into it without entering it (<see cref="Enter"/>).
    /// False when this unit's blocks are already freed: then <paramref name="other"/> is dropped at once.
    /// </summary>
    public bool Own(NativeCode other)
    {
        lock (owned)
        {
            if (Volatile.Read(ref state) != Freed)
            {
                owned.Add(other);
                return true;
            }
        }
        other.Drop();
        return false;
    }

    /// <summary>The read-execute block of the unit's code.</summary>
    public PoolBlock Code { get; }

    /// <summary>The read-write block of the unit's data (its exit counters and exit target slots).</summary>
    public PoolBlock Data { get; }

    /// <summary>True once the blocks went back to the pool.</summary>
    public bool IsFreed => Volatile.Read(ref state) == Freed;

    /// <summary>True once the unit was dropped (it may still be running, and then is not freed yet).</summary>
    public bool IsDropped => Volatile.Read(ref state) is var s && (s == Freed || (s & Dropped) != 0);

    /// <summary>Threads inside the code now.</summary>
    public int ThreadsInside => Volatile.Read(ref state) is var s && s != Freed ? s & (Dropped - 1) : 0;

    /// <summary>
    /// A thread is about to run the code or touch its data: true, and the blocks stay until it calls
    /// <see cref="Leave"/>; false when they were already freed.
    /// </summary>
    public bool Enter()
    {
        while (true)
        {
            int s = Volatile.Read(ref state);
            if (s == Freed) return false;
            if (Interlocked.CompareExchange(ref state, s + 1, s) == s) return true;
        }
    }

    /// <summary>A thread that entered left the code.</summary>
    public void Leave()
    {
        if (Interlocked.Decrement(ref state) == Dropped) TryFree();
    }

    /// <summary>The unit is no longer wanted: free the blocks now, or when the last thread inside leaves.</summary>
    public void Drop()
    {
        int before = Interlocked.Or(ref state, Dropped);
        if (before != Freed && (before | Dropped) == Dropped) TryFree();
    }

    // Only the one thread that moves the state from "dropped, nobody inside" to Freed gives the blocks back.
    private void TryFree()
    {
        if (Interlocked.CompareExchange(ref state, Freed, Dropped) != Dropped) return;
        pool.Free(Code);
        pool.Free(Data);
        if (callTable.IsAllocated) callTable.Free();
        GC.SuppressFinalize(this);
        List<NativeCode> dependents;
        lock (owned)
        {
            dependents = [.. owned];
            owned.Clear();
        }
        foreach (var dependent in dependents) dependent.Drop();
    }

    /// <summary>Nobody holds the unit, so no thread is inside it.</summary>
    ~NativeCode()
    {
        if (state == Freed) return;
        state = Dropped;
        TryFree();
    }
}
