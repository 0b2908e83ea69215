namespace PeJit.TestSubjects;

/// <summary>
/// A class VM whose portal is virtual, on a class that is not sealed: a call of the interpreted program,
/// <c>this.Run(...)</c>, is a <c>callvirt</c> that runs an override for an object of a subclass that has one
/// (<see cref="OverridingCallVm"/>). Compiled code makes it a compiled call only behind a test of the receiver's class
/// (<c>InstancePortalCallTests</c>): an object of this class runs the callee's unit, any other makes the portal call, which
/// dispatches as the plain interpreter's does. No loops, no <c>Jit.CanEnterJit</c>: functions are compiled at the entry.
/// </summary>
public class VirtualCallVm(InstanceCallVm.Function[] functions)
{
    /// <summary>The program's functions (<see cref="InstanceCallVm"/>'s instruction set; <see cref="InstanceCallVm.Call"/> names them by index).</summary>
    public readonly InstanceCallVm.Function[] Functions = functions;

    /// <summary>Calls made from this object's functions, written before each call.</summary>
    public long Calls;

    [JitPortal(Greens = ["pc", "fn"], Reds = ["locals", "stack", "sp"])]
    public virtual long Run(InstanceCallVm.Function fn, long argument)
    {
        int pc = 0;
        var locals = new long[fn.Locals];
        locals[0] = argument;
        var stack = new long[8];
        int sp = 0;
        while (true)
        {
            Jit.MergePoint(pc, fn, locals, stack, sp);
            long arg = fn.Args[pc];
            switch (fn.Ops[pc++])
            {
                case InstanceCallVm.Const: stack[sp++] = arg; break;
                case InstanceCallVm.Load: stack[sp++] = locals[arg]; break;
                case InstanceCallVm.Add: sp--; stack[sp - 1] += stack[sp]; break;
                case InstanceCallVm.Sub: sp--; stack[sp - 1] -= stack[sp]; break;
                case InstanceCallVm.Lt: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0; break;
                case InstanceCallVm.JumpIfFalse: if (stack[--sp] == 0) pc = (int)arg; break;
                case InstanceCallVm.Call: Calls++; stack[sp - 1] = Run(Jit.Promote(Functions[arg]), stack[sp - 1]); break;
                default: return stack[sp - 1];
            }
        }
    }
}
