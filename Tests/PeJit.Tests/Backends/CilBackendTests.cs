using PeJit.Backends;
using System.Text.RegularExpressions;
using PeJit.Backends.Cil;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR.Text;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Backends;

/// <summary>Every backend case on the CIL backend, and what the CIL backend refuses.</summary>
[TestClass]
public sealed class CilBackendTests : BackendTests
{
    /// <inheritdoc/>
    protected override IBackend CreateBackend(IMemberResolver resolver) => new CilBackend(resolver);

    [TestMethod]
    public void ATryInsideAHandlerIsRefusedWithTheReason()
    {
        var graph = IrParser.Parse("""
            function "System.Int32 Demo::Nested(System.Int32)" -> i32 {
                region0: catch class "System.DivideByZeroException" handler block2
                region1: catch class "System.DivideByZeroException" handler block4
            block0(v0 (x): i32) try region0:
                v1: i32 = div v0, v0
                leave block1(v1)
            block1(v2 (r): i32):
                ret v2
            block2(v3 (e): class "System.DivideByZeroException") try region1 handler region0:
                v4: i32 = div v0, v0
                leave block1(v4)
            block4(v5 (e): class "System.DivideByZeroException") handler region1:
                v6: i32 = const 0
                leave block1(v6)
            }
            """);
        var refusal = Assert.Throws<BackendException>(() => CreateBackend(new NameResolver()).Compile(graph, typeof(CilBackendTests).Module));
        StringAssert.Contains(refusal.Message, "a try inside a handler is not supported");
    }

    /// <summary>
    /// A residual unit the specializer made (the handler VM's <c>divide</c> loop: two catch regions, two finally regions around
    /// <c>Monitor.Enter</c> with a stack slot, one more catch), its blocks renumbered in random orders, runs as the graph
    /// evaluator runs it: same result, same exit buffer, same registers and lock count, or the same exception (a division by
    /// zero caught inside the loop, an overflow thrown through the finally handlers).
    /// </summary>
    [TestMethod]
    public void AResidualUnitWithRegionsRunsAsEvaluatedInAnyBlockOrder()
    {
        var text = File.ReadAllText(Path.Combine(Golden.SourceDirectory(), "Specializer/golden/HandlerVm.divide.residual.ir"));
        int blocks = Regex.Matches(text, @"^block\d+", RegexOptions.Multiline).Count;
        var random = new Random(120715);
        for (int round = 0; round < 16; round++)
        {
            var order = round == 0 ? Enumerable.Range(0, blocks).ToArray() : Enumerable.Range(1, blocks - 1).OrderBy(_ => random.Next()).Prepend(0).ToArray();
            var renumbered = Regex.Replace(text, @"\bblock(\d+)\b", m => $"block{order[int.Parse(m.Groups[1].Value)]}");
            var graph = IrParser.Parse(renumbered);
            var resolver = new NameResolver();
            var code = CreateBackend(resolver).Compile(graph, typeof(CilBackendTests).Module);
            foreach (var (turns, dividend, first) in new[] { (1L, 0L, 0L), (3L, 0L, 5L), (2L, 600L, 1L), (2L, 6L, long.MaxValue) })
            {
                string Run(Func<object[], object?[], object?[], object?> run)
                {
                    var registers = new long[16];
                    (registers[0], registers[1], registers[2]) = (first, turns, dividend);
                    var state = new PeJit.TestSubjects.HandlerState();
                    var exit = new object?[5];
                    string outcome;
                    try
                    {
                        outcome = $"returns {run([new[] { 1, 2 }], exit, [null, null, registers, state]) ?? "null"}";
                    }
                    catch (Exception e)
                    {
                        outcome = $"throws {(e is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : e).GetType().Name}";
                    }
                    var written = exit.Select(o => o switch { int[] a => $"int[{a.Length}]", long[] => "registers", PeJit.TestSubjects.HandlerState => "state", _ => $"{o}" });
                    return $"{outcome}; exit [{string.Join(", ", written)}]; registers [{string.Join(", ", registers)}]; locked adds {state.LockedAdds}";
                }
                var evaluated = Run((constants, exit, state) => new GraphEvaluator(resolver).Evaluate(graph, constants, exit, state));
                Assert.AreEqual(evaluated, Run(code.Run), $"block i renumbered to [{string.Join(", ", order)}][i]; {turns} turns, dividend {dividend}, r0 {first}");
            }
        }
    }
}
