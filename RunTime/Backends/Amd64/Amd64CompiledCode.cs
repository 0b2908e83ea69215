using System.Runtime.InteropServices;
using Iced.Intel;
using PeJit.Backends.Amd64.Emission;
using PeJit.Backends.Amd64.Lowering;
using PeJit.Backends.Amd64.Memory;
using PeJit.IR;

namespace PeJit.Backends.Amd64;

/// <summary>
/// A graph compiled by <see cref="Amd64Backend"/>, and its managed entry stub: it pins the array arguments for
/// the call, passes primitives in stack form and arrays as base address and length in an argument block, calls
/// the native code through a function pointer, and turns the status it returns into the result or into the
/// exception the CLR would have thrown at the guard that exited.
/// </summary>
public sealed class Amd64CompiledCode : ICompiledCode
{
    private readonly NativeCode native;

    internal Amd64CompiledCode(MachineFunction function, NativeCode native, EmittedCode emitted, string name)
    {
        Function = function;
        this.native = native;
        Emitted = emitted;
        Name = name;
    }

    /// <summary>The name the code was compiled under.</summary>
    public string Name { get; }

    /// <summary>The machine-level form the code was emitted from.</summary>
    public MachineFunction Function { get; }

    /// <summary>The machine code as assembled, with where each residual instruction's code begins.</summary>
    public EmittedCode Emitted { get; }

    /// <summary>The address of the code's first byte.</summary>
    public nint Address => native.Code.Address;

    /// <inheritdoc/>
    public string Backend => "amd64";

    /// <summary>How often each exit was taken, by exit number (index 0 unused), read from the unit's data page.</summary>
    public long[] ExitCounts()
    {
        var counts = new long[Function.Exits.Count + 1];
        Marshal.Copy(native.Data.Address, counts, 0, counts.Length);
        return counts;
    }

    /// <summary>Frees the native code now, or when the last thread inside it leaves (the code cache dropped the unit).</summary>
    public void Drop() => native.Drop();

    /// <inheritdoc/>
    public object? Run(object[] constants, object?[] exit, object?[] state) =>
        throw new InvalidOperationException($"{Name} is not a unit: the AMD64 backend refuses the unit shape, which passes objects");

    /// <inheritdoc/>
    public unsafe object? Invoke(params object?[] arguments)
    {
        var words = Function.Arguments;
        long* block = stackalloc long[Math.Max(1, words.Count)];
        var handles = new List<GCHandle>();
        try
        {
            for (int i = 0; i < words.Count; i++)
            {
                var argument = arguments[words[i].Parameter];
                switch (words[i].Kind)
                {
                    case ArgumentKind.ArrayBase when argument is Array array:
                        handles.Add(GCHandle.Alloc(array, GCHandleType.Pinned));
                        block[i] = Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
                        break;
                    case ArgumentKind.ArrayLength when argument is Array array:
                        block[i] = array.Length;
                        break;
                    case ArgumentKind.ArrayBase or ArgumentKind.ArrayLength:
                        block[i] = 0;
                        break;
                    default:
                        block[i] = StackForm(argument);
                        break;
                }
            }
            long status = Call(block);
            if (status == 0) return Box(block[0], Function.ReturnType);
            throw Function.Exits[(int)status - 1].CreateException();
        }
        finally
        {
            foreach (var handle in handles) handle.Free();
        }
    }

    private unsafe long Call(long* block)
    {
        native.Enter();
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

    private static long StackForm(object? value) => value switch
    {
        int i => i, long l => l, bool b => b ? 1 : 0, char c => c, sbyte s => s, byte u => u, short s => s, ushort u => u,
        uint u => (int)u, ulong u => (long)u, nint n => n, nuint u => (long)u,
        Enum e => Convert.ToInt64(e, System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"native code takes integers and arrays of integers, not {value?.GetType().Name ?? "null"}"),
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
