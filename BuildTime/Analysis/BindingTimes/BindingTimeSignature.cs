namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// The binding times of a method's arguments at a call: a method is analyzed once per signature it is
/// called with (polyvariance). Printed as one letter per argument, e.g. <c>GGR</c>.
/// </summary>
public sealed record BindingTimeSignature(string Letters)
{
    /// <summary>Builds a signature from argument binding times.</summary>
    public static BindingTimeSignature Of(IEnumerable<BindingTime> arguments) =>
        new(string.Concat(arguments.Select(b => b == BindingTime.Green ? 'G' : 'R')));

    /// <summary>The binding time of argument <paramref name="index"/>.</summary>
    public BindingTime this[int index] => Letters[index] == 'G' ? BindingTime.Green : BindingTime.Red;

    /// <summary>Number of arguments.</summary>
    public int Count => Letters.Length;

    /// <inheritdoc/>
    public override string ToString() => Letters.Length == 0 ? "()" : Letters;
}
