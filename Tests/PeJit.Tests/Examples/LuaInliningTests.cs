using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Examples;

/// <summary>
/// Interpreted calls inlined (issue 15 item 4, <c>RunTime/Specializer/Engine/UnitSpecializer.PortalInlining.cs</c>): a
/// call of a Lua function runs the portal again on the callee's frame; with <see cref="SpecializationSettings.InlinePortalCalls"/>
/// the callee's steps are specialized inside the caller's unit, guarded on the callee's entry (red at the call: the
/// closure comes from a register). Differential first (every program prints what the plain interpreter prints, with
/// inlining and without), then structural: <c>polymorphic</c>'s loop calls no portal and no call cell.
/// </summary>
[TestClass]
public sealed class LuaInliningTests
{
    private static (PortalJit Jit, string Log) RunJitEnabled(string program, long size, bool inline, int runs = 1)
    {
        string source = Lua.Programs.Source(program);
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, size);
        var log = new StringWriter();
        var jit = PortalJit.Create(Lua.Runner.Portal, new JitSettings
        {
            Log = log,
            Specialization = SpecializationSettings.Default with { InlinePortalCalls = inline, InlineKnownPortalCalls = inline },
        });
        for (int run = 0; run < runs; run++)
        {
            var output = new StringWriter();
            jit.Invoke(Lua.Runner.PortalArguments(source, output, size));
            Assert.AreEqual(plain.ToString(), output.ToString(), $"{program} JIT-enabled (inlining {(inline ? "on" : "off")}) printed something else in run {run + 1}: {log}");
        }
        return (jit, log.ToString());
    }

    /// <summary>The instructions of each natural loop of every unit's residual graph, one list per loop.</summary>
    private static List<List<Instruction>> Loops(PortalJit jit) =>
        jit.Units.SelectMany(u =>
        {
            var graph = u.Unit.Residual;
            return NaturalLoop.Find(graph, Dominators.Compute(graph)).Select(l => l.Blocks.SelectMany(b => graph[b].Instructions).ToList());
        }).ToList();

    private static bool CallsThePortal(Instruction instruction) =>
        instruction.Method is { } method && (method.FullName.Contains("Interpreter::Run(", StringComparison.Ordinal) || method.FullName.Contains("CallCell::", StringComparison.Ordinal));

    [TestMethod]
    [DataRow("polymorphic", 20000L)]
    [DataRow("fib", 18L)]
    [DataRow("numeric", 20000L)]
    [DataRow("sieve", 20000L)]
    [DataRow("nbody", 1000L)]
    [DataRow("strings", 3000L)]
    [DataRow("errors", 3000L)]
    public void EveryProgramBehavesLikeThePlainInterpreterWithCallsInlined(string program, long size)
    {
        RunJitEnabled(program, size, inline: true, runs: 2);
        RunJitEnabled(program, size, inline: false);
    }

    [TestMethod]
    public void PolymorphicsLoopCallsNoPortal()
    {
        var (jit, log) = RunJitEnabled("polymorphic", 20000, inline: true, runs: 2);
        var loops = Loops(jit);
        Assert.IsNotEmpty(loops, "polymorphic's loop compiles: " + log);
        var calls = loops.SelectMany(l => l).Where(CallsThePortal).ToList();
        Assert.IsEmpty(calls, $"{calls.Count} calls of the portal or a call cell left in the loops: {string.Join("; ", calls.Take(3))}\n{log}");
        // Without inlining the same loop calls the portal (so the assert above tests something).
        var (plainJit, _) = RunJitEnabled("polymorphic", 20000, inline: false);
        Assert.IsTrue(Loops(plainJit).SelectMany(l => l).Any(CallsThePortal), "without inlining, the loop calls the portal");
    }
}
