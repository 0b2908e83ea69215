using System.Reflection;
using PeJit.Examples.Brainfuck;
using PeJit.Fuzzing;
using PeJit.Fuzzing.Differential;
using PeJit.Fuzzing.Languages;
using PeJit.Fuzzing.Shrinking;
using PeJit.Fuzzing.Termination;
using PeJit.Runtime;
using PeJit.Specializer.Engine;

namespace PeJit.Tests.Fuzzing;

/// <summary>The fuzzers' own parts: generation is deterministic and gives runnable programs, shrinking finds small programs, case files keep their programs.</summary>
[TestClass]
public sealed class FuzzingMachineryTests
{
    public static IEnumerable<object[]> Languages => FuzzLanguage.All.Select(l => new object[] { l.Name });

    [TestMethod]
    [DynamicData(nameof(Languages))]
    public void TheSameSeedGivesTheSameProgramAndEveryProgramRuns(string name)
    {
        var language = FuzzLanguage.Named(name);
        for (int index = 0; index < 40; index++)
        {
            string program = FuzzSession.ProgramAt(language, 5, index);
            Assert.AreEqual(program, FuzzSession.ProgramAt(language, 5, index), "generation is deterministic");
            Assert.IsTrue(language.IsRunnable(program), $"program {index} ends within the bounds:\n{program}");
            Assert.AreEqual(language.RunPlain(program), language.RunPlain(program), "the plain interpreter is deterministic on it");
        }
        Assert.AreNotEqual(FuzzSession.ProgramAt(language, 5, 0), FuzzSession.ProgramAt(language, 6, 0));
    }

    [TestMethod]
    public void TheShrinkerFindsTheLinesThatMatter()
    {
        var language = new StackVmLanguage();
        const string program = """
            func main 0 3
                push 5
                store 1
                push 7
                print
                pop
                push 0
                load 1
                div
                ret
            end
            """;
        // The behaviour to keep: a division by zero.
        var shrunk = new Shrinker(language, p => language.RunPlain(p).Exception?.StartsWith("System.DivideByZeroException", StringComparison.Ordinal) == true)
            .Shrink(program + "\n");
        Assert.HasCount(4, language.Split(shrunk), $"the function line and three instructions:\n{shrunk}");
        StringAssert.Contains(shrunk, "div");
    }

    [TestMethod]
    public void TheShrinkerRemovesBrainfuckLoopsAsAWhole()
    {
        var language = new BrainfuckLanguage();
        var shrunk = new Shrinker(language, p => language.RunPlain(p).Output.Contains('\u0003')).Shrink("++++[>+++<-]>[-]+++.>[-]<.\n");
        Assert.AreEqual("+++.\n", shrunk);
    }

    [TestMethod]
    public void AStepBoundKeepsTheShrinkerAwayFromLoopsThatDoNotEnd()
    {
        var language = new BrainfuckLanguage();
        Assert.IsFalse(language.IsRunnable("+[]"), "a loop that never ends");
        Assert.IsFalse(language.IsRunnable("+["), "unbalanced");
        Assert.IsTrue(language.IsRunnable("+[<+]"), "walks off the tape: ends with an exception");
        var stackVm = new StackVmLanguage();
        Assert.IsFalse(stackVm.IsRunnable("func main 0 0\nL:\n    jump L\nend\n"));
        Assert.IsFalse(stackVm.IsRunnable("func main 0 0\n    call main\nend\n"), "unbounded recursion");
        Assert.IsTrue(stackVm.IsRunnable("func main 0 0\n    push 1\nend\n"), "no ret: runs off the end of the code, and throws");
    }

