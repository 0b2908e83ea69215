using PeJit.Runtime;
using Vm = PeJit.Examples.StackVm;

namespace PeJit.Tests.Runtime;

/// <summary>A stack VM program run plain and through a <see cref="PortalJit"/>: what the differential runtime tests compare.</summary>
internal static class StackVmRuns
{
    /// <summary>The program's output and result in the plain interpreter.</summary>
    public static (string Output, long Result) Plain(string source, params long[] args)
    {
        var output = new StringWriter();
        long result = Vm.Runner.Run(source, output, args);
        return (output.ToString(), result);
    }

    /// <summary>The program's output and result JIT-enabled.</summary>
    public static (string Output, long Result) Jitted(PortalJit jit, string source, params long[] args)
    {
        var output = new StringWriter();
        long result = (long)jit.Invoke(Vm.Runner.PortalArguments(source, output, args))!;
        return (output.ToString(), result);
    }
}
