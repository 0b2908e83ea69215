using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Iced.Intel;
using PeJit.Backends.Amd64.Calls;
using PeJit.Backends.Amd64.Emission;
using PeJit.Backends.Amd64.Lowering;
using PeJit.Backends.Amd64.Memory;
using PeJit.Backends.Amd64.RegisterAllocation;
using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using Instruction = PeJit.IR.Instruction;

namespace PeJit.Backends.Amd64;

/// <summary>
/// A graph compiled by <see cref="Amd64Backend"/>, and its managed entry stub. The stub does what native code may
/// not (see <see cref="ManagedRegions"/>): it runs the prologue (unboxes the state, casts the constants), makes the
/// hoisted field reads, pins the primitive arrays native code reaches for exactly the duration of the call and
/// passes each as base address and length, objects passed to static helpers as handles, other objects as their
/// presence; calls the native code through a function pointer (unless the unit was freed since the caller found
/// it: then the graph evaluator runs it); and turns the status it returns into the result, the exception the CLR
/// would have thrown at the guard that exited, a helper's own exception rethrown, or a transition: the tail blocks (boxing the state into the exit buffer) run on the
/// graph evaluator from the values native code stored.
/// </summary>
public sealed class Amd64CompiledCode : ICompiledCode
{
    private readonly NativeCode native;
    private readonly FlowGraph graph;
    private readonly ManagedRegions regions;
    private readonly IMemberResolver? resolver;
    private readonly (Value Value, object? Content)[] constants;
    private readonly Dictionary<Instruction, Type> types = [];
    private readonly Dictionary<Instruction, FieldInfo> fields = [];
    private readonly Instruction neverReached;

    internal Amd64CompiledCode(FlowGraph graph, ManagedRegions regions, IMemberResolver? resolver, MachineFunction function, NativeCode native, EmittedCode emitted, string name, Allocation allocation)
    {
        Allocation = allocation;
        this.graph = graph;
        this.regions = regions;
        this.resolver = resolver;
        Function = function;
        this.native = native;
        Emitted = emitted;
        Name = name;
        var entry = graph[FlowGraph.Entry].Instructions;
        constants = entry.Where(i => i.Opcode is IR.Opcode.Const or IR.Opcode.Null && regions.Known.Contains(i.Result!.Value))
            .Select(i => (i.Result!.Value, i.Opcode == IR.Opcode.Null ? null : ValueSemantics.IntegerStackForm(i.Integer, graph.TypeOf(i.Result!.Value))))
            .ToArray();
        // Jumps to the entry block are refused, so its terminator is never reached from a tail: the evaluator's stop.
        neverReached = entry[^1];
        foreach (var instruction in regions.Prologue.Where(i => i.TypeOperand is not null)) types[instruction] = resolver!.ResolveType(instruction.TypeOperand!);
        foreach (var instruction in regions.Hoisted) fields[instruction] = resolver!.ResolveField(instruction.Field!);
    }

    /// <summary>The residual graph the code was compiled from.</summary>
    public FlowGraph Graph => graph;

    /// <summary>Where the allocation put each virtual register (an adapter at an exit reads the exit's values from there).</summary>
    internal Allocation Allocation { get; }

    /// <summary>Words the managed stub adds to the argument block for a bridge entered natively at an exit (its argument block).</summary>
    public const int BridgeWords = 32;

    /// <summary>A status past this many is a bridge's (<see cref="AttachBridge"/>): <c>(bridge status + 1) &lt;&lt; 16 | exit number</c>.</summary>
    private const long BridgeStatus = 1 << 16;

    /// <summary>
    /// The bridges entered natively, by the exit number of the unit they are attached at, with their constants and the slot of
    /// the exit buffer their state starts at (1 for a loop's bridge, whose state is the merge point's variables; 0 for a case
    /// bridge, whose state is the whole buffer).
    /// </summary>
    private readonly Dictionary<int, (Amd64CompiledCode Code, object[] Constants, int StateOffset)> bridges = [];

    /// <summary>Set when this code is a bridge another unit owns: its memory is freed with that unit's, not when it is dropped.</summary>
    private int owned;

    [ThreadStatic]
    private static Amd64CompiledCode? bridgeRan;

    /// <summary>
    /// The bridge the last <see cref="Run"/> on this thread went on in, natively, at an exit (then the exit buffer and the
    /// result are the bridge's), or null; cleared by the call. The runtime calls it after each run.
    /// </summary>
    public static Amd64CompiledCode? TakeBridgeRan()
    {
        var ran = bridgeRan;
        bridgeRan = null;
        return ran;
    }