    [TestMethod]
    [DynamicData(nameof(Languages))]
    public void ACaseFileRunsAsTheProgramItHolds(string name)
    {
        var language = FuzzLanguage.Named(name);
        string program = FuzzSession.ProgramAt(language, 3, 1);
        var plain = language.RunPlain(program);
        var mismatch = new JittedRun(JitConfiguration.All[1], plain with { Output = plain.Output + "+-<>[].,;\n" }, new UnitCoverage(0, 0, 0, new HashSet<string>(), new HashSet<string>(), []), ["output"]);
        string text = RegressionCase.Text(language, program, mismatch, plain, "found by: a test");
        Assert.AreEqual(plain, language.RunPlain(text), "the header is a comment");
        Assert.AreEqual("tinyunits", RegressionCase.ConfigurationOf(text).Name);
        Assert.IsTrue(RegressionCase.IsOpen(text));
        if (language is BrainfuckLanguage)
            CollectionAssert.AreEqual(BfCompiler.Compile(program).Ops, BfCompiler.Compile(text).Ops);
    }

    /// <summary>Brainfuck whose JIT-enabled runs print one character more whenever the program clears a cell: a defect to find.</summary>
    private sealed class BrainfuckWithADefect : FuzzLanguage
    {
        private readonly BrainfuckLanguage real = new();

        public override string Name => real.Name;
        public override string Extension => real.Extension;
        public override MethodInfo Portal => real.Portal;
        public override IReadOnlyList<string> Operations => real.Operations;
        public override string Generate(Random random) => real.Generate(random);
        public override BoundedRun? Check(string program) => real.Check(program);
        public override Behaviour RunPlain(string program) => real.RunPlain(program);
        public override Behaviour RunWeaved(WeavedInterpreter weaved, string program, out object green) => real.RunWeaved(weaved, program, out green);
        public override IEnumerable<string> OperationsIn(string program) => real.OperationsIn(program);
        public override string? OperationAt(GreenKey key) => real.OperationAt(key);
        public override IReadOnlyList<string> Split(string program) => real.Split(program);
        public override string Join(IEnumerable<string> pieces) => real.Join(pieces);
        public override IEnumerable<string> Simplifications(string program) => real.Simplifications(program);
        public override string Comment(string text) => real.Comment(text);

        public override Behaviour RunJitted(PortalJit jit, string program, ref object? green)
        {
            var behaviour = real.RunJitted(jit, program, ref green);
            return OperationsIn(program).Contains(nameof(BfOp.Clear)) ? behaviour with { Output = behaviour.Output + "!" } : behaviour;
        }
    }

    [TestMethod]
    public void AMismatchIsShrunkSavedAndReproducedFromItsFile()
    {
        var language = new BrainfuckWithADefect();
        string folder = Directory.CreateTempSubdirectory("pejit-fuzzing-test-").FullName;
        try
        {
            var summary = FuzzSession.Run(new FuzzOptions
            {
                Language = language, Count = 6, Seed = 1, Jobs = 1, Configurations = [JitConfiguration.All[0]],
                RegressionFolder = folder, MaxShrinks = 1, MaxShrinkCandidates = 2000,
            });
            Assert.IsFalse(summary.Passed);
            Assert.IsNotEmpty(summary.Mismatches, "the generated programs clear cells");
            var first = summary.Mismatches[0];
            Assert.AreEqual(FuzzSession.ProgramAt(language, 1, first.Index), first.Program);
            Assert.AreEqual("[-]\n", first.Shrunk.Replace("[+]", "[-]"), "the smallest program that clears a cell");
            CollectionAssert.AreEqual(new[] { "output" }, first.Jitted.Differences.ToList());
            Assert.IsNotNull(first.SavedTo);
            string text = File.ReadAllText(first.SavedTo);
            Assert.IsTrue(RegressionCase.IsOpen(text));
            var configuration = RegressionCase.ConfigurationOf(text);
            Assert.AreEqual("threshold3", configuration.Name);
            Assert.IsFalse(new DifferentialRunner(language, [configuration]).Run(text).Matches, "the case file shows the defect");
            Assert.IsTrue(new DifferentialRunner(new BrainfuckLanguage(), [configuration]).Run(text).Matches, "and only the defect");
            Assert.IsTrue(summary.Mismatches.Skip(1).All(m => m.SavedTo is null && m.Shrunk == m.Program), "past --max-shrinks, mismatches are reported as found");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
