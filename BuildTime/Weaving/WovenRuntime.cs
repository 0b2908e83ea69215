using Mono.Cecil;

namespace PeJit.Weaving;

/// <summary>The members of PeJit.Runtime a woven portal references, imported into the module being woven.</summary>
/// <param name="CanEnterJit">
/// <c>JitRuntime.CanEnterJit(RuntimeMethodHandle portal, object[] state, int slot)</c>: the slow path, when a
/// counter reached zero.
/// </param>
/// <param name="Disabled"><c>PortalCounters.Disabled</c>: <c>PEJIT_DISABLE</c>, tested first.</param>
/// <param name="Resuming"><c>PortalCounters.Resuming</c>: tested at the portal's entry before counting.</param>
/// <param name="CountersFor"><c>PortalCounters.For(RuntimeMethodHandle portal)</c>: the portal's counter table.</param>
/// <param name="ThrowPending">
/// <c>JitRuntime.ThrowPending()</c>: throws the exception a step of compiled code threw
/// (<c>CanEnterJitStatus.Threw</c>); returns <c>Exception</c> so that the woven code can end with <c>throw</c>.
/// </param>
/// <param name="ResumeBeforeEntry">
/// <c>PortalCounters.ResumeBeforeEntry(RuntimeMethodHandle portal)</c>: the portal takes resumptions before its entry's code.
/// </param>
/// <param name="Cells">The members of <c>EntryCell</c> and its helpers a woven entry with cells uses (<see cref="EntryCellReferences"/>).</param>
internal sealed record WovenRuntime(MethodReference CanEnterJit, FieldReference Disabled, FieldReference Resuming, MethodReference CountersFor, MethodReference ThrowPending,
    MethodReference ResumeBeforeEntry, EntryCellReferences Cells)
{
    /// <summary>The references, for <paramref name="module"/>, to the runtime in <paramref name="scope"/>.</summary>
    public static WovenRuntime Import(ModuleDefinition module, IMetadataScope scope)
    {
        var handle = new TypeReference("System", nameof(RuntimeMethodHandle), module, module.TypeSystem.CoreLibrary, valueType: true);
        var hooks = new TypeReference(RuntimeReference.Namespace, RuntimeReference.HooksType, module, scope);
        var hook = new MethodReference("CanEnterJit", module.TypeSystem.Int32, hooks) { HasThis = false };
        hook.Parameters.Add(new ParameterDefinition(handle));
        hook.Parameters.Add(new ParameterDefinition(new ArrayType(module.TypeSystem.Object)));
        hook.Parameters.Add(new ParameterDefinition(module.TypeSystem.Int32));

        var counters = new TypeReference(RuntimeReference.Namespace, RuntimeReference.CountersType, module, scope);
        var disabled = new FieldReference("Disabled", module.TypeSystem.Boolean, counters);
        var resuming = new FieldReference("Resuming", module.TypeSystem.Int32, counters);
        var countersFor = new MethodReference("For", new ArrayType(module.TypeSystem.Int32), counters) { HasThis = false };
        countersFor.Parameters.Add(new ParameterDefinition(handle));
        var exception = new TypeReference("System", nameof(Exception), module, module.TypeSystem.CoreLibrary);
        var throwPending = new MethodReference("ThrowPending", exception, hooks) { HasThis = false };
        var resumeBeforeEntry = new MethodReference("ResumeBeforeEntry", module.TypeSystem.Void, counters) { HasThis = false };
        resumeBeforeEntry.Parameters.Add(new ParameterDefinition(handle));
        return new WovenRuntime(hook, disabled, resuming, countersFor, throwPending, resumeBeforeEntry, EntryCellReferences.Import(module, scope, handle, hooks, counters));
    }
}
