using System.Reflection;
using System.Runtime.InteropServices;
using PeJit.Backends.Amd64.Calls;
using PeJit.Backends.Amd64.Emission;
using PeJit.Backends.Amd64.Lowering;
using PeJit.Backends.Amd64.Memory;
using PeJit.Backends.Amd64.RegisterAllocation;
using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Backends.Amd64;

/// <summary>
/// Compiles a residual graph to x86-64 machine code: lowering to the machine-level form (<see cref="Lowerer"/>),
/// linear-scan register allocation (<see cref="LinearScan"/>), emission through Iced (<see cref="CodeEmitter"/>),
/// and W^X memory shared with other units (<see cref="CodePool"/>); the result is entered through a managed stub
/// (<see cref="Amd64CompiledCode"/>). A graph outside the supported subset, or any graph on a platform other
/// than linux-x64, is refused with <see cref="BackendException"/> and the reason.
/// </summary>
public sealed class Amd64Backend : IBackend
{
    /// <summary>
    /// Makes the backend; <paramref name="disassembly"/> receives each unit's disassembly (<c>PEJIT_LOG=asm</c>), when
    /// given; <paramref name="resolver"/> maps the graph's types and fields to run-time ones for the managed stub
    /// (without one, a graph needing the stub's prologue, hoisted reads or tails is refused).
    /// </summary>
    public Amd64Backend(Action<string>? disassembly = null, IMemberResolver? resolver = null)
    {
        Disassembly = disassembly;
        Resolver = resolver;
    }

    /// <summary>Maps the graph's types and fields to run-time ones, for the managed stub.</summary>
    public IMemberResolver? Resolver { get; }

    /// <summary>Where each compiled unit's disassembly goes; null for nowhere.</summary>
    public Action<string>? Disassembly { get; }

    /// <summary>Registers the allocator may use (all of <see cref="LinearScan.Allocatable"/> by default; tests lower it to force spilling).</summary>
    public int Registers { get; init; } = LinearScan.Allocatable.Count;

    /// <summary>Where units' code and data go (<see cref="CodePool.Shared"/> unless given; tests give their own, to count).</summary>
    public CodePool Pool { get; init; } = CodePool.Shared;

    /// <inheritdoc/>
    public string Name => "amd64";

    /// <inheritdoc/>
    public ICompiledCode Compile(FlowGraph graph, Module owner, string? name = null) => CompileNative(graph, name);

    /// <summary>As <see cref="Compile"/>, typed.</summary>
    /// <exception cref="BackendException">The platform is not linux-x64, or the graph is outside the supported subset.</exception>
    public Amd64CompiledCode CompileNative(FlowGraph graph, string? name = null)
    {
        if (!CodePool.Available)
            throw new BackendException($"{graph.Name}: the AMD64 backend is available on linux-x64 only (this is {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}); use the CIL backend");
        // 1. Lower (refuses what native code cannot express), 2. allocate registers, 3. take the data block the
        // exit counters and target slots live in, 4. assemble, 5. copy into a read-execute block, 6. point the slots.
        var function = Lowerer.Lower(graph, out var regions);
        if (Resolver is null && (regions.Prologue.Count > 0 || regions.Hoisted.Count > 0 || regions.Tails.Count > 0))
            throw new BackendException($"{graph.Name}: the AMD64 backend was made without a member resolver, which the managed stub needs for this graph's object reads and exits");
        var allocation = LinearScan.Allocate(function, Registers);
        var callTable = CallTable(graph, function, regions);
        var data = Pool.Data(CodeEmitter.DataBytes(function.Exits.Count));
        EmittedCode emitted;
        NativeCode native;
        try
        {
            emitted = CodeEmitter.Emit(function, allocation, data.Address, callTable.IsAllocated ? GCHandle.ToIntPtr(callTable) : 0);
            native = new NativeCode(Pool, Pool.Code(emitted.Bytes), data, callTable);
        }
        catch
        {
            Pool.Free(data);
            if (callTable.IsAllocated) callTable.Free();
            throw;
        }
        // From here the blocks are the unit's: freed when it is dropped, or by the finalizer if this throws.
        // Every exit's target slot points at the exit's own stub until a new path is attached.
        foreach (var exit in function.Exits)
            System.Runtime.InteropServices.Marshal.WriteInt64((nint)CodeEmitter.SlotAddress(data.Address, function.Exits.Count, exit.Number), native.Code.Address + (long)emitted.StubOffsets[exit.Number]);
        var compiled = new Amd64CompiledCode(graph, regions, Resolver, function, native, emitted, name ?? "pejit_" + graph.Name, allocation);
        Disassembly?.Invoke(compiled.Disassembly());
        return compiled;
    }

    /// <summary>
    /// The handle of the table of helpers the code calls (none allocated when it calls none). A helper that
    /// may write memory could change a field the stub read before the call, so then only readonly fields may be
    /// hoisted (rule 4 of the backends README).
    /// </summary>
    private GCHandle CallTable(FlowGraph graph, MachineFunction function, ManagedRegions regions)
    {
        if (function.Calls.Count == 0) return default;
        if (Resolver is null)
            throw new BackendException($"{graph.Name}: the AMD64 backend was made without a member resolver, which calls of helpers need");
        if (function.Calls.FirstOrDefault(c => !c.Method!.IsPure) is { } writer
            && regions.Hoisted.FirstOrDefault(r => !Resolver.ResolveField(r.Field!).IsInitOnly) is { } read)
            throw new BackendException($"{graph.Name}: the AMD64 backend cannot express this unit: the field {read.Field} is read before native code runs, and {writer.Method} (called at {writer.Location}) may write it; make the field readonly, or mark the helper [Elidable] if it is pure");
        return GCHandle.Alloc(new HelperCallTable(graph, function.Calls, Resolver));
    }
}