    /// <summary>
    /// Enters <paramref name="bridge"/> (a unit compiled from the key of this unit's exit <paramref name="exitIndex"/>, the
    /// runtime's number, which the exit's tail writes into the exit buffer) natively from each of this unit's
    /// transitions to that exit where a <see cref="Bridges.BridgePlan"/> proves where each of the bridge's words is: an
    /// adapter is compiled per transition and attached to its target slot (<see cref="Attach"/>). The bridge and the
    /// adapters become this unit's: freed with it. Returns how many transitions were attached (0: the bridge is not
    /// this unit's, and the caller enters it otherwise). <paramref name="stateOffset"/> is the slot of the exit buffer the
    /// bridge's state (its third parameter) starts at: 1 for a bridge from the exit's key (the merge point's variables), 0 for
    /// a case bridge (the exit buffer itself, <c>UnitSpecializer.SpecializeBridge</c>).
    /// </summary>
    public int AttachBridge(int exitIndex, object[] constants, Amd64CompiledCode bridge, object[] bridgeConstants, int stateOffset = 1)
    {
        if (!CodePool.Available || bridge == this) return 0;
        var plans = Bridges.BridgePlan.Make(this, constants, exitIndex, bridge, bridgeConstants, stateOffset);
        if (plans.Count == 0) return 0;
        if (Interlocked.Exchange(ref bridge.owned, 1) != 0) return 0;
        if (!native.Own(bridge.native)) return 0;
        int attached = 0;
        foreach (var plan in plans)
        {
            var bytes = CodeEmitter.EmitBridgeAdapter(Function, Allocation, plan, Function.BlockWords, bridge.Address,
                Address + (nint)Emitted.EpilogueOffset);
            var pool = native.Pool;
            var data = pool.Data(CodePool.Granule);
            PoolBlock code;
            try
            {
                code = pool.Code(bytes);
            }
            catch
            {
                pool.Free(data);
                throw;
            }
            var adapter = new NativeCode(pool, code, data);
            if (!native.Own(adapter)) break;
            lock (bridges) bridges[plan.Exit.Number] = (bridge, bridgeConstants, stateOffset);
            Attach(plan.Exit.Number, adapter.Code.Address);
            attached++;
        }
        return attached;
    }

    /// <summary>The name the code was compiled under.</summary>
    public string Name { get; }

    /// <summary>The machine-level form the code was emitted from.</summary>
    public MachineFunction Function { get; }

    /// <summary>The machine code as assembled, with where each residual instruction's code begins.</summary>
    public EmittedCode Emitted { get; }

    /// <summary>The address of the code's first byte.</summary>
    public nint Address => native.Code.Address;

    /// <summary>The code's and data's blocks in the pool, and whether they were dropped and freed.</summary>
    public NativeCode Native => native;

    /// <inheritdoc/>
    public string Backend => "amd64";

    /// <summary>How often each exit was taken, by exit number (index 0 unused), read from the unit's data block.</summary>
    /// <exception cref="ObjectDisposedException">The unit was dropped and freed.</exception>
    public long[] ExitCounts()
    {
        var counts = new long[Function.Exits.Count + 1];
        EnterData();
        try
        {
            Marshal.Copy(native.Data.Address, counts, 0, counts.Length);
        }
        finally
        {
            native.Leave();
        }
        return counts;
    }

    /// <summary>The address of exit <paramref name="exit"/>'s stub: the code that counts the exit and returns its number to this stub.</summary>
    public nint ExitStub(int exit) => native.Code.Address + (nint)Emitted.StubOffsets[CheckExit(exit)];

    /// <summary>The code address exit <paramref name="exit"/> now jumps to (its stub, or the path attached to it).</summary>
    /// <exception cref="ObjectDisposedException">The unit was dropped and freed.</exception>
    public unsafe nint ExitTarget(int exit)
    {
        var slot = Slot(exit);
        EnterData();
        try
        {
            return (nint)Volatile.Read(ref *slot);
        }
        finally
        {
            native.Leave();
        }
    }

    /// <summary>
    /// Attaches <paramref name="target"/> to exit <paramref name="exit"/> by one atomic write of its target slot, safe
    /// while other threads run the unit: each thread reaching the exit jumps to the old target or the new one, never
    /// to anything else. The target runs in the unit's frame as the exit's stub does (rbp the frame, the argument
    /// block's address at [rbp-8], the values where the allocation put them, rax, rcx, rdx and r11 free) and must
    /// end as a stub does, at the epilogue with a status in eax; an exit's own or another exit's stub qualifies.
    /// Returns the previous target. Not attaching a stub of this unit is the caller's promise that the code at
    /// <paramref name="target"/> lives as long as this unit.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The unit was dropped and freed.</exception>
    public unsafe nint Attach(int exit, nint target)
    {
        var slot = Slot(exit);
        EnterData();
        try
        {
            return (nint)Interlocked.Exchange(ref *slot, target);
        }
        finally
        {
            native.Leave();
        }
    }

