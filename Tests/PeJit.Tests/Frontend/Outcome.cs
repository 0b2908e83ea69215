using System.Collections;
using System.Reflection;

namespace PeJit.Tests.Frontend;

/// <summary>
/// What running something produced, comparable across implementations: the result printed structurally
/// (arrays element by element), or the exception's type and message.
/// </summary>
internal sealed record Outcome(string Text)
{
    public static Outcome Of(Func<object?> run)
    {
        try
        {
            return new Outcome("returned " + Describe(run()));
        }
        catch (Exception e)
        {
            while (e is TargetInvocationException { InnerException: { } inner }) e = inner;
            return new Outcome($"threw {e.GetType().FullName}: {e.Message}");
        }
    }

    public static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Describe)) + "]",
        _ => $"{value} : {value.GetType().Name}",
    };

    public override string ToString() => Text;
}
