extern alias hinted;
using PeJit.Analysis.BindingTimes;
using PeJit.Frontend.Construction;
using PeJit.Frontend.Resolution;
using PeJit.Generator;
using PeJit.Specializer.Engine;
using Vm = hinted::PeJit.Examples.StackVm;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// The stack VM's <c>long</c> hot loop, entered where the runtime enters it, for benchmarks of what compiling a unit
/// costs: the portal's generating extension compiled from the analysis, and the key of the largest unit a
/// JIT-enabled run of the program made.
/// </summary>
/// <param name="Engine">The generating extension, ready to specialize.</param>
/// <param name="Resolver">What resolved its members (the backends take it too).</param>
/// <param name="Key">The loop's green key.</param>
internal sealed record StackVmHotLoop(UnitSpecializer Engine, CecilReflectionResolver Resolver, GreenKey Key)
{
    public static StackVmHotLoop Load()
    {
        var portal = Vm.Runner.Portal;
        var module = AssemblyLoader.Load(portal.Module.Assembly.Location);
        var analysis = BindingTimeAnalysis.Analyze(module, m => m.MetadataToken.ToInt32() == portal.MetadataToken).Portals.Single();
        var resolver = new CecilReflectionResolver();
        var engine = new UnitSpecializer(ExtensionCompiler.Compile(analysis, resolver), resolver);
        var jit = PeJit.Runtime.PortalJit.Create(portal, new PeJit.Runtime.JitSettings { Threshold = 2 });
        jit.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source("long"), TextWriter.Null, 1000));
        return new StackVmHotLoop(engine, resolver, jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Entry);
    }
}
