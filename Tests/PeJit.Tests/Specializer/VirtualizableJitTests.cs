using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.Runtime;
using PeJit.TestSubjects;

namespace PeJit.Tests.Specializer;

/// <summary>
/// A <c>[Virtualizable]</c> frame (<see cref="VirtualFrameVm"/>), differential first: each program gives the same result and
/// leaves the same registers JIT-enabled (strict mode, threshold 3) as plain; then the structure: the loop that calls a helper
/// not given the frame keeps its registers out of memory, and the one whose helper gets the frame writes them back before
/// the call and loads them again after.
/// </summary>
[TestClass]
public sealed class VirtualizableJitTests
{
    private static readonly System.Reflection.MethodInfo Portal = typeof(VirtualFrameVm).GetMethod(nameof(VirtualFrameVm.Run))!;

    // r0 = counter, r1 = limit, r2 = accumulated, r3 = scratch.
    private static int[] Program(int helper, int every) =>
    [
        VirtualFrameVm.AddImmediate, 1, 3, 200,        // 0: r1 = r3 + 200
        VirtualFrameVm.AddImmediate, 0, 0, 1,          // 1: r0 += 1
        helper, 3, 2, 7,                               // 2: r3 = Mixed(r2, 7), or r3 = Inspected(frame, 2) (r2 += 1)
        VirtualFrameVm.AddImmediate, 2, 3, every,      // 3: r2 = r3 + every
        VirtualFrameVm.JumpIfLess, 0, 1, 1,            // 4: if r0 < r1 go to 1
        VirtualFrameVm.Halt, 2, 0, 0,                  // 5: return r2
    ];

    private static (long Result, string Registers, int Inspections) Plain(int[] code)
    {
        var frame = new VirtualFrameVmFrame(4);
        long result = VirtualFrameVm.Run(code, frame);
        return (result, string.Join(",", frame.Registers), frame.Inspections);
    }

    private static (long Result, string Registers, int Inspections, PortalJit Jit) Jitted(int[] code)
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3, Strict = true, Virtualizables = true });
        var frame = new VirtualFrameVmFrame(4);
        long result = (long)jit.Invoke(code, frame)!;
        return (result, string.Join(",", frame.Registers), frame.Inspections, jit);
    }

    [TestMethod]
    [DataRow(VirtualFrameVm.Mix)]
    [DataRow(VirtualFrameVm.Inspect)]
    public void JitEnabledIsPlain(int helper)
    {
        var code = Program(helper, 5);
        var plain = Plain(code);
        var jitted = Jitted(code);
        Assert.AreEqual(plain.Result, jitted.Result, "result");
        Assert.AreEqual(plain.Registers, jitted.Registers, "registers left in the frame");
        Assert.AreEqual(plain.Inspections, jitted.Inspections, "inspections");
        Assert.IsNotEmpty(jitted.Jit.Units, "the loop compiles");
    }

    /// <summary>The register array's loads and stores in the residual loops, and the calls there.</summary>
    private static (int Accesses, int Calls) InLoops(PortalJit jit, string helper)
    {
        int accesses = 0, calls = 0;
        foreach (var unit in jit.Units)
        {
            var graph = unit.Unit.Residual;
            foreach (var loop in NaturalLoop.Find(graph, Dominators.Compute(graph)))
            {
                // The optimized loop, not its unoptimized copy: the one the preheader's tests pass into has no load of
                // the registers left at all when its helper cannot reach them.
                var body = loop.Blocks.SelectMany(b => graph[b].Instructions).ToList();
                if (!body.Any(i => i.Method?.Name == helper)) continue;
                int here = body.Count(i => i.Opcode is Opcode.LoadElement or Opcode.StoreElement && i.TypeOperand == IrType.I64);
                if (calls == 0 || here < accesses) accesses = here;
                calls++;
            }
        }
        return (accesses, calls);
    }

    [TestMethod]
    public void AHelperWithoutTheFrameLeavesTheRegistersInSsaValues()
    {
        var (accesses, loops) = InLoops(Jitted(Program(VirtualFrameVm.Mix, 5)).Jit, nameof(VirtualFrameVm.Mixed));
        Assert.IsGreaterThan(0, loops, "a residual loop calls Mixed");
        Assert.AreEqual(0, accesses, "the loop loads or stores registers although Mixed cannot reach them");
    }

    [TestMethod]
    public void AHelperGivenTheFrameGetsWriteBacksAndLoadsAgain()
    {
        var (accesses, loops) = InLoops(Jitted(Program(VirtualFrameVm.Inspect, 5)).Jit, nameof(VirtualFrameVm.Inspected));
        Assert.IsGreaterThan(0, loops, "a residual loop calls Inspected");
        // On every turn: the write-back of what the loop stored and the loads again of what it keeps (or, where promotion
        // does not pay, the loop's own accesses): never none.
        Assert.IsGreaterThan(0, accesses, "the loop keeps registers in SSA values across a call that reads them");
    }
}
