using System.Diagnostics;
using PeJit.Runtime;
using Bf = PeJit.Examples.Brainfuck;
using Vm = PeJit.Examples.StackVm;

// dotnet run -c Release --project Examples/Demo -- [stackvm|brainfuck] [program] [args...]
string example = args.Length > 0 ? args[0] : "stackvm";
string program = args.Length > 1 ? args[1] : "long";
var arguments = args.Skip(2).Select(long.Parse).ToArray();
if (example is not ("stackvm" or "brainfuck"))
{
    Console.Error.WriteLine("usage: Demo [stackvm|brainfuck] [program] [args...]");
    return 2;
}
var programs = example == "stackvm" ? Vm.Programs.Names : Bf.Programs.Names;
if (!programs.Contains(program))
{
    Console.Error.WriteLine($"Demo: no {example} program '{program}'; the programs are: {string.Join(", ", programs)}");
    return 2;
}

Console.WriteLine($"== {example} {program}: the plain interpreter");
var plainOutput = new StringWriter();
var clock = Stopwatch.StartNew();
object plain = example == "stackvm"
    ? (object)Vm.Runner.Run(Vm.Programs.Source(program), plainOutput, arguments)
    : (object)Bf.Runner.Run(Bf.Programs.Source(program), plainOutput);
var plainTime = clock.Elapsed;
Console.Write(plainOutput);
Console.WriteLine($"result {plain}, {plainTime.TotalMilliseconds:F0} ms");

Console.WriteLine($"== {example} {program}: JIT-enabled by PeJit (analysis, specialization and compilation included)");
clock.Restart();
var jit = PortalJit.Create(example == "stackvm" ? Vm.Runner.Portal : Bf.Runner.Portal, new JitSettings { Log = Console.Out });
var setup = clock.Elapsed;
var jitOutput = new StringWriter();
clock.Restart();
object? jitted = example == "stackvm"
    ? jit.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source(program), jitOutput, arguments))
    : jit.Invoke(Bf.Runner.PortalArguments(Bf.Programs.Source(program), jitOutput));
var jitTime = clock.Elapsed;
Console.Write(jitOutput);
Console.WriteLine($"result {jitted}, {jitTime.TotalMilliseconds:F0} ms (+ {setup.TotalMilliseconds:F0} ms to analyze the interpreter)");

bool same = Equals(plain, jitted) && plainOutput.ToString() == jitOutput.ToString();
if (!same) Console.WriteLine($"   differs: result {plain} ({plain?.GetType().Name}) vs {jitted} ({jitted?.GetType().Name}); output {plainOutput.ToString().Length} vs {jitOutput.ToString().Length} characters");
Console.WriteLine($"== same output and result: {(same ? "yes" : "NO")}; speedup {plainTime / jitTime:F1}x");
return same ? 0 : 1;
