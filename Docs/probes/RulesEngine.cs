// A rules-engine probe (Examples/STYLES-FINDINGS.md, "A rules engine"): not built by the solution. To try it, put it in a
// console project (net10.0, implicit usings) that references PeJit.Hints, build, and run `pejit build` on the DLL.
// It has no Jit.CanEnterJit: pejit build accepts it with a note, and the portal gets hot at its entry (branch
// entry-cells; an unreachable `default: Jit.CanEnterJit(...)` case was needed before).
using PeJit;

// A rules engine as people write them: each rule is a small postfix program over a record's fields, compiled
// once, evaluated for every record. No loops in the rule language; the host loops over records.
enum Op { Field, Const, Add, Mul, Gt, Lt, And, Or, Not, Ret }

sealed class Rule
{
    public readonly Op[] Ops; public readonly long[] Args;
    public Rule(Op[] ops, long[] args) { Ops = ops; Args = args; }
}

static class Engine
{
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
                case Op.Field: stack[sp++] = record[arg]; break;
                case Op.Const: stack[sp++] = arg; break;
                case Op.Add: sp--; stack[sp - 1] += stack[sp]; break;
                case Op.Mul: sp--; stack[sp - 1] *= stack[sp]; break;
                case Op.Gt: sp--; stack[sp - 1] = stack[sp - 1] > stack[sp] ? 1 : 0; break;
                case Op.Lt: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0; break;
                case Op.And: sp--; stack[sp - 1] &= stack[sp]; break;
                case Op.Or: sp--; stack[sp - 1] |= stack[sp]; break;
                case Op.Not: stack[sp - 1] = stack[sp - 1] == 0 ? 1 : 0; break;
                case Op.Ret: return stack[sp - 1];
            }
        }
    }
}

static class Program
{
    static int Main(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 1000;
        // (f0 * 3 + f1 > 100 and f2 < 50) or not (f3 > f1)
        var rule = new Rule(
            [Op.Field, Op.Const, Op.Mul, Op.Field, Op.Add, Op.Const, Op.Gt, Op.Field, Op.Const, Op.Lt, Op.And, Op.Field, Op.Field, Op.Gt, Op.Not, Op.Or, Op.Ret],
            [0, 3, 0, 1, 0, 100, 0, 2, 50, 0, 0, 3, 1, 0, 0, 0, 0]);
        var rnd = new Random(1);
        var records = new long[1024][];
        for (int i = 0; i < records.Length; i++) records[i] = [rnd.Next(100), rnd.Next(100), rnd.Next(100), rnd.Next(100)];
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long hits = 0;
        for (int i = 0; i < n; i++) hits += Engine.Eval(rule, records[i & 1023]);
        Console.WriteLine(hits);
        Console.Error.WriteLine($"{n} records in {sw.ElapsedMilliseconds} ms");
        return 0;
    }
}