    /// <summary>Points exit <paramref name="exit"/> back at its own stub.</summary>
    public nint Detach(int exit) => Attach(exit, ExitStub(exit));

    // The data block is the pool's again once freed: touch it only between Enter and Leave.
    private void EnterData()
    {
        if (!native.Enter()) throw new ObjectDisposedException(Name, "the unit was dropped from the code cache and its native memory freed");
    }

    private unsafe long* Slot(int exit) => (long*)CodeEmitter.SlotAddress(native.Data.Address, Function.Exits.Count, CheckExit(exit));

    private int CheckExit(int exit) => exit >= 1 && exit <= Function.Exits.Count
        ? exit
        : throw new ArgumentOutOfRangeException(nameof(exit), exit, $"{Name} has exits 1 to {Function.Exits.Count}");

    /// <summary>
    /// Gives the code and data back to the pool now, or when the last thread inside leaves (the code cache dropped
    /// the unit). A call that still comes afterwards runs the graph on the evaluator (see <see cref="Invoke"/>).
    /// </summary>
    public void Drop()
    {
        // A bridge is freed with the unit that jumps into it (NativeCode.Own).
        if (Volatile.Read(ref owned) == 0) native.Drop();
    }

    /// <inheritdoc/>
    public object? Run(object[] constants, object?[] exit, object?[] state)
    {
        if (graph.Parameters.Count != 3)
            throw new InvalidOperationException($"{Name} is not a unit (it takes {graph.Parameters.Count} parameters); call Invoke");
        return Invoke(constants, exit, state);
    }

    /// <inheritdoc/>
    public unsafe object? Invoke(params object?[] arguments)
    {
        // 1. The values the stub knows: parameters, the entry block's constants, the prologue, the hoisted reads.
        var values = KnownValues(arguments);
        // 2. The argument block, arrays pinned and helpers' objects held for the call; room for a bridge's block after it.
        var words = Function.Arguments;
        long* block = stackalloc long[Function.BlockWords + BridgeWords];
        GCHandle[]? handles = null;
        int held = 0;
        long status = 0;
        bool entered = true;
        try
        {
            for (int i = 0; i < words.Count; i++)
            {
                var argument = values[words[i].Value.Index];
                switch (words[i].Kind)
                {
                    case ArgumentKind.ArrayBase when argument is Array array:
                        handles ??= new GCHandle[words.Count];
                        handles[held++] = GCHandle.Alloc(array, GCHandleType.Pinned);
                        block[i] = Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
                        break;
                    case ArgumentKind.ArrayLength when argument is Array array:
                        block[i] = array.Length;
                        break;
                    case ArgumentKind.ArrayBase or ArgumentKind.ArrayLength:
                        block[i] = 0;
                        break;
                    case ArgumentKind.Presence:
                        block[i] = argument is null ? 0 : 1;
                        break;
                    case ArgumentKind.Handle when argument is not null:
                        // A helper's object argument: native code only passes the handle on to the trampoline.
                        handles ??= new GCHandle[words.Count];
                        handles[held++] = GCHandle.Alloc(argument);
                        block[i] = GCHandle.ToIntPtr(handles[held - 1]);
                        break;
                    case ArgumentKind.Handle:
                        block[i] = 0;
                        break;
                    case ArgumentKind.Primitive when argument is null && IsHoisted(words[i].Value):
                        // A hoisted read of a null owner (KnownValues): native code tests the owner before it uses the word.
                        block[i] = 0;
                        break;
                    default:
                        block[i] = StackForm(argument, words[i].Value);
                        break;
                }
            }
            // 3. The call, unless the unit was dropped and freed since the caller found it.
            if (!native.Enter()) entered = false;
            else status = Call(block);
        }
        finally
        {
            for (int i = 0; i < held; i++) handles![i].Free();
        }
        if (!entered) return Evaluate(arguments);
        if (status >= BridgeStatus) return AfterBridge(status, values, block, arguments);
        return Finish(status, values, block);
    }

