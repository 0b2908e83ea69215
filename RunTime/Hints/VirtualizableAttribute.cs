namespace PeJit;

/// <summary>
/// Marks an interpreter's frame class whose named fields live in registers while compiled code runs.
/// </summary>
/// <remarks>
/// Rules:
/// <list type="number">
/// <item>The named fields, and the elements of the named array fields, are read once on entry to compiled code and
/// kept in locals; they are written back when compiled code leaves.</item>
/// <item>Code outside the interpreter that reads the frame while compiled code runs sees the written-back values.</item>
/// <item>An array field is named with a trailing <c>[*]</c>, for example <c>"Stack[*]"</c>.</item>
/// </list>
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class VirtualizableAttribute : Attribute
{
    /// <summary>Creates the attribute for the named fields.</summary>
    /// <param name="fields">Field names; array fields whose elements are virtualized end in <c>[*]</c>.</param>
    public VirtualizableAttribute(params string[] fields) => Fields = fields;

    /// <summary>The virtualized field names.</summary>
    public string[] Fields { get; }
}
