using System.Globalization;

namespace PeJit.Runtime;

/// <summary>
/// A positive whole number read from an environment variable: <see cref="Value"/> is null when the variable
/// is unset or its text is not a number from 1 up (the setting's default applies), and the largest value when
/// it is a number past it; <see cref="Problem"/> then says what is wrong with the text.
/// </summary>
internal sealed record EnvironmentNumber(long? Value, string? Problem)
{
    /// <summary>Reads <paramref name="name"/>, a number from 1 to <paramref name="largest"/>.</summary>
    public static EnvironmentNumber Read(string name, long largest)
    {
        string? text = Environment.GetEnvironmentVariable(name)?.Trim();
        if (string.IsNullOrEmpty(text)) return new(null, null);
        bool digits = text.TrimStart('+').Length > 0 && text.TrimStart('+').All(char.IsAsciiDigit);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            if (value < 1) return new(null, $"{name}={text} is not a number from 1 up");
            if (value <= largest) return new(value, null);
        }
        else if (!digits)
        {
            return new(null, $"{name}={text} is not a whole number");
        }
        return new(largest, string.Create(CultureInfo.InvariantCulture, $"{name}={text} is larger than the largest value, {largest}"));
    }
}