    /// <summary>What follows native code's return with <paramref name="status"/>: the result, an exception, or a transition.</summary>
    private unsafe object? Finish(long status, object?[] values, long* block)
    {
        if (status == 0) return Box(block[0], Function.ReturnType);
        var exit = Function.Exits[(int)status - 1];
        if (exit.Reason == ExitReason.HelperThrew) HelperCalls.TakeThrown().Throw();
        if (exit.Reason != ExitReason.Transition) throw exit.CreateException();
        return Transition(exit, values, block);
    }

    /// <summary>
    /// Native code went on in a bridge at an exit (<see cref="AttachBridge"/>) and returned the bridge's status: this
    /// unit's tail writes the exit's state into the exit buffer (from the values the adapter stored, as after the exit's
    /// stub), and the bridge's stub finishes from that state and the bridge's block, as if it had been entered with it.
    /// </summary>
    private unsafe object? AfterBridge(long status, object?[] values, long* block, object?[] arguments)
    {
        var exit = Function.Exits[(int)(status & (BridgeStatus - 1)) - 1];
        (Amd64CompiledCode Code, object[] Constants, int StateOffset) bridge;
        lock (bridges) bridge = bridges[exit.Number];
        Transition(exit, values, block);
        var buffer = (object?[])arguments[1]!;
        var state = new object?[buffer.Length - bridge.StateOffset];
        Array.Copy(buffer, bridge.StateOffset, state, 0, state.Length);
        // The bridge leaves at an exit of its own (slot 0 written again) or returns (slot 0 left clear).
        buffer[0] = null;
        object?[] bridgeArguments = [bridge.Constants, buffer, state];
        var result = bridge.Code.Finish((status >> 16) - 1, bridge.Code.KnownValues(bridgeArguments), block + Function.BlockWords);
        bridgeRan = bridge.Code;
        return result;
    }

    private object?[] KnownValues(object?[] arguments)
    {
        var values = new object?[graph.ValueCount];
        var parameters = graph.Parameters;
        for (int i = 0; i < parameters.Count; i++) values[parameters[i].Index] = ValueSemantics.Normalize(arguments[i], graph.TypeOf(parameters[i]));
        foreach (var (value, content) in constants) values[value.Index] = content;
        foreach (var instruction in regions.Prologue) values[instruction.Result!.Value.Index] = Prologue(instruction, values);
        // A read hoisted from behind a class guard (an object the residual code reads as the class a guard established, with
        // no cast left) may find another class here: the graph reads it only where the guard passed, so its word is never
        // used otherwise, and it is passed as for a null owner (0), not read (FieldInfo.GetValue would throw).
        foreach (var read in regions.Hoisted)
            values[read.Result!.Value.Index] = values[read.Operands[0].Index] is { } owner && fields[read].DeclaringType!.IsInstanceOfType(owner)
                ? ValueSemantics.Normalize(RuntimeHelpers.GetObjectValue(fields[read].GetValue(owner)), graph.TypeOf(read.Result!.Value))
                : null;
        return values;
    }

    private bool IsHoisted(Value value)
    {
        foreach (var read in regions.Hoisted)
            if (read.Result == value) return true;
        return false;
    }

    /// <summary>A prologue instruction on the values known so far, as the graph evaluator runs it.</summary>
    private object? Prologue(Instruction instruction, object?[] values)
    {
        object? Operand(int i) => values[instruction.Operands[i].Index];
        switch (instruction.Opcode)
        {
            case IR.Opcode.Null:
                return null;
            case IR.Opcode.LoadElement:
            {
                var array = Operand(0) ?? throw new NullReferenceException();
                long index = Convert.ToInt64(Operand(1), System.Globalization.CultureInfo.InvariantCulture);
                object? element = array is object?[] objects ? objects[checked((int)index)] : ((Array)array).GetValue(index);
                return ValueSemantics.Normalize(element, graph.TypeOf(instruction.Result!.Value));
            }
            default:
            {
                // castclass, unbox.any, isinst: as GraphEvaluator.Objects.
                var value = Operand(0);
                var type = types[instruction];
                if (value is null)
                {
                    if (instruction.Opcode == IR.Opcode.UnboxAny && type.IsValueType && Nullable.GetUnderlyingType(type) is null) throw new NullReferenceException();
                    return null;
                }
                bool fits = type.IsInstanceOfType(value) || Nullable.GetUnderlyingType(type) is { } underlying && underlying.IsInstanceOfType(value);
                if (!fits)
                {
                    if (instruction.Opcode == IR.Opcode.IsInst) return null;
                    throw new InvalidCastException($"Unable to cast object of type '{value.GetType()}' to type '{type}'.");
                }
                return ValueSemantics.Normalize(RuntimeHelpers.GetObjectValue(value), instruction.TypeOperand!);
            }
        }
    }

