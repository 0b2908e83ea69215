using PeJit.AnalysisSubjects;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using static PeJit.AnalysisSubjects.RecordTree;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The records-and-patterns tree-walker of PeJit.AnalysisSubjects/RecordTree.cs, JIT-enabled in process against the plain
/// portal: type, positional and property patterns on green records, and a <c>switch</c> on a green string, are decided while
/// specializing, so a loop's unit is the loop's arithmetic on the environment alone; nested loops and an error raised in
/// compiled code behave as in the interpreter.
/// </summary>
[TestClass]
public sealed class RecordTreeJitTests
{
    private static PortalJit Jit() =>
        PortalJit.Create(typeof(RecordTree).GetMethod(nameof(RunWhile))!, new JitSettings { Threshold = 3, Strict = true });

    [TestMethod]
    public void ALoopsUnitHasNoPatternTestCallOrStringCompareLeft()
    {
        var jit = Jit();
        var loop = SumLoop(1000);
        var plainEnv = new long[2];
        RunWhile(loop, plainEnv, TextWriter.Null);
        var env = new long[2];
        JitDifferentialTests.AssertUnitsEntered(jit, "sum", () => jit.Invoke(loop, env, TextWriter.Null));
        CollectionAssert.AreEqual(plainEnv, env, "the environment after the loop");

        var unit = jit.Units.Single(u => ReferenceEquals(u.Unit.Entry.Values[0], loop)).Unit;
        var code = unit.Residual;
        string listing = IrPrinter.Print(code);
        var instructions = code.Blocks.SelectMany(b => code[b].Instructions).ToList();
        Assert.IsFalse(instructions.Any(i => i.Opcode is Opcode.Call or Opcode.CallVirt), "no call (no Eval, no Deconstruct, no string equality):\n" + listing);
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.IsInst), "no type test of a node:\n" + listing);
        Assert.IsTrue(instructions.Any(i => i.Opcode == Opcode.Rem), "the loop's arithmetic is there:\n" + listing);
    }

    [TestMethod]
    public void NestedLoopsAndAnErrorInCompiledCodeBehaveAsTheInterpreter()
    {
        foreach (var (name, program) in new[] { ("collatz", Collatz(3000)), ("primes", Primes(2000)) })
        {
            var plain = new StringWriter();
            Exec(program, new long[4], plain);
            var jit = Jit();
            var loop = (While)((Seq)program).Body[2];
            var jitted = new StringWriter();
            // The program's statements before its outer loop, then the loop through the JIT-enabled portal, then the rest.
            var env = new long[4];
            var body = ((Seq)program).Body;
            Exec(body[0], env, jitted);
            Exec(body[1], env, jitted);
            JitDifferentialTests.AssertUnitsEntered(jit, name, () => jit.Invoke(loop, env, jitted));
            foreach (var rest in body.Skip(3)) Exec(rest, env, jitted);
            Assert.AreEqual(plain.ToString(), jitted.ToString(), name);
        }

        var divide = DivideByZero();
        var error = Assert.ThrowsExactly<DivideByZeroException>(() => Exec(divide, new long[2], TextWriter.Null));
        var divideJit = Jit();
        var divideEnv = new long[2];
        Exec(((Seq)divide).Body[0], divideEnv, TextWriter.Null);
        Exec(((Seq)divide).Body[1], divideEnv, TextWriter.Null);
        var jittedError = Assert.ThrowsExactly<DivideByZeroException>(() => divideJit.Invoke((While)((Seq)divide).Body[2], divideEnv, TextWriter.Null));
        Assert.AreEqual(error.Message, jittedError.Message);
        CollectionAssert.AreEqual(new long[] { 0, Enumerable.Range(1, 50).Sum(i => 100L / i) }, divideEnv, "the environment when the error left the loop");
    }
}
