using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Text;
using PeJit.Runtime;
using static PeJit.TestSubjects.ConstructingVm;

namespace PeJit.Tests.Specializer;

/// <summary>
/// Constructor inlining (<see cref="CallTreatment.InlineConstructor"/>): a <c>newobj</c> of a class whose constructor
/// does more than store its arguments becomes an <c>allocate</c> and the constructor's body, so that allocation
/// removal takes the object, and the array its constructor makes, apart. Differential first (JIT-enabled as the
/// plain interpreter, including a constructor that throws and an object that escapes), then the residual loop.
/// </summary>
[TestClass]
public sealed class ConstructorInliningTests
{
    private static readonly System.Reflection.MethodInfo Portal = typeof(PeJit.TestSubjects.ConstructingVm).GetMethod(nameof(Run))!;

    /// <summary>A loop making a frame of 3 registers on every turn and adding from it.</summary>
    private static readonly int[] MakeInLoop =
    [
        MakeAndAdd, 3,  // 0
        Count, 0,       // 1
        Loop, 0,        // 2
        Halt, 0,        // 3
    ];

    /// <summary>The same, with a frame kept (escaping into a red carried to the end) on every turn.</summary>
    private static readonly int[] MakeAndKeepInLoop =
    [
        MakeAndAdd, 2,  // 0
        Keep, 4,        // 1
        Count, 0,       // 2
        Loop, 0,        // 3
        Halt, 0,        // 4
    ];

    /// <summary>A loop whose frame has no register: the constructor throws on the first turn.</summary>
    private static readonly int[] Throwing =
    [
        Count, 0,       // 0
        MakeAndAdd, 0,  // 1
        Loop, 0,        // 2
        Halt, 0,        // 3
    ];

    /// <summary>A loop whose constructor promotes a red value: the compiled code leaves inside the inlined constructor.</summary>
    private static readonly int[] Promoting =
    [
        MakePromoting, 0, // 0
        Count, 0,         // 1
        Loop, 0,          // 2
        Halt, 0,          // 3
    ];

    private static object Plain(int[] code, long n)
    {
        try { return Run(code, n); }
        catch (Exception e) { return e.GetType().Name + ": " + e.Message; }
    }

    private static object Jitted(PortalJit jit, int[] code, long n)
    {
        try { return jit.Invoke(code, n)!; }
        catch (Exception e) { return e.GetType().Name + ": " + e.Message; }
    }

    private static PortalJit RunAll(int[] code, string backend = "cil")
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3, Strict = true }, backend);
        foreach (long n in new long[] { 1, 5, 50, 200, 1000 })
            Assert.AreEqual(Plain(code, n), Jitted(jit, code, n), $"n = {n}");
        return jit;
    }

    [TestMethod]
    [DataRow("cil")]
    [DataRow("auto")]
    public void AFrameMadeInTheLoopBehavesAsThePlainInterpreter(string backend) => RunAll(MakeInLoop, backend);

    [TestMethod]
    [DataRow("cil")]
    [DataRow("auto")]
    public void AFrameThatEscapesBehavesAsThePlainInterpreter(string backend) => RunAll(MakeAndKeepInLoop, backend);

    [TestMethod]
    [DataRow("cil")]
    [DataRow("auto")]
    public void AConstructorThatThrowsThrowsTheSame(string backend) => RunAll(Throwing, backend);

    /// <summary>An exit in the middle of an inlined constructor resumes its body, and the newobj after it is the object it made.</summary>
    [TestMethod]
    public void AnExitInsideAnInlinedConstructorResumesWithTheObject()
    {
        var jit = RunAll(Promoting);
        Assert.IsTrue(jit.Units.Any(u => u.Unit.Exits.Any(e => e.PromoteSite is not null)), "no exit at the constructor's Jit.Promote");
    }

    /// <summary>The constructor is inlined and the frame and its registers are taken apart: the loop neither allocates nor calls.</summary>
    [TestMethod]
    public void TheLoopAllocatesNoFrameAndCallsNoConstructor()
    {
        var jit = RunAll(MakeInLoop);
        Assert.IsNotEmpty(jit.Units, "no unit was compiled");
        foreach (var unit in jit.Units)
        {
            var graph = unit.Unit.Residual;
            var loops = NaturalLoop.Find(graph, Dominators.Compute(graph));
            Assert.IsNotEmpty(loops, "the unit has no loop");
            foreach (var loop in loops)
            {
                var body = loop.Blocks.SelectMany(b => graph[b].Instructions).ToList();
                var allocating = body.Where(i => i.Opcode is Opcode.NewObject or Opcode.Allocate or Opcode.NewArray
                    || (i.Method is { } m && m.Name == ".ctor")).Select(i => IrPrinter.PrintInstruction(graph, i)).ToList();
                Assert.IsEmpty(allocating, "the loop allocates or constructs:\n" + string.Join("\n", allocating) + "\n\n" + IrPrinter.Print(graph));
            }
        }
    }

    /// <summary>
    /// The frame kept in a red across the loop's turns is not made by its constructor anywhere: where the unit
    /// still needs it as an object (an exit's state) it is an <c>allocate</c> and stores of its fields; where the unit
    /// goes on after the loop (a tail reading the frame's fields) not even that.
    /// </summary>
    [TestMethod]
    public void AKeptFrameIsNeverMadeByItsConstructor()
    {
        var jit = RunAll(MakeAndKeepInLoop);
        var instructions = jit.Units.SelectMany(u => u.Unit.Residual.Blocks.SelectMany(b => u.Unit.Residual[b].Instructions)).ToList();
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.NewObject && i.Method!.DeclaringTypeName.EndsWith("Frame", StringComparison.Ordinal)),
            "a residual newobj of the frame's constructor is left");
        Assert.IsFalse(instructions.Any(i => i.Method is { Name: ".ctor" } m && m.DeclaringTypeName.Contains("Frame", StringComparison.Ordinal)),
            "a residual call of a frame constructor is left");
    }
}
