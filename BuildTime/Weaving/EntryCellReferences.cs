using Mono.Cecil;
using PeJit.Runtime;

namespace PeJit.Weaving;

/// <summary>
/// The members of PeJit.Runtime a woven entry with cells references (<c>EntryCell</c>, <c>PortalProtocol</c>'s rule on
/// the cheap way in), imported into the module being woven.
/// </summary>
/// <param name="Type"><c>EntryCell</c>.</param>
/// <param name="Integers"><c>EntryCell.Integer0..3</c>: the integer greens as <c>long</c>.</param>
/// <param name="References"><c>EntryCell.Reference0..3</c>: the reference greens.</param>
/// <param name="Code"><c>EntryCell.Code</c>: the typed code, a delegate the woven code casts to its own type.</param>
/// <param name="Enter"><c>EntryCell.Enter()</c>: the exit buffer to pass the code, or null with too little stack left.</param>
/// <param name="CellsFor"><c>PortalCounters.CellsFor(RuntimeMethodHandle, RuntimeTypeHandle, string)</c>: the portal's cells.</param>
/// <param name="Exited"><c>JitRuntime.EntryCellExited(EntryCell, object[], object[])</c>: the code left at an exit.</param>
/// <param name="IdentityHash"><c>RuntimeHelpers.GetHashCode(object)</c>: a reference green's identity, mixed into the entry's slot.</param>
internal sealed record EntryCellReferences(TypeReference Type, IReadOnlyList<FieldReference> Integers, IReadOnlyList<FieldReference> References,
    FieldReference Code, MethodReference Enter, MethodReference CellsFor, MethodReference Exited, MethodReference IdentityHash)
{
    /// <summary>The references, for <paramref name="module"/>, to the runtime in <paramref name="scope"/>.</summary>
    public static EntryCellReferences Import(ModuleDefinition module, IMetadataScope scope, TypeReference methodHandle, TypeReference hooks, TypeReference counters)
    {
        var objects = new ArrayType(module.TypeSystem.Object);
        var cell = new TypeReference(RuntimeReference.Namespace, nameof(EntryCell), module, scope);
        var integers = Enumerable.Range(0, EntryCell.MaxIntegerGreens).Select(i => new FieldReference($"Integer{i}", module.TypeSystem.Int64, cell)).ToList();
        var references = Enumerable.Range(0, EntryCell.MaxReferenceGreens).Select(i => new FieldReference($"Reference{i}", module.TypeSystem.Object, cell)).ToList();
        var code = new FieldReference(nameof(EntryCell.Code), new TypeReference("System", nameof(Delegate), module, module.TypeSystem.CoreLibrary), cell);
        var enter = new MethodReference(nameof(EntryCell.Enter), objects, cell) { HasThis = true };

        var typeHandle = new TypeReference("System", nameof(RuntimeTypeHandle), module, module.TypeSystem.CoreLibrary, valueType: true);
        var cellsFor = new MethodReference(nameof(PortalCounters.CellsFor), new ArrayType(cell), counters) { HasThis = false };
        cellsFor.Parameters.Add(new ParameterDefinition(methodHandle));
        cellsFor.Parameters.Add(new ParameterDefinition(typeHandle));
        cellsFor.Parameters.Add(new ParameterDefinition(module.TypeSystem.String));

        var exited = new MethodReference(nameof(JitRuntime.EntryCellExited), module.TypeSystem.Int32, hooks) { HasThis = false };
        exited.Parameters.Add(new ParameterDefinition(cell));
        exited.Parameters.Add(new ParameterDefinition(objects));
        exited.Parameters.Add(new ParameterDefinition(objects));
        var helpers = new TypeReference("System.Runtime.CompilerServices", "RuntimeHelpers", module, module.TypeSystem.CoreLibrary);
        var identityHash = new MethodReference("GetHashCode", module.TypeSystem.Int32, helpers) { HasThis = false };
        identityHash.Parameters.Add(new ParameterDefinition(module.TypeSystem.Object));
        return new EntryCellReferences(cell, integers, references, code, enter, cellsFor, exited, identityHash);
    }
}
