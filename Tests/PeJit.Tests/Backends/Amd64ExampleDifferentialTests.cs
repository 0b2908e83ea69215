using PeJit.Runtime;
using PeJit.Tests.Specializer;
using Rvm = PeJit.Examples.RegisterVm;
using Tw = PeJit.Examples.TreeWalker;

namespace PeJit.Tests.Backends;

/// <summary>
/// The register machine's and the tree-walker's programs with units compiled by <c>auto</c> and by <c>amd64</c>
/// (strict mode on): the same output and result as the plain interpreter. Their loops print through a
/// <c>callvirt</c> on the output writer, which native code calls through the trampoline; the long programs' units
/// are native under <c>auto</c>.
/// </summary>
[TestClass]
public sealed class Amd64ExampleDifferentialTests
{
    private static readonly Dictionary<string, long> RegisterVmSizes = new()
    {
        ["factorial"] = 20, ["fib"] = 12, ["long"] = 3000, ["primes"] = 300,
    };

    private static readonly Dictionary<string, long> TreeWalkerSizes = new()
    {
        ["sum"] = 2000, ["fib"] = 12, ["primes"] = 300, ["collatz"] = 200, ["long"] = 3000,
    };

    public static IEnumerable<object[]> RegisterVmCases =>
        from name in Rvm.Programs.Names from backend in new[] { "auto", "amd64" } select new object[] { name, backend };

    public static IEnumerable<object[]> TreeWalkerCases =>
        from name in Tw.Programs.Names
        from evaluator in new[] { Tw.Evaluator.Switch, Tw.Evaluator.Virtual }
        from backend in new[] { "auto", "amd64" }
        select new object[] { name, evaluator, backend };

    [TestMethod]
    [DynamicData(nameof(RegisterVmCases))]
    public void RegisterVmProgramsBehaveAsThePlainInterpreter(string name, string backend)
    {
        var jit = PortalJit.Create(Rvm.Runner.Portal, new JitSettings { Threshold = 3 }, backend);
        long size = RegisterVmSizes[name];
        var plainOutput = new StringWriter();
        long plain = Rvm.Runner.Run(Rvm.Programs.Source(name), plainOutput, size);
        var output = new StringWriter();
        Assert.AreEqual(plain, jit.Invoke(Rvm.Runner.PortalArguments(Rvm.Programs.Source(name), output, size)));
        Assert.AreEqual(plainOutput.ToString(), output.ToString());
        Assert.IsTrue(jit.Units.All(u => u.Code.Backend == "amd64" || backend == "auto"));
    }

    [TestMethod]
    [DynamicData(nameof(TreeWalkerCases))]
    public void TreeWalkerProgramsBehaveAsThePlainInterpreter(string name, Tw.Evaluator evaluator, string backend)
    {
        var jit = PortalJit.Create(evaluator == Tw.Evaluator.Switch ? Tw.Runner.SwitchPortal : Tw.Runner.VirtualPortal, new JitSettings { Threshold = 3 }, backend);
        string source = Tw.Programs.Source(name);
        long[] args = [TreeWalkerSizes[name]];
        var plainOutput = new StringWriter();
        long plain = Tw.Runner.Run(source, plainOutput, evaluator, args);
        // main's own statements run plainly, each of its loops through the portal (as TreeWalkerJitTests runs them).
        var main = Tw.Syntax.Parser.Parse(source).Main!;
        var env = Tw.Runner.Environment(main, args);
        var output = new StringWriter();
        foreach (var statement in main.Body.Statements)
        {
            bool returned = statement is Tw.Ast.WhileNode loop
                ? (bool)jit.Invoke(loop, env, output)!
                : evaluator == Tw.Evaluator.Switch ? Tw.SwitchEvaluator.Exec(statement, env, output) : statement.Execute(env, output);
            if (returned) break;
        }
        Assert.AreEqual(plain, env[main.ResultSlot]);
        Assert.AreEqual(plainOutput.ToString(), output.ToString());
    }

    [TestMethod]
    public void TheRegisterVmsAndTreeWalkersLongLoopsAreNativeUnderAuto()
    {
        var log = new StringWriter();
        var vm = PortalJit.Create(Rvm.Runner.Portal, new JitSettings { Threshold = 3, Log = log }, "auto");
        vm.Invoke(Rvm.Runner.PortalArguments(Rvm.Programs.Source("long"), TextWriter.Null, 3000));
        Assert.IsNotEmpty(vm.Units);
        Assert.IsTrue(vm.Units.All(u => u.Code.Backend == "amd64"), log.ToString());
        foreach (var portal in new[] { Tw.Runner.SwitchPortal, Tw.Runner.VirtualPortal })
        {
            var walker = PortalJit.Create(portal, new JitSettings { Threshold = 3, Log = log }, "auto");
            var main = Tw.Syntax.Parser.Parse(Tw.Programs.Source("long")).Main!;
            var env = Tw.Runner.Environment(main, 3000);
            var loop = main.Body.Statements.OfType<Tw.Ast.WhileNode>().First();
            walker.Invoke(loop, env, TextWriter.Null);
            walker.Invoke(loop, env, TextWriter.Null);
            Assert.IsNotEmpty(walker.Units, log.ToString());
            Assert.IsTrue(walker.Units.All(u => u.Code.Backend == "amd64"), log.ToString());
        }
    }
}
