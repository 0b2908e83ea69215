namespace PeJit.AnalysisSubjects;

/// <summary>
/// Portals whose green pc is read from a run-time stack, as a naive structured-control-flow (WebAssembly-style) VM
/// reads it: a branch's target from a label on a control stack, a return address from a frame on a call stack. Each is
/// an error whose advice names the read to move into the code object or promote.
/// </summary>
public static class ControlStackErrors
{
    /// <summary>A control-stack entry, written in place: <c>labels[lsp++] = new Label(...)</c>.</summary>
    public struct Label
    {
        public int Target;
        public int Height;
    }

    /// <summary>A caller's state on the call stack.</summary>
    public sealed class CallFrame(int returnPc)
    {
        public readonly int ReturnPc = returnPc;
    }

    /// <summary>Op 1 pushes a label whose target is two ops on; any other op branches to the top label's target.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["labels", "lsp"])]
    public static long TargetFromLabelStack(Code code, Label[] labels)
    {
        int pc = 0, lsp = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, labels, lsp);
            int op = code.Ops[pc];
            if (op == 0) return lsp;
            if (op == 1)
            {
                labels[lsp++] = new Label { Target = pc + 2, Height = lsp };
                pc++;
            }
            else
            {
                ref Label label = ref labels[--lsp];
                pc = label.Target;
            }
        }
    }

    /// <summary>Op 1 calls (pushes a frame and jumps to the op's constant); any other op returns to the popped frame's pc.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frames", "fp"])]
    public static long ReturnPcFromFrameStack(Code code, CallFrame[] frames)
    {
        int pc = 0, fp = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frames, fp);
            int op = code.Ops[pc];
            if (op == 0) return fp;
            if (op == 1)
            {
                frames[fp++] = new CallFrame(pc + 1);
                pc = code.Constants[pc];
            }
            else
            {
                var frame = frames[--fp];
                pc = frame.ReturnPc;
            }
        }
    }
}
