// A Forth probe (Examples/STYLES-FINDINGS.md, "A Forth inner interpreter"): not built by the solution. To try it, put it and
// Docs/probes/ForthProgram.cs in a console project (net10.0, implicit usings) that references PeJit.Hints, build, and run
// `pejit build` on the DLL. This is the version after the analysis's advice (ds and rs passed to the hints) and with
// Jit.CanEnterJit at a word's entry, so that recursive words compile.
// A Forth probe: threaded code in one int[] (a cell is a primitive's number, or a word's address to call), a data
// stack and a return stack in arrays, written as Forth implementers write an inner interpreter. Calls push the
// return address on the return stack; EXIT pops it; DO/LOOP keep their index and limit on the return stack too.
using PeJit;

enum Prim { Lit, Add, Sub, Mul, Mod, Dup, Drop, Swap, Over, Less, Equal, ZBranch, Branch, Call, Exit, Do, Loop, I, Print, Halt, Rot, Inc }

sealed class Forth
{
    public readonly long[] DataStack = new long[256];
    public readonly int[] ReturnStack = new int[256];
    public readonly TextWriter Out;

    public Forth(TextWriter output) { Out = output; }

    [JitPortal(Greens = ["ip", "code"], Reds = ["sp", "rp", "ds", "rs"])]
    public long Run(int[] code, int ip)
    {
        int sp = 0, rp = 0;
        long[] ds = DataStack;
        int[] rs = ReturnStack;
        while (true)
        {
            Jit.MergePoint(ip, code, sp, rp, ds, rs);
            int cell = code[ip++];
            switch ((Prim)cell)
            {
                case Prim.Lit: ds[sp++] = code[ip++]; break;
                case Prim.Add: sp--; ds[sp - 1] += ds[sp]; break;
                case Prim.Sub: sp--; ds[sp - 1] -= ds[sp]; break;
                case Prim.Mul: sp--; ds[sp - 1] *= ds[sp]; break;
                case Prim.Mod: sp--; ds[sp - 1] %= ds[sp]; break;
                case Prim.Dup: ds[sp] = ds[sp - 1]; sp++; break;
                case Prim.Drop: sp--; break;
                case Prim.Swap: { long t = ds[sp - 1]; ds[sp - 1] = ds[sp - 2]; ds[sp - 2] = t; break; }
                case Prim.Over: ds[sp] = ds[sp - 2]; sp++; break;
                case Prim.Rot: { long a = ds[sp - 3]; ds[sp - 3] = ds[sp - 2]; ds[sp - 2] = ds[sp - 1]; ds[sp - 1] = a; break; }
                case Prim.Inc: ds[sp - 1]++; break;
                case Prim.Less: sp--; ds[sp - 1] = ds[sp - 1] < ds[sp] ? -1 : 0; break;
                case Prim.Equal: sp--; ds[sp - 1] = ds[sp - 1] == ds[sp] ? -1 : 0; break;
                case Prim.ZBranch:
                {
                    int target = code[ip++];
                    if (ds[--sp] == 0)
                    {
                        bool back = target < ip;
                        ip = target;
                        if (back) Jit.CanEnterJit(ip, code, sp, rp, ds, rs);
                    }
                    break;
                }
                case Prim.Branch:
                {
                    int target = code[ip];
                    bool back = target < ip;
                    ip = target;
                    if (back) Jit.CanEnterJit(ip, code, sp, rp, ds, rs);
                    break;
                }
                case Prim.Call:
                    rs[rp++] = ip + 1;
                    ip = code[ip];
                    Jit.CanEnterJit(ip, code, sp, rp, ds, rs); // a word's entry: recursive words are loops too
                    break;
                case Prim.Exit:
                    ip = Jit.Promote(rs[--rp]);
                    break;
                case Prim.Do: // ( limit start -- ) R: ( -- limit index )
                    rs[rp++] = (int)ds[sp - 2];
                    rs[rp++] = (int)ds[sp - 1];
                    sp -= 2;
                    break;
                case Prim.Loop:
                {
                    int target = code[ip++];
                    int index = rs[rp - 1] + 1;
                    if (index < rs[rp - 2])
                    {
                        rs[rp - 1] = index;
                        ip = target;
                        Jit.CanEnterJit(ip, code, sp, rp, ds, rs);
                    }
                    else
                    {
                        rp -= 2;
                    }
                    break;
                }
                case Prim.I: ds[sp++] = rs[rp - 1]; break;
                case Prim.Print: Out.Write(ds[--sp]); Out.Write(' '); break;
                case Prim.Halt: return sp > 0 ? ds[sp - 1] : 0;
                default: throw new InvalidOperationException($"bad cell {cell} at {ip - 1}");
            }
        }
    }
}
