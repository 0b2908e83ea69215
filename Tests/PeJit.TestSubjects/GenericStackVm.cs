namespace PeJit.TestSubjects;

/// <summary>
/// A stack VM whose operand stack is a generic class of its own, <see cref="ValueStack{T}"/> over <c>long</c>, and one over the
/// framework's <see cref="Stack{T}"/> (<see cref="RunOnFrameworkStack"/>): the shape many tutorials give a VM. The stack's
/// methods are generic code the specializer inlines with <c>T</c> = <c>long</c>.
/// </summary>
public static class GenericStackVm
{
    public enum Op : byte { Push, Add, Sub, Dup, Swap, Jnz, Pop, Halt, Over }

    /// <summary>The program: operations and their arguments (a pushed constant, a jump's target).</summary>
    [JitImmutable]
    public sealed class Code(Op[] ops, long[] args)
    {
        public readonly Op[] Ops = ops;
        public readonly long[] Args = args;
    }

    [JitPortal(Greens = ["pc", "code"], Reds = ["stack"])]
    public static long Run(Code code, ValueStack<long> stack)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, stack);
            switch (code.Ops[pc])
            {
                case Op.Push: stack.Push(code.Args[pc]); pc++; break;
                case Op.Add: { long b = stack.Pop(), a = stack.Pop(); stack.Push(a + b); pc++; break; }
                case Op.Sub: { long b = stack.Pop(), a = stack.Pop(); stack.Push(a - b); pc++; break; }
                case Op.Dup: stack.Push(stack.Peek()); pc++; break;
                case Op.Over: { long b = stack.Pop(), a = stack.Peek(); stack.Push(b); stack.Push(a); pc++; break; }
                case Op.Swap: { long b = stack.Pop(), a = stack.Pop(); stack.Push(b); stack.Push(a); pc++; break; }
                case Op.Pop: stack.Pop(); pc++; break;
                case Op.Jnz:
                    if (stack.Pop() != 0) { pc = (int)code.Args[pc]; Jit.CanEnterJit(pc, code, stack); }
                    else pc++;
                    break;
                case Op.Halt: return stack.Pop();
            }
        }
    }

    [JitPortal(Greens = ["pc", "code"], Reds = ["stack"])]
    public static long RunOnFrameworkStack(Code code, Stack<long> stack)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, stack);
            switch (code.Ops[pc])
            {
                case Op.Push: stack.Push(code.Args[pc]); pc++; break;
                case Op.Add: { long b = stack.Pop(), a = stack.Pop(); stack.Push(a + b); pc++; break; }
                case Op.Sub: { long b = stack.Pop(), a = stack.Pop(); stack.Push(a - b); pc++; break; }
                case Op.Dup: stack.Push(stack.Peek()); pc++; break;
                case Op.Over: { long b = stack.Pop(), a = stack.Peek(); stack.Push(b); stack.Push(a); pc++; break; }
                case Op.Swap: { long b = stack.Pop(), a = stack.Pop(); stack.Push(b); stack.Push(a); pc++; break; }
                case Op.Pop: stack.Pop(); pc++; break;
                case Op.Jnz:
                    if (stack.Pop() != 0) { pc = (int)code.Args[pc]; Jit.CanEnterJit(pc, code, stack); }
                    else pc++;
                    break;
                case Op.Halt: return stack.Pop();
            }
        }
    }

    /// <summary>The sum 1 + ... + <paramref name="n"/> (at least 1) by a loop of eight operations a turn: acc += i; i -= 1; while i != 0.</summary>
    public static Code Sum(long n) => new(
        [Op.Push, Op.Push, /*2*/ Op.Swap, Op.Over, Op.Add, Op.Swap, Op.Push, Op.Sub, Op.Dup, Op.Jnz, Op.Pop, Op.Halt],
        [0, n, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0]);
}
