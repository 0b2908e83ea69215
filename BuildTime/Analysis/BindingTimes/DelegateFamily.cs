namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// What the analysis found at one call through a delegate (<c>Invoke</c>): the delegate type, every method the
/// analyzed assemblies turn into a delegate of that type, and those that stay calls even when the delegate is
/// green, each with its reason. The BTA report lists it at the call.
/// </summary>
/// <param name="DelegateType">The delegate type's full name.</param>
/// <param name="Members">Each member, as <c>Type::Method</c>, in the order found.</param>
/// <param name="Excluded">The members a green delegate's call is not inlined for, with the reason.</param>
public sealed record DelegateFamily(string DelegateType, IReadOnlyList<string> Members, IReadOnlyList<(string Member, string Reason)> Excluded);
