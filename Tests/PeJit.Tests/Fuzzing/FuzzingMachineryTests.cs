using PeJit.Examples.Brainfuck;
using PeJit.Fuzzing;
using PeJit.Fuzzing.Differential;
using PeJit.Fuzzing.Languages;
using PeJit.Fuzzing.Shrinking;

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
}
