namespace PeJit.Specializer.Engine;

/// <summary>
/// What the runs of one <c>UnitSpecializer.Specialize</c> learned about inlining interpreted calls: the callee keys
/// refused (<see cref="InlineRefusal"/>), whether inlining is off for the unit (a run that inlined failed for
/// another reason, or too many refusals), and the notes saying so, which the unit gets.
/// </summary>
public sealed class InliningRefusals
{
    /// <summary>Runs again at most this many times for refused callees; past it, inlining is off for the unit.</summary>
    public const int MaxRefusals = 16;

    /// <summary>Callee keys whose calls stay calls.</summary>
    public HashSet<GreenKey> Keys { get; } = [];

    /// <summary>No interpreted call of this unit is inlined.</summary>
    public bool Off { get; set; }

    /// <summary>Why, one line each.</summary>
    public List<string> Notes { get; } = [];
}
