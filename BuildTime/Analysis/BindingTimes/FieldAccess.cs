namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Which fields of <c>this</c> a struct method reads and writes (<see cref="FieldWriters.AccessOfThis"/>): what
/// the analysis needs to call it on the address of a struct local whose fields have binding times of their own
/// (rule 7). A null set means "every field": the method passes <c>this</c> on, or is not a struct method.
/// </summary>
/// <param name="Reads">The fields of <c>this</c> read (<c>ldfld</c>), or null for every field.</param>
/// <param name="Writes">The fields of <c>this</c> written (<c>stfld</c>), or null for every field.</param>
internal sealed record FieldAccess(IReadOnlySet<string>? Reads, IReadOnlySet<string>? Writes)
{
    /// <summary>Any field may be read and written.</summary>
    public static readonly FieldAccess Unknown = new(null, null);

    /// <summary>A field's name as its source says it: an auto-property's backing field (<c>&lt;Op&gt;k__BackingField</c>) by its property's name.</summary>
    public static string DisplayName(string field) =>
        field.StartsWith('<') && field.IndexOf(">k__BackingField", StringComparison.Ordinal) is > 1 and var end ? field[1..end] : field;
}
