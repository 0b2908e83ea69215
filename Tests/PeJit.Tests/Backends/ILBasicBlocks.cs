using System.Reflection;
using System.Reflection.Emit;

namespace PeJit.Tests.Backends;

/// <summary>
/// Counts the basic blocks of a <see cref="DynamicMethod"/>'s IL as RyuJIT's importer finds them (a block starts at
/// offset 0, at every branch target and after every branch, switch, return, throw and leave). RyuJIT compiles a
/// method of more than 2,000 of them without optimizations (MinOpts: no register allocation, no inlining), whatever
/// its IL size, so tests of big units assert on this count. Reads the generator's baked bytes through reflection:
/// test code only, and it fails loudly if .NET renames what it reads.
/// </summary>
internal static class ILBasicBlocks
{
    /// <summary>RyuJIT's <c>DEFAULT_MIN_OPTS_BB_COUNT</c>: past it a method is compiled with MinOpts.</summary>
    public const int OptimizedLimit = PeJit.Backends.Cil.IlShape.BasicBlockLimit;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The number of basic blocks in <paramref name="method"/>'s IL.</summary>
    public static int Count(DynamicMethod method) => Measure(method).BasicBlocks;

    /// <summary>
    /// <paramref name="method"/>'s IL as RyuJIT counts it before choosing to optimize: bytes, instructions, basic blocks and
    /// references to locals and arguments (the counts the CIL backend's <c>IlShape</c> keeps as it emits, read back here).
    /// </summary>
    public static (int CodeSize, int Instructions, int BasicBlocks, int LocalReferences) Measure(DynamicMethod method)
    {
        int instructions = 0, localReferences = 0;
        var generator = method.GetILGenerator();
        var bake = generator.GetType().GetMethod("BakeByteArray", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("ILGenerator.BakeByteArray not found: .NET changed; update ILBasicBlocks");
        var il = (byte[])bake.Invoke(generator, null)!;
        var starts = new HashSet<int> { 0 };
        int offset = 0;
        while (offset < il.Length)
        {
            short value = il[offset] == 0xFE ? (short)(0xFE00 | il[offset + 1]) : il[offset];
            var opcode = OpCodesByValue[value];
            instructions++;
            if ((ushort)opcode.Value is >= 0x02 and <= 0x13 or >= 0xFE09 and <= 0xFE0E) localReferences++;
            offset += opcode.Size;
            int operand = OperandSize(opcode, il, offset);
            int next = offset + operand;
            switch (opcode.OperandType)
            {
                case OperandType.ShortInlineBrTarget:
                    starts.Add(next + (sbyte)il[offset]);
                    starts.Add(next);
                    break;
                case OperandType.InlineBrTarget:
                    starts.Add(next + BitConverter.ToInt32(il, offset));
                    starts.Add(next);
                    break;
                case OperandType.InlineSwitch:
                    int cases = BitConverter.ToInt32(il, offset);
                    for (int i = 0; i < cases; i++) starts.Add(next + BitConverter.ToInt32(il, offset + 4 + 4 * i));
                    starts.Add(next);
                    break;
                default:
                    if (opcode.FlowControl is FlowControl.Return or FlowControl.Throw) starts.Add(next);
                    break;
            }
            offset = next;
        }
        starts.Remove(il.Length);
        return (il.Length, instructions, starts.Count, localReferences);
    }

    private static int OperandSize(OpCode opcode, byte[] il, int offset) => opcode.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, offset),
        _ => 4,
    };
}
