namespace PeJit.TestSubjects;

/// <summary>
/// A machine whose step makes an object with a constructor that does more than store its arguments: it calls a
/// base constructor (with a field initializer), checks an argument and throws, allocates an array, fills it and
/// stores fields, as an interpreter's call frame does. The specializer inlines such a constructor (an
/// <c>allocate</c> then its body) and allocation removal takes the object and its array apart where they do not
/// escape (<c>ConstructorInliningTests</c>).
/// </summary>
/// <remarks>Code is a flat array of instructions of two ints: opcode, operand.</remarks>
public static class ConstructingVm
{
    public const int MakeAndAdd = 0; // acc += a new frame's sum of registers 0 and last, base and depth (operand: registers)
    public const int Count = 1;      // i += 1
    public const int Loop = 2;       // if i < n: go to instruction operand
    public const int Keep = 3;       // kept = a new frame (it escapes: carried to the end)
    public const int Halt = 4;       // return acc + kept's sum
    public const int MakePromoting = 5; // acc += a new promoting frame's kind * 10 + its first

    /// <summary>A base class whose constructor the derived one calls, with a field initializer in it.</summary>
    public abstract class FrameBase
    {
        public int Depth = 1;

        protected FrameBase(int depth) => Depth += depth;
    }

    /// <summary>What an interpreter's call frame is: registers of a size the code says, filled, and a base.</summary>
    public sealed class Frame : FrameBase
    {
        public readonly long[] Registers;
        public long Base;

        public Frame(int size, long first) : base(2)
        {
            if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "a frame has at least one register");
            Registers = new long[size];
            Array.Fill(Registers, 7L);
            Registers[0] = first;
            Base = first * 3 + size;
        }

        public long Sum()
        {
            long sum = Base + Depth;
            foreach (long register in Registers) sum += register;
            return sum;
        }
    }

    /// <summary>A constructor that promotes (<c>Jit.Promote</c>) a red value: compiled code leaves in its middle until each value has a case.</summary>
    public sealed class PromotingFrame
    {
        public readonly long First;
        public readonly int Kind;

        public PromotingFrame(long first)
        {
            First = first;
            Kind = Jit.Promote((int)(first % 3));
        }
    }

    [JitPortal(Greens = ["pc", "code"], Reds = ["acc", "i", "n", "kept"])]
    public static long Run(int[] code, long n)
    {
        int pc = 0;
        long acc = 0, i = 0;
        Frame? kept = null;
        while (true)
        {
            Jit.MergePoint(pc, code, acc, i, n, kept);
            int operand = code[pc * 2 + 1];
            switch (code[pc * 2])
            {
                case MakeAndAdd:
                {
                    var frame = new Frame(operand, i);
                    acc += frame.Registers[0] + frame.Registers[frame.Registers.Length - 1] + frame.Base + frame.Depth;
                    pc++;
                    break;
                }
                case Count: i++; pc++; break;
                case Loop:
                    if (i < n)
                    {
                        pc = operand;
                        Jit.CanEnterJit(pc, code, acc, i, n, kept);
                    }
                    else
                    {
                        pc++;
                    }
                    break;
                case Keep: kept = new Frame(operand, i); pc++; break;
                case MakePromoting:
                {
                    var frame = new PromotingFrame(i);
                    acc += frame.Kind * 10 + frame.First;
                    pc++;
                    break;
                }
                default: return acc + (kept?.Sum() ?? 0);
            }
        }
    }
}