    /// <summary>Native code reached a tail: the evaluator runs it from the values the stub knows and the words native code stored.</summary>
    private unsafe object? Transition(MachineExit exit, object?[] values, long* block)
    {
        var known = new Dictionary<Value, object?>();
        foreach (var value in regions.Known) known[value] = values[value.Index];
        for (int i = 0; i < exit.Stored.Count; i++) known[exit.Stored[i]] = Box(block[i], graph.TypeOf(exit.Stored[i]));
        foreach (var (parameter, source) in exit.Parameters) known[parameter] = known[source];
        var outcome = new GraphEvaluator(resolver!).Resume([new ResumeFrame(graph, exit.Target!.Value, 0, known, null)], neverReached);
        if (!outcome.Returned) throw new InvalidOperationException($"{Name}: the tail from {exit.Target} reached the entry block");
        return graph.ReturnType.Kind == TypeKind.Void ? null : ValueSemantics.ToClr(outcome.Value, resolver!.ResolveType(graph.ReturnType));
    }

    /// <summary>
    /// The unit was freed between the caller finding it and entering it (the code cache dropped it meanwhile): the
    /// graph evaluator runs it, as the code would have.
    /// </summary>
    private object? Evaluate(object?[] arguments)
    {
        if (resolver is null) throw new ObjectDisposedException(Name, "the unit's native code was dropped and freed, and without a member resolver it cannot be evaluated instead; give the backend a resolver, or stop calling a dropped unit");
        Interlocked.Increment(ref evaluatedAfterFree);
        return new GraphEvaluator(resolver) { MaxSteps = long.MaxValue }.Evaluate(graph, arguments);
    }

    private static long evaluatedAfterFree;

    /// <summary>Calls that came after their unit was freed and ran on the graph evaluator, in this process.</summary>
    public static long EvaluatedAfterFree => Interlocked.Read(ref evaluatedAfterFree);

    // The caller entered the native code (Enter); this leaves it.
    private unsafe long Call(long* block)
    {
        try
        {
            return ((delegate* unmanaged<long*, long>)native.Code.Address)(block);
        }
        finally
        {
            native.Leave();
            GC.KeepAlive(this);
        }
    }

    private long StackForm(object? value, Value of) => value switch
    {
        int i => i, long l => l, bool b => b ? 1 : 0, char c => c, sbyte s => s, byte u => u, short s => s, ushort u => u,
        uint u => (int)u, ulong u => (long)u, nint n => n, nuint u => (long)u,
        Enum e => Convert.ToInt64(e, System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"{Name}: native code takes {of} ({graph.TypeOf(of)}) as an integer word, and the stub has {value?.GetType().Name ?? "null"} for it"),
    };

    private static object? Box(long value, IrType type) => (type.Kind == TypeKind.Enum ? type.Element!.Kind : type.Kind) switch
    {
        TypeKind.Void => null,
        TypeKind.Bool => value != 0,
        TypeKind.Char => (char)value,
        TypeKind.I8 => (sbyte)value,
        TypeKind.U8 => (byte)value,
        TypeKind.I16 => (short)value,
        TypeKind.U16 => (ushort)value,
        TypeKind.I32 => (int)value,
        TypeKind.U32 => (uint)value,
        TypeKind.U64 => (ulong)value,
        TypeKind.NInt => (nint)value,
        TypeKind.NUInt => (nuint)value,
        _ => value,
    };

    /// <summary>
    /// The disassembly (Iced's decoder and NASM formatter) of the code at its address, with each residual
    /// instruction's text as a comment above its machine code (<c>PEJIT_LOG=asm</c>).
    /// </summary>
    public string Disassembly()
    {
        var text = new System.Text.StringBuilder();
        text.Append("; ").Append(Name).Append(" at 0x").AppendLine(Address.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        var formatter = new NasmFormatter();
        var output = new StringOutput();
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(Emitted.Bytes), (ulong)Address);
        var origins = Emitted.Origins.ToLookup(o => o.Offset, o => o.Origin);
        while (decoder.IP < (ulong)Address + (ulong)Emitted.Bytes.Length)
        {
            uint offset = (uint)(decoder.IP - (ulong)Address);
            foreach (var line in origins[offset].SelectMany(o => o.Split('\n'))) text.Append("    ; ").AppendLine(line);
            decoder.Decode(out var instruction);
            formatter.Format(instruction, output);
            text.Append("  ").Append(offset.ToString("x4", System.Globalization.CultureInfo.InvariantCulture)).Append("  ").AppendLine(output.ToStringAndReset());
        }
        return text.ToString();
    }
}
