namespace PeJit.TestSubjects;

/// <summary>
/// A rules engine as people write them (Examples/STYLES-FINDINGS.md, "A rules engine"): each rule a small postfix
/// program over a record's fields, evaluated once per record. The rule language has no loops, so the portal has no
/// <c>Jit.CanEnterJit</c>: it gets hot at its entry, and a woven entry enters the rule's typed unit through an entry
/// cell (<c>EntryCellTests</c>). <see cref="Bucket"/> promotes a red value (a mid-step exit for each value the unit has
/// no case for yet, then a recompilation with one); <see cref="Div"/> throws the host's exception on a zero divisor.
/// </summary>
public static class RulesVm
{
    public const int Field = 0;   // push record[arg]
    public const int Const = 1;   // push arg
    public const int Add = 2;
    public const int Mul = 3;
    public const int Gt = 4;      // 1 or 0
    public const int Lt = 5;
    public const int And = 6;
    public const int Or = 7;
    public const int Not = 8;
    public const int Div = 9;     // DivideByZeroException on a zero divisor
    public const int Bucket = 10; // top = Jit.Promote(top & 3) * arg
    public const int Ret = 11;

    /// <summary>A compiled rule: an opcode and an argument per instruction.</summary>
    public sealed class Rule(int[] ops, long[] args)
    {
        public readonly int[] Ops = ops;
        public readonly long[] Args = args;
    }

    [JitPortal(Greens = ["pc", "rule"], Reds = ["record", "stack", "sp"])]
    public static long Eval(Rule rule, long[] record)
    {
        int pc = 0;
        var stack = new long[16];
        int sp = 0;
        while (true)
        {
            Jit.MergePoint(pc, rule, record, stack, sp);
            long arg = rule.Args[pc];
            switch (rule.Ops[pc++])
            {
                case Field: stack[sp++] = record[arg]; break;
                case Const: stack[sp++] = arg; break;
                case Add: sp--; stack[sp - 1] += stack[sp]; break;
                case Mul: sp--; stack[sp - 1] *= stack[sp]; break;
                case Gt: sp--; stack[sp - 1] = stack[sp - 1] > stack[sp] ? 1 : 0; break;
                case Lt: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0; break;
                case And: sp--; stack[sp - 1] &= stack[sp]; break;
                case Or: sp--; stack[sp - 1] |= stack[sp]; break;
                case Not: stack[sp - 1] = stack[sp - 1] == 0 ? 1 : 0; break;
                case Div: sp--; stack[sp - 1] /= stack[sp]; break;
                case Bucket: stack[sp - 1] = Jit.Promote(stack[sp - 1] & 3) * arg; break;
                default: return stack[sp - 1];
            }
        }
    }
}
