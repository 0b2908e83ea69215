namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// The binding times of a method's arguments at a call: a method is analyzed once per signature it is
/// called with (polyvariance). Printed as one letter per argument, e.g. <c>GGR</c>; <c>C</c> is a red reference
/// whose exact class is green (<c>Jit.PromoteClass</c>).
/// </summary>
public sealed record BindingTimeSignature(string Letters)
{
    /// <summary>Builds a signature from argument binding times.</summary>
    public static BindingTimeSignature Of(IEnumerable<BindingTime> arguments) =>
        new(string.Concat(arguments.Select(b => b == BindingTime.Green ? 'G' : 'R')));

    /// <summary>Builds a signature from argument binding times and, for red ones, whether their class is green.</summary>
    public static BindingTimeSignature Of(IEnumerable<(BindingTime Time, bool ClassGreen)> arguments) =>
        new(string.Concat(arguments.Select(a => a.Time == BindingTime.Green ? 'G' : a.ClassGreen ? 'C' : 'R')));

    /// <summary>True when argument <paramref name="index"/> is a red reference whose class is green.</summary>
    public bool IsClassGreen(int index) => Letters[index] == 'C';

    /// <summary>The binding time of argument <paramref name="index"/>.</summary>
    public BindingTime this[int index] => Letters[index] == 'G' ? BindingTime.Green : BindingTime.Red;

    /// <summary>Number of arguments.</summary>
    public int Count => Letters.Length;

    /// <inheritdoc/>
    public override string ToString() => Letters.Length == 0 ? "()" : Letters;
}
